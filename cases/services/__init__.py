"""Every change of a case goes through a function here: one transaction, the transition checked, the event
written, the deadline recomputed, the permissions kept right."""

from ._common import Actor, CaseError, actor_of
from .access import record_access, sync_permissions
from .actions import allowed_actions
from .arrangements import (
    agree_arrangement,
    change_arrangement,
    record_instalment_paid,
    record_missed_installment,
    stop_arrangement,
)
from .assignment import assign_case
from .casework import (
    add_note,
    close_case,
    log_contact_attempt,
    normalise_house_number,
    normalise_postcode,
    open_case,
    open_cases_bulk,
    update_arrears,
    update_arrears_bulk,
)
from .escalation import escalate_case, escalate_overdue
from .eviction import may_vote, propose_eviction, vote_on_eviction
from .followups import add_task, complete_task, reopen_task, send_task_digests
from .handover import (
    accept_handover,
    build_dossier,
    cancel_joint_visit,
    decline_handover,
    move_joint_visit,
    next_in_chain,
    offer_handover,
    plan_joint_visit,
    record_consent,
    record_joint_visit,
    withdraw_consent,
    withdraw_handover,
)
from .notifications import mark_read, notify
from .pausing import pause_case, resume_case, resume_expired_pauses
from .privacy import anonymise_expired_cases

__all__ = [
    "Actor",
    "CaseError",
    "accept_handover",
    "anonymise_expired_cases",
    "assign_case",
    "actor_of",
    "add_note",
    "add_task",
    "allowed_actions",
    "agree_arrangement",
    "build_dossier",
    "cancel_joint_visit",
    "change_arrangement",
    "close_case",
    "complete_task",
    "decline_handover",
    "escalate_case",
    "escalate_overdue",
    "log_contact_attempt",
    "mark_read",
    "move_joint_visit",
    "next_in_chain",
    "normalise_house_number",
    "normalise_postcode",
    "notify",
    "offer_handover",
    "pause_case",
    "open_case",
    "open_cases_bulk",
    "plan_joint_visit",
    "may_vote",
    "propose_eviction",
    "record_access",
    "record_consent",
    "record_instalment_paid",
    "record_joint_visit",
    "record_missed_installment",
    "reopen_task",
    "send_task_digests",
    "resume_case",
    "resume_expired_pauses",
    "stop_arrangement",
    "sync_permissions",
    "update_arrears",
    "update_arrears_bulk",
    "vote_on_eviction",
    "withdraw_consent",
    "withdraw_handover",
]
