"""The case lifecycle and who may do what: the one place that decides.

`TABLE` lists every action a person or the system can take on a case: the statuses it may start from, the status
it leads to, and who may do it (relation of their organisation to the case × role). Two functions read it:

- `check(actor, case, action)` raises the translated refusal: `NotVisible` (404) when the actor may not even see
  the case, `ForbiddenAction` (403) when their relation or role does not allow the action, `CaseError` (400)
  when the case's status does not;
- `permitted(actor, case)` returns the set of actions the actor may take now.

Services call `check` inside their lock; pages, templates and the API ask `permitted`. The permission rows
(cases.services.access) are derived from the same table (`grants`).
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import BusinessError, ForbiddenAction, NotVisible
from convenants.models import Convenant, DeadlineKind
from partners.models import Membership, Organisation, OrganisationKind, Role
from signals.models import ArrearsSignal, SignalCase

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RESOLVING_OUTCOMES,
    ArrangementStatus,
    CaseStatus,
    Handover,
    HandoverStatus,
    JointVisitStatus,
)
from .relations import Relation, relations_of


class CaseError(BusinessError):
    """A case rule refused the change; the message is for the user."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a person of an organisation, or the system (escalation, signal import)."""

    user: object | None
    organisation: Organisation | None
    role: str | None

    @property
    def is_system(self):
        return self.user is None

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @classmethod
    def system(cls, organisation=None):
        return cls(user=None, organisation=organisation, role=None)


def actor_of(user) -> Actor:
    """The acting user with their organisation and role; refused when they belong to none."""
    if isinstance(user, Actor):
        return user
    try:
        membership = user.membership
    except (Membership.DoesNotExist, AttributeError):
        raise ForbiddenAction(_("You are not linked to an organisation.")) from None
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


def _actor_or_none(user) -> Actor | None:
    try:
        return actor_of(user)
    except ForbiddenAction:
        return None


class Action(StrEnum):
    VIEW = "view"  # the case: its tenant's contact data, arrears, status, deadline
    READ_HISTORY = "read_history"  # what was done on it: the whole timeline (attempts, notes, arrangements)
    READ_DOSSIER = "read_dossier"  # a handover's dossier
    EXPORT = "export"  # the case's personal data (right of access)
    EDIT = "edit"  # any change to the case file (the change_case permission row)
    OPEN = "open"
    LOG_ATTEMPT = "log_attempt"
    ARRANGE = "arrange"
    RECORD_MISSED = "record_missed"
    ADD_NOTE = "add_note"
    OFFER = "offer"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    DECLINE = "decline"
    PLAN_VISIT = "plan_visit"
    RECORD_VISIT = "record_visit"
    MOVE_VISIT = "move_visit"  # a planned joint visit to another time (check_visit: the planner, still planned)
    CANCEL_VISIT = "cancel_visit"
    PROPOSE_EVICTION = "propose_eviction"
    VOTE = "vote"
    CLOSE = "close"
    RECORD_CONSENT = "record_consent"  # the tenant's consent to sharing the case file with chain partners
    WITHDRAW_CONSENT = "withdraw_consent"
    UPDATE_ARREARS = "update_arrears"  # the system, from a signal
    ESCALATE = "escalate"  # the system, when a deadline passes
    ASSIGN = "assign"  # who of the holder works the case (may_assign: a caseworker only themself)
    # The running payment arrangement (check_arrangement: it must still be active).
    RECORD_PAID = "record_paid"
    CHANGE_ARRANGEMENT = "change_arrangement"  # new terms: a new version of the arrangement
    STOP_ARRANGEMENT = "stop_arrangement"  # with a reason; the case goes back to contacting
    PAUSE = "pause"  # pause the clock of the active deadline (not a pickup deadline; not while paused)
    RESUME = "resume"  # start the clock again (only while paused; the system when the pause ends)
    ADD_TASK = "add_task"  # a follow-up task (check_task_assignee: for a member of the holder)
    COMPLETE_TASK = "complete_task"  # mark a follow-up task done or open again (check_task: the holder's own)


# Sentinels for `to`: the status the case had before the offer or proposal; the one the outcome chooses.
PREVIOUS = "previous"
BY_OUTCOME = "by_outcome"
BY_VOTES = "by_votes"  # evicted once every party agreed, PREVIOUS as soon as one disagrees, else unchanged

ALL_ROLES = frozenset({Role.CASEWORKER, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})
ALL_STATUSES = frozenset(CaseStatus.values)
OPEN = frozenset(OPEN_STATUSES)
# Where the holder works the case itself: no offer and no eviction vote is waiting.
WORKABLE = frozenset({CaseStatus.OPEN, CaseStatus.CONTACTING, CaseStatus.ARRANGEMENT, CaseStatus.WITH_PARTNER})
HOLDER = {Relation.HOLDER: ALL_ROLES}
HOLDER_OR_CORPORATION = {Relation.HOLDER: ALL_ROLES, Relation.CORPORATION: ALL_ROLES}


