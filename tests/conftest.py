from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.browser import browser, desktop_page, phone_page, pytest_runtest_makereport  # noqa: F401 (fixtures, hook)
from tests.factories import ConvenantFactory, OrganisationFactory, UserFactory


def pytest_configure(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            "The tests run on PostgreSQL only: set DATABASE_URL=postgres://… (bin/test does this)."
        )
    if not settings.REDIS_URL:
        raise pytest.UsageError("The tests run on Redis: set REDIS_URL=redis://… (bin/test does this).")


@dataclass
class Region:
    """One municipality's chain: the convenant of DESIGN.md with a user for every role."""

    municipality: object
    corporation: object
    other_corporation: object
    debt_assistance: object
    welfare: object
    unrelated: object
    convenant: object
    consultant: object
    corporation_manager: object
    debt_coach: object
    debt_manager: object
    welfare_worker: object
    welfare_manager: object
    regisseur: object
    unrelated_worker: object
    other_consultant: object


def make_region() -> Region:
    """The region built anew: for module-scoped set-ups that cannot use the `region` fixture."""
    municipality = OrganisationFactory(name="Gemeente Enschede", kind="municipality")
    corporation = OrganisationFactory(name="Domijn", kind="corporation")
    other_corporation = OrganisationFactory(name="Ons Huis", kind="corporation")
    debt_assistance = OrganisationFactory(name="Schuldhulp Enschede", kind="debt_assistance")
    welfare = OrganisationFactory(name="Alifa Welzijn", kind="welfare")
    unrelated = OrganisationFactory(name="Schuldhulp Hengelo", kind="debt_assistance", municipality="Hengelo")
    convenant = ConvenantFactory(
        name="Convenant Vroegsignalering Enschede",
        municipality="Enschede",
        parties=[municipality, corporation, other_corporation, debt_assistance, welfare],
        chain=[debt_assistance, welfare],
        working_days=False,
        deadlines={"first_contact": 5, "handover": 30, "pickup": 5, "partner_contact": 10, "inactivity": 30},
    )
    return Region(
        municipality=municipality,
        corporation=corporation,
        other_corporation=other_corporation,
        debt_assistance=debt_assistance,
        welfare=welfare,
        unrelated=unrelated,
        convenant=convenant,
        consultant=UserFactory(username="consulent", organisation=corporation),
        corporation_manager=UserFactory(username="teamleider", organisation=corporation, organisation__role="manager"),
        debt_coach=UserFactory(username="schuldhulpcoach", organisation=debt_assistance),
        debt_manager=UserFactory(username="schuldhulpmanager", organisation=debt_assistance, organisation__role="manager"),
        welfare_worker=UserFactory(username="welzijnswerker", organisation=welfare),
        welfare_manager=UserFactory(username="welzijnsmanager", organisation=welfare, organisation__role="manager"),
        regisseur=UserFactory(username="regisseur", organisation=municipality, organisation__role="manager"),
        unrelated_worker=UserFactory(username="buiten", organisation=unrelated),
        other_consultant=UserFactory(username="onshuis", organisation=other_corporation),
    )


@pytest.fixture
def region(db):
    return make_region()


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` signs in with a token, as an outside system would."""

    class Client(APIClient):
        def as_user(self, user):
            self.force_authenticate(user=user)
            return self

    return Client()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
