"""The permission matrix: every case endpoint and page × the acting organisation's relation to the case × role
→ the HTTP status the product answers (DESIGN.md "Access", API.md "Errors").

Read a row as: "<method> <url name> on the case (or its handover / proposal / visit) of a world in which my
organisation is <relation>, as a <caseworker, manager>, answers <status>". A relation not named in a row is
outside the case's scope and answers 404 (never 403: existence does not leak) unless the row says otherwise.
"listed" / "absent" mean 200 with / without the world's case in the list. The scenarios are built with the
services in tests/access/conftest.py (RELATIONS says which state and which organisation give each relation),
once per module; every cell runs in a savepoint that is rolled back, so it starts from the fresh scenario.

A test below walks the URL resolver: a case-related route that is neither in TABLE nor in NOT_CASE_RELATED
fails the suite, so a new endpoint cannot escape the matrix.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseEvent, EvictionVote, FollowUp, Handover, JointVisit
from convenants.models import Convenant
from signals.models import SignalCase

from .conftest import RELATIONS, ROLES, user_of

pytestmark = pytest.mark.django_db

LISTED, ABSENT = "listed", "absent"
# The case's state refuses the change (API.md: 400 for a transition that is not allowed, 409 when it changed
# state under the caller): either answer.
STATE = frozenset({400, 409})


def cells(outside=404, **given):
    """relation → (caseworker, manager). A single value is the same for both roles; relations not given are
    outside the scope of the case and answer `outside`."""
    unknown = set(given) - set(RELATIONS)
    assert not unknown, f"unknown relation(s) {unknown}"
    table = {}
    for relation in RELATIONS:
        value = given.get(relation, outside)
        table[relation] = value if isinstance(value, tuple) else (value, value)
    return table


@dataclass(frozen=True)
class Endpoint:
    method: str
    name: str  # the URL name: "api-…" for the REST API, "cases:…" for the web UI
    target: str | None  # whose id the URL takes: case, handover, proposal, visit (None: no id)
    expect: dict = field(hash=False)
    body: Callable | None = field(default=None, hash=False, compare=False)  # world → request data
    query: Callable | None = field(default=None, hash=False, compare=False)  # world → query parameters
    shows: Callable | None = field(default=None, hash=False, compare=False)  # (world, response) → listed?
    flavour: str = "base"  # what the world needs besides the relation (conftest.build_world)

    @property
    def api(self):
        return self.name.startswith("api-")

    def url(self, world):
        if self.target == "instalment":  # the world's arrangement's first instalment
            return reverse(self.name, args=[target_id(world, "arrangement"), 1])
        args = [] if self.target is None else [target_id(world, self.target)]
        return reverse(self.name, args=args)


def world_task(world):
    """A follow-up task of the world's case, set by its holder (made on first use, inside the cell's savepoint)."""
    case = world.refreshed_case()
    task, _created = FollowUp.objects.get_or_create(case=case, text="Matrixtaak: terugbellen", defaults={
        "organisation_id": case.holder_id, "due_at": timezone.now() + timedelta(days=1), "created_at": timezone.now(),
    })
    return task


def world_signal_case(world):
    """A vroegsignaal case of the world's municipality, worked by the municipality itself (the convenant names no
    outreach organisation); made on first use, inside the cell's savepoint."""
    today = timezone.localdate()
    signal_case, _created = SignalCase.objects.get_or_create(
        municipality=world.region.convenant.municipality, postcode="7511 MX", house_number="99",
        period_start=today.replace(day=1), defaults={
            "convenant": world.region.convenant, "owner": world.region.municipality, "period_end": today,
            "matched_on": today, "case_type": "multiple", "deadline_at": timezone.now() + timedelta(days=20),
        })
    return signal_case


def with_signal_case(world):
    world_signal_case(world)
    return {}


def page_has_signal_case(world, response):
    return f'data-signal-case="{world_signal_case(world).pk}"' in response.content.decode()


def api_lists_signal_case(world, response):
    return any(row["id"] == world_signal_case(world).pk for row in response.json()["results"])


def target_id(world, target):
    if target == "task":
        return world_task(world).pk
    if target == "signal_case":
        return world_signal_case(world).pk
    if target == "arrangement":  # the case's latest payment arrangement (flavour "arrangement")
        return world.case.arrangements.order_by("-pk").values_list("pk", flat=True).first()
    return {
        "case": world.case.pk,
        "handover": world.handover.pk,
        "proposal": world.proposal.pk if world.proposal else None,
        "visit": world.visit.pk,
    }[target]


