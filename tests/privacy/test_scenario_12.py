"""Scenario 12 (SCENARIOS.md), its anonymisation part: three years after a case closed, the database holds no
trace of its tenant: no name, address, phone, note, reason, visit address or signal. (The review's security part
is tests/security/test_scenario_12.py.)"""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case
from cases.tasks import anonymise_expired_cases
from signals import services as signal_services

from .conftest import at, hits

pytestmark = pytest.mark.django_db

TRACES = ("Fatima el Amrani", "Ribbeltsweg", "7521 AB", "7521AB", "06-98765432", "fatima@example.org",
          "Kerkstraat 5", "rugklachten", "wachtlijst", "Ribbeltsweg 44", "DOM-884211", "SIG-884211")


def test_three_years_after_closing_no_trace_of_the_tenant_is_left(api, client, region):
    opened = at(2026, 3, 2)
    day = lambda n: opened + timedelta(days=n)  # noqa: E731
    created = api.as_user(region.consultant).post("/api/v1/cases/", {
        "tenant": {"name": "Fatima el Amrani", "street": "Ribbeltsweg", "house_number": "44", "postcode": "7521 AB",
                   "city": "Enschede", "phone": "06-98765432", "email": "fatima@example.org",
                   "contract_ref": "DOM-884211"},
        "arrears_amount": "1280.00", "months_in_arrears": 2,
    }, format="json")
    assert created.status_code == 201, created.content
    case = Case.objects.get(pk=created.json()["id"])
    signal_services.submit_signals(region.consultant, {
        "external_id": "SIG-884211", "contract_ref": "DOM-884211", "name": "Fatima el Amrani",
        "street": "Ribbeltsweg", "house_number": "44", "postcode": "7521 AB", "city": "Enschede",
        "amount": "1350.00", "months_in_arrears": 3, "reference_date": day(1).date().isoformat(),
    }, now=day(1))
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached",
                                 notes="Mevrouw heeft rugklachten, belt terug op 06-98765432", at=day(2), now=day(2))
    services.add_note(region.consultant, case, text="Gaat verhuizen naar Kerkstraat 5", now=day(3))
    services.record_consent(region.consultant, case, given=True, how="written", now=day(4))
    offer = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                    summary="Rugklachten, verhuisd naar Kerkstraat 5", now=day(5))
    services.decline_handover(region.debt_coach, offer, reason="Eerst de wachtlijst, bel Fatima el Amrani",
                              now=day(6))
    services.plan_joint_visit(region.consultant, case, partner=region.welfare, planned_at=day(8),
                              address="Ribbeltsweg 44, 7521 AB Enschede", now=day(7))
    services.close_case(region.consultant, Case.objects.get(pk=case.pk), outcome="moved",
                        notes="Verhuisd naar Kerkstraat 5", now=day(30))
    # Every trace is there before, "7521AB" too: the permission rows' search text (cases 0014) holds "7521ab44".
    assert {needle for _t, _c, needle, _n in hits(*TRACES)} == set(TRACES)

    # Three years on, the daily task has run.
    with mock.patch("django.utils.timezone.now", return_value=day(30) + timedelta(days=3 * 365)):
        assert anonymise_expired_cases.apply().get() == 1
    assert hits(*TRACES) == []
    # The case still shows, without its tenant.
    answer = api.as_user(region.consultant).get(f"/api/v1/cases/{case.pk}/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "closed" and "Fatima" not in answer.content.decode()
    client.force_login(region.consultant)
    for page in (reverse("cases:detail", args=[case.pk]),):
        shown = client.get(page)
        assert shown.status_code == 200 and "Fatima" not in shown.content.decode(), page
