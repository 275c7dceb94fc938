"""Every change of a case goes through a function here: one transaction, the transition checked, the event
written, the deadline recomputed, the permissions kept right."""

from ._common import Actor, CaseError, actor_of
from .access import record_access, sync_permissions
from .actions import allowed_actions
from .assignment import assign_case
from .casework import (
    add_note,
    agree_arrangement,
    close_case,
    log_contact_attempt,
    normalise_house_number,
    normalise_postcode,
    open_case,
    open_cases_bulk,
    record_missed_installment,
    update_arrears,
    update_arrears_bulk,
)
from .escalation import escalate_case, escalate_overdue
from .eviction import may_vote, propose_eviction, vote_on_eviction
from .handover import (
    accept_handover,
    build_dossier,
    decline_handover,
    next_in_chain,
    offer_handover,
    plan_joint_visit,
    record_consent,
    record_joint_visit,
    withdraw_consent,
    withdraw_handover,
)
from .notifications import mark_read, notify
from .privacy import anonymise_expired_cases

__all__ = [
    "Actor",
    "CaseError",
    "accept_handover",
    "anonymise_expired_cases",
    "assign_case",
    "actor_of",
    "add_note",
    "allowed_actions",
    "agree_arrangement",
    "build_dossier",
    "close_case",
    "decline_handover",
    "escalate_case",
    "escalate_overdue",
    "log_contact_attempt",
    "mark_read",
    "next_in_chain",
    "normalise_house_number",
    "normalise_postcode",
    "notify",
    "offer_handover",
    "open_case",
    "open_cases_bulk",
    "plan_joint_visit",
    "may_vote",
    "propose_eviction",
    "record_access",
    "record_consent",
    "record_joint_visit",
    "record_missed_installment",
    "sync_permissions",
    "update_arrears",
    "update_arrears_bulk",
    "vote_on_eviction",
    "withdraw_consent",
    "withdraw_handover",
]
