"""A creditor serves many municipalities: a signal belongs to the municipality whose convenant's postcode areas hold
the household's postcode, not to the one where its sender is based. Outside every area it keeps the sender's (or
the tenancy's corporation's). The areas are refused with the field when they make no sense or when another
municipality claims them."""

import pytest
from django.contrib.auth import get_user_model

from convenants.services import update_convenant
from signals.models import ArrearsSignal, SignalCase
from tests.factories import ConvenantFactory, OrganisationFactory, UserFactory, send_signals

pytestmark = pytest.mark.django_db


@pytest.fixture
def hengelo(region):
    municipality = OrganisationFactory(name="Gemeente Hengelo", kind="municipality", municipality="Hengelo")
    ConvenantFactory(name="Convenant Hengelo", municipality="Hengelo", parties=[municipality],
                     postcode_areas=["7550-7559"])
    return UserFactory(username="regie.hengelo", organisation=municipality, organisation__role="manager")


@pytest.fixture
def enexis(region):
    """An energy company registered in Enschede."""
    return UserFactory(username="enexis", organisation=OrganisationFactory(name="Enexis", kind="utility",
                                                                            municipality="Enschede"))


def signal(user, external_id, postcode):
    [stored] = send_signals(user, {"external_id": external_id, "kind": "energy", "name": "P. de Vries",
                                   "postcode": postcode, "house_number": "12", "amount": "187.50"})
    return stored


def test_a_household_in_another_municipalitys_area_is_that_municipalitys(api, region, hengelo, enexis):
    there = signal(enexis, "E-1", "7551 AB")
    here = signal(enexis, "E-2", "7511 AB")
    assert (there.municipality, here.municipality) == ("Hengelo", "Enschede")
    hengelo_case = SignalCase.objects.get(postcode="7551 AB")
    assert hengelo_case.municipality == "Hengelo" and hengelo_case.owner == hengelo.membership.organisation
    # Enschede's outreach sees only its own household, Hengelo's only the one in its area.
    enschede_rows = api.as_user(region.regisseur).get("/api/v1/signal-cases/").json()["results"]
    assert [row["id"] for row in enschede_rows] == [SignalCase.objects.get(postcode="7511 AB").pk]
    assert api.as_user(region.regisseur).get(f"/api/v1/signal-cases/{hengelo_case.pk}/").status_code == 404
    hengelo_rows = api.as_user(hengelo).get("/api/v1/signal-cases/").json()["results"]
    assert [row["id"] for row in hengelo_rows] == [hengelo_case.pk]


def test_the_area_also_places_a_tenancys_signal(region, hengelo):
    """A corporation of Enschede with a house in Hengelo: the household's rent signal is Hengelo's too."""
    [rent] = send_signals(region.consultant, {"external_id": "R-1", "contract_ref": "HC-H1", "name": "K. Bos",
                                              "postcode": "7553 CD", "house_number": "4", "amount": "640.00",
                                              "months_in_arrears": 0})
    assert ArrearsSignal.objects.get(pk=rent.pk).municipality == "Hengelo"


@pytest.fixture
def admin_api(api, db):
    admin = get_user_model().objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")
    return api.as_user(admin)


def test_the_areas_through_the_api(admin_api, region, hengelo):
    path = f"/api/v1/convenants/{region.convenant.pk}/"
    response = admin_api.patch(path, {"postcode_areas": ["7511-7548", "7500"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["postcode_areas"] == ["7511-7548", "7500"]


@pytest.mark.parametrize("areas", [["75"], ["7511-75"], ["0511"], ["7548-7511"], "7511", [{"from": 7511}], ["7511 AB"]])
def test_nonsense_areas_are_refused_with_the_field(admin_api, region, areas):
    response = admin_api.patch(f"/api/v1/convenants/{region.convenant.pk}/", {"postcode_areas": areas},
                               format="json")
    assert response.status_code == 400, response.content
    assert "postcode_areas" in response.json()
    region.convenant.refresh_from_db()
    assert region.convenant.postcode_areas == []


def test_another_municipalitys_postcodes_are_refused(admin_api, region, hengelo):
    response = admin_api.patch(f"/api/v1/convenants/{region.convenant.pk}/", {"postcode_areas": ["7500-7552"]},
                               format="json")
    assert response.status_code == 400
    assert "Hengelo" in response.json()["postcode_areas"][0]
    region.convenant.refresh_from_db()
    assert region.convenant.postcode_areas == []
    # A second convenant of the same municipality may cover the same postcodes.
    update_convenant(region.convenant, postcode_areas=["7511-7548"])
    ConvenantFactory(name="Convenant Enschede-Noord", municipality="Enschede", postcode_areas=["7521-7525"])
