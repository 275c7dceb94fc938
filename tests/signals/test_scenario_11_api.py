"""Scenario 11 (SCENARIOS.md) through the REST API: in one month the energy company, the water company and the
corporation send signals for the same address (POST /api/v1/signals/ as each of them); the matching, which runs
after each import, makes one vroegsignaal case "multiple"; the municipality's outreach team sees it with the rent
case's holder and status but not its notes, sends a letter, phones twice (not reached, then reached) and closes
it with "Vervolghulp en/of verwijzing financieel". The DDAS report of the period is the second test (it runs only
when signals/ddas.py is there)."""

import pytest
from django.utils import timezone

from convenants.models import Convenant
from signals.models import ArrearsSignal
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

RENT_NOTE = "Huurder vertelde dat hij zijn baan kwijt is"
FINANCIAL = "Vervolghulp en/of verwijzing financieel"
ADDRESS = {"postcode": "7511 AB", "house_number": "12"}


def send(api, user, **signal):
    response = api.as_user(user).post("/api/v1/signals/", {"signals": [{
        "name": "Fam. de Vries", "months_in_arrears": 2, "reference_date": timezone.localdate().isoformat(),
        **ADDRESS, **signal,
    }]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["accepted"] == 1, response.json()


@pytest.fixture
def scenario(api, region):
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    water = OrganisationFactory(name="Vitens", kind="utility", municipality="Enschede")
    energy_user = UserFactory(username="enexis", organisation=energy)
    water_user = UserFactory(username="vitens", organisation=water)
    outreach_user = UserFactory(username="vroegsignaleerder", organisation=region.municipality)

    send(api, energy_user, external_id="ENX-11", kind="Energie", amount="312.40")
    send(api, water_user, external_id="VIT-11", kind="Water", amount="96.00")
    send(api, region.consultant, external_id="DOM-11", contract_ref="HC-011", amount="640.00", months_in_arrears=1)
    rent = ArrearsSignal.objects.get(source=region.corporation, external_id="DOM-11")
    assert rent.case_id is not None, "the rent signal opened the rent case"
    response = api.as_user(region.consultant).post(f"/api/v1/cases/{rent.case_id}/notes/", {"text": RENT_NOTE},
                                                   format="json")
    assert response.status_code == 201
    return outreach_user, rent.case_id


def test_scenario_11_outreach_through_the_api(api, region, scenario):
    outreach_user, rent_case_id = scenario
    team = api.as_user(outreach_user)

    [row] = team.get("/api/v1/signal-cases/", {"type": "multiple"}).json()["results"]
    assert row["status"] == "Nog niet opgepakt"
    assert team.get("/api/v1/signal-cases/").json()["results"] == [row]  # one case for the address
    url = f"/api/v1/signal-cases/{row['id']}/"
    detail = team.get(url)
    body = detail.json()
    assert body["type"] == "multiple"
    assert sorted(signal["partner_type"] for signal in body["signals"]) == ["Energie", "Huur", "Water"]
    assert body["rent_case"]["exists"] is True
    assert body["rent_case"]["holder"] == region.corporation.name
    assert body["rent_case"]["status"] == "open"
    assert RENT_NOTE not in detail.content.decode()

    today = timezone.localdate().isoformat()
    for kind, reached, part in (("Brief", False, ""), ("Telefoon", False, "Ochtend"), ("Telefoon", True, "Middag")):
        response = team.post(f"{url}contact-attempts/",
                             {"kind": kind, "reached": reached, "date": today, "part_of_day": part}, format="json")
        assert response.status_code == 201, response.content
    body = team.get(url).json()
    assert body["status"] == "Opgepakt" and body["picked_up_on"] == today and body["deadline_at"] is None
    assert [(a["kind"], a["reached"]) for a in body["attempts"]] == [
        ("Brief", False), ("Telefoon", False), ("Telefoon", True)]

    closed = team.post(f"{url}close/", {"result": FINANCIAL, "refer": True}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["result"] == FINANCIAL
    assert closed.json()["referred_to"]["id"] == region.debt_assistance.pk
    assert closed.json()["allowed_actions"] == ["view"]
    assert RENT_NOTE not in closed.content.decode()
    # The corporation, whose rent signal is one of three, still sees none of it.
    assert api.as_user(region.consultant).get(url).status_code == 404


def test_scenario_11_the_ddas_report_of_the_period(api, region, scenario):
    """The end of the quarter: the regisseur downloads the DDAS report of the period (GET /api/v1/ddas/); its
    validation against the v1.2 schema is tests/signals/test_ddas_export.py's. Here: it holds what the team did."""
    outreach_user, _rent_case_id = scenario
    team = api.as_user(outreach_user)
    [row] = team.get("/api/v1/signal-cases/").json()["results"]
    url = f"/api/v1/signal-cases/{row['id']}/"
    today = timezone.localdate().isoformat()
    team.post(f"{url}contact-attempts/", {"kind": "Brief", "reached": False, "date": today}, format="json")
    team.post(f"{url}close/", {"result": FINANCIAL}, format="json")
    Convenant.objects.filter(pk=region.convenant.pk).update(cbs_municipality_code="0153")
    first = timezone.localdate().replace(day=1).isoformat()
    response = api.as_user(region.regisseur).get("/api/v1/ddas/", {"from": first, "to": today})
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert FINANCIAL in text and "Brief" in text
    assert "bsn" not in text.lower()
