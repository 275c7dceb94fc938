"""The permission matrix generated from the policy table (cases/policy.py TABLE).

For a case in every status (tests/access/conftest.py STATUS_SCENARIOS: the corporation holding it, or a partner
after a hand-on), seen from every relation an organisation can have to it (POLICY_RELATIONS) and from both roles,
every action of the table is tried:

- through its service (SERVICE_CALLS, valid input): it succeeds exactly when `policy.permitted` says so, and a
  refusal is NotVisible (404) when the actor may not even see the case, ForbiddenAction (403) when it may see the
  case but its relation or role does not allow the action, CaseError (400) when the case's status does not;
- through the REST API where the action has an endpoint (API_CALLS): 2xx / 403 / 404 / 400-or-409 the same way
  (the visit outcome's endpoint addresses the visit: 404 for whoever the visit does not show to);
- on the pages (PAGE_FORMS): the form or button that does it shows exactly when it is permitted.

The permission rows agree too: the view row exists exactly when VIEW is permitted, the change row when EDIT is.
Actions no user takes on an existing case (OPEN, and the system's UPDATE_ARREARS and ESCALATE) have tests of
their own below. A new action in the table, or a new state-changing endpoint, that is not mapped here fails
`test_every_action_is_mapped` / `test_every_changing_endpoint_is_an_action`.

The scenarios are built once per module through the services; every test runs in a savepoint, and every call in
one more, rolled back after it, so each call sees the same scenario.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import policy, selectors, services
from cases.models import Arrangement, Case, EvictionProposal, FollowUp, Handover, JointVisit, JointVisitStatus
from cases.relations import Relation, relations_of
from cases.services.arrangements import add_schedule
from config.errors import BusinessError, ForbiddenAction, NotVisible
from tests.signals.test_signal_case_policy import ENDPOINTS as SIGNAL_CASE_ENDPOINTS

from . import test_permission_matrix as endpoint_matrix
from .conftest import POLICY_RELATIONS, ROLES, STATUS_SCENARIOS, tenant_data, user_of

pytestmark = pytest.mark.django_db

Action = policy.Action
OK, HIDDEN, FORBIDDEN, REFUSED = "ok", "404 NotVisible", "403 ForbiddenAction", "400 CaseError"


# --- what the table says ------------------------------------------------------------------------------------


def expected(action, allowed, relations, role):
    """The answer the policy table gives, read from `permitted` and the rule's `who` (not from `check`)."""
    if action in allowed:
        return OK
    if Action.VIEW not in allowed:
        return HIDDEN
    rule = policy.TABLE[action]
    if not any(role in rule.who.get(relation, ()) for relation in relations):
        return FORBIDDEN
    return REFUSED


class _RolledBack(Exception):
    pass


def outcome(call) -> str:
    """Run `call` in a savepoint that is always rolled back; what came of it."""
    try:
        with transaction.atomic():
            result = call()
            raise _RolledBack(result)
    except _RolledBack as done:
        return done.args[0] if isinstance(done.args[0], str) else OK
    except NotVisible:
        return HIDDEN
    except (Http404, ObjectDoesNotExist):
        return HIDDEN
    except ForbiddenAction as error:
        return f"{FORBIDDEN}: {error.message}"
    except BusinessError as error:
        return f"{REFUSED}: {error.message}" + (f" (field {error.field})" if error.field else "")


def same(got, want):
    """`got` may carry the refusal's message after the kind."""
    return got == want or got.startswith(want + ":")


# --- the service call of every action (valid input, so that only the policy can refuse) ----------------------


@dataclass
class Context:
    """A test's scenario as fresh rows, the user, and the region's organisations."""

    pr: object
    scenario: object
    user: object
    case: Case
    handover: Handover
    proposal: EvictionProposal
    visit: JointVisit
    api: APIClient

    @property
    def partner(self):
        """A chain partner of the convenant to offer the case to or visit with: never the holder, never offered."""
        return self.pr.visit_partner


def later(days=3):
    return timezone.now() + timedelta(days=days)


