"""The vroegsignaal case and the household's rent case: the case shows that a rent case exists, who holds it and its
status — never its notes, contact attempts, dossier or amounts; and a corporation's warm handover to debt
assistance sets the warm-handover flag on the rent signals and their vroegsignaal case."""

import pytest
from django.utils import timezone

from cases.models import Tenant
from signals.models import ArrearsSignal, SignalCase
from tests.factories import OrganisationFactory, UserFactory, match_period, send_signals

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Huurder vertelde over zijn gokschuld bij de buren"
SECRET_ATTEMPT = "Dochter nam op, belt terug na de vakantie"
RENT_AMOUNT = "1234.56"


@pytest.fixture
def energy_user(region):
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    return UserFactory(username="enexis", organisation=energy)


@pytest.fixture
def outreach_user(region):
    return UserFactory(username="vroegsignaleerder", organisation=region.municipality)


def open_rent_case(api, region, *, house_number="12", n=1):
    body = {
        "tenant": {"name": "Fam. de Vries", "street": "Lasondersingel", "house_number": house_number,
                   "postcode": "7511 AB", "city": "Enschede", "contract_ref": f"HC-LINK-{n}"},
        "arrears_amount": RENT_AMOUNT, "months_in_arrears": 2, "monthly_rent": "617.28",
    }
    response = api.as_user(region.consultant).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def energy_case(energy_user, *, house_number="12", n=1):
    send_signals(energy_user, {"external_id": f"ENX-{n}", "kind": "energy", "name": "P. de Vries",
                               "postcode": "7511 AB", "house_number": house_number, "amount": "187.50"})
    match_period()
    return SignalCase.objects.get(postcode="7511 AB", house_number=house_number)


def detail(api, user, signal_case):
    response = api.as_user(user).get(f"/api/v1/signal-cases/{signal_case.pk}/")
    assert response.status_code == 200
    return response


def test_the_case_shows_the_rent_case_holder_and_status_not_its_notes(api, region, energy_user, outreach_user):
    case = open_rent_case(api, region)
    consultant = api.as_user(region.consultant)
    assert consultant.post(f"/api/v1/cases/{case['id']}/notes/", {"text": SECRET_NOTE},
                           format="json").status_code == 201
    assert consultant.post(f"/api/v1/cases/{case['id']}/contact-attempts/",
                           {"channel": "phone", "outcome": "not_reached", "notes": SECRET_ATTEMPT},
                           format="json").status_code == 201
    signal_case = energy_case(energy_user)

    response = detail(api, outreach_user, signal_case)
    rent_case = response.json()["rent_case"]
    assert rent_case["exists"] is True
    assert rent_case["holder"] == region.corporation.name
    assert rent_case["status"] == "contacting"
    assert rent_case["status_label"]
    text = response.content.decode()
    for secret in (SECRET_NOTE, SECRET_ATTEMPT, RENT_AMOUNT, "617.28", case["tenant"]["contract_ref"],
                   f'"id": {case["id"]}'):
        assert secret not in text, secret
    assert "case" not in rent_case and "id" not in rent_case

    # Handed over and accepted: the holder is now debt assistance.
    offer = api.as_user(region.consultant).post(f"/api/v1/cases/{case['id']}/handover/",
                            {"summary": "Niet bereikt; huurder stemt in.", "tenant_consent": True}, format="json")
    assert offer.status_code == 201, offer.content
    accept = api.as_user(region.debt_coach).post(f"/api/v1/handovers/{offer.json()['id']}/accept/")
    assert accept.status_code == 200
    rent_case = detail(api, outreach_user, signal_case).json()["rent_case"]
    assert rent_case["holder"] == region.debt_assistance.name
    assert rent_case["status"] == "with_partner"
    assert "Niet bereikt" not in detail(api, outreach_user, signal_case).content.decode()


def test_no_rent_case_no_line(api, region, energy_user, outreach_user):
    open_rent_case(api, region, house_number="14")  # the neighbours
    signal_case = energy_case(energy_user)
    assert detail(api, outreach_user, signal_case).json()["rent_case"] is None


def test_a_closed_rent_case_shows_when_there_is_no_open_one(api, region, energy_user, outreach_user):
    case = open_rent_case(api, region)
    closed = api.as_user(region.consultant).post(f"/api/v1/cases/{case['id']}/close/", {"outcome": "resolved"},
                                                 format="json")
    assert closed.status_code == 200, closed.content
    signal_case = energy_case(energy_user)
    rent_case = detail(api, outreach_user, signal_case).json()["rent_case"]
    assert rent_case["status"] == "resolved" and rent_case["holder"] == region.corporation.name
    # Once the tenant is anonymised, the line is gone.
    Tenant.objects.filter(cases__pk=case["id"]).update(anonymised_at=timezone.now())
    assert detail(api, outreach_user, signal_case).json()["rent_case"] is None


# --- warm handover ------------------------------------------------------------------------------------------------


def rent_signal_case(api, region, *, house_number="12", n=1):
    """The corporation's rent signal through the API (it opens the rent case), matched into a vroegsignaal case."""
    response = api.as_user(region.consultant).post("/api/v1/signals/", {"signals": [{
        "external_id": f"DOM-{n}", "contract_ref": f"HC-WARM-{n}", "name": "Fam. de Vries", "postcode": "7511 AB",
        "house_number": house_number, "amount": "640.00", "months_in_arrears": 1,
        "reference_date": timezone.localdate().isoformat(),
    }]}, format="json")
    assert response.status_code in (200, 201), response.content
    match_period()
    signal = ArrearsSignal.objects.get(source=region.corporation, external_id=f"DOM-{n}")
    assert signal.case_id is not None and signal.signal_case_id is not None
    return signal


def offer_to(api, region, case_id, organisation):
    response = api.as_user(region.consultant).post(
        f"/api/v1/cases/{case_id}/handover/",
        {"summary": "Warme overdracht", "tenant_consent": True, "to_organisation": organisation.pk}, format="json")
    assert response.status_code == 201, response.content


def test_a_warm_handover_to_debt_assistance_sets_the_flag(api, region):
    signal = rent_signal_case(api, region)
    assert signal.warm_handover is False
    assert SignalCase.objects.get(pk=signal.signal_case_id).warm_handover is False
    offer_to(api, region, signal.case_id, region.debt_assistance)
    signal.refresh_from_db()
    assert signal.warm_handover is True
    assert SignalCase.objects.get(pk=signal.signal_case_id).warm_handover is True
    answer = api.as_user(region.regisseur).get(f"/api/v1/signal-cases/{signal.signal_case_id}/").json()
    assert answer["warm_handover"] is True
    assert [s["warm_handover"] for s in answer["signals"]] == [True]


def test_a_handover_to_welfare_is_no_warm_handover_to_debt_assistance(api, region):
    signal = rent_signal_case(api, region)
    offer_to(api, region, signal.case_id, region.welfare)
    signal.refresh_from_db()
    assert signal.warm_handover is False
    assert SignalCase.objects.get(pk=signal.signal_case_id).warm_handover is False


def test_a_warm_handover_flags_the_households_case_of_other_creditors(api, region, energy_user):
    """A rent case opened by hand (no rent signal): the warm handover flags the open vroegsignaal case that other
    creditors' signals made at the tenant's address, and no other household's."""
    case = open_rent_case(api, region)
    ours = energy_case(energy_user)
    neighbours = energy_case(energy_user, house_number="14", n=2)
    offer_to(api, region, case["id"], region.debt_assistance)
    ours.refresh_from_db()
    neighbours.refresh_from_db()
    assert ours.warm_handover is True
    assert neighbours.warm_handover is False
