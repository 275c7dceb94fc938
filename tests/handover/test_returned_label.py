"""Issue 16: a case that comes back from a partner shows as returned, needing action, naming who ended the offer
(the partner declining, a person withdrawing, or the deadline sweep), on the worklist, the case page and the API."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases import services
from cases.models import Handover
from tests.escalation.conftest import at
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def offered(region, **kwargs):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    offer = services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt", tenant_consent=True,
                                    now=at(3))
    return case, offer


def api_handover(api, user, offer):
    [row] = [row for row in api.as_user(user).get(reverse("api-handover-list")).json()["results"]
             if row["id"] == offer.pk]
    return row


def test_declined_by_a_person_of_the_partner(region, client, api):
    case, offer = offered(region)
    services.decline_handover(region.debt_coach, offer, reason="Geen capaciteit deze maand", now=at(4))
    coach = region.debt_coach.get_full_name() or region.debt_coach.get_username()
    client.force_login(region.consultant)
    worklist = client.get(reverse("cases:worklist")).content.decode()
    assert "Teruggekomen — actie nodig" in worklist
    assert f"Afgewezen door {region.debt_assistance.name} ({coach}): Geen capaciteit deze maand" in worklist
    # At the top of the worklist, before cases with an earlier deadline.
    CaseFactory(corporation=region.corporation, opened_at=at(1))
    rows = client.get(reverse("cases:worklist")).context["rows"]
    assert rows[0][0].pk == case.pk
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"Afgewezen door {region.debt_assistance.name} ({coach})" in page
    assert "escalatie" not in page.split('data-testid="handover-outcome"')[1].split("</span>")[0]
    row = api_handover(api, region.consultant, offer)
    assert row["ended_by"] == "partner"
    assert api.as_user(region.consultant).get(reverse("api-case-detail", args=[case.pk])).json()["returned"] is True
    case.refresh_from_db()
    assert case.deadline_kind == "handover"


def test_withdrawn_by_a_person(region, client, api):
    case, offer = offered(region)
    services.withdraw_handover(region.consultant, offer, reason="Huurder heeft toch betaald", now=at(4))
    name = region.consultant.get_full_name() or region.consultant.get_username()
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"Ingetrokken door {name}" in page
    assert api_handover(api, region.consultant, offer)["ended_by"] == "person"


def test_withdrawn_by_the_sweep(region, client, api):
    case, offer = offered(region)
    call_command("escalate_overdue", "--as-of", at(9).isoformat(), stdout=StringIO())
    offer.refresh_from_db()
    assert offer.status == "withdrawn" and offer.responded_by is None
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Ingetrokken door de termijnbewaking" in page
    assert api_handover(api, region.consultant, offer)["ended_by"] == "sweep"
    assert Handover.objects.get(case=case, status="offered").by_escalation