THROUGH_THE_API = "a read: through its API endpoint (API_CALLS)"
NOT_ON_A_CASE = "not on an existing case: test_opening_a_case_follows_the_policy"
SYSTEM_ONLY = "the system's: test_the_systems_actions_follow_the_policy"
PERMISSION_ROW = "the change_case permission row: checked against EDIT in test_the_matrix"
NARROWS_A_READ = "narrows the timeline rather than refusing it: tests/handover/test_history_consent.py"

def running_arrangement(c):
    return c.case.arrangements.filter(status="active").order_by("-pk").first()


def arrangement_of(c):
    """The case's running payment arrangement; where the scenario has none, one is made (inside the call's
    rolled-back savepoint), so that only the policy can refuse the arrangement's actions."""
    arrangement = running_arrangement(c)
    if arrangement is None:
        arrangement = Arrangement.objects.create(
            case=c.case, organisation=c.case.holder, monthly_amount="80.00", months=8,
            start_date=timezone.localdate() + timedelta(days=7),
        )
        add_schedule(arrangement)
    return arrangement


SERVICE_CALLS: dict[Action, Callable | str] = {
    Action.VIEW: lambda c: selectors.case_detail(c.user, c.case.pk),
    Action.READ_DOSSIER: THROUGH_THE_API,
    Action.READ_HISTORY: NARROWS_A_READ,
    Action.EXPORT: THROUGH_THE_API,
    Action.EDIT: PERMISSION_ROW,
    Action.OPEN: NOT_ON_A_CASE,
    Action.LOG_ATTEMPT: lambda c: services.log_contact_attempt(
        c.user, c.case, channel="phone", outcome="reached", notes="Huurder gesproken."
    ),
    Action.ARRANGE: lambda c: services.agree_arrangement(
        c.user, c.case, monthly_amount="80.00", start_date=timezone.localdate() + timedelta(days=7), months=8
    ),
    Action.RECORD_MISSED: lambda c: services.record_missed_installment(c.user, c.case, note="Termijn gemist."),
    Action.RECORD_PAID: lambda c: services.record_instalment_paid(c.user, arrangement_of(c), 1),
    Action.CHANGE_ARRANGEMENT: lambda c: services.change_arrangement(
        c.user, arrangement_of(c), monthly_amount="90.00", confirm_below_arrears=True
    ),
    Action.STOP_ARRANGEMENT: lambda c: services.stop_arrangement(c.user, arrangement_of(c), reason="Verhuist."),
    Action.ADD_NOTE: lambda c: services.add_note(c.user, c.case, text="Gebeld met de huurder."),
    Action.OFFER: lambda c: services.offer_handover(
        c.user, c.case, to_organisation=c.partner, summary="Graag overnemen.", tenant_consent=True
    ),
    Action.WITHDRAW: lambda c: services.withdraw_handover(c.user, c.handover, reason="Toch bereikt."),
    Action.ACCEPT: lambda c: services.accept_handover(c.user, c.handover),
    Action.DECLINE: lambda c: services.decline_handover(c.user, c.handover, reason="Geen capaciteit."),
    Action.PLAN_VISIT: lambda c: services.plan_joint_visit(c.user, c.case, partner=c.partner, planned_at=later()),
    Action.RECORD_VISIT: lambda c: services.record_joint_visit(c.user, c.visit, outcome="reached"),
    Action.MOVE_VISIT: lambda c: services.move_joint_visit(c.user, c.visit, planned_at=later(5)),
    Action.CANCEL_VISIT: lambda c: services.cancel_joint_visit(c.user, c.visit, reason="Huurder ziek"),
    Action.PROPOSE_EVICTION: lambda c: services.propose_eviction(c.user, c.case, reason="Weigert alle hulp."),
    Action.VOTE: lambda c: services.vote_on_eviction(c.user, c.proposal, agree=False, reason="Nog niet."),
    Action.CLOSE: lambda c: services.close_case(c.user, c.case, outcome="other", notes=""),
    Action.ASSIGN: lambda c: services.assign_case(c.user, c.case, assignee=c.user),
    Action.ADD_TASK: lambda c: services.add_task(c.user, c.case, text="Terugbellen.", due_at=later()),
    Action.COMPLETE_TASK: lambda c: services.complete_task(c.user, holder_task(c)),
    # Every scenario's case has a consent in force (the corporation's offers, version 1's tenant_consent).
    Action.RECORD_CONSENT: lambda c: services.record_consent(c.user, c.case, given=True, how="verbal"),
    Action.WITHDRAW_CONSENT: lambda c: services.withdraw_consent(c.user, c.case),
    Action.PAUSE: lambda c: services.pause_case(
        c.user, c.case, reason="opname", until=timezone.localdate() + timedelta(days=7)
    ),
    Action.RESUME: lambda c: services.resume_case(c.user, c.case),
    Action.UPDATE_ARREARS: SYSTEM_ONLY,
    Action.ESCALATE: SYSTEM_ONLY,
}


