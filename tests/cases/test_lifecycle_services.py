"""The case services end to end, below the API: the lifecycle of DESIGN.md and the deadline after each step."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases import selectors, services
from cases.models import CaseEvent, CaseStatus, Escalation
from tests.factories import CaseFactory

AMS = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db


def at(day, hour=10):
    return datetime(2026, 3, day, hour, tzinfo=AMS)


def test_scenario_one_first_month(region):
    case = CaseFactory(corporation=region.corporation, arrears_amount="640.00", opened_at=at(2))
    assert case.deadline_kind == "first_contact"
    assert case.deadline_at == datetime(2026, 3, 7, 23, 59, 59, tzinfo=AMS)

    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached", at=at(3), now=at(3))
    services.log_contact_attempt(region.consultant, case, channel="whatsapp", outcome="not_reached", at=at(4), now=at(4))
    case.refresh_from_db()
    assert case.status == CaseStatus.CONTACTING
    assert case.deadline_kind == "handover"
    services.log_contact_attempt(region.consultant, case, channel="home_visit", outcome="reached", at=at(5), now=at(5))
    case.refresh_from_db()
    assert case.deadline_kind == "inactivity"
    services.agree_arrangement(region.consultant, case, monthly_amount="80", start_date=date(2026, 4, 1), months=8,
                               now=at(5, 11))
    case.refresh_from_db()
    assert case.status == CaseStatus.ARRANGEMENT
    assert case.first_contact_at == at(3)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["opened", "contact_attempt", "contact_attempt", "contact_attempt", "arrangement"]


def test_handover_accept_moves_access(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    assert not selectors.cases_for(region.debt_coach).filter(pk=case.pk).exists()
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True, now=at(3))
    assert handover.to_organisation == region.debt_assistance
    assert selectors.cases_for(region.debt_coach).filter(pk=case.pk).exists()
    assert not selectors.can_change(region.debt_coach, case)
    services.accept_handover(region.debt_coach, handover, now=at(4))
    assert selectors.can_change(region.debt_coach, case)
    assert selectors.cases_for(region.consultant).filter(pk=case.pk).exists()
    assert not selectors.cases_for(region.welfare_worker).filter(pk=case.pk).exists()
    case.refresh_from_db()
    assert case.deadline_kind == "partner_contact"


def test_sweep_escalates_once(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    assert services.escalate_overdue(as_of=at(9)) == 1
    assert services.escalate_overdue(as_of=at(9)) == 0
    case.refresh_from_db()
    assert case.deadline_kind == "handover"
    # handover deadline: 30 days after opening → offered to the chain's first partner.
    assert services.escalate_overdue(as_of=at(2) + timedelta(days=31)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDED_OVER
    assert Escalation.objects.filter(case=case).count() == 2


def test_eviction_jointly(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    proposal = services.propose_eviction(region.corporation_manager, case, reason="Weigert hulp", now=at(3))
    assert selectors.cases_for(region.welfare_manager).filter(pk=case.pk).exists()
    assert not selectors.cases_for(region.welfare_worker).filter(pk=case.pk).exists()
    for manager in (region.corporation_manager, region.debt_manager, region.welfare_manager):
        services.vote_on_eviction(manager, proposal, agree=True, reason="Geen andere weg", now=at(4))
    case.refresh_from_db()
    assert case.status == CaseStatus.EVICTED


def test_allowed_actions_follow_the_services_rules(region):
    case = CaseFactory(corporation=region.corporation, opened_at=at(2))
    consultant = services.allowed_actions(region.consultant, case)
    assert consultant["log_attempt"] and consultant["arrange"] and consultant["offer"]
    assert not consultant["record_missed"] and not consultant["propose_eviction"]
    assert services.allowed_actions(region.corporation_manager, case)["propose_eviction"]
    assert not any(services.allowed_actions(region.debt_coach, case).values())

    services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True, now=at(3))
    case.refresh_from_db()
    offered = services.allowed_actions(region.consultant, case)
    assert not offered["log_attempt"] and not offered["offer"] and not offered["arrange"]
    # The page offers nothing the service would refuse:
    with pytest.raises(services.CaseError):
        services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached", now=at(3))

    services.close_case(region.consultant, case, outcome="moved", now=at(4))
    case.refresh_from_db()
    assert not any(services.allowed_actions(region.consultant, case).values())


@pytest.mark.parametrize("months", ["twee", None, -1, 121])
def test_a_newer_arrears_figure_checks_its_months_like_opening_does(region, months):
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant, months_in_arrears=1)
    for update in (
        lambda: services.update_arrears(case, arrears_amount="700.00", months_in_arrears=months),
        lambda: services.update_arrears_bulk([(case, "700.00", months, "")]),
    ):
        with pytest.raises(services.CaseError) as raised:
            update()
        assert raised.value.field == "months_in_arrears"
    case.refresh_from_db()
    assert case.months_in_arrears == 1
    assert not CaseEvent.objects.filter(case=case, kind="arrears_updated").exists()


def test_a_vote_that_decides_nothing_yet_still_counts_as_activity(region):
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=at(2))
    proposal = services.propose_eviction(region.corporation_manager, case, reason="Weigert alle hulp.", now=at(3))
    services.vote_on_eviction(region.debt_manager, proposal, agree=True, reason="Eens.", now=at(9))
    case.refresh_from_db()
    assert case.status == CaseStatus.EVICTION_PROPOSED
    assert case.last_activity_at == at(9)
