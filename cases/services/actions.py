"""Transitional view of the policy in the shape the pages used before cases.policy; removed once every page asks
policy.permitted directly."""

from ..models import Case
from ..policy import Action, permitted
from ..relations import Relation, relation_of


def allowed_actions(user, case: Case) -> dict[str, bool]:
    allowed = permitted(user, case)
    membership = getattr(user, "membership", None)
    relations = relation_of(membership.organisation, case) if membership else frozenset()
    return {
        "is_holder": case.is_open and Relation.HOLDER in relations,
        "is_corporation": case.is_open and Relation.CORPORATION in relations,
        "log_attempt": Action.LOG_ATTEMPT in allowed,
        "arrange": Action.ARRANGE in allowed,
        "record_missed": Action.RECORD_MISSED in allowed,
        "add_note": Action.ADD_NOTE in allowed,
        "close": Action.CLOSE in allowed,
        "offer": Action.OFFER in allowed,
        "plan_visit": Action.PLAN_VISIT in allowed,
        "propose_eviction": Action.PROPOSE_EVICTION in allowed,
    }