@dataclass(frozen=True)
class Rule:
    starts_from: frozenset
    to: object  # a status, a {from: to} mapping (others stay), PREVIOUS, BY_OUTCOME, BY_VOTES or None (unchanged)
    who: dict = field(default_factory=dict)  # relation → roles
    system: bool = False  # the system (sweep, signal import) may do it too
    refused: dict = field(default_factory=dict)  # status → message, when that status refuses it
    # Relations in `who` that allow the action only while the tenant's consent to share the case file is in force.
    with_consent: frozenset = frozenset()
    forbidden: object = _("Your organisation cannot do this on this case.")
    # A condition on the case beyond its status: case → the refusal (400), or None when it holds.
    when: object = None


TABLE: dict[Action, Rule] = {
    Action.VIEW: Rule(
        ALL_STATUSES, None, system=True,
        who={**HOLDER_OR_CORPORATION, Relation.OFFERED: ALL_ROLES, Relation.VOTER: MANAGERS, Relation.VOTED: MANAGERS},
    ),
    # The landlord's casework reaches a chain partner only with the tenant's consent (Besluit gemeentelijke
    # schuldhulpverlening): without it a partner reads the case's contact data and arrears, and its own entries.
    Action.READ_HISTORY: Rule(
        ALL_STATUSES, None, who={**HOLDER_OR_CORPORATION, Relation.OFFERED: ALL_ROLES},
        with_consent=frozenset({Relation.HOLDER, Relation.OFFERED}),
    ),
    Action.READ_DOSSIER: Rule(ALL_STATUSES, None, who={**HOLDER_OR_CORPORATION, Relation.OFFERED: ALL_ROLES}),
    Action.EXPORT: Rule(ALL_STATUSES, None, who=HOLDER_OR_CORPORATION, with_consent=frozenset({Relation.HOLDER})),
    Action.EDIT: Rule(OPEN, None, who=HOLDER_OR_CORPORATION, system=True),
    Action.OPEN: Rule(frozenset(), CaseStatus.OPEN, who={Relation.CORPORATION: ALL_ROLES}, system=True,
                      forbidden=_("Only a housing corporation can open a case.")),
    Action.LOG_ATTEMPT: Rule(
        WORKABLE, {CaseStatus.OPEN: CaseStatus.CONTACTING}, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
        refused={
            CaseStatus.HANDED_OVER: _("The case has been offered to a chain partner; withdraw the offer first."),
            CaseStatus.EVICTION_PROPOSED: _("An eviction proposal is pending; wait for the vote."),
        },
    ),
    Action.ARRANGE: Rule(
        frozenset({CaseStatus.OPEN, CaseStatus.CONTACTING}), CaseStatus.ARRANGEMENT, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.RECORD_MISSED: Rule(
        frozenset({CaseStatus.ARRANGEMENT}), CaseStatus.CONTACTING, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.RECORD_PAID: Rule(
        frozenset({CaseStatus.ARRANGEMENT}), None, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.CHANGE_ARRANGEMENT: Rule(
        frozenset({CaseStatus.ARRANGEMENT}), None, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.STOP_ARRANGEMENT: Rule(
        frozenset({CaseStatus.ARRANGEMENT}), CaseStatus.CONTACTING, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.ADD_NOTE: Rule(OPEN, None, who=HOLDER_OR_CORPORATION,
                          forbidden=_("Only the holder or the corporation can do this.")),
    Action.OFFER: Rule(
        WORKABLE, CaseStatus.HANDED_OVER, who=HOLDER, system=True,
        forbidden=_("Only the organisation that currently holds the case can do this."),
    ),
    Action.WITHDRAW: Rule(
        frozenset({CaseStatus.HANDED_OVER}), PREVIOUS, who=HOLDER, system=True,
        forbidden=_("Only the offering organisation can withdraw the offer."),
    ),
    Action.ACCEPT: Rule(
        frozenset({CaseStatus.HANDED_OVER}), CaseStatus.WITH_PARTNER, who={Relation.OFFERED: ALL_ROLES},
        forbidden=_("This offer was not made to your organisation."),
    ),
    Action.DECLINE: Rule(
        frozenset({CaseStatus.HANDED_OVER}), PREVIOUS, who={Relation.OFFERED: ALL_ROLES},
        forbidden=_("This offer was not made to your organisation."),
    ),
    Action.PLAN_VISIT: Rule(WORKABLE, None, who=HOLDER,
                            forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.RECORD_VISIT: Rule(WORKABLE, {CaseStatus.OPEN: CaseStatus.CONTACTING}, who=HOLDER,
                              forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.MOVE_VISIT: Rule(WORKABLE, None, who=HOLDER,
                            forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.CANCEL_VISIT: Rule(OPEN, None, who=HOLDER,
                              forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.PROPOSE_EVICTION: Rule(
        WORKABLE, CaseStatus.EVICTION_PROPOSED, who={Relation.CORPORATION: MANAGERS},
        forbidden=_("Only a manager of the corporation can propose eviction."),
    ),
    Action.VOTE: Rule(
        frozenset({CaseStatus.EVICTION_PROPOSED}), BY_VOTES, who={Relation.VOTER: MANAGERS},
        forbidden=_("Only managers of the corporation and of the chain partners vote on eviction."),
    ),
    Action.CLOSE: Rule(OPEN, BY_OUTCOME, who=HOLDER_OR_CORPORATION,
                       forbidden=_("Only the holder or the corporation can do this.")),
    # Consent concerns what the landlord may share: its own people record it; a withdrawal is always possible.
    Action.RECORD_CONSENT: Rule(OPEN, None, who={Relation.CORPORATION: ALL_ROLES},
                                forbidden=_("Only the housing corporation records the tenant's consent.")),
    Action.WITHDRAW_CONSENT: Rule(ALL_STATUSES, None, who={Relation.CORPORATION: ALL_ROLES},
                                  forbidden=_("Only the housing corporation records the tenant's consent.")),
    Action.ASSIGN: Rule(OPEN, None, who=HOLDER,
                        forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.ADD_TASK: Rule(OPEN, None, who=HOLDER,
                          forbidden=_("Only the organisation that currently holds the case can do this.")),
    Action.COMPLETE_TASK: Rule(OPEN, None, who=HOLDER,
                               forbidden=_("Only the organisation that currently holds the case can do this.")),
    # Pausing the clock: the holder's own deadlines; a pickup deadline is the offered partner's (handed_over).
    Action.PAUSE: Rule(
        WORKABLE, None, who=HOLDER,
        forbidden=_("Only the organisation that currently holds the case can do this."),
        refused={
            CaseStatus.HANDED_OVER: _("The case is waiting for a chain partner to pick it up: the pickup deadline "
                                      "cannot be paused."),
            CaseStatus.EVICTION_PROPOSED: _("An eviction proposal is pending; wait for the vote."),
        },
        when=lambda case: _pause_refusal(case),
    ),
    Action.RESUME: Rule(
        OPEN, None, who=HOLDER, system=True,
        forbidden=_("Only the organisation that currently holds the case can do this."),
        when=lambda case: None if case.paused_at is not None else _("The clock of this case is not paused."),
    ),
    Action.UPDATE_ARREARS: Rule(OPEN, None, system=True),
    Action.ESCALATE: Rule(OPEN, None, system=True),
}



def _pause_refusal(case):
    if case.paused_at is not None:
        return _("The clock of this case is paused already.")
    if case.deadline_kind == DeadlineKind.PICKUP:
        return _("The case is waiting for a chain partner to pick it up: the pickup deadline cannot be paused.")
    return None


# Actions that read rather than change: they are allowed on closed cases too.
READS = frozenset({Action.VIEW, Action.READ_HISTORY, Action.READ_DOSSIER, Action.EXPORT})



def _allows(rule: Rule, relations, role, case=None) -> bool:
    consent = case is not None and case.consent_in_force
    return any(
        role in rule.who.get(relation, ()) and (consent or relation not in rule.with_consent)
        for relation in relations
    )


def _relations(actor: Actor, case, relations):
    if relations is not None:
        return relations
    return relations_of(actor.organisation, [case])[case.pk]


def check(actor, case, action: Action, *, relations=None) -> None:
    """Raise why `actor` may not take `action` on `case` now; return when they may. `relations`: the actor's
    organisation's relations to the case, when the caller has them (cases.relations)."""
    actor = actor_of(actor)
    rule = TABLE[action]
    if action == Action.OPEN:
        return _check_open(actor, case)
    if actor.is_system:
        if not rule.system:
            raise ForbiddenAction(rule.forbidden)
    else:
        relations = _relations(actor, case, relations)
        if not _allows(TABLE[Action.VIEW], relations, actor.role):
            raise NotVisible(_("This case does not exist or is not visible to you."))
        if not _allows(rule, relations, actor.role, case):
            raise ForbiddenAction(rule.forbidden)
    if case.status not in rule.starts_from:
        raise CaseError(_refusal(rule, case))
    if rule.when is not None and (refusal := rule.when(case)) is not None:
        raise CaseError(refusal)


def _refusal(rule: Rule, case):
    if case.status in CLOSED_STATUSES:
        return _("This case is closed and can no longer be changed.")
    if case.status in rule.refused:
        return rule.refused[case.status]
    return _("This is not possible now (status: %(status)s).") % {"status": case.get_status_display()}


def _check_open(actor: Actor, corporation):
    """Opening: `case` is the corporation the case is opened for (None: the actor's own)."""
    corporation = corporation or actor.organisation
    if corporation is None or corporation.kind != OrganisationKind.CORPORATION:
        raise ForbiddenAction(TABLE[Action.OPEN].forbidden)
    if not actor.is_system and actor.organisation.pk != corporation.pk:
        raise ForbiddenAction(_("You can only open cases for your own corporation."))


def may_open(user) -> bool:
    actor = _actor_or_none(user)
    return actor is not None and actor.organisation.kind == OrganisationKind.CORPORATION


def permitted(user, case, *, relations=None) -> frozenset[Action]:
    """Every action `user` (a user or an Actor) may take on `case` now (OPEN and the system's own excluded)."""
    actor = _actor_or_none(user)
    if actor is None or actor.is_system:
        return frozenset()
    relations = _relations(actor, case, relations)
    if not _allows(TABLE[Action.VIEW], relations, actor.role):
        return frozenset()
    return frozenset(
        action
        for action, rule in TABLE.items()
        if action != Action.OPEN and rule.who and case.status in rule.starts_from
        and _allows(rule, relations, actor.role, case) and (rule.when is None or rule.when(case) is None)
    )


def permitted_many(user, cases) -> dict[int, frozenset[Action]]:
    """permitted for a page of cases, with the relations read for the page at once."""
    cases = list(cases)
    actor = _actor_or_none(user)
    if actor is None:
        return {case.pk: frozenset() for case in cases}
    relations = relations_of(actor.organisation, cases)
    return {case.pk: permitted(actor, case, relations=relations[case.pk]) for case in cases}


def next_status(action: Action, current: str) -> str:
    """The status `action` leads to from `current` (PREVIOUS / BY_OUTCOME are for the service to resolve)."""
    to = TABLE[action].to
    if to is None:
        return current
    if isinstance(to, dict):
        return to.get(current, current)
    return to


def closing_status(outcome) -> str:
    return CaseStatus.RESOLVED if outcome in RESOLVING_OUTCOMES else CaseStatus.CLOSED


def grants(relations, status) -> set[tuple[str, str]]:
    """The permission rows an organisation with `relations` to a case in `status` gets: (audience, codename)
    pairs, audience "members" (the organisation's group) or "managers" (its managers' group)."""
    rows = set()
    for codename, action in (("view_case", Action.VIEW), ("change_case", Action.EDIT)):
        rule = TABLE[action]
        if status not in rule.starts_from:
            continue
        roles = set().union(*(rule.who.get(relation, ()) for relation in relations))
        if roles >= ALL_ROLES:
            rows.add(("members", codename))
        elif roles:
            rows.add(("managers", codename))
    return rows


def visit_outcome_due(visit, now=None) -> bool:
    """A joint visit's outcome can be recorded from its planned time on, while it is planned."""
    return visit.status == JointVisitStatus.PLANNED and visit.planned_at <= (now or timezone.now())


def check_visit(actor, case, visit, action: Action, *, relations=None) -> None:
    """MOVE_VISIT / CANCEL_VISIT on one visit: `check`, then the visit must be the actor's organisation's own
    (ForbiddenAction: the invited partner asks the planner) and still planned (CaseError, 409)."""
    actor = actor_of(actor)
    check(actor, case, action, relations=relations)
    if not actor.is_system and visit.organisation_id != actor.organisation.pk:
        raise ForbiddenAction(_("Only the organisation that planned the home visit can move or cancel it."))
    if visit.status != JointVisitStatus.PLANNED:
        raise CaseError(_("This home visit has already been processed."), conflict=True)


def visit_actions(allowed, visit, organisation_id) -> frozenset[Action]:
    """What the page offers on one visit: MOVE_VISIT / CANCEL_VISIT from `allowed` (the case's permitted
    actions) while the visit is the organisation's own and planned."""
    if visit.status != JointVisitStatus.PLANNED or visit.organisation_id != organisation_id:
        return frozenset()
    return frozenset(allowed) & {Action.MOVE_VISIT, Action.CANCEL_VISIT}


def reads_handover_summary(user, handover) -> bool:
    """A handover's summary is casework: the partner reads it only when the dossier went with the tenant's
    consent (still in force); the organisation that wrote it always."""
    actor = _actor_or_none(user)
    if actor is None:
        return False
    return handover.tenant_consent or actor.organisation.pk == handover.from_organisation_id


def check_assign(actor, case, user, *, relations=None) -> None:
    """ASSIGN with its rule about the target: `check`, then `user` must be a member of the holder (CaseError on
    field "user", 400) and a caseworker may assign only themself (ForbiddenAction, 403); managers anyone of
    the holder."""
    actor = actor_of(actor)
    check(actor, case, Action.ASSIGN, relations=relations)
    if user is None or not Membership.objects.filter(user_id=user.pk, organisation_id=case.holder_id).exists():
        raise CaseError(_("Choose a member of the organisation that holds the case."), field="user")
    if not actor.is_system and not actor.is_manager and user.pk != actor.user.pk:
        raise ForbiddenAction(_("Only a manager can assign the case to a colleague."))


# --- follow-up tasks (cases.models.FollowUp) ---------------------------------------------------------------------
# A task is casework: it reads like the case's history (READ_HISTORY: the corporation always, a partner only with
# the tenant's consent in force), and the holder always reads the tasks it set itself. A partner that left the
# case (declined, withdrawn, handed on) reads none. Only the holder's own tasks are done or opened again by it.


def check_task_assignee(actor, case, user, *, relations=None) -> None:
    """ADD_TASK with its rule about the assignee: `check`, then `user` must be an active member of the holder
    (CaseError on field "assigned_to", 400)."""
    check(actor, case, Action.ADD_TASK, relations=relations)
    if user is None or not user.is_active or not Membership.objects.filter(
        user_id=user.pk, organisation_id=case.holder_id
    ).exists():
        raise CaseError(_("Choose a member of the organisation that holds the case."), field="assigned_to")


def reads_task(user, task, allowed) -> bool:
    """Whether `user` (with `allowed` = policy.permitted on the task's case) reads `task`."""
    actor = _actor_or_none(user)
    if actor is None or Action.VIEW not in allowed:
        return False
    if Action.READ_HISTORY in allowed:
        return True
    return task.organisation_id == actor.organisation.pk == task.case.holder_id


def check_task(actor, case, task, *, relations=None) -> None:
    """COMPLETE_TASK on `task`: `check`, then the task must be one the actor reads (NotVisible, 404) and the
    holder's own (ForbiddenAction, 403)."""
    actor = actor_of(actor)
    relations = _relations(actor, case, relations)
    if not reads_task(actor, task, permitted(actor, case, relations=relations)):
        raise NotVisible(_("This task does not exist or is not visible to you."))
    check(actor, case, Action.COMPLETE_TASK, relations=relations)
    if not is_holders_task(case, task):
        raise ForbiddenAction(_("Only the organisation that set this task can change it."))


def is_holders_task(case, task) -> bool:
    """A task is done and reopened only by the organisation that set it, while it holds the case."""
    return task.organisation_id == case.holder_id


def may_change_task(allowed, case, task) -> bool:
    """What the tasks panel offers on one task: COMPLETE_TASK in `allowed` (the case's permitted actions) and the
    holder's own task (check_task decides the same when it is tried)."""
    return Action.COMPLETE_TASK in allowed and is_holders_task(case, task)


def _offered_q(organisation_id):
    return Q(Exists(Handover.objects.filter(
        case_id=OuterRef("case_id"), to_organisation_id=organisation_id, status=HandoverStatus.OFFERED
    )))


# How a relation of READ_HISTORY's rule reads as a condition on FollowUp rows.
_TASK_RELATION_Q = {
    Relation.CORPORATION: lambda organisation_id: Q(case__corporation_id=organisation_id),
    Relation.HOLDER: lambda organisation_id: Q(case__holder_id=organisation_id),
    Relation.OFFERED: _offered_q,
}


def task_scope(user) -> Q:
    """`reads_task` as a query condition on FollowUp rows, from READ_HISTORY's rule (the caller also keeps to the
    cases the user may view: selectors.tasks_for)."""
    actor = _actor_or_none(user)
    if actor is None or actor.is_system:
        return Q(pk__in=[])
    organisation_id = actor.organisation.pk
    condition = Q(organisation_id=organisation_id, case__holder_id=organisation_id)
    rule = TABLE[Action.READ_HISTORY]
    for relation, roles in rule.who.items():
        if actor.role not in roles:
            continue
        relation_q = _TASK_RELATION_Q[relation](organisation_id)
        if relation in rule.with_consent:
            relation_q &= Q(case__consent_in_force=True)
        condition |= relation_q
    return condition


# Actions on one payment arrangement of the case (cases.services.arrangements): they need it running.
ARRANGEMENT_ACTIONS = frozenset({Action.RECORD_PAID, Action.CHANGE_ARRANGEMENT, Action.STOP_ARRANGEMENT})


def check_arrangement(actor, case, arrangement, action: Action, *, relations=None) -> None:
    """An action on `arrangement` of `case`: `check`, then the arrangement must be the case's and still running
    (CaseError, 400: completed, broken, changed or stopped ones are history)."""
    check(actor, case, action, relations=relations)
    if arrangement.case_id != case.pk:
        raise NotVisible(_("This case does not exist or is not visible to you."))
    if arrangement.status != ArrangementStatus.ACTIVE:
        raise CaseError(_("This payment arrangement is no longer running (%(status)s).")
                        % {"status": arrangement.get_status_display()})


def arrangement_actions(allowed, arrangement) -> frozenset[Action]:
    """What of `allowed` (policy.permitted of the case) can be done to `arrangement` now: the pages and the API
    offer these."""
    if arrangement is None or arrangement.status != ArrangementStatus.ACTIVE:
        return frozenset()
    return frozenset(allowed) & (ARRANGEMENT_ACTIONS | {Action.RECORD_MISSED})


# --- what a person may use beyond one case ---------------------------------------------------------------------


def may_oversee(user) -> bool:
    """Organisation-wide oversight (dashboard, escalations, access log): the managers of an organisation."""
    actor = _actor_or_none(user)
    return actor is not None and actor.is_manager


# --- pages: where each role lands and what its menu offers ------------------------------------------------------
# Page-level rules (not about one case): which pages of the web UI an organisation kind × role can use. The
# context processor builds the menu from `menu_for`, the root page sends each role to `landing_for`, and a page
# that a role cannot use answers 403 or sends the user to their landing page.

# Menu items, in the order the menu shows them, with the URL name each links to.
MENU_ITEMS = {
    "worklist": "cases:worklist",
    "inbox": "cases:inbox",
    "my_cases": "cases:my_cases",
    "joint_visits": "cases:joint_visits",
    "notifications": "cases:notifications",
    "dashboard": "cases:dashboard",
    "escalations": "cases:escalations",
    "access_log": "cases:access_log",
    "signal_import": "signals:import",
    "signal_cases": "signals:signal-cases",  # the vroegsignalering worklist (does_outreach)
    "signal_figures": "signals:figures",  # the monitor's figures and the DDAS report (reports_vroegsignalering)
    "tenant_export": "cases:tenant_search",
}
# Organisations that work cases (their own tenants', or handed over to them) and those that receive offers.
RECEIVING_KINDS = frozenset(
    {OrganisationKind.DEBT_ASSISTANCE, OrganisationKind.WELFARE, OrganisationKind.SOCIAL_TEAM}
)
CASE_WORKING_KINDS = RECEIVING_KINDS | {OrganisationKind.CORPORATION}
# Creditors other than the landlord: they report arrears signals and see no cases.
CREDITOR_KINDS = frozenset({OrganisationKind.UTILITY, OrganisationKind.HEALTH_INSURER})
SIGNAL_REPORTING_KINDS = CREDITOR_KINDS | {OrganisationKind.CORPORATION}
# Where a role lands: the first of these its menu holds (caseworkers: the worklist; the regisseur: the figures;
# creditors: the signal import).
LANDING_ORDER = ("worklist", "dashboard", "signal_cases", "signal_import", "notifications")


def menu_for(user) -> frozenset[str]:
    """The menu items (keys of MENU_ITEMS) `user` can use; nothing for a user without an organisation."""
    actor = _actor_or_none(user)
    if actor is None:
        return frozenset()
    kind = actor.organisation.kind
    items = {"notifications"}
    if kind in CASE_WORKING_KINDS:
        items |= {"worklist", "my_cases", "joint_visits"}
    if kind in RECEIVING_KINDS:
        items.add("inbox")
    if actor.is_manager and (kind in CASE_WORKING_KINDS or kind == OrganisationKind.MUNICIPALITY):
        items.add("dashboard")  # the municipality's: convenant-wide figures without personal data
    if actor.is_manager and kind in CASE_WORKING_KINDS:
        items |= {"escalations", "access_log"}
    if kind in SIGNAL_REPORTING_KINDS:
        items.add("signal_import")
    if actor.is_manager and kind in (OrganisationKind.CORPORATION, OrganisationKind.MUNICIPALITY):
        items.add("tenant_export")  # the right of access (tenant_exports_for decides whose data)
    if kind in RECEIVING_KINDS | {OrganisationKind.MUNICIPALITY} and does_outreach(user):
        items.add("signal_cases")  # the vroegsignalering worklist
    if reports_vroegsignalering(user):
        items.add("signal_figures")
    return frozenset(items)


def may_use(user, item: str) -> bool:
    """Whether `user` can use the page behind menu item `item`."""
    return item in menu_for(user)


def landing_for(user) -> str | None:
    """The URL name of the page `user` works from; the admin for a platform administrator without an
    organisation; None for anyone else without one."""
    items = menu_for(user)
    for item in LANDING_ORDER:
        if item in items:
            return MENU_ITEMS[item]
    if getattr(user, "is_superuser", False):
        return "admin:index"
    return None


# --- joint home visits on the visits page (who sees which visit) ---


def visit_visible(user, visit, *, relations=None) -> bool:
    """A joint home visit shows to the case's own side (whoever may view the case) and to the visit's partner,
    unless that partner has since left the case (declined, saw its offer withdrawn, handed it on). `relations`:
    the user's organisation's relations to the visit's case, when the caller has them."""
    actor = _actor_or_none(user)
    if actor is None:
        return False
    relations = _relations(actor, visit.case, relations)
    if _allows(TABLE[Action.VIEW], relations, actor.role):
        return True
    return visit.partner_id == actor.organisation.pk and Relation.FORMER not in relations


# --- the tenant's data export (AVG right of access) ------------------------------------------------------------
# A rule about a tenant across all their cases, not about one case. The corporation answers for its own tenancy:
# its managers export every case of their corporation's tenant with the signals their corporation sent. The
# household's other creditors' signals go to the municipality under the Wgs, never to the landlord: a
# municipality's managers export the household's signals of their convenants' municipalities, and no case file.
# Anyone else: the tenant is not visible (404).


class ExportScope(StrEnum):
    FULL = "full"  # the corporation's cases of the tenant, with its own signals
    SIGNALS = "signals"  # the household's signals in the municipality, no case file


@dataclass(frozen=True)
class TenantExport:
    """What one organisation's managers may export of a tenant: `tenants` and `signals` are query conditions on
    Tenant and ArrearsSignal rows; `includes_cases` whether the case files come along."""

    scope: ExportScope
    organisation: Organisation
    municipalities: frozenset = frozenset()

    @property
    def includes_cases(self) -> bool:
        return self.scope == ExportScope.FULL

    @property
    def tenants(self):
        if self.scope == ExportScope.FULL:
            return Q(corporation_id=self.organisation.pk)
        return Exists(ArrearsSignal.objects.filter(tenant_id=OuterRef("pk"), municipality__in=self.municipalities))

    @property
    def signals(self):
        if self.scope == ExportScope.FULL:
            return Q(source_id=self.organisation.pk) | Q(case__corporation_id=self.organisation.pk)
        return Q(municipality__in=self.municipalities)


def tenant_exports_for(user) -> TenantExport | None:
    """Which tenants' data `user` may export at all (the search page): None for anyone but the managers of a
    corporation, or of a municipality that is party to a convenant."""
    actor = _actor_or_none(user)
    if actor is None or actor.is_system or not actor.is_manager:
        return None
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.CORPORATION:
        return TenantExport(ExportScope.FULL, organisation)
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        municipalities = frozenset(organisation.convenants.values_list("municipality", flat=True))
        if municipalities:
            return TenantExport(ExportScope.SIGNALS, organisation, municipalities)
    return None


def may_export_tenant(user, tenant) -> TenantExport | None:
    """What `user` may export of `tenant`, or None (the caller answers 404: the tenant's existence does not leak)."""
    rule = tenant_exports_for(user)
    if rule is None or tenant is None:
        return None
    if rule.scope == ExportScope.FULL:
        return rule if tenant.corporation_id == rule.organisation.pk else None
    return rule if type(tenant).objects.filter(rule.tenants, pk=tenant.pk).exists() else None


# --- vroegsignaal cases (signals.SignalCase) ------------------------------------------------------------------
# The municipality's outreach on matched signals. An organisation stands to a vroegsignaal case as its owner (the
# municipality or the organisation doing outreach on its behalf, by the convenant) or as the debt-assistance team
# a result of further financial help referred the household to. No one else sees it: a corporation never reads
# other creditors' signals.


class SignalCaseRelation(StrEnum):
    OWNER = "owner"
    REFERRED = "referred"


class SignalCaseAction(StrEnum):
    VIEW = "view"  # the case, its signals (partner type, amount, dates), attempts and the rent-case line
    PICK_UP = "pick_up"
    LOG_CONTACT = "log_contact"  # a contact attempt (DDAS Contactpoging)
    CLOSE = "close"  # with a DDAS end result


@dataclass(frozen=True)
class SignalCaseRule:
    who: dict  # relation → roles
    open_only: bool = True  # refused on a closed case
    when: object = None  # signal case → the refusal (CaseError, 409), or None when it holds
    forbidden: object = _("Only the organisation doing the outreach can do this.")


SIGNAL_CASE_TABLE: dict[SignalCaseAction, SignalCaseRule] = {
    SignalCaseAction.VIEW: SignalCaseRule(
        {SignalCaseRelation.OWNER: ALL_ROLES, SignalCaseRelation.REFERRED: ALL_ROLES}, open_only=False
    ),
    SignalCaseAction.PICK_UP: SignalCaseRule(
        {SignalCaseRelation.OWNER: ALL_ROLES},
        when=lambda signal_case: None if signal_case.picked_up_on is None
        else _("This vroegsignaal case has been picked up already."),
    ),
    SignalCaseAction.LOG_CONTACT: SignalCaseRule({SignalCaseRelation.OWNER: ALL_ROLES}),
    SignalCaseAction.CLOSE: SignalCaseRule({SignalCaseRelation.OWNER: ALL_ROLES}),
}


def signal_case_relations(organisation, signal_case) -> frozenset:
    if organisation is None:
        return frozenset()
    relations = set()
    if signal_case.owner_id == organisation.pk:
        relations.add(SignalCaseRelation.OWNER)
    if signal_case.referred_to_id == organisation.pk:
        relations.add(SignalCaseRelation.REFERRED)
    return frozenset(relations)


def visible_signal_cases(user) -> Q:
    """The vroegsignaal cases `user` may see (VIEW), as a filter; nothing for a user without organisation."""
    actor = _actor_or_none(user)
    if actor is None or actor.organisation is None:
        return Q(pk__in=[])
    return Q(owner_id=actor.organisation.pk) | Q(referred_to_id=actor.organisation.pk)


def _signal_case_allows(rule: SignalCaseRule, relations, role) -> bool:
    return any(role in rule.who.get(relation, ()) for relation in relations)


def check_signal_case(actor, signal_case, action: SignalCaseAction) -> None:
    """Raise why `actor` may not take `action` on `signal_case` now: NotVisible (404), ForbiddenAction (403),
    CaseError (400 on a closed case, 409 when the case's state refuses)."""
    actor = actor_of(actor)
    rule = SIGNAL_CASE_TABLE[action]
    if not actor.is_system:
        relations = signal_case_relations(actor.organisation, signal_case)
        if not _signal_case_allows(SIGNAL_CASE_TABLE[SignalCaseAction.VIEW], relations, actor.role):
            raise NotVisible(_("This vroegsignaal case does not exist or is not visible to you."))
        if not _signal_case_allows(rule, relations, actor.role):
            raise ForbiddenAction(rule.forbidden)
    if rule.open_only and signal_case.closed_at is not None:
        raise CaseError(_("This vroegsignaal case is closed and can no longer be changed."))
    if rule.when is not None and (refusal := rule.when(signal_case)) is not None:
        raise CaseError(refusal, conflict=True)


def permitted_signal_case(user, signal_case) -> frozenset[SignalCaseAction]:
    """Every action `user` may take on `signal_case` now."""
    actor = _actor_or_none(user)
    if actor is None or actor.is_system:
        return frozenset()
    relations = signal_case_relations(actor.organisation, signal_case)
    if not _signal_case_allows(SIGNAL_CASE_TABLE[SignalCaseAction.VIEW], relations, actor.role):
        return frozenset()
    return frozenset(
        action
        for action, rule in SIGNAL_CASE_TABLE.items()
        if _signal_case_allows(rule, relations, actor.role)
        and not (rule.open_only and signal_case.closed_at is not None)
        and (rule.when is None or rule.when(signal_case) is None)
    )


def sees_household_names(user, signal_case) -> bool:
    """Whether the household's name on a vroegsignaal case's signals is for `user`: only the organisation doing the
    outreach; a team the case was referred to reads the case without it."""
    actor = _actor_or_none(user)
    if actor is None or actor.is_system:
        return False
    return SignalCaseRelation.OWNER in signal_case_relations(actor.organisation, signal_case)


def does_outreach(user) -> bool:
    """Whether the vroegsignalering worklist is for `user`: their organisation is a municipality, or does the
    outreach for a convenant, or has vroegsignaal cases referred to it."""
    actor = _actor_or_none(user)
    if actor is None or actor.organisation is None:
        return False
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return True
    return (
        Convenant.objects.filter(outreach_organisation=organisation).exists()
        or SignalCase.objects.filter(Q(owner=organisation) | Q(referred_to=organisation)).exists()
    )


def reports_vroegsignalering(user) -> bool:
    """The DDAS report and the monitor's figures: a manager of a municipality (for its own municipality)."""
    actor = _actor_or_none(user)
    return (
        actor is not None and actor.organisation is not None and actor.is_manager
        and actor.organisation.kind == OrganisationKind.MUNICIPALITY
    )
