"""The scenarios of the access tests. Everything is made through the services (as the people of the region), so
the permission rows are what production would have.

The permission matrix builds its scenarios once per module, inside a transaction that is rolled back at the end
of the module; every cell runs in its own savepoint (pytest-django's `db`), rolled back after the cell. So each
cell starts from the same fresh scenarios, and a mutation in one cell never reaches another."""

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases import services
from cases.models import Case, EvictionProposal, Handover, JointVisit
from convenants.services import update_convenant
from partners.models import Membership, Organisation
from tests.conftest import Region, make_region
from tests.factories import EscalationFactory, OrganisationFactory, UserFactory

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The region makes a dozen users; a cheap hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


# Which state of the case, and which organisation of that state, gives each relation.
#   declined  : corporation → debt assistance, declined; the corporation holds the case again (contacting)
#   offered   : corporation → debt assistance, the offer waits (handed_over); the corporation still holds it
#   accepted  : corporation → debt assistance, accepted (with_partner); debt assistance holds it
#   handed_on : as accepted, then debt assistance → welfare, accepted; welfare holds it
# In every state a joint home visit with welfare (a chain partner) was planned, and its planned time has passed (its
# outcome can be recorded): by the corporation before any offer, or, in "accepted", by debt assistance once it
# picked the case up. A visit shows to the organisation that planned it and to its partner, nobody else.
RELATIONS = {
    # the relations of the issue
    "own_corporation": ("declined", "corporation"),
    "holder": ("accepted", "debt_assistance"),
    "open_offer": ("offered", "debt_assistance"),
    "declined": ("declined", "debt_assistance"),
    "former_holder": ("handed_on", "debt_assistance"),
    "unrelated": ("handed_on", "unrelated"),
    "municipality": ("handed_on", "municipality"),
    # more relations the access model distinguishes
    "corporation_offering": ("offered", "corporation"),  # its own case, while its offer waits
    "corporation_partner_holds": ("accepted", "corporation"),  # its own case, held by a partner
    # a chain partner the case never reached, invited to the joint home visit; with the "eviction" flavour it
    # is a voting party of the open proposal
    "visit_partner": ("accepted", "welfare"),
    "other_corporation": ("handed_on", "other_corporation"),  # another corporation of the same convenant
    # a chain partner never offered the case; with the "eviction" flavour: it voted on a proposal since rejected
    "former_voter": ("offered", "welfare"),
}
STATES = ("declined", "offered", "accepted", "handed_on")
ROLES = ("caseworker", "manager")
# What some endpoints need besides the relation: "arrangement" an active payment arrangement (agreed before any
# handover); "eviction" an eviction proposal (open; in the "offered" state, where none can be proposed, one that
# was rejected before the offer: welfare voted for, debt assistance against).
FLAVOURS = ("base", "arrangement", "eviction")


def user_of(organisation, role):
    membership = Membership.objects.filter(organisation=organisation, role=role).select_related("user").first()
    if membership is not None:
        return membership.user
    return UserFactory(organisation=organisation, organisation__role=role)


def tenant_data(prefix="Matrixhuurder"):
    n = next(_numbers)
    return {
        "name": f"{prefix} {n:05d}",
        "contract_ref": f"MX-{n:06d}",
        "street": "Matrixstraat",
        "house_number": str(n),
        "postcode": "7511 AA",
        "city": "Enschede",
    }


def plan_passed_visit(user, case, partner) -> JointVisit:
    """A joint home visit planned through the service, then moved to an hour ago: its outcome can be recorded."""
    visit = services.plan_joint_visit(user, case, partner=partner, planned_at=timezone.now() + timedelta(days=2))
    JointVisit.objects.filter(pk=visit.pk).update(planned_at=timezone.now() - timedelta(hours=1))
    visit.refresh_from_db()
    return visit


@dataclass
class Scenario:
    """One case in one state. `handover` is the offer that gives the relations of that state: the first offer,
    or in "handed_on" the former holder's offer to welfare."""

    case: Case
    handover: Handover
    proposal: EvictionProposal | None
    visit: JointVisit


