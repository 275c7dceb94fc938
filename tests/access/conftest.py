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
    "uninvolved_partner": ("accepted", "welfare"),  # a chain partner the case never reached
    "other_corporation": ("handed_on", "other_corporation"),  # another corporation of the same convenant
    "visit_partner": ("accepted", "social_team"),  # a convenant party invited to a joint home visit only
    # a chain partner the case never reached; with the "eviction" flavour: it voted on a proposal since rejected
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


def add_social_team(region) -> Organisation:
    """A convenant party outside the chain: the partner of the joint home visits."""
    team = OrganisationFactory(name="Sociaal Wijkteam Enschede", kind="social_team")
    update_convenant(region.convenant, parties=[*region.convenant.parties.all(), team])
    return team


@dataclass
class Scenario:
    """One case in one state. `handover` is the offer that gives the relations of that state: the first offer,
    or in "handed_on" the former holder's offer to welfare."""

    case: Case
    handover: Handover
    proposal: EvictionProposal | None
    visit: JointVisit


def build_scenario(region, team, state, flavour="base") -> Scenario:
    """A case in `state`, with what every scenario has: an access-log row (the consultant read it), an escalation
    row, and a joint home visit planned by the holder with the social team."""
    now = timezone.now()
    n = next(_numbers)
    case = services.open_case(
        region.consultant,
        tenant={
            "name": f"Matrixhuurder {n:05d}",
            "contract_ref": f"MX-{n:06d}",
            "street": "Matrixstraat",
            "house_number": str(n),
            "postcode": "7511 AA",
            "city": "Enschede",
        },
        arrears_amount="640.00",
        months_in_arrears=1,
    )
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached")
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
    if state == "handed_on":
        subject = services.offer_handover(
            region.debt_coach, case, to_organisation=region.welfare, summary="Schulden geregeld; welzijn nodig.",
            tenant_consent=True,
        )
        services.accept_handover(region.welfare_worker, subject)
    case.refresh_from_db()
    services.record_access(region.consultant, case, "detail")
    EscalationFactory(case=case, from_organisation=case.holder)
    visit = services.plan_joint_visit(
        user_of(case.holder, "caseworker"), case, partner=team, planned_at=now + timedelta(days=2)
    )
    if flavour == "eviction" and state != "offered":
        proposal = services.propose_eviction(region.corporation_manager, case, reason="Weigert alle hulp.")
    case.refresh_from_db()
    subject.refresh_from_db()
    return Scenario(case=case, handover=subject, proposal=proposal, visit=visit)


@dataclass
class World:
    """A scenario seen by the organisation that has `relation` to its case."""

    region: Region
    relation: str
    organisation: Organisation
    social_team: Organisation
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


@pytest.fixture(scope="module")
def matrix_worlds(django_db_setup, django_db_blocker):
    """world(relation, flavour) for the permission matrix: one region with a case per state and flavour, built
    once per module in a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        with transaction.atomic():
            region = make_region()
            team = add_social_team(region)
            for organisation in (region.municipality, region.unrelated, region.other_corporation, team):
                for role in ROLES:
                    user_of(organisation, role)
            scenarios = {
                (state, flavour): build_scenario(region, team, state, flavour)
                for state in STATES
                for flavour in FLAVOURS
            }

            def world(relation, flavour="base"):
                state, organisation_name = RELATIONS[relation]
                organisation = team if organisation_name == "social_team" else getattr(region, organisation_name)
                return World(region=region, relation=relation, organisation=organisation, social_team=team,
                             scenario=scenarios[(state, flavour)])

            yield world
            transaction.set_rollback(True)
