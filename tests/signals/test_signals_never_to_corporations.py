"""A corporation never sees another creditor's signal about its tenant: not in the vroegsignaal worklist or case,
not in the rent case (API and page), its timeline, the handover dossier, the case export or the tenant export —
searched for the energy signal's external id, amount and the creditor's name in every answer."""

import json

import pytest
from django.utils import timezone

from cases.models import Case
from signals.models import SignalCase
from tests.factories import OrganisationFactory, UserFactory, match_period, send_signals

pytestmark = pytest.mark.django_db

ENERGY_ID = "ENX-GEHEIM-4711"
ENERGY_AMOUNT = "987.65"
ENERGY_NAME = "Stroomleverancier Noordoost"


@pytest.fixture
def household(api, region):
    """The corporation's tenant with a rent case (its rent signal through the API) and an energy signal for the
    same address, matched into one vroegsignaal case."""
    energy = OrganisationFactory(name=ENERGY_NAME, kind="utility", municipality="Enschede")
    energy_user = UserFactory(username="stroom", organisation=energy)
    response = api.as_user(region.consultant).post("/api/v1/signals/", {"signals": [{
        "external_id": "DOM-1", "contract_ref": "HC-NEVER-1", "name": "Fam. de Vries", "postcode": "7511 AB",
        "house_number": "12", "amount": "640.00", "months_in_arrears": 1,
        "reference_date": timezone.localdate().isoformat(),
    }]}, format="json")
    assert response.status_code in (200, 201), response.content
    send_signals(energy_user, {"external_id": ENERGY_ID, "kind": "energy", "name": "P. de Vries",
                               "postcode": "7511 AB", "house_number": "12", "amount": ENERGY_AMOUNT})
    match_period()
    case = Case.objects.get(tenant__contract_ref="HC-NEVER-1")
    signal_case = SignalCase.objects.get(postcode="7511 AB", house_number="12")
    assert signal_case.signals.count() == 2
    return case, signal_case


def assert_clean(response):
    text = response.content.decode()
    for secret in (ENERGY_ID, ENERGY_AMOUNT, "987,65", ENERGY_NAME):
        assert secret not in text, (secret, response.request["PATH_INFO"])


@pytest.mark.parametrize("who", ["consultant", "corporation_manager", "other_consultant"])
def test_no_path_shows_a_corporation_the_energy_signal(api, client, region, household, who):
    case, signal_case = household
    user = getattr(region, who)
    corporation = api.as_user(user)

    listed = corporation.get("/api/v1/signal-cases/")
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert_clean(listed)
    for path in (f"/api/v1/signal-cases/{signal_case.pk}/", f"/api/v1/signal-cases/{signal_case.pk}/pick-up/"):
        response = corporation.get(path) if path.endswith(f"{signal_case.pk}/") else corporation.post(path)
        assert response.status_code == 404
        assert_clean(response)

    for path in (f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/timeline/",
                 f"/api/v1/cases/{case.pk}/export/", f"/api/v1/tenants/{case.tenant_id}/export/", "/api/v1/cases/"):
        assert_clean(corporation.get(path))

    client.force_login(user)
    for path in (f"/casussen/{case.pk}/", "/", f"/signalen/vroegsignalering/{signal_case.pk}/",
                 "/signalen/vroegsignalering/"):
        assert_clean(client.get(path, follow=True))


def test_the_handover_dossier_carries_no_other_creditors_signal(api, region, household):
    case, _signal_case = household
    offer = api.as_user(region.consultant).post(
        f"/api/v1/cases/{case.pk}/handover/", {"summary": "Overdracht", "tenant_consent": True}, format="json")
    assert offer.status_code == 201, offer.content
    assert_clean(offer)
    for user in (region.consultant, region.debt_coach):
        assert_clean(api.as_user(user).get("/api/v1/handovers/"))
        response = api.as_user(user).get(f"/api/v1/handovers/{offer.json()['id']}/")
        assert response.status_code == 200
        assert_clean(response)
    dossier = api.as_user(region.debt_coach).get(f"/api/v1/handovers/{offer.json()['id']}/").json()["dossier"]
    assert dossier and ENERGY_ID not in json.dumps(dossier)


def test_the_outreach_team_does_see_it(api, region, household):
    """The check above is not vacuous: the municipality doing the outreach sees the energy signal."""
    _case, signal_case = household
    response = api.as_user(region.regisseur).get(f"/api/v1/signal-cases/{signal_case.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert ENERGY_AMOUNT in text and ENERGY_NAME in text