def build_scenario(region, state, flavour="base") -> Scenario:
    """A case in `state`, with what every scenario has: an access-log row (the consultant read it), an escalation
    row, and a joint home visit with welfare (a chain partner), since passed."""
    case = services.open_case(region.consultant, tenant=tenant_data(), arrears_amount="640.00", months_in_arrears=1)
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached")
    visit = None if state == "accepted" else plan_passed_visit(region.consultant, case, region.welfare)
    if flavour == "arrangement":
        services.agree_arrangement(
            region.consultant, case, monthly_amount="80.00", start_date=timezone.localdate() + timedelta(days=7),
            months=8,
        )
    proposal = None
    if flavour == "eviction" and state == "offered":
        proposal = services.propose_eviction(region.corporation_manager, case, reason="Weigert alle hulp.")
        services.vote_on_eviction(region.welfare_manager, proposal, agree=True, reason="Geen contact mogelijk.")
        services.vote_on_eviction(region.debt_manager, proposal, agree=False, reason="Wij helpen nog.")
    subject = services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt.", tenant_consent=True)
    if state == "declined":
        services.decline_handover(region.debt_coach, subject, reason="Buiten onze doelgroep.")
    elif state in ("accepted", "handed_on"):
        services.accept_handover(region.debt_coach, subject)
    if state == "accepted":
        visit = plan_passed_visit(region.debt_coach, case, region.welfare)
    if state == "handed_on":
        subject = services.offer_handover(
            region.debt_coach, case, to_organisation=region.welfare, summary="Schulden geregeld; welzijn nodig.",
            tenant_consent=True,
        )
        services.accept_handover(region.welfare_worker, subject)
    case.refresh_from_db()
    services.record_access(region.consultant, case, "detail")
    EscalationFactory(case=case, from_organisation=case.holder)
    if flavour == "eviction" and state != "offered":
        proposal = services.propose_eviction(region.corporation_manager, case, reason="Weigert alle hulp.")
    case.refresh_from_db()
    subject.refresh_from_db()
    visit.refresh_from_db()
    return Scenario(case=case, handover=subject, proposal=proposal, visit=visit)


@dataclass
class World:
    """A scenario seen by the organisation that has `relation` to its case."""

    region: Region
    relation: str
    organisation: Organisation
    scenario: Scenario

    @property
    def case(self):
        return self.scenario.case

    @property
    def handover(self):
        return self.scenario.handover

    @property
    def proposal(self):
        return self.scenario.proposal

    @property
    def visit(self):
        return self.scenario.visit

    def user(self, role):
        return user_of(self.organisation, role)

    def refreshed_case(self):
        return Case.objects.get(pk=self.case.pk)

    def offer_target(self):
        """A chain partner the current holder may offer the case to (not the holder, not the corporation)."""
        case = self.refreshed_case()
        chain = [self.region.debt_assistance, self.region.welfare]
        return next(org for org in chain if org.pk not in (case.holder_id, case.corporation_id))

    def visit_target(self):
        """A chain partner of the convenant to plan a joint home visit with (not the holder)."""
        case = self.refreshed_case()
        return next(org for org in (self.region.welfare, self.region.debt_assistance) if org.pk != case.holder_id)


