"""The covenant's vroegsignalering settings through the administrator's API: stored, answered, and refused with
the field and the reason when they make no sense."""

import pytest
from django.contrib.auth import get_user_model

from signals import outreach
from signals.models import SignalCase
from tests.factories import OrganisationFactory, UserFactory, send_signals

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(api, db):
    admin = get_user_model().objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")
    return api.as_user(admin)


def test_settings_are_stored_and_answered(admin_api, region):
    path = f"/api/v1/convenants/{region.convenant.pk}/"
    before = admin_api.get(path).json()
    assert before["matching_period_months"] == 1
    assert before["outreach_contact_days"] == 20 and before["outreach_crisis_days"] == 3
    assert before["outreach_organisation"] is None and before["cbs_municipality_code"] == ""

    response = admin_api.patch(path, {
        "cbs_municipality_code": "0153", "outreach_organisation": region.debt_assistance.pk,
        "matching_period_months": 3, "signal_minimums": {"energy": 75, "water": 50},
        "outreach_contact_days": 15, "outreach_crisis_days": 2,
    }, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["cbs_municipality_code"] == "0153"
    assert answer["outreach_organisation"] == region.debt_assistance.pk
    assert answer["matching_period_months"] == 3
    assert answer["signal_minimums"] == {"energy": 75, "water": 50}
    region.convenant.refresh_from_db()
    assert str(region.convenant.signal_minimum("energy")) == "75"
    assert region.convenant.signal_minimum("rent") == 0
    assert (region.convenant.outreach_contact_days, region.convenant.outreach_crisis_days) == (15, 2)


@pytest.mark.parametrize(("body", "field"), [
    ({"cbs_municipality_code": "GM0153"}, "cbs_municipality_code"),
    ({"cbs_municipality_code": "15a3"}, "cbs_municipality_code"),
    ({"cbs_municipality_code": "²³¹⁴"}, "cbs_municipality_code"),  # digits to str.isdigit(), not to the database
    ({"cbs_municipality_code": "٠١٥٣"}, "cbs_municipality_code"),
    ({"matching_period_months": 5}, "matching_period_months"),
    ({"signal_minimums": {"gas": 75}}, "signal_minimums"),
    ({"signal_minimums": {"energy": -1}}, "signal_minimums"),
    ({"outreach_contact_days": 0}, "outreach_contact_days"),
    ({"outreach_crisis_days": 30}, "outreach_crisis_days"),
])
def test_nonsense_is_refused_with_the_field(admin_api, region, body, field):
    response = admin_api.patch(f"/api/v1/convenants/{region.convenant.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    region.convenant.refresh_from_db()
    assert region.convenant.cbs_municipality_code == ""
    assert region.convenant.matching_period_months == 1


def test_outreach_organisation_must_be_a_party_of_a_kind_that_reaches_out(admin_api, region):
    path = f"/api/v1/convenants/{region.convenant.pk}/"
    for organisation in (region.unrelated, region.corporation):
        response = admin_api.patch(path, {"outreach_organisation": organisation.pk}, format="json")
        assert response.status_code == 400, response.content
        assert "outreach_organisation" in response.json()
    response = admin_api.patch(path, {"outreach_organisation": region.municipality.pk}, format="json")
    assert response.status_code == 200, response.content


def test_another_outreach_organisation_takes_over_the_open_cases(admin_api, api, region):
    """The team that did the outreach before reads and works none of the open cases any more; a closed case stays
    with the team that closed it."""
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    sender = UserFactory(username="enexis", organisation=energy)
    send_signals(sender, {"external_id": "ENX-1", "kind": "energy", "name": "P. de Vries", "postcode": "7511 AB",
                          "house_number": "12", "amount": "187.50"},
                 {"external_id": "ENX-2", "kind": "energy", "name": "K. Bos", "postcode": "7511 AB",
                  "house_number": "14", "amount": "96.00"})
    open_case, closed_case = SignalCase.objects.order_by("house_number")
    assert open_case.owner == region.municipality
    outreach.close(region.regisseur, closed_case.pk, result="Geen reactie na eerder contact")

    path = f"/api/v1/convenants/{region.convenant.pk}/"
    response = admin_api.patch(path, {"outreach_organisation": region.debt_assistance.pk}, format="json")
    assert response.status_code == 200, response.content
    open_case.refresh_from_db()
    closed_case.refresh_from_db()
    assert (open_case.owner, closed_case.owner) == (region.debt_assistance, region.municipality)
    assert api.as_user(region.regisseur).get(f"/api/v1/signal-cases/{open_case.pk}/").status_code == 404
    assert api.as_user(region.debt_coach).get(f"/api/v1/signal-cases/{open_case.pk}/").status_code == 200
