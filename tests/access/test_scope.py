"""Scope at volume: among 1,000 mixed cases the case list (API, every cursor page; and the web worklist, every
page) holds exactly the cases the access model of DESIGN.md allows. The expected set is computed here from the
model rows (cases, handovers, eviction proposals), not through the selectors or the permission table; the
permission rows themselves are written by the production code (services.sync_permissions).

Also: the case list's query count does not depend on who asks.

The 1,000 cases are written once for the module, in a transaction rolled back at its end; the tests only read."""

import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import selectors, services
from cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    EvictionProposal,
    Handover,
    HandoverStatus,
    Outcome,
    ProposalStatus,
    Tenant,
)
from tests.factories import ConvenantFactory, OrganisationFactory

from .conftest import FAST_HASHERS, make_region

pytestmark = pytest.mark.django_db

CASES = 1000

# What happens to a case; the weights make every kind appear many times.
KINDS = {
    "corporation_works": 3,  # contacting, the corporation holds it
    "offered": 2,  # an open offer to the first chain partner
    "accepted": 2,  # the first chain partner holds it
    "declined": 1,  # the first chain partner declined; back with the corporation
    "withdrawn": 1,  # the offer was withdrawn; back with the corporation
    "handed_on": 1,  # first partner → second partner, accepted
    "offered_on": 1,  # the first partner holds it and offers it to the second
    "closed": 1,  # resolved by the corporation
    "closed_by_partner": 1,  # closed while the first partner held it
    "eviction_proposed": 1,  # an open eviction proposal (voters: the corporation and the chain)
    "eviction_rejected": 1,  # a rejected proposal; back to contacting
    "evicted": 1,  # eviction decided jointly: closed
}