@pytest.fixture(scope="module")
def matrix_worlds(django_db_setup, django_db_blocker):
    """world(relation, flavour) for the permission matrix: one region with a case per state and flavour, built
    once per module in a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        with transaction.atomic():
            region = make_region()
            for organisation in (region.municipality, region.unrelated, region.other_corporation):
                for role in ROLES:
                    user_of(organisation, role)
            scenarios = {
                (state, flavour): build_scenario(region, state, flavour)
                for state in STATES
                for flavour in FLAVOURS
            }

            def world(relation, flavour="base"):
                state, organisation_name = RELATIONS[relation]
                return World(region=region, relation=relation, organisation=getattr(region, organisation_name),
                             scenario=scenarios[(state, flavour)])

            yield world
            transaction.set_rollback(True)


# --- the policy matrix (test_policy_matrix.py): a case in every status, seen from every relation ----------------
#
# The region gets four more chain partners, so that one case can carry every relation at once: debt assistance
# declined an offer, welfare saw its offer withdrawn, "former" picked the case up and handed it on to "holder",
# "offered" has the open offer (handed_over) or is a voting party that was never involved (eviction_proposed), and
# "visit partner" is invited to the joint home visit. A creditor (energy company) reports signals only.

CORPORATION_HOLDS, PARTNER_HOLDS = "corporation holds", "partner holds"
# Every status; the ones a partner can hold the case in also with a partner holding it. Closed by the corporation
# (resolved) and by the partner (closed): the closed states are one row of the table each.
STATUS_SCENARIOS = [
    *((CORPORATION_HOLDS, status) for status in (
        "open", "contacting", "arrangement", "handed_over", "eviction_proposed", "resolved", "evicted",
    )),
    *((PARTNER_HOLDS, status) for status in ("with_partner", "handed_over", "eviction_proposed", "closed", "evicted")),
]
# The relations of the issue. The other corporation and the joint visit's partner have their own tests
# (test_leaks.py): they see nothing of the case either.
POLICY_RELATIONS = (
    "own_corporation", "holder", "offered", "declined", "withdrawn", "former_holder", "voter", "unrelated",
    "municipality", "creditor",
)


@dataclass
class PolicyRegion:
    region: Region
    former: Organisation  # picked the case up, then handed it on (partner track)
    holder: Organisation  # holds the case (partner track)
    offered: Organisation  # the open offer (handed_over); an uninvolved voting party (eviction_proposed)
    visit_partner: Organisation  # invited to the joint home visit
    creditor: Organisation  # an energy company: reports arrears signals, sees no case

    @property
    def chain(self):
        r = self.region
        return [r.debt_assistance, r.welfare, self.former, self.holder, self.offered, self.visit_partner]

    def organisation(self, scenario, relation) -> Organisation | None:
        """The organisation that has `relation` to the scenario's case; None when the status has no such one."""
        r = self.region
        partner_track = scenario.track == PARTNER_HOLDS
        return {
            "own_corporation": r.corporation,
            "holder": self.holder if partner_track else None,
            "offered": self.offered if scenario.status == "handed_over" else None,
            "declined": r.debt_assistance,
            "withdrawn": r.welfare,
            "former_holder": self.former if partner_track else None,
            "voter": self.offered if scenario.status == "eviction_proposed" else None,
            "unrelated": r.unrelated,
            "municipality": r.municipality,
            "creditor": self.creditor,
            "other_corporation": r.other_corporation,
            "visit_partner": self.visit_partner,
        }[relation]


def make_policy_region() -> PolicyRegion:
    region = make_region()
    policy_region = PolicyRegion(
        region=region,
        former=OrganisationFactory(name="Schuldhulp Twente", kind="debt_assistance"),
        holder=OrganisationFactory(name="Welzijn Enschede-Zuid", kind="welfare"),
        offered=OrganisationFactory(name="Budgetcoaches Enschede", kind="debt_assistance"),
        visit_partner=OrganisationFactory(name="Wijkwelzijn Enschede", kind="welfare"),
        creditor=OrganisationFactory(name="Enexis Energie", kind="utility"),
    )
    convenant = region.convenant
    extra = [policy_region.former, policy_region.holder, policy_region.offered, policy_region.visit_partner]
    update_convenant(convenant, parties=[*convenant.parties.all(), *extra], chain=policy_region.chain)
    for organisation in (*policy_region.chain, region.corporation, region.other_corporation, region.municipality,
                         region.unrelated, policy_region.creditor):
        for role in ROLES:
            user_of(organisation, role)
    return policy_region


@dataclass
class StatusScenario:
    """A case in `status`; `handover`, `proposal` and `visit` are its latest ones (what an answer, a vote or an
    outcome is given on)."""

    track: str
    status: str
    case: Case
    handover: Handover
    proposal: EvictionProposal
    visit: JointVisit

    @property
    def key(self):
        return f"{self.status} ({self.track})"


