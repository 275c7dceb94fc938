"""The one active deadline of an open case, set after every change from the case's convenant (DESIGN.md)."""

from convenants.models import DeadlineKind
from convenants.services import deadline_for

from ..models import AttemptOutcome, CaseStatus, Escalation, Handover, HandoverStatus


def _handover_deadline_met(case) -> bool:
    return (
        case.contact_attempts.filter(outcome=AttemptOutcome.REACHED).exists()
        or case.arrangements.exists()
        or case.handovers.exists()
    )


def _candidates(case):
    """(kind, start) in the order they apply; the first one not escalated yet is the active deadline."""
    if case.status in (CaseStatus.OPEN, CaseStatus.CONTACTING) and not _handover_deadline_met(case):
        if case.first_contact_at is None:
            yield DeadlineKind.FIRST_CONTACT, case.opened_at
        yield DeadlineKind.HANDOVER, case.opened_at
    elif case.status == CaseStatus.HANDED_OVER:
        offer = case.handovers.filter(status=HandoverStatus.OFFERED).only("offered_at").first()
        if offer is not None:
            yield DeadlineKind.PICKUP, offer.offered_at
    elif case.status == CaseStatus.WITH_PARTNER:
        accepted = (
            Handover.objects.filter(case=case, status=HandoverStatus.ACCEPTED, to_organisation_id=case.holder_id)
            .order_by("-responded_at")
            .only("responded_at")
            .first()
        )
        if accepted is not None and not case.contact_attempts.filter(
            organisation_id=case.holder_id, at__gte=accepted.responded_at
        ).exists():
            yield DeadlineKind.PARTNER_CONTACT, accepted.responded_at
    yield DeadlineKind.INACTIVITY, case.last_activity_at


def recompute_deadline(case, now) -> None:
    """Set case.deadline_kind/deadline_at (not saved). A deadline instance that already escalated is passed
    over, so a sweep never meets the same instance twice; when all are, inactivity counts from `now`."""
    if not case.is_open:
        case.deadline_kind, case.deadline_at = "", None
        return
    for kind, start in _candidates(case):
        at = deadline_for(case.convenant, kind, start)
        if not Escalation.objects.filter(case=case, deadline_kind=kind, deadline_at=at).exists():
            case.deadline_kind, case.deadline_at = kind, at
            return
    case.deadline_kind = DeadlineKind.INACTIVITY
    case.deadline_at = deadline_for(case.convenant, DeadlineKind.INACTIVITY, now)