@pytest.fixture(scope="module")
def mixed(django_db_setup, django_db_blocker):
    """(region, cases): 1,000 cases of three corporations in two convenants, in every kind of state, written in
    bulk; the permission rows by services.sync_permissions for each case."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        with transaction.atomic():
            region = make_region()
            cases = _mixed_cases(region)
            yield region, cases
            transaction.set_rollback(True)


def _mixed_cases(region):
    hengelo_corporation = OrganisationFactory(name="Welbions", kind="corporation", municipality="Hengelo")
    hengelo_welfare = OrganisationFactory(name="Welzijn Hengelo", kind="welfare", municipality="Hengelo")
    hengelo_municipality = OrganisationFactory(name="Gemeente Hengelo", kind="municipality", municipality="Hengelo")
    hengelo = ConvenantFactory(
        name="Convenant Hengelo", municipality="Hengelo",
        parties=[hengelo_municipality, hengelo_corporation, region.unrelated, hengelo_welfare],
        chain=[region.unrelated, hengelo_welfare],
        deadlines={"first_contact": 5, "handover": 30, "pickup": 5, "partner_contact": 10, "inactivity": 30},
    )
    setups = [
        (region.corporation, region.convenant, [region.debt_assistance, region.welfare]),
        (region.other_corporation, region.convenant, [region.debt_assistance, region.welfare]),
        (hengelo_corporation, hengelo, [region.unrelated, hengelo_welfare]),
    ]
    rng = random.Random(20240601)
    now = timezone.now()
    plan = []
    tenants = []
    for i in range(CASES):
        corporation, convenant, chain = rng.choice(setups)
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        plan.append((corporation, convenant, chain, kind))
        tenants.append(Tenant(corporation=corporation, contract_ref=f"SC-{i:05d}", name=f"Scopehuurder {i:04d}",
                              house_number=str(i + 1), postcode="7511 AA"))
    tenants = Tenant.objects.bulk_create(tenants)

    cases = []
    for i, ((corporation, convenant, chain, kind), tenant) in enumerate(zip(plan, tenants, strict=True)):
        opened = now - timedelta(days=rng.randint(0, 400), minutes=i)
        case = Case(tenant=tenant, corporation=corporation, holder=corporation, convenant=convenant,
                    status=CaseStatus.CONTACTING, arrears_amount=Decimal("640.00"), months_in_arrears=1,
                    opened_at=opened, last_activity_at=opened, deadline_kind="inactivity",
                    deadline_at=opened + timedelta(days=30))
        if kind in ("offered", "offered_on"):
            case.status = CaseStatus.HANDED_OVER
        if kind in ("accepted", "handed_on", "offered_on", "closed_by_partner"):
            case.holder = chain[0]
            case.status = CaseStatus.WITH_PARTNER if kind != "offered_on" else CaseStatus.HANDED_OVER
        if kind == "handed_on":
            case.holder = chain[1]
        if kind == "eviction_proposed":
            case.status = CaseStatus.EVICTION_PROPOSED
        if kind in ("closed", "closed_by_partner", "evicted"):
            case.status = {"closed": CaseStatus.RESOLVED, "closed_by_partner": CaseStatus.CLOSED,
                           "evicted": CaseStatus.EVICTED}[kind]
            case.outcome = {"closed": Outcome.RESOLVED, "closed_by_partner": Outcome.MOVED,
                            "evicted": Outcome.EVICTED}[kind]
            case.closed_at = opened + timedelta(days=60)
            case.deadline_kind, case.deadline_at = "", None
        cases.append(case)
    cases = Case.objects.bulk_create(cases)

    handovers, proposals = [], []

    def handover(case, source, target, status):
        handovers.append(Handover(
            case=case, from_organisation=source, to_organisation=target, status=status, summary="Niet bereikt.",
            tenant_consent=True, offered_at=case.opened_at + timedelta(days=10), previous_status="contacting",
            reason="Geen capaciteit." if status == HandoverStatus.DECLINED else "",
        ))

    for case, (corporation, _convenant, chain, kind) in zip(cases, plan, strict=True):
        if kind == "offered":
            handover(case, corporation, chain[0], HandoverStatus.OFFERED)
        if kind in ("accepted", "handed_on", "offered_on", "closed_by_partner"):
            handover(case, corporation, chain[0], HandoverStatus.ACCEPTED)
        if kind == "declined":
            handover(case, corporation, chain[0], HandoverStatus.DECLINED)
        if kind == "withdrawn":
            handover(case, corporation, chain[0], HandoverStatus.WITHDRAWN)
        if kind == "handed_on":
            handover(case, chain[0], chain[1], HandoverStatus.ACCEPTED)
        if kind == "offered_on":
            handover(case, chain[0], chain[1], HandoverStatus.OFFERED)
        if kind in ("eviction_proposed", "eviction_rejected", "evicted"):
            status = {"eviction_proposed": ProposalStatus.OPEN, "eviction_rejected": ProposalStatus.REJECTED,
                      "evicted": ProposalStatus.AGREED}[kind]
            proposals.append((EvictionProposal(case=case, organisation=corporation, reason="Weigert alle hulp.",
                                               status=status, previous_status="contacting",
                                               proposed_at=case.opened_at + timedelta(days=90)),
                              [corporation, *chain]))
    Handover.objects.bulk_create(handovers)
    created = EvictionProposal.objects.bulk_create([proposal for proposal, _voters in proposals])
    Voter = EvictionProposal.voters.through
    Voter.objects.bulk_create(
        Voter(evictionproposal_id=proposal.pk, organisation_id=organisation.pk)
        for proposal, (_unused, voters) in zip(created, proposals, strict=True)
        for organisation in voters
    )
    for case in Case.objects.order_by("pk"):
        services.sync_permissions(case)
    return cases


def allowed_case_ids(organisation, role):
    """The access model of DESIGN.md, from the model rows: the corporation always; the holder; on an open case
    an organisation with an open offer; while an eviction is proposed, the managers of every voting party."""
    allowed = set()
    for pk, corporation_id, holder_id in Case.objects.values_list("pk", "corporation_id", "holder_id"):
        if organisation.pk in (corporation_id, holder_id):
            allowed.add(pk)
    open_ids = set(Case.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    offered = Handover.objects.filter(status=HandoverStatus.OFFERED, to_organisation=organisation)
    allowed |= set(offered.values_list("case_id", flat=True)) & open_ids
    if role == "manager":
        voting = EvictionProposal.objects.filter(status=ProposalStatus.OPEN, voters=organisation)
        allowed |= set(voting.values_list("case_id", flat=True)) & open_ids
    return allowed


def api_case_ids(user, **params):
    """Every case id of GET /api/v1/cases/, following the cursor through all pages."""
    api = APIClient()
    api.force_authenticate(user=user)
    ids, pages = [], 0
    response = api.get("/api/v1/cases/", {"page_size": 100, **params})
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        ids.extend(row["id"] for row in data["results"])
        pages += 1
        if not data["next"]:
            break
        response = api.get(data["next"])
    assert len(ids) == len(set(ids)), "a case came twice"
    return set(ids), pages


CASE_LINK = re.compile(r'href="/casussen/(\d+)/"')


def worklist_case_ids(client, user, **params):
    """Every case id on the web worklist, page by page."""
    client.force_login(user)
    ids, page = [], 1
    while True:
        response = client.get(reverse("cases:worklist"), {**params, "page": page})
        assert response.status_code == 200
        ids.extend(int(pk) for pk in CASE_LINK.findall(response.content.decode()))
        if not response.context["page"].has_next():
            break
        page += 1
    assert len(ids) == len(set(ids)), "a case came twice"
    return set(ids)


def test_the_mixture_has_every_kind_of_case(mixed):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= {CaseStatus.CONTACTING, CaseStatus.HANDED_OVER, CaseStatus.WITH_PARTNER,
                        CaseStatus.EVICTION_PROPOSED, CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.EVICTED}
    assert Case.objects.count() == CASES


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("debt_coach", "caseworker"),  # a partner caseworker
        ("debt_manager", "manager"),  # a partner manager: also the eviction votes
        ("welfare_worker", "caseworker"),  # the second partner in the chain
        ("consultant", "caseworker"),  # a corporation caseworker
        ("corporation_manager", "manager"),
        ("other_consultant", "caseworker"),  # the other corporation of the same convenant
        ("unrelated_worker", "caseworker"),  # the chain partner of the other convenant
        ("regisseur", "manager"),  # the municipality: no case of anyone
    ],
)
def test_case_list_holds_exactly_the_allowed_cases(mixed, client, who, role):
    region, _cases = mixed
    user = getattr(region, who)
    organisation = user.membership.organisation
    expected = allowed_case_ids(organisation, role)

    listed, pages = api_case_ids(user)
    assert listed == expected
    if len(expected) > 100:
        assert pages > 1, "the cursor was not followed"

    if who == "regisseur":
        assert expected == set()
        client.force_login(user)
        assert client.get(reverse("cases:worklist")).status_code == 302  # the municipality works from figures
        return
    open_ids = set(Case.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    assert worklist_case_ids(client, user) == expected & open_ids  # the worklist shows open cases first
    assert worklist_case_ids(client, user, status="all") == expected

    if who == "consultant":
        assert expected == set(Case.objects.filter(corporation=region.corporation).values_list("pk", flat=True))


def test_the_expected_sets_are_not_trivial(mixed):
    region, _cases = mixed
    """Guard for the test above: the partner sees some of everything it should, and not its former cases."""
    coach = allowed_case_ids(region.debt_assistance, "caseworker")
    manager = allowed_case_ids(region.debt_assistance, "manager")
    assert len(coach) > 100
    assert manager > coach, "the managers' eviction votes add cases"
    handed_on = set(
        Handover.objects.filter(from_organisation=region.debt_assistance, to_organisation=region.welfare,
                                status=HandoverStatus.ACCEPTED).values_list("case_id", flat=True)
    )
    declined = set(
        Handover.objects.filter(to_organisation=region.debt_assistance, status=HandoverStatus.DECLINED)
        .values_list("case_id", flat=True)
    )
    assert handed_on and declined
    assert not coach & (handed_on | declined)


def test_list_query_count_does_not_grow_with_the_page_and_differs_by_one_relations_query_at_most(mixed):
    """A page may cost the one query that reads how the organisation stands to cases its own columns do not
    decide (an offer, an eviction vote: cases.relations); nothing more, and nothing that grows with the page."""
    region, _cases = mixed
    counts = {}
    for user in (region.debt_coach, region.consultant):
        api = APIClient()
        api.force_authenticate(user=user)
        api.get("/api/v1/cases/", {"page_size": 50})  # warm up (content types, permission ids)
        for size in (20, 50):
            with CaptureQueriesContext(connection) as queries:
                response = api.get("/api/v1/cases/", {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts[user.username, size] = len(queries)
    # The relations query runs when the page holds a case the organisation neither owns nor holds, or one with an
    # open eviction vote: every page of every organisation costs the same, or that one query more.
    assert max(counts.values()) - min(counts.values()) <= 1, counts


@pytest.mark.parametrize("who", ["debt_coach", "debt_manager", "consultant", "welfare_worker"])
def test_filtered_lists_narrow_on_the_permission_rows_and_still_hold_exactly_the_allowed_cases(mixed, who):
    """The filters run on the copy of the case's state that the permission rows carry (and on the case): the
    answer must equal the access model's set filtered on the case rows themselves."""
    region, _cases = mixed
    user = getattr(region, who)
    role = user.membership.role
    allowed = allowed_case_ids(user.membership.organisation, role)
    now = timezone.now()
    cases = {case.pk: case for case in Case.objects.filter(pk__in=allowed)}
    assert Case.objects.filter(pk__in=allowed, deadline_at__lt=now).exists(), "the fixture has overdue cases"
    day = timezone.localdate() - timedelta(days=100)

    def expect(predicate):
        return {pk for pk, case in cases.items() if predicate(case)}

    overdue = lambda case: case.deadline_at is not None and case.deadline_at < now  # noqa: E731
    checks = [
        ({"status": ["contacting", "with_partner"], "overdue": "true"},
         lambda case: case.status in ("contacting", "with_partner") and overdue(case)),
        ({"overdue": "false"}, lambda case: not overdue(case)),
        ({"status": "handed_over"}, lambda case: case.status == "handed_over"),
        ({"deadline_before": (now - timedelta(days=60)).isoformat()},
         lambda case: case.deadline_at is not None and case.deadline_at < now - timedelta(days=60)),
    ]
    for params, predicate in checks:
        expected = expect(predicate)
        listed, _pages = api_case_ids(user, **params)
        assert listed == expected, params
    assert all(expect(predicate) for _params, predicate in checks[:2])

    # The dashboard's links to the cases behind a figure (web worklist): by opening date.
    in_month = selectors.case_list(user, opened_from=day, opened_to=day + timedelta(days=30))
    assert set(in_month.values_list("pk", flat=True)) == expect(
        lambda case: day <= timezone.localdate(case.opened_at) <= day + timedelta(days=30)
    )