# --- the REST API endpoint of every action that has one (API.md) ---------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    name: str
    target: str  # case, handover, proposal, visit
    body: Callable | None = None

    def call(self, c):
        if self.target == "instalment":  # the running arrangement's first instalment
            args = [arrangement_of(c).pk, 1]
        elif self.target == "arrangement":
            args = [arrangement_of(c).pk]
        else:
            args = [target_id(c, self.target)]
        url = reverse(self.name, args=args)
        if self.method == "GET":
            return http(c.api.get(url))
        if self.method == "PATCH":
            return http(c.api.patch(url, self.body(c) if self.body else {}, format="json"))
        return http(c.api.post(url, self.body(c) if self.body else {}, format="json"))


def holder_task(c):
    """A follow-up task the case's holder set (made on first use, inside the call's savepoint or the test's)."""
    task, _created = FollowUp.objects.get_or_create(case=c.case, text="Matrixtaak", defaults={
        "organisation_id": c.case.holder_id, "due_at": later(1), "created_at": timezone.now(),
    })
    return task


def target_id(c, target):
    if target == "task":
        return holder_task(c).pk
    if target == "arrangement":  # the page shows the running arrangement's forms (0: none runs, none shown)
        arrangement = running_arrangement(c)
        return arrangement.pk if arrangement else 0
    return {"case": c.case.pk, "handover": c.handover.pk, "proposal": c.proposal.pk, "visit": c.visit.pk}[target]


