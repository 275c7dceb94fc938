"""Matching signals into vroegsignaal cases, on a hand-built data set through the real intake: single, multiple,
consecutive across months, the minimum per kind, the addition, an idempotent re-run, deadlines and crisis."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Notification
from convenants.models import Convenant
from signals import outreach, services
from signals.matching import match_signals, period_of
from signals.models import ArrearsSignal, MatchState, SignalCase
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def senders(region):
    Convenant.objects.filter(pk=region.convenant.pk).update(signal_minimums={"energy": 75, "water": 75})
    energy = OrganisationFactory(name="Enexis", kind="utility", municipality="Enschede")
    water = OrganisationFactory(name="Vitens", kind="utility", municipality="Enschede")
    return {
        "energy": UserFactory(username="enexis", organisation=energy),
        "water": UserFactory(username="vitens", organisation=water),
        "rent": region.consultant,
    }


def send(user, external_id, *, kind, postcode="7511 AA", house_number="12", amount="300.00",
         reference_date="2026-08-05", now=None, **extra):
    record = {"external_id": external_id, "kind": kind, "name": "J. Jansen", "postcode": postcode,
              "house_number": house_number, "amount": amount, "months_in_arrears": 2,
              "reference_date": reference_date, **extra}
    if kind == "rent":
        record["contract_ref"] = f"HC-{external_id}"
    result = services.submit_signals(user, [record], now=now)
    assert result.accepted == 1, result.rejected
    return ArrearsSignal.objects.get(external_id=external_id)


def case_of(signal) -> SignalCase | None:
    signal.refresh_from_db()
    return signal.signal_case


def test_one_signal_is_a_single_case_owned_by_the_municipality(senders, region):
    signal = send(senders["energy"], "E-1", kind="energy")
    case = case_of(signal)
    assert signal.match_state == MatchState.MATCHED
    assert case.case_type == "single" and case.owner == region.municipality
    assert (case.period_start, case.period_end) == (date(2026, 8, 1), date(2026, 8, 31))
    assert (case.postcode, case.house_number) == ("7511 AA", "12")


def test_three_creditors_at_one_address_in_one_month_are_one_multiple_case(senders):
    signals = [send(senders["energy"], "E-1", kind="Energie"), send(senders["water"], "W-1", kind="water"),
               send(senders["rent"], "R-1", kind="rent", reference_date="2026-08-20")]
    cases = {case_of(signal).pk for signal in signals}
    assert len(cases) == 1
    case = SignalCase.objects.get(pk=cases.pop())
    assert case.case_type == "multiple" and case.signals.count() == 3


def test_the_addition_is_another_household(senders):
    assert case_of(send(senders["energy"], "E-1", kind="energy")) != case_of(
        send(senders["water"], "W-1", kind="water", house_number="12 A"))


def test_below_the_minimum_is_stored_and_counted_not_matched(senders):
    below = send(senders["energy"], "E-1", kind="energy", amount="74.99")
    exactly = send(senders["water"], "W-1", kind="water", amount="75.00", postcode="7511 BB")
    assert below.match_state == MatchState.BELOW_MINIMUM and case_of(below) is None
    assert case_of(exactly) is not None
    assert match_signals().signals_below_minimum == 0  # counted once, at its import


def test_consecutive_when_the_household_had_a_case_in_the_six_months_before(senders):
    first = case_of(send(senders["energy"], "E-1", kind="energy", reference_date="2026-02-10"))
    again = case_of(send(senders["energy"], "E-2", kind="energy", reference_date="2026-08-10"))
    later = case_of(send(senders["energy"], "E-3", kind="energy", reference_date="2026-03-10", postcode="7511 CC"))
    far = case_of(send(senders["energy"], "E-4", kind="energy", reference_date="2026-10-10", postcode="7511 CC"))
    assert first.case_type == "single"
    assert again.case_type == "consecutive"  # February is within the six months before August
    assert far.case_type == "single" and later.case_type == "single"  # March is more than six months before October


def test_a_late_signal_of_another_creditor_makes_the_case_multiple(senders):
    case = case_of(send(senders["energy"], "E-1", kind="energy"))
    assert case.case_type == "single"
    assert case_of(send(senders["water"], "W-1", kind="water", reference_date="2026-08-28")) == case
    case.refresh_from_db()
    assert case.case_type == "multiple"


def test_periods_of_two_months(senders, region):
    Convenant.objects.filter(pk=region.convenant.pk).update(matching_period_months=2)
    july = case_of(send(senders["energy"], "E-1", kind="energy", reference_date="2026-07-05"))
    august = case_of(send(senders["water"], "W-1", kind="water", reference_date="2026-08-25"))
    assert july == august and (july.period_start, july.period_end) == (date(2026, 7, 1), date(2026, 8, 31))
    assert period_of(date(2026, 12, 31), 3) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_rerun_changes_nothing(senders):
    send(senders["energy"], "E-1", kind="energy")
    send(senders["water"], "W-1", kind="water")
    before = list(SignalCase.objects.values().order_by("pk"))
    signals_before = list(ArrearsSignal.objects.values("pk", "signal_case_id", "match_state").order_by("pk"))
    result = match_signals()
    again = match_signals(period=date(2026, 8, 1), municipality="Enschede")
    assert result.as_dict() == again.as_dict() == {
        "cases_created": 0, "cases_updated": 0, "signals_matched": 0, "signals_below_minimum": 0,
        "signals_without_outreach": 0}
    assert list(SignalCase.objects.values().order_by("pk")) == before
    assert list(ArrearsSignal.objects.values("pk", "signal_case_id", "match_state").order_by("pk")) == signals_before


def test_contact_term_twenty_working_days_and_three_for_a_crisis(senders):
    friday = datetime(2026, 9, 4, 10, 0, tzinfo=AMSTERDAM)
    normal = case_of(send(senders["energy"], "E-1", kind="energy", now=friday))
    crisis = case_of(send(senders["water"], "W-1", kind="water", postcode="7511 BB", crisis=True, now=friday))
    assert normal.deadline_at.astimezone(AMSTERDAM).date() == date(2026, 10, 2)
    assert crisis.crisis and crisis.deadline_at.astimezone(AMSTERDAM).date() == date(2026, 9, 9)
    # A crisis signal joining a case with no contact yet brings its deadline forward.
    send(senders["rent"], "R-1", kind="rent", crisis="ja", now=friday)
    normal.refresh_from_db()
    assert normal.crisis and normal.deadline_at.astimezone(AMSTERDAM).date() == date(2026, 9, 9)


def test_warm_handover_flag(senders):
    case = case_of(send(senders["rent"], "R-1", kind="rent", warm_handover=True))
    assert case.warm_handover


def test_no_one_to_reach_out_leaves_signals_unmatched(senders, region):
    region.municipality.kind = "welfare"
    region.municipality.save(update_fields=["kind"])
    signal = send(senders["energy"], "E-1", kind="energy")
    assert signal.match_state == "" and case_of(signal) is None
    assert match_signals().signals_without_outreach == 1
    Convenant.objects.filter(pk=region.convenant.pk).update(outreach_organisation=region.debt_assistance)
    assert match_signals().signals_matched == 1
    assert case_of(signal).owner == region.debt_assistance


def test_the_command(senders, region):
    region.municipality.kind = "welfare"
    region.municipality.save(update_fields=["kind"])
    send(senders["energy"], "E-1", kind="energy")
    Convenant.objects.filter(pk=region.convenant.pk).update(outreach_organisation=region.debt_assistance)
    out = StringIO()
    call_command("match_signals", "--period", "2026-07", stdout=out)
    assert "signals_matched: 0" in out.getvalue()
    call_command("match_signals", "--period", "2026-08", stdout=out)
    assert "signals_matched: 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("match_signals", "--period", "augustus")


def test_the_celery_task(senders, region):
    from signals.tasks import match_signals as task

    region.municipality.kind = "welfare"
    region.municipality.save(update_fields=["kind"])
    send(senders["energy"], "E-1", kind="energy")
    Convenant.objects.filter(pk=region.convenant.pk).update(outreach_organisation=region.debt_assistance)
    assert task.apply().get()["signals_matched"] == 1


def test_a_signal_for_a_closed_case_tells_the_outreach_team(senders, region):
    """One case per household and period: a crisis signal after the case was closed joins it without reopening it,
    and the outreach organisation's people are told."""
    case = case_of(send(senders["energy"], "E-1", kind="energy"))
    worker = UserFactory(username="vroeg", organisation=region.municipality)
    outreach.close(worker, case.pk, result="Geen reactie na eerder contact")
    send(senders["water"], "W-1", kind="water", crisis=True)
    case.refresh_from_db()
    assert case.closed_at is not None and case.crisis and case.case_type == "multiple"
    told = Notification.objects.filter(user=worker).get()
    assert f"#{case.pk}" in str(told.subject) and "crisis" in str(told.subject)
    assert told.body == f"/signalen/vroegsignalering/{case.pk}/"
    # Matching again tells no one again.
    match_signals()
    assert Notification.objects.filter(user=worker).count() == 1
