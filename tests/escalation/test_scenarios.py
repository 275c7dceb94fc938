"""Scenarios 3 and 4 of SCENARIOS.md through the command (as a beat or a manager would run it) and the API."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases import selectors, services
from cases.models import Case, CaseEvent, CaseStatus, Escalation, Handover, Notification
from convenants.services import update_convenant
from tests.factories import CaseFactory

from .conftest import at

pytestmark = pytest.mark.django_db


def sweep(moment):
    out = StringIO()
    call_command("escalate_overdue", "--as-of", moment.isoformat(), stdout=out)
    return int(out.getvalue().split()[0])


def snapshot():
    return (
        Escalation.objects.count(),
        CaseEvent.objects.count(),
        Notification.objects.count(),
        Handover.objects.count(),
        list(Case.objects.order_by("pk").values_list("status", "deadline_kind", "deadline_at", "holder_id")),
    )


def test_scenario_3_nobody_picks_it_up(region, api):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    offer = services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt", tenant_consent=True,
                                    now=at(3))
    assert offer.to_organisation == region.debt_assistance
    assert selectors.cases_for(region.debt_coach).filter(pk=case.pk).exists()
    case.refresh_from_db()
    assert case.deadline_kind == "pickup"

    assert sweep(at(8)) == 0  # the pickup deadline runs to the end of 8 March
    assert sweep(at(9)) == 1

    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    new_offer = Handover.objects.get(case=case, status="offered")
    assert new_offer.to_organisation == region.welfare and new_offer.by_escalation
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDED_OVER and case.holder == region.corporation
    assert case.deadline_kind == "pickup" and case.deadline_at > at(9)
    escalation = Escalation.objects.get(case=case)
    assert (escalation.deadline_kind, escalation.action) == ("pickup", "handover_next")
    assert (escalation.from_organisation, escalation.to_organisation) == (region.debt_assistance, region.welfare)
    assert escalation.escalated_at == at(9)
    # Both organisations' managers are told; debt assistance loses access, welfare may look to decide.
    for manager in (region.debt_manager, region.welfare_manager):
        assert Notification.objects.filter(user=manager, case=case, subject__contains=f"#{case.pk}").exists()
    assert not selectors.cases_for(region.debt_coach).filter(pk=case.pk).exists()
    assert not selectors.cases_for(region.debt_manager).filter(pk=case.pk).exists()
    assert selectors.cases_for(region.welfare_worker).filter(pk=case.pk).exists()
    assert selectors.inbox_for(region.welfare_worker).filter(case=case).exists()
    assert selectors.cases_for(region.consultant).filter(pk=case.pk).exists()
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[-3:] == ["handover_withdrawn", "handover_offered", "escalated"]

    response = api.as_user(region.corporation_manager).get("/api/v1/escalations/", {"case": case.pk})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["deadline_kind"] == "pickup" and row["action"] == "handover_next"
    # Debt assistance no longer sees the case, nor (through the API) its escalations.
    response = api.as_user(region.debt_manager).get("/api/v1/escalations/", {"case": case.pk})
    assert response.status_code == 200 and response.json()["results"] == []

    before = snapshot()
    assert sweep(at(9)) == 0
    assert snapshot() == before


def test_scenario_3_chain_exhausted_tells_the_municipality(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    services.offer_handover(region.consultant, case, to_organisation=region.welfare, summary="Geen contact",
                            tenant_consent=True, now=at(3))
    assert sweep(at(9)) == 1
    escalation = Escalation.objects.get(case=case)
    assert escalation.to_organisation is None and escalation.from_organisation == region.welfare
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not Handover.objects.filter(case=case, status="offered").exists()
    assert Notification.objects.filter(user=region.regisseur, case=case).exists()
    assert not selectors.cases_for(region.welfare_worker).filter(pk=case.pk).exists()
    assert sweep(at(9)) == 0


def test_scenario_4_nothing_logged(region, api):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    assert case.deadline_kind == "first_contact"
    assert sweep(at(7)) == 0  # due at the end of 7 March
    assert selectors.case_list(region.corporation_manager, overdue=True, now=at(8)).filter(pk=case.pk).exists()

    assert sweep(at(8)) == 1
    escalation = Escalation.objects.get(case=case)
    assert (escalation.deadline_kind, escalation.action) == ("first_contact", "notify")
    assert escalation.from_organisation == region.corporation and escalation.escalated_at == at(8)
    assert Notification.objects.filter(user=region.corporation_manager, case=case).exists()
    assert not Notification.objects.filter(user=region.consultant, case=case).exists()
    assert not Notification.objects.filter(user=region.debt_manager, case=case).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.first_contact_at is None
    assert case.deadline_kind == "handover"
    response = api.as_user(region.corporation_manager).get("/api/v1/escalations/", {"case": case.pk})
    assert [r["deadline_kind"] for r in response.json()["results"]] == ["first_contact"]
    assert sweep(at(8)) == 0

    # After the handover deadline (30 days after opening) the case goes to the chain's first partner.
    assert sweep(at(2) + timedelta(days=31)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDED_OVER
    offer = Handover.objects.get(case=case, status="offered")
    assert offer.to_organisation == region.debt_assistance and offer.by_escalation
    assert offer.dossier["tenant"]["name"] == case.tenant.name
    assert selectors.inbox_for(region.debt_coach).filter(case=case).exists()
    assert not selectors.can_change(region.debt_coach, case)
    response = api.as_user(region.corporation_manager).get("/api/v1/escalations/", {"case": case.pk})
    assert [r["deadline_kind"] for r in response.json()["results"]] == ["handover", "first_contact"]
    assert sweep(at(2) + timedelta(days=31)) == 0


def test_catching_up_escalates_each_passed_deadline_once(region):
    """A sweep that runs long after (the broker was down): first contact and handover escalate in one run."""
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    moment = at(2) + timedelta(days=40)
    assert sweep(moment) == 2
    assert list(Escalation.objects.filter(case=case).order_by("id").values_list("deadline_kind", flat=True)) == [
        "first_contact",
        "handover",
    ]
    case.refresh_from_db()
    assert case.deadline_kind == "pickup" and case.deadline_at > moment
    assert sweep(moment) == 0


def test_met_deadline_does_not_escalate(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached", at=at(3), now=at(3))
    assert sweep(at(9)) == 0
    case.refresh_from_db()
    assert case.deadline_kind == "inactivity"
    closed = CaseFactory(corporation=region.corporation, opened_at=at(2))
    services.close_case(region.consultant, closed, outcome="resolved", now=at(3))
    assert sweep(at(2) + timedelta(days=90)) == 1  # only the first case's inactivity
    assert not Escalation.objects.filter(case=closed).exists()


def test_partner_contact_and_inactivity_notify_the_holder(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    offer = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True, now=at(3))
    services.accept_handover(region.debt_coach, offer, now=at(4))
    assert sweep(at(15)) == 1  # partner_contact: 10 days after acceptance
    escalation = Escalation.objects.get(case=case)
    assert (escalation.deadline_kind, escalation.from_organisation) == ("partner_contact", region.debt_assistance)
    assert Notification.objects.filter(user=region.debt_manager, case=case).exists()
    case.refresh_from_db()
    assert case.deadline_kind == "inactivity" and case.deadline_at.date() == (at(15) + timedelta(days=30)).date()
    assert sweep(at(15) + timedelta(days=31)) == 1
    assert sweep(at(15) + timedelta(days=31)) == 0
    assert Escalation.objects.filter(case=case, deadline_kind="inactivity").count() == 1


@pytest.mark.parametrize("value", ["gisteren", "2026-13-45T10:00", "2026-03-09T25:00:00+01:00", ""])
def test_bad_as_of_is_a_clear_error(region, value):
    with pytest.raises(CommandError, match="--as-of"):
        call_command("escalate_overdue", "--as-of", value, stdout=StringIO())


def test_as_of_accepts_a_date_and_a_naive_local_time(region):
    CaseFactory(corporation=region.corporation, opened_at=at(2))
    out = StringIO()
    call_command("escalate_overdue", "--as-of", "2026-03-08", stdout=out)
    assert out.getvalue().startswith("1 escalated")
    assert Escalation.objects.get().escalated_at == at(8, hour=0)
    call_command("escalate_overdue", "--as-of", "2026-03-08T00:00:00", stdout=out)
    assert Escalation.objects.count() == 1


def test_convenant_change_keeps_running_deadlines(region):
    """Changed deadlines apply to deadlines set after the change; running ones keep their date."""
    running = CaseFactory(corporation=region.corporation, opened_at=at(2))
    assert running.deadline_at.date() == at(7).date()
    update_convenant(region.convenant, deadlines={"first_contact": 10, "handover": 20})
    running.refresh_from_db()
    assert running.deadline_at.date() == at(7).date()
    later = CaseFactory(corporation=region.corporation, opened_at=at(3))
    assert later.deadline_at.date() == at(13).date()

    assert sweep(at(8)) == 1  # the running case escalates on its old date; the later one is not due
    running.refresh_from_db()
    # The next deadline is set now, so it follows the new rule: handover 20 days after opening.
    assert running.deadline_kind == "handover" and running.deadline_at.date() == at(22).date()


def test_first_contact_escalates_once_even_when_the_rule_changes_after(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    assert sweep(at(8)) == 1
    update_convenant(region.convenant, deadlines={"first_contact": 10})
    services.add_note(region.consultant, case, text="Brief gestuurd", now=at(9))
    case.refresh_from_db()
    assert case.deadline_kind == "handover"
    assert sweep(at(13)) == 0
    assert Escalation.objects.filter(case=case, deadline_kind="first_contact").count() == 1