def http(response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return OK
    kind = {404: HIDDEN, 403: FORBIDDEN, 400: REFUSED, 409: REFUSED}.get(code, f"HTTP {code}")
    return f"{kind}: {response.content.decode(errors='replace')[:200]}"


def body(data):
    return lambda c: data


API_CALLS: dict[Action, Endpoint] = {
    Action.VIEW: Endpoint("GET", "api-case-detail", "case"),
    Action.READ_DOSSIER: Endpoint("GET", "api-handover-detail", "handover"),
    Action.EXPORT: Endpoint("GET", "api-case-export", "case"),
    Action.LOG_ATTEMPT: Endpoint("POST", "api-case-contact-attempts", "case",
                                 body({"channel": "phone", "outcome": "reached", "notes": "Gesproken."})),
    Action.ARRANGE: Endpoint("POST", "api-case-arrangements", "case", lambda c: {
        "monthly_amount": "80.00", "start_date": (timezone.localdate() + timedelta(days=7)).isoformat(), "months": 8,
    }),
    Action.RECORD_MISSED: Endpoint("POST", "api-case-missed-installment", "case", body({"note": "Gemist."})),
    Action.RECORD_PAID: Endpoint("POST", "api-arrangement-instalment-paid", "instalment", body({})),
    Action.CHANGE_ARRANGEMENT: Endpoint("PATCH", "api-arrangement-detail", "arrangement",
                                        body({"monthly_amount": "90.00", "confirm_below_arrears": True})),
    Action.STOP_ARRANGEMENT: Endpoint("POST", "api-arrangement-stop", "arrangement", body({"reason": "Verhuist."})),
    Action.ADD_NOTE: Endpoint("POST", "api-case-notes", "case", body({"text": "Gebeld met de huurder."})),
    Action.OFFER: Endpoint("POST", "api-case-handover", "case", lambda c: {
        "to_organisation": c.partner.pk, "summary": "Graag overnemen.", "tenant_consent": True,
    }),
    Action.WITHDRAW: Endpoint("POST", "api-handover-withdraw", "handover", body({"reason": "Toch bereikt."})),
    Action.ACCEPT: Endpoint("POST", "api-handover-accept", "handover"),
    Action.DECLINE: Endpoint("POST", "api-handover-decline", "handover", body({"reason": "Geen capaciteit."})),
    Action.PLAN_VISIT: Endpoint("POST", "api-case-joint-visits", "case", lambda c: {
        "partner": c.partner.pk, "planned_at": later().isoformat(),
    }),
    Action.RECORD_VISIT: Endpoint("POST", "api-joint-visit-outcome", "visit", body({"outcome": "reached"})),
    Action.MOVE_VISIT: Endpoint("POST", "api-joint-visit-move", "visit",
                                lambda c: {"planned_at": later(5).isoformat()}),
    Action.CANCEL_VISIT: Endpoint("POST", "api-joint-visit-cancel", "visit", body({"reason": "Huurder ziek"})),
    Action.PROPOSE_EVICTION: Endpoint("POST", "api-case-eviction-proposal", "case",
                                      body({"reason": "Weigert alle hulp."})),
    Action.VOTE: Endpoint("POST", "api-eviction-proposal-votes", "proposal",
                          body({"agree": False, "reason": "Nog niet."})),
    Action.CLOSE: Endpoint("POST", "api-case-close", "case", body({"outcome": "other"})),
    Action.ASSIGN: Endpoint("POST", "api-case-assign", "case", lambda c: {"user": c.user.pk}),
    Action.ADD_TASK: Endpoint("POST", "api-case-tasks", "case", lambda c: {
        "text": "Terugbellen.", "due_at": later().isoformat(),
    }),
    Action.COMPLETE_TASK: Endpoint("POST", "api-task-done", "task"),
    Action.RECORD_CONSENT: Endpoint("POST", "api-case-consent", "case", body({"given": True, "how": "verbal"})),
    Action.WITHDRAW_CONSENT: Endpoint("POST", "api-case-consent-withdraw", "case"),
    Action.PAUSE: Endpoint("POST", "api-case-pause", "case", lambda c: {
        "reason": "opname", "until": (timezone.localdate() + timedelta(days=7)).isoformat(),
    }),
    Action.RESUME: Endpoint("POST", "api-case-resume", "case"),
}


# --- the form or button of every action on the pages (its URL in a form's action, or the link to its form) -----


@dataclass(frozen=True)
class PageForm:
    page: str  # "case" (the case page), "inbox", "visits" (the joint visits page)
    name: str  # the URL name the form posts to
    target: str
    link: bool = False  # a link to the form's own page counts too

    def shown(self, c, html) -> bool:
        url = re.escape(reverse(self.name, args=[target_id(c, self.target)]))
        attributes = "action|hx-post|href|hx-get" if self.link else "action|hx-post"
        return re.search(rf'(?:{attributes})="{url}"', html) is not None


PAGE_FORMS: dict[Action, PageForm] = {
    Action.LOG_ATTEMPT: PageForm("case", "cases:contact_attempt", "case", link=True),
    Action.ARRANGE: PageForm("case", "cases:arrangement", "case"),
    Action.RECORD_MISSED: PageForm("case", "cases:missed_installment", "case"),
    Action.RECORD_PAID: PageForm("case", "cases:instalment_paid", "arrangement"),
    Action.CHANGE_ARRANGEMENT: PageForm("case", "cases:arrangement_change", "arrangement"),
    Action.STOP_ARRANGEMENT: PageForm("case", "cases:arrangement_stop", "arrangement"),
    Action.ADD_NOTE: PageForm("case", "cases:note", "case"),
    Action.CLOSE: PageForm("case", "cases:close", "case"),
    Action.ASSIGN: PageForm("case", "cases:assign", "case"),
    Action.ADD_TASK: PageForm("case", "cases:task_add", "case"),
    Action.COMPLETE_TASK: PageForm("case", "cases:task_done", "task"),  # page_mismatches sets the holder's task
    Action.OFFER: PageForm("case", "cases:handover_offer", "case"),
    Action.WITHDRAW: PageForm("case", "cases:handover_withdraw", "handover"),
    Action.PLAN_VISIT: PageForm("case", "cases:joint_visit_plan", "case"),
    Action.PROPOSE_EVICTION: PageForm("case", "cases:eviction_propose", "case"),
    Action.VOTE: PageForm("case", "cases:eviction_vote", "proposal"),
    Action.ACCEPT: PageForm("inbox", "cases:handover_accept", "handover"),
    Action.DECLINE: PageForm("inbox", "cases:handover_decline", "handover"),
    Action.RECORD_VISIT: PageForm("visits", "cases:joint_visit_record", "visit"),
    Action.MOVE_VISIT: PageForm("visits", "cases:joint_visit_move", "visit"),
    Action.CANCEL_VISIT: PageForm("visits", "cases:joint_visit_cancel", "visit"),
    Action.RECORD_CONSENT: PageForm("case", "cases:consent_record", "case"),
    Action.WITHDRAW_CONSENT: PageForm("case", "cases:consent_withdraw", "case"),
    Action.PAUSE: PageForm("case", "cases:pause", "case"),
    Action.RESUME: PageForm("case", "cases:resume", "case"),
}
# The web endpoint of opening a case (not on an existing case).
OPEN_PAGE = "cases:case_new"


# --- the cells -------------------------------------------------------------------------------------------------


def _cells():
    """(scenario key, relation, role) for every relation the scenario's status has."""
    from .conftest import PARTNER_HOLDS

    cells = []
    for track, status in STATUS_SCENARIOS:
        for relation in POLICY_RELATIONS:
            if relation in ("holder", "former_holder") and track != PARTNER_HOLDS:
                continue  # while the corporation holds the case, it is the holder ("own_corporation")
            if relation == "offered" and status != "handed_over":
                continue
            if relation == "voter" and status != "eviction_proposed":
                continue
            cells.extend(((track, status), relation, role) for role in ROLES)
    return cells


CELLS = _cells()


def _cell_id(cell):
    (track, status), relation, role = cell
    return f"{status} ({track}) | {relation} | {role}"


def built(scenarios, key):
    scenario = scenarios[key]
    if isinstance(scenario, Exception):
        pytest.fail(f"the services did not build the scenario {key}: {type(scenario).__name__}: {scenario}")
    return scenario


def context(policy_scenarios, key, relation, role):
    pr, scenarios = policy_scenarios
    scenario = built(scenarios, key)
    organisation = pr.organisation(scenario, relation)
    assert organisation is not None, (key, relation)
    user = user_of(organisation, role)
    api = APIClient()
    api.force_authenticate(user=user)
    return Context(
        pr=pr,
        scenario=scenario,
        user=user,
        case=Case.objects.select_related("tenant").get(pk=scenario.case.pk),
        handover=Handover.objects.get(pk=scenario.handover.pk),
        proposal=EvictionProposal.objects.get(pk=scenario.proposal.pk),
        visit=JointVisit.objects.get(pk=scenario.visit.pk),
        api=api,
    ), organisation


@pytest.fixture(autouse=True, scope="module")
def quiet_refusals():
    """Hundreds of refused requests: Django's request log would write a warning for each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize(("key", "relation", "role"), CELLS, ids=[_cell_id(cell) for cell in CELLS])
def test_the_matrix(policy_scenarios, key, relation, role, client):
    c, organisation = context(policy_scenarios, key, relation, role)
    relations = relations_of(organisation, [c.case])[c.case.pk]
    allowed = policy.permitted(c.user, c.case)
    wrong = []

    # The permission rows (what every list and detail reads) agree with VIEW and EDIT.
    for action, codename in ((Action.VIEW, "view_case"), (Action.EDIT, "change_case")):
        has_row = selectors.cases_for(c.user, permission=codename).filter(pk=c.case.pk).exists()
        if has_row != (action in allowed):
            wrong.append(f"{codename} row {'present' if has_row else 'missing'}, but {action} "
                         f"{'not ' if action not in allowed else ''}permitted")

    # (a) the service of every action
    for action, call in SERVICE_CALLS.items():
        if isinstance(call, str):
            continue
        want = expected(action, allowed, relations, role)
        got = outcome(lambda call=call: call(c))
        if not same(got, want):
            wrong.append(f"service {action}: {got}; the policy says {want}")

    # (b) its API endpoint
    for action, endpoint in API_CALLS.items():
        want = expected(action, allowed, relations, role)
        if endpoint.target == "visit" and not visit_shows(c, organisation, allowed, relations):
            want = HIDDEN  # the endpoint addresses the visit, which does not show to this user
        if endpoint.target == "task" and Action.READ_HISTORY not in allowed:
            want = HIDDEN  # the endpoint addresses the task: casework, which this user does not read
        got = outcome(lambda endpoint=endpoint: endpoint.call(c))
        if not same(got, want):
            wrong.append(f"API {endpoint.method} {endpoint.name} ({action}): {got}; the policy says {want}")

    # (c) its form or button on the pages
    wrong += page_mismatches(c, allowed, client)

    assert not wrong, (
        f"{c.scenario.key}, {relation} {sorted(str(r) for r in relations)}, {role}; "
        f"permitted: {sorted(str(a) for a in allowed)}\n" + "\n".join(wrong)
    )


def visit_shows(c, organisation, allowed, relations):
    """A joint visit shows to the organisation that planned it, while it sees the case, and to its partner while
    the visit is planned and the partner has not left the case (DESIGN.md "Access"); to nobody else."""
    visit = c.visit
    if visit.organisation_id == organisation.pk:
        return Action.VIEW in allowed
    return (visit.partner_id == organisation.pk and visit.status == JointVisitStatus.PLANNED
            and Relation.FORMER not in relations)


def page_mismatches(c, allowed, client):
    client.force_login(c.user)
    wrong = []
    pages = {}
    holder_task(c)  # the done button shows on a task
    response = client.get(reverse("cases:detail", args=[c.case.pk]))
    want = 200 if Action.VIEW in allowed else 404
    if response.status_code != want:
        wrong.append(f"case page: {response.status_code}, want {want}")
    if response.status_code == 404 and c.case.tenant.name in response.content.decode():
        wrong.append("the case page's 404 shows the tenant")
    pages["case"] = response.content.decode()
    pages["inbox"] = pages["visits"] = ""
    if c.handover.status == "offered":  # an inbox offers answers to an open offer only
        response = client.get(reverse("cases:inbox"))
        if response.status_code == 200:
            pages["inbox"] = response.content.decode()
        elif response.status_code != 302:  # an organisation without an inbox goes to its landing page
            wrong.append(f"inbox: {response.status_code}")
    response = client.get(reverse("cases:joint_visits"))
    if response.status_code == 200:
        pages["visits"] = response.content.decode()
    elif response.status_code != 302:
        wrong.append(f"joint visits page: {response.status_code}")
    for action, form in PAGE_FORMS.items():
        shown = form.shown(c, pages[form.page])
        if shown != (action in allowed):
            wrong.append(f"page: {form.name} on the {form.page} page {'shown' if shown else 'missing'}, "
                         f"but {action} is {'' if action in allowed else 'not '}permitted")
    return wrong


# --- the actions that are not on an existing case -------------------------------------------------------------


def test_opening_a_case_follows_the_policy(policy_scenarios, client):
    """OPEN: a member of a corporation opens cases for its own tenants; anyone else is refused (403), through
    the service, the API and the page."""
    pr, _scenarios = policy_scenarios
    r = pr.region
    organisations = [*pr.chain, r.corporation, r.other_corporation, r.municipality, r.unrelated, pr.creditor]
    wrong = []
    for organisation in organisations:
        for role in ROLES:
            user = user_of(organisation, role)
            may = policy.may_open(user)
            if may != (organisation.kind == "corporation"):
                wrong.append(f"may_open {organisation.name} {role}: {may}")
            want = OK if may else FORBIDDEN
            got = outcome(lambda user=user: services.open_case(
                user, tenant=tenant_data("Nieuwe huurder"), arrears_amount="500.00", months_in_arrears=1,
            ))
            if not same(got, want):
                wrong.append(f"service open_case {organisation.name} {role}: {got}, want {want}")
            api = APIClient()
            api.force_authenticate(user=user)
            tenant = tenant_data("Nieuwe huurder")
            got = outcome(lambda api=api, tenant=tenant: http(api.post(reverse("api-case-list"), {
                "tenant": tenant, "arrears_amount": "500.00", "months_in_arrears": 1,
            }, format="json")))
            if not same(got, want):
                wrong.append(f"API POST api-case-list {organisation.name} {role}: {got}, want {want}")
            client.force_login(user)
            status = client.get(reverse(OPEN_PAGE)).status_code
            if (status == 200) != may:
                wrong.append(f"page {OPEN_PAGE} {organisation.name} {role}: {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", STATUS_SCENARIOS, ids=[f"{status} ({track})" for track, status in STATUS_SCENARIOS])
def test_the_systems_actions_follow_the_policy(policy_scenarios, key):
    """UPDATE_ARREARS (a signal) and ESCALATE (the sweep): the system's, on open cases only."""
    _pr, scenarios = policy_scenarios
    case = Case.objects.get(pk=built(scenarios, key).case.pk)
    for action, call in (
        (Action.UPDATE_ARREARS, lambda: services.update_arrears(case, arrears_amount="700.00", months_in_arrears=2)),
        (Action.ESCALATE, lambda: services.escalate_case(case, as_of=timezone.now() + timedelta(days=400))
         or f"{REFUSED}: nothing escalated"),
    ):
        want = OK if case.status in policy.TABLE[action].starts_from else REFUSED
        got = outcome(call)
        assert same(got, want), f"{action} on a {case.status} case: {got}, want {want}"
        check = outcome(lambda action=action: policy.check(policy.Actor.system(case.corporation), case, action))
        assert same(check, want), f"policy.check {action} on a {case.status} case: {check}"


# --- completeness -----------------------------------------------------------------------------------------------


def test_every_action_is_mapped():
    """A new action in the policy table must get its service call here (or say why it has none)."""
    missing = set(policy.TABLE) - set(SERVICE_CALLS)
    assert not missing, f"actions without a service call in SERVICE_CALLS: {sorted(missing)}"
    stale = set(SERVICE_CALLS) - set(policy.TABLE)
    assert not stale, f"SERVICE_CALLS names actions that are no longer in the table: {sorted(stale)}"
    assert set(API_CALLS) <= set(policy.TABLE) and set(PAGE_FORMS) <= set(policy.TABLE)
    # An action a user takes on a case through a service has its API endpoint and its form on a page.
    user_actions = {a for a, call in SERVICE_CALLS.items() if callable(call)} - set(policy.READS)
    assert user_actions <= set(API_CALLS), f"without an API endpoint: {sorted(user_actions - set(API_CALLS))}"
    assert user_actions <= set(PAGE_FORMS), f"without a form on a page: {sorted(user_actions - set(PAGE_FORMS))}"


def test_every_changing_endpoint_is_an_action():
    """Every state-changing case endpoint of the endpoint matrix (test_permission_matrix.TABLE, which itself
    fails on a case route it does not know) is the endpoint or the form of an action here."""
    mapped = {endpoint.name for endpoint in API_CALLS.values()} | {form.name for form in PAGE_FORMS.values()}
    mapped |= {"api-case-list", OPEN_PAGE}  # OPEN: test_opening_a_case_follows_the_policy
    # COMPLETE_TASK's other direction (reopen a done task): the same rule as done; each cell of the permission
    # matrix (test_permission_matrix.TABLE) and tests/cases/test_followups.py try it.
    mapped |= {"api-task-undone", "cases:task_undone"}
    # The vroegsignaal case's actions (cases.policy.SignalCaseAction): tests/signals/test_signal_case_policy.py.
    mapped |= {name for names in SIGNAL_CASE_ENDPOINTS.values() for name in names}
    changing = {endpoint.name for endpoint in endpoint_matrix.TABLE if endpoint.method == "POST"}
    missing = sorted(changing - mapped)
    assert not missing, f"state-changing endpoints that are no action of the policy matrix: {missing}"
    names = {name for _route, name in endpoint_matrix.routes()}
    stale = sorted(mapped - names)
    assert not stale, f"names in the policy matrix that are no route: {stale}"