def build_status_scenario(pr: PolicyRegion, track, status) -> StatusScenario:
    """Through the services, as the people of the region would: opened, a contact attempt (except for "open"),
    an eviction proposal rejected, an offer declined by debt assistance and one to welfare withdrawn; in the
    partner track the case is then picked up by "former" and handed on to "holder". The holder plans a joint home
    visit with the visit partner (since passed), and the case goes on to `status`."""
    r = pr.region
    consultant = r.consultant
    case = services.open_case(consultant, tenant=tenant_data("Beleidshuurder"), arrears_amount="640.00",
                              months_in_arrears=1)
    if status != "open":
        services.log_contact_attempt(consultant, case, channel="phone", outcome="not_reached")
    rejected = services.propose_eviction(r.corporation_manager, case, reason="Eerder voorgesteld.")
    services.vote_on_eviction(r.debt_manager, rejected, agree=False, reason="Wij willen eerst helpen.")
    declined = services.offer_handover(consultant, case, to_organisation=r.debt_assistance,
                                       summary="Niet bereikt.", tenant_consent=True)
    services.decline_handover(r.debt_coach, declined, reason="Pas over zes weken plek.")
    withdrawn = services.offer_handover(consultant, case, to_organisation=r.welfare, summary="Niet bereikt.",
                                        tenant_consent=True)
    services.withdraw_handover(consultant, withdrawn, reason="Toch bereikt.")
    worker = consultant
    if track == PARTNER_HOLDS:
        first = services.offer_handover(consultant, case, to_organisation=pr.former, summary="Schulden.",
                                        tenant_consent=True)
        services.accept_handover(user_of(pr.former, "caseworker"), first)
        onward = services.offer_handover(user_of(pr.former, "caseworker"), case, to_organisation=pr.holder,
                                         summary="Welzijn nodig.", tenant_consent=True)
        worker = user_of(pr.holder, "caseworker")
        services.accept_handover(worker, onward)
    plan_passed_visit(worker, case, pr.visit_partner)
    if status == "arrangement":
        services.agree_arrangement(worker, case, monthly_amount="80.00",
                                   start_date=timezone.localdate() + timedelta(days=7), months=8)
    elif status == "handed_over":
        services.offer_handover(worker, case, to_organisation=pr.offered, summary="Graag overnemen.",
                                tenant_consent=True)
    elif status in ("eviction_proposed", "evicted"):
        proposal = services.propose_eviction(r.corporation_manager, case, reason="Weigert alle hulp.")
        if status == "evicted":
            for organisation in (r.corporation, *pr.chain):
                services.vote_on_eviction(user_of(organisation, "manager"), proposal, agree=True,
                                          reason="Alle hulp geweigerd.")
    elif status in ("resolved", "closed"):
        services.close_case(worker, case, outcome="resolved" if status == "resolved" else "other")
    case.refresh_from_db()
    assert case.status == status, (track, status, case.status)
    return StatusScenario(
        track=track,
        status=status,
        case=case,
        handover=Handover.objects.filter(case=case).latest("pk"),
        proposal=EvictionProposal.objects.filter(case=case).latest("pk"),
        visit=JointVisit.objects.filter(case=case).latest("pk"),
    )


@pytest.fixture(scope="module")
def policy_scenarios(django_db_setup, django_db_blocker):
    """(PolicyRegion, {(track, status): StatusScenario}), built once per module in a transaction that is rolled
    back at its end; every test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        with transaction.atomic():
            pr = make_policy_region()
            scenarios = {}
            for key in STATUS_SCENARIOS:
                # A scenario the services refuse to build fails its own cells (with the refusal), not the module.
                try:
                    with transaction.atomic():
                        scenarios[key] = build_status_scenario(pr, *key)
                except Exception as error:  # noqa: BLE001 - reported by every cell of the scenario
                    scenarios[key] = error
            yield pr, scenarios
            transaction.set_rollback(True)