# --- request bodies (valid, so that the status reflects permission, not validation) ---------------------------


def attempt_body(world):
    return {"channel": "phone", "outcome": "reached", "notes": "Huurder gesproken."}


def arrangement_body(world):
    return {"monthly_amount": "80.00", "start_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "months": 8}


def offer_body(world):
    return {"to_organisation": world.offer_target().pk, "summary": "Niet bereikt; huurder stemt in.",
            "tenant_consent": True}


def web_offer_body(world):
    return {**offer_body(world), "tenant_consent": "on"}


def visit_body(world):
    return {"partner": world.visit_target().pk, "planned_at": (timezone.now() + timedelta(days=3)).isoformat()}


def web_visit_body(world):
    return {"partner": world.visit_target().pk,
            "planned_at": timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}


def constant(data):
    return lambda world: data


def assign_body(world):
    """The caseworker of the acting organisation: a caseworker takes the case, a manager gives it to them."""
    return {"user": user_of(world.organisation, "caseworker").pk}


def move_body(world):
    return {"planned_at": (timezone.now() + timedelta(days=5)).replace(microsecond=0).isoformat()}


def web_move_body(world):
    return {"planned_at": timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")}


def pause_body(world):
    return {"reason": "opname", "until": (timezone.localdate() + timedelta(days=7)).isoformat()}


def task_body(world):
    return {"text": "Terugbellen over de loonstroken.", "due_at": (timezone.now() + timedelta(days=2)).isoformat()}


def web_task_body(world):
    return {"text": "Terugbellen over de loonstroken.", "due_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "due_time": "10:00"}


def with_task(world):
    world_task(world)
    return {}


# --- how a list shows the world's case --------------------------------------------------------------------


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def api_has(key, target):
    return lambda world, response: any(row[key] == target_id(world, target) for row in results(response))


def page_has_tenant(world, response):
    return world.case.tenant.name in response.content.decode()


VISIBLE_READ = dict(own_corporation=200, holder=200, open_offer=200, corporation_offering=200,
                    corporation_partner_holds=200)
VISIBLE_LIST = dict(own_corporation=LISTED, holder=LISTED, open_offer=LISTED, corporation_offering=LISTED,
                    corporation_partner_holds=LISTED)
MANAGERS_LIST = dict(own_corporation=(403, LISTED), holder=(403, LISTED), open_offer=(403, LISTED),
                     corporation_offering=(403, LISTED), corporation_partner_holds=(403, LISTED))
# A case's eviction proposal: the managers of every voting party (the corporation and each chain partner) can
# see it, the caseworkers only when their organisation sees the case anyway.
PROPOSAL_READ = dict(**VISIBLE_READ, declined=(404, 200), former_holder=(404, 200), visit_partner=(404, 200))
# The dashboard of the case's corporation: its own managers and the convenant's municipality (the regisseur).
CORPORATION_DASHBOARD = dict(own_corporation=(403, 200), corporation_offering=(403, 200),
                             corporation_partner_holds=(403, 200), municipality=(403, 200))
# Accept / decline: the organisation the offer was made to; the others who see the case are the wrong side.
ANSWER_BY_PARTNER = dict(open_offer=200, holder=403, own_corporation=403, corporation_offering=403,
                         corporation_partner_holds=403)
VISIT_LIST = dict(own_corporation=LISTED, holder=LISTED, corporation_offering=LISTED, visit_partner=LISTED,
                  former_voter=LISTED)
LANDING = 302
NO_INBOX = dict(own_corporation=LANDING, corporation_offering=LANDING, corporation_partner_holds=LANDING,
                other_corporation=LANDING, municipality=LANDING)
CORPORATIONS_ONLY = dict(own_corporation=200, corporation_offering=200, corporation_partner_holds=200,
                         other_corporation=200)


def report_period(world):
    today = timezone.localdate()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


def ddas_period(world):
    """The report's period; the convenant gets its CBS code (inside the cell's savepoint), which the report needs."""
    Convenant.objects.filter(pk=world.region.convenant.pk).update(cbs_municipality_code="0153")
    return report_period(world)


def by_corporation(world):
    return {"organisation": world.case.corporation_id}


TABLE = [
    # --- REST API: the case ------------------------------------------------------------------------------------
    Endpoint("GET", "api-case-detail", "case", cells(**VISIBLE_READ)),
    Endpoint("GET", "api-case-timeline", "case", cells(**VISIBLE_READ)),
    # Exporting the tenant's data: the holder or the corporation; a partner deciding on an offer may not.
    Endpoint("GET", "api-case-export", "case", cells(**{**VISIBLE_READ, "open_offer": 403})),
    Endpoint("GET", "api-case-list", None, cells(ABSENT, **VISIBLE_LIST),
             query=lambda w: {"q": w.case.tenant.contract_ref}, shows=api_has("id", "case")),
    # Holder's work: a partner deciding on an offer, or the corporation while a partner holds the case, may not.
    Endpoint("POST", "api-case-contact-attempts", "case",
             cells(own_corporation=201, holder=201, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=attempt_body),
    # An arrangement only from open/contacting (DESIGN lifecycle): the partner holding it (with_partner) gets 400.
    Endpoint("POST", "api-case-arrangements", "case",
             cells(own_corporation=201, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=arrangement_body),
    Endpoint("POST", "api-case-missed-installment", "case",
             cells(own_corporation=200, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({"note": "Termijn niet betaald."}),
             flavour="arrangement"),
    # Payment arrangements (v1.1): read as the timeline; the running one worked by the holder while the case is
    # in `arrangement` (as the missed instalment above).
    Endpoint("GET", "api-case-arrangements", "case", cells(**VISIBLE_READ)),
    Endpoint("POST", "api-arrangement-instalment-paid", "instalment",
             cells(own_corporation=200, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({}), flavour="arrangement"),
    Endpoint("PATCH", "api-arrangement-detail", "arrangement",
             cells(own_corporation=200, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403),
             body=constant({"monthly_amount": "90.00", "confirm_below_arrears": True}), flavour="arrangement"),
    Endpoint("POST", "api-arrangement-stop", "arrangement",
             cells(own_corporation=200, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({"reason": "Huurder verhuist."}),
             flavour="arrangement"),
    # Notes and closing: the holder or the corporation.
    Endpoint("POST", "api-case-notes", "case",
             cells(own_corporation=201, holder=201, open_offer=403, corporation_offering=201,
                   corporation_partner_holds=201), body=constant({"text": "Gebeld met de huurder."})),
    Endpoint("POST", "api-case-close", "case",
             cells(own_corporation=200, holder=200, open_offer=403, corporation_offering=200,
                   corporation_partner_holds=200), body=constant({"outcome": "resolved"})),
    # Pausing the clock: the holder; not while an offer waits (the pickup deadline); resume only while paused
    # (no world's case is paused: 400 for the holder).
    Endpoint("POST", "api-case-pause", "case",
             cells(own_corporation=200, holder=200, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=pause_body),
    Endpoint("POST", "api-case-resume", "case",
             cells(own_corporation=400, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({})),
    Endpoint("POST", "api-case-handover", "case",
             cells(own_corporation=201, holder=201, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=offer_body),
    # A joint visit with a chain partner, by the holder while it works the case (not while its offer waits).
    Endpoint("POST", "api-case-joint-visits", "case",
             cells(own_corporation=201, holder=201, open_offer=403, corporation_offering=STATE,
                   corporation_partner_holds=403), body=visit_body),
    # Only a manager of the corporation proposes eviction; not while an offer waits (400).
    Endpoint("POST", "api-case-eviction-proposal", "case",
             cells(own_corporation=(403, 201), holder=403, open_offer=403, corporation_offering=(403, 400),
                   corporation_partner_holds=(403, 201)), body=constant({"reason": "Weigert alle hulp."})),
    # Escalations are oversight: managers only, like the page.
    Endpoint("GET", "api-escalation-list", None, cells((403, ABSENT), **MANAGERS_LIST),
             query=lambda w: {"case": w.case.pk}, shows=api_has("case", "case")),
    Endpoint("GET", "api-access-log", None, cells((403, ABSENT), **MANAGERS_LIST),
             query=lambda w: {"case": w.case.pk}, shows=api_has("case", "case")),
    Endpoint("GET", "api-dashboard", None, cells((403, 403), **CORPORATION_DASHBOARD), query=by_corporation),
    # --- REST API: the tenant's consent. Every world's case has one in force (the corporation's first offer,
    # version 1's tenant_consent). Only the corporation records and withdraws it; whoever sees the case reads it.
    Endpoint("GET", "api-case-consent", "case", cells(**VISIBLE_READ)),
    Endpoint("POST", "api-case-consent", "case",
             cells(own_corporation=201, corporation_offering=201, corporation_partner_holds=201, holder=403,
                   open_offer=403), body=constant({"given": True, "how": "verbal"})),
    Endpoint("POST", "api-case-consent-withdraw", "case",
             cells(own_corporation=200, corporation_offering=200, corporation_partner_holds=200, holder=403,
                   open_offer=403), body=constant({})),
    # --- REST API: handovers. The world's handover: the offer that gives the relation (for the former holder
    # and the organisations outside the chain: the former holder's offer to welfare, which welfare accepted).
    # The inbox lists the offers an organisation received or sent, in any state (API.md: status filter), while
    # it may see the case: a partner that declined or handed the case on no longer reads its tenant's name.
    Endpoint("GET", "api-handover-list", None,
             cells(ABSENT, own_corporation=LISTED, holder=LISTED, open_offer=LISTED,
                   corporation_offering=LISTED, corporation_partner_holds=LISTED),
             shows=api_has("id", "handover")),
    Endpoint("GET", "api-handover-detail", "handover",
             cells(own_corporation=200, holder=200, open_offer=200, corporation_offering=200,
                   corporation_partner_holds=200)),
    # Answers to an offer: found on a case the caller may see (else 404: a partner that declined or handed the
    # case on learns nothing); the wrong side is 403, an offer no longer open is refused by the case's state.
    Endpoint("POST", "api-handover-accept", "handover", cells(**ANSWER_BY_PARTNER)),
    Endpoint("POST", "api-handover-decline", "handover", cells(**ANSWER_BY_PARTNER),
             body=constant({"reason": "Geen capaciteit."})),
    Endpoint("POST", "api-handover-withdraw", "handover",
             cells(corporation_offering=200, own_corporation=STATE, corporation_partner_holds=403, holder=STATE,
                   open_offer=403), body=constant({"reason": "Toch bereikt."})),
    # --- REST API: joint home visits (with welfare, a chain partner; planned by the holder, since passed) -----
    # A visit shows to the organisation that planned it (while it sees the case) and to its partner, nobody else.
    Endpoint("GET", "api-joint-visit-list", None, cells(ABSENT, **VISIT_LIST), shows=api_has("id", "visit")),
    # The visit's outcome is the holder's contact attempt. The endpoint addresses the visit: whoever it does not
    # show to does not find it (404); the invited partner finds it but does not see the case (404).
    Endpoint("POST", "api-joint-visit-outcome", "visit",
             cells(own_corporation=200, holder=200, corporation_offering=STATE), body=constant({"outcome": "reached"})),
    # Moving and cancelling are the planner's while it holds the case (a move as the outcome: not while an offer
    # waits; a cancellation in any open state). The calendar file for whoever the visit shows to.
    Endpoint("POST", "api-joint-visit-move", "visit",
             cells(own_corporation=200, holder=200, corporation_offering=STATE), body=move_body),
    Endpoint("POST", "api-joint-visit-cancel", "visit",
             cells(own_corporation=200, holder=200, corporation_offering=200), body=constant({"reason": "Ziek"})),
    Endpoint("GET", "api-joint-visit-ics", "visit", cells(**{relation: 200 for relation in VISIT_LIST})),
    # Assignment: the holder's people (a caseworker only themself); the corporation while a partner holds it or
    # an offer waits at a partner sees the case but does not assign (403).
    Endpoint("POST", "api-case-assign", "case",
             cells(own_corporation=200, holder=200, corporation_offering=200, open_offer=403,
                   corporation_partner_holds=403), body=assign_body),
    # --- REST API: eviction ----------------------------------------------------------------------------------
    Endpoint("GET", "api-eviction-proposal-detail", "proposal", cells(**PROPOSAL_READ), flavour="eviction"),
    # The vote: managers of the voting parties; a decided proposal (the "offered" worlds) is a conflict.
    # In the "offered" worlds the proposal was rejected: nobody is a voting party any more (403 on a visible case).
    Endpoint("POST", "api-eviction-proposal-votes", "proposal",
             cells(own_corporation=(403, 201), holder=(403, 201), open_offer=403, declined=(404, 201),
                   former_holder=(404, 201), corporation_offering=403,
                   corporation_partner_holds=(403, 201), visit_partner=(404, 201)),
             body=constant({"agree": True, "reason": "Alle hulp geweigerd."}), flavour="eviction"),
    # --- follow-up tasks (tests/cases/test_followups.py): set and done by the holder on its own tasks; read as the
    # case's history (the corporation always, partners with the consent every world has); `undone` on an open task
    # is a conflict (the page says so and goes back to the case).
    Endpoint("POST", "api-case-tasks", "case",
             cells(own_corporation=201, holder=201, open_offer=403, corporation_offering=201,
                   corporation_partner_holds=403), body=task_body),
    Endpoint("GET", "api-task-list", None, cells(ABSENT, **VISIBLE_LIST), query=with_task,
             shows=lambda w, response: any(row["id"] == world_task(w).pk for row in results(response))),
    Endpoint("POST", "api-task-done", "task",
             cells(own_corporation=200, holder=200, open_offer=403, corporation_offering=200,
                   corporation_partner_holds=403), body=constant({})),
    Endpoint("POST", "api-task-undone", "task",
             cells(own_corporation=STATE, holder=STATE, open_offer=403, corporation_offering=STATE,
                   corporation_partner_holds=403), body=constant({})),
    Endpoint("POST", "cases:task_add", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=302,
                   corporation_partner_holds=403), body=web_task_body),
    Endpoint("POST", "cases:task_done", "task",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=302,
                   corporation_partner_holds=403), body=constant({})),
    Endpoint("POST", "cases:task_undone", "task",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=302,
                   corporation_partner_holds=403), body=constant({})),
    # --- web UI: the case page and its forms (success redirects to the case page) ----------------------------
    Endpoint("GET", "cases:detail", "case", cells(**VISIBLE_READ)),
    Endpoint("GET", "cases:contact_attempt", "case", cells(**VISIBLE_READ)),
    Endpoint("POST", "cases:contact_attempt", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=attempt_body),
    Endpoint("POST", "cases:arrangement", "case",
             cells(own_corporation=302, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=arrangement_body),
    Endpoint("POST", "cases:missed_installment", "case",
             cells(own_corporation=302, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({"note": "Termijn niet betaald."}),
             flavour="arrangement"),
    Endpoint("POST", "cases:instalment_paid", "arrangement",
             cells(own_corporation=302, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({"number": 1}), flavour="arrangement"),
    Endpoint("POST", "cases:arrangement_change", "arrangement",
             cells(own_corporation=302, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403),
             body=constant({"monthly_amount": "90,00", "confirm_below_arrears": "on"}), flavour="arrangement"),
    Endpoint("POST", "cases:arrangement_stop", "arrangement",
             cells(own_corporation=302, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({"reason": "Huurder verhuist."}),
             flavour="arrangement"),
    Endpoint("POST", "cases:note", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=302,
                   corporation_partner_holds=302), body=constant({"text": "Gebeld met de huurder."})),
    Endpoint("POST", "cases:close", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=302,
                   corporation_partner_holds=302), body=constant({"outcome": "resolved", "notes": ""})),
    Endpoint("POST", "cases:pause", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=pause_body),
    Endpoint("POST", "cases:resume", "case",
             cells(own_corporation=400, holder=400, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=constant({})),
    # --- web UI: the handover panel, the inbox, joint visits -----------------------------------------------
    Endpoint("GET", "cases:handover_panel", "case", cells(**VISIBLE_READ)),
    Endpoint("POST", "cases:handover_offer", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=400,
                   corporation_partner_holds=403), body=web_offer_body),
    Endpoint("POST", "cases:joint_visit_plan", "case",
             cells(own_corporation=302, holder=302, open_offer=403, corporation_offering=STATE,
                   corporation_partner_holds=403), body=web_visit_body),
    Endpoint("POST", "cases:consent_record", "case",
             cells(own_corporation=302, corporation_offering=302, corporation_partner_holds=302, holder=403,
                   open_offer=403), body=constant({"given": "yes", "how": "verbal"})),
    Endpoint("POST", "cases:consent_withdraw", "case",
             cells(own_corporation=302, corporation_offering=302, corporation_partner_holds=302, holder=403,
                   open_offer=403), body=constant({})),
    # The withdraw button exists for open offers only: any other handover is not found.
    Endpoint("POST", "cases:handover_withdraw", "handover", cells(corporation_offering=302),
             body=constant({"reason": "Toch bereikt."})),
    Endpoint("GET", "cases:inbox_detail", "handover", cells(open_offer=200)),
    # The inbox answers open offers to one's own organisation only: any other handover is not found (a partner
    # that declined learns nothing more of the case).
    Endpoint("POST", "cases:handover_accept", "handover", cells(open_offer=302)),
    Endpoint("POST", "cases:handover_decline", "handover", cells(open_offer=302),
             body=constant({"reason": "Geen capaciteit."})),
    # The outcome of a visit listed on the visits page: a visit the page does not list is not found (404).
    Endpoint("POST", "cases:joint_visit_record", "visit",
             cells(own_corporation=302, holder=302, corporation_offering=STATE),
             body=constant({"outcome": "reached", "notes": ""})),
    Endpoint("POST", "cases:joint_visit_move", "visit",
             cells(own_corporation=302, holder=302, corporation_offering=STATE), body=web_move_body),
    Endpoint("POST", "cases:joint_visit_cancel", "visit",
             cells(own_corporation=302, holder=302, corporation_offering=302), body=constant({"reason": "Ziek"})),
    Endpoint("GET", "cases:joint_visit_ics", "visit", cells(**{relation: 200 for relation in VISIT_LIST})),
    Endpoint("POST", "cases:assign", "case",
             cells(own_corporation=302, holder=302, corporation_offering=302, open_offer=403,
                   corporation_partner_holds=403), body=assign_body),
    # --- web UI: eviction -----------------------------------------------------------------------------------
    Endpoint("GET", "cases:eviction_propose", "case", cells(**VISIBLE_READ)),
    Endpoint("POST", "cases:eviction_propose", "case",
             cells(own_corporation=(403, 302), holder=403, open_offer=403, corporation_offering=(403, 400),
                   corporation_partner_holds=(403, 302)), body=constant({"reason": "Weigert alle hulp."})),
    Endpoint("GET", "cases:eviction_vote", "proposal", cells(**PROPOSAL_READ), flavour="eviction"),
    Endpoint("POST", "cases:eviction_vote", "proposal",
             cells(own_corporation=(403, 302), holder=(403, 302), open_offer=403, declined=(404, 302),
                   former_holder=(404, 302), corporation_offering=403,
                   corporation_partner_holds=(403, 302), visit_partner=(404, 302)),
             body=constant({"agree": "agree", "reason": "Alle hulp geweigerd."}), flavour="eviction"),
    # --- web UI: lists that show cases ------------------------------------------------------------------------
    # A page a role cannot use sends it to its landing page (302): the municipality works from the figures; only
    # the chain partners that receive offers have an inbox.
    Endpoint("GET", "cases:worklist", None, cells(ABSENT, **VISIBLE_LIST, municipality=LANDING),
             shows=page_has_tenant),
    Endpoint("GET", "cases:inbox", None, cells(ABSENT, open_offer=LISTED, **NO_INBOX), shows=page_has_tenant),
    # The team view (every open case the organisation holds); "assigned to me" is tests/cases/test_assignment.py.
    Endpoint("GET", "cases:my_cases", None,
             cells(ABSENT, own_corporation=LISTED, holder=LISTED, corporation_offering=LISTED,
                   municipality=LANDING), shows=page_has_tenant, query=constant({"team": "1"})),
    Endpoint("GET", "cases:joint_visits", None, cells(ABSENT, **VISIT_LIST, municipality=LANDING),
             shows=page_has_tenant),
    Endpoint("GET", "cases:escalations", None, cells((403, ABSENT), **MANAGERS_LIST), shows=page_has_tenant),
    Endpoint("GET", "cases:access_log", None, cells((403, ABSENT), **MANAGERS_LIST), shows=page_has_tenant),
    Endpoint("GET", "cases:dashboard", None, cells((403, 403), **CORPORATION_DASHBOARD), query=by_corporation),
    Endpoint("GET", "cases:dashboard_export", None, cells((403, 403), **CORPORATION_DASHBOARD),
             query=by_corporation),
    # Opening a case: members of a corporation only.
    Endpoint("GET", "cases:case_new", None, cells(403, **CORPORATIONS_ONLY)),
    # --- web UI: vroegsignalering (the municipality's outreach; a vroegsignaal case, not the world's case) -------
    # Only the organisation doing the outreach (here the municipality itself) sees it; everyone else is sent to
    # their landing page from the worklist and finds no vroegsignaal case (404).
    Endpoint("GET", "signals:signal-cases", None, cells(LANDING, municipality=LISTED), query=with_signal_case,
             shows=page_has_signal_case),
    Endpoint("GET", "signals:signal-case", "signal_case", cells(municipality=200)),
    Endpoint("POST", "signals:signal-case-pick-up", "signal_case", cells(municipality=302), body=constant({})),
    Endpoint("POST", "signals:signal-case-attempt", "signal_case", cells(municipality=302),
             body=lambda world: {"kind": "Brief", "reached": "no", "date": timezone.localdate().isoformat()}),
    Endpoint("POST", "signals:signal-case-close", "signal_case", cells(municipality=302),
             body=constant({"result": "Definitief geen contact kunnen krijgen"})),
    # --- REST API: vroegsignalering (signals.outreach_api); only the organisation doing the outreach ------------
    Endpoint("GET", "api-signal-case-list", None, cells(ABSENT, municipality=LISTED), query=with_signal_case,
             shows=api_lists_signal_case),
    Endpoint("GET", "api-signal-case-detail", "signal_case", cells(municipality=200)),
    Endpoint("POST", "api-signal-case-pick-up", "signal_case", cells(municipality=200), body=constant({})),
    Endpoint("POST", "api-signal-case-contact-attempts", "signal_case", cells(municipality=201),
             body=lambda world: {"kind": "Brief", "reached": False, "date": timezone.localdate().isoformat()}),
    Endpoint("POST", "api-signal-case-close", "signal_case", cells(municipality=200),
             body=constant({"result": "Definitief geen contact kunnen krijgen"})),
    # --- vroegsignalering reporting (the DDAS report, the monitor's figures): the municipality's managers only ----
    Endpoint("GET", "api-ddas", None, cells(403, municipality=(403, 200)), query=ddas_period),
    Endpoint("GET", "api-signal-figures", None, cells(403, municipality=(403, 200)),
             query=report_period),
    Endpoint("GET", "signals:figures", None, cells(403, municipality=(403, 200)), query=report_period),
    Endpoint("GET", "signals:ddas", None, cells(403, municipality=(403, 200)), query=ddas_period),
]

# Routes that are not about a case, with the reason. Everything else under api/v1/, in the cases namespace or
# with an id parameter must be in TABLE.
NOT_CASE_RELATED = {
    # onboarding by the platform administrator, and the API token
    "api-token": "authentication",
    "api-logout": "authentication (revokes the request's own token)",
    "api-logout-all": "authentication (revokes the user's own tokens)",
    "api-organisation-list": "onboarding (superuser)",
    "api-user-list": "onboarding (superuser)",
    "api-convenant-list": "onboarding (superuser)",
    "api-convenant-detail": "onboarding (superuser)",
    # early signals: the reporting organisation's own submissions and imports (tests/signals)
    "api-signal-submit": "signal ingestion",
    "api-signal-import-list": "the organisation's own imports",
    "api-signal-import-detail": "one of the organisation's own imports",
    "signals:import": "signal import page",
    "signals:import-detail": "one of the organisation's own imports",
    # the user's own notifications (tests/handover, tests/api/test_other.py)
    "api-notification-list": "own notifications",
    "api-notification-read": "own notifications",
    "cases:notifications": "own notifications",
    "cases:notifications_read": "own notifications",
    # a tenant's data across their cases, by the tenant's corporation and municipality (tests/privacy/test_export.py)
    "api-tenant-export": "tenant export (cases.policy.may_export_tenant)",
    "cases:tenant_search": "tenant export (cases.policy.tenant_exports_for)",
    "cases:access_log_export": "the access log's CSV: no tenant data, the access log page's rule "
                               "(tests/access/test_access_log_dedup.py)",
    "cases:tenant_export": "tenant export (cases.policy.may_export_tenant)",
}
# Whole areas outside the product's case scope (Django admin for the platform administrator, auth, i18n, docs).
NOT_CASE_RELATED_PREFIXES = ("admin/", "accounts/", "i18n/", "api/schema/", "api/docs/", "healthz")

CELLS = [(endpoint, relation, role) for endpoint in TABLE for relation in RELATIONS for role in ROLES]


def _cell_id(cell):
    endpoint, relation, role = cell
    return f"{endpoint.method} {endpoint.name} | {relation} | {role}"


def snapshot(world):
    """What a refused request must leave untouched."""
    case = world.refreshed_case()
    return (
        case.status,
        case.holder_id,
        case.closed_at,
        CaseEvent.objects.filter(case=case).count(),
        tuple(Handover.objects.filter(case=case).order_by("pk").values_list("status", flat=True)),
        EvictionVote.objects.filter(proposal__case=case).count(),
        tuple(JointVisit.objects.filter(case=case).order_by("pk").values_list("status", flat=True)),
    )


@pytest.mark.parametrize(("endpoint", "relation", "role"), CELLS, ids=[_cell_id(cell) for cell in CELLS])
def test_matrix(endpoint, relation, role, matrix_worlds, client):
    w = matrix_worlds(relation, endpoint.flavour)
    user = w.user(role)
    expected = endpoint.expect[relation][ROLES.index(role)]
    url = endpoint.url(w)
    query = endpoint.query(w) if endpoint.query else {}
    body = endpoint.body(w) if endpoint.body else {}
    before = snapshot(w)
    if endpoint.api:
        api = APIClient()
        api.force_authenticate(user=user)
        if endpoint.method == "GET":
            response = api.get(url, query)
        elif endpoint.method == "PATCH":
            response = api.patch(url, body, format="json")
        else:
            response = api.post(url, body, format="json")
    else:
        client.force_login(user)
        if endpoint.method == "GET":
            response = client.get(url, query)
        else:
            response = client.post(url, body)

    content = response.content.decode(errors="replace")
    if expected in (LISTED, ABSENT):
        assert response.status_code == 200, content[:500]
        assert endpoint.shows(w, response) is (expected == LISTED)
    elif isinstance(expected, frozenset):
        assert response.status_code in expected, content[:500]
    else:
        assert response.status_code == expected, content[:500]
    if response.status_code == 404:
        assert w.case.tenant.name not in content, "a 404 must not show the case"
    if expected == ABSENT:
        assert w.case.tenant.name not in content
    if endpoint.method == "POST" and response.status_code >= 400:
        assert snapshot(w) == before, "a refused request changed the case"


# --- completeness -------------------------------------------------------------------------------------------


def routes():
    """(route, qualified name) of every URL pattern."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
                yield prefix + str(pattern.pattern), name

    return list(walk(get_resolver().url_patterns, "", None))


ID_PARAMETERS = ("<int:", "<pk", "<id", "<case", "<handover", "<proposal", "<visit", "<escalation")


def case_related(route, name):
    if route.startswith(NOT_CASE_RELATED_PREFIXES):
        return False
    return (
        route.startswith("api/v1/")
        or (name or "").startswith("cases:")
        or any(marker in route for marker in ID_PARAMETERS)
    )


def test_every_case_related_route_is_in_the_matrix():
    in_table = {endpoint.name for endpoint in TABLE}
    candidates = [(route, name) for route, name in routes() if case_related(route, name)]
    assert len(candidates) > 40, "the resolver walk found too few routes"
    unnamed = [route for route, name in candidates if not name]
    assert not unnamed, f"case-related routes without a name: {unnamed}"
    missing = sorted(f"{route} ({name})" for route, name in candidates
                     if name not in in_table and name not in NOT_CASE_RELATED)
    assert not missing, "routes missing from the permission matrix (add them to TABLE or NOT_CASE_RELATED):\n" + (
        "\n".join(missing)
    )


def test_the_matrix_names_only_existing_routes():
    names = {name for _route, name in routes()}
    stale = sorted({endpoint.name for endpoint in TABLE} - names) + sorted(set(NOT_CASE_RELATED) - names)
    assert not stale, f"names in the matrix that no longer exist: {stale}"
    assert not {endpoint.name for endpoint in TABLE} & set(NOT_CASE_RELATED)


def test_the_matrix_is_complete_per_row():
    for endpoint in TABLE:
        assert set(endpoint.expect) == set(RELATIONS), endpoint.name
        for relation, statuses in endpoint.expect.items():
            assert len(statuses) == len(ROLES), (endpoint.name, relation)
            if LISTED in statuses or ABSENT in statuses:
                assert endpoint.shows is not None, endpoint.name
        if endpoint.method == "POST":
            assert endpoint.body is not None or endpoint.target in ("handover",), endpoint.name
