"""What a user may do to a case now: the rules the case services enforce, asked beforehand so that a page offers
only the forms that will be accepted. The services still decide; they use the same status sets."""

from partners.models import Membership, Role

from ..models import CaseStatus
from .casework import ARRANGEABLE_STATUSES, ATTEMPT_BLOCKED_STATUSES
from .eviction import PROPOSABLE_STATUSES
from .handover import OFFERABLE_STATUSES


def allowed_actions(user, case) -> dict[str, bool]:
    try:
        membership = user.membership
    except (Membership.DoesNotExist, AttributeError):
        membership = None
    organisation_id = membership.organisation_id if membership else None
    is_holder = case.is_open and organisation_id == case.holder_id
    is_corporation = case.is_open and organisation_id == case.corporation_id
    is_corporation_manager = is_corporation and membership.role == Role.MANAGER
    return {
        "is_holder": is_holder,
        "is_corporation": is_corporation,
        "log_attempt": is_holder and case.status not in ATTEMPT_BLOCKED_STATUSES,
        "arrange": is_holder and case.status in ARRANGEABLE_STATUSES,
        "record_missed": is_holder and case.status == CaseStatus.ARRANGEMENT,
        "add_note": is_holder or is_corporation,
        "close": is_holder or is_corporation,
        "offer": is_holder and case.status in OFFERABLE_STATUSES,
        "plan_visit": is_holder,
        "propose_eviction": is_corporation_manager and case.status in PROPOSABLE_STATUSES,
    }
