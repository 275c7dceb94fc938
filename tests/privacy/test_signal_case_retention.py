"""The retention of vroegsignaal cases (docs/privacy.md): a closed case, or an open one none of whose signals is
kept any more, loses the household's address `signal_retention_months` (its convenant's) after it closed or, open,
after its matching period ended; its figures (type, status, result, dates, attempts) stay for the monitor. The
signals of an open vroegsignaal case are not removed by the signal retention; once it is closed they are."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from cases.services.privacy import anonymise, months_before
from convenants.services import update_convenant
from signals.models import ArrearsSignal, SignalCase, SignalContactAttempt
from tests.factories import ArrearsSignalFactory, CaseFactory, OrganisationFactory, UserFactory

from .conftest import at, hits, snapshot

pytestmark = pytest.mark.django_db

PERIOD = date(2026, 3, 1)
PERIOD_END = date(2026, 3, 31)
CLOSED = at(2026, 4, 20)


@pytest.fixture
def clerk():
    return UserFactory(username="waterloket", organisation=OrganisationFactory(name="Vitens", kind="utility"))


def send(clerk, external_id, *, house_number="7", postcode="7511 AB", reference_date=date(2026, 3, 10)):
    """A water company's signal for the household, as the intake stores it."""
    return ArrearsSignalFactory(
        source=clerk.membership.organisation, external_id=external_id, kind="water", name="Piet Pietersen",
        postcode=postcode, house_number=house_number, amount="120.00", months_in_arrears=1,
        reference_date=reference_date, municipality="Enschede",
    )


def signal_case_of(region, signal) -> SignalCase:
    """The vroegsignaal case of the signal's household and period: the one the matching made, or (without the
    matching) one made here as the matching would."""
    signal.refresh_from_db()
    if signal.signal_case_id is None:
        signal_case = SignalCase.objects.create(
            municipality=region.convenant.municipality, convenant=region.convenant, owner=region.municipality,
            postcode=signal.postcode, house_number=signal.house_number, period_start=PERIOD, period_end=PERIOD_END,
            matched_on=PERIOD_END, case_type="single",
        )
        ArrearsSignal.objects.filter(pk=signal.pk).update(signal_case=signal_case, match_state="matched")
    signal.refresh_from_db()
    return SignalCase.objects.get(pk=signal.signal_case_id)


def close(signal_case, *, when=CLOSED):
    """Worked and closed as the outreach team does: an attempt, then a result (the row as the service leaves it)."""
    SignalContactAttempt.objects.create(signal_case=signal_case, kind="Telefoon", reached=True,
                                        date=when.date() - timedelta(days=3), part_of_day="Ochtend")
    SignalCase.objects.filter(pk=signal_case.pk).update(
        status="Opgepakt", picked_up_on=when.date() - timedelta(days=5), result="Geen reactie na eerder contact",
        closed_at=when, deadline_at=None,
    )
    signal_case.refresh_from_db()
    return signal_case


def test_a_closed_case_loses_the_address_after_the_signal_retention_and_keeps_its_figures(region, clerk):
    signal_case = close(signal_case_of(region, send(clerk, "W-1")))
    # Six months (the default) after closing: kept the day before, emptied after.
    anonymise(now=months_before(CLOSED, -6) - timedelta(days=1))
    signal_case.refresh_from_db()
    assert (signal_case.postcode, signal_case.house_number, signal_case.anonymised_at) == ("7511 AB", "7", None)

    now = months_before(CLOSED, -6) + timedelta(days=1)
    report = anonymise(now=now)
    assert report.signal_cases_anonymised == 1
    signal_case.refresh_from_db()
    assert (signal_case.postcode, signal_case.house_number, signal_case.anonymised_at) == ("", "", now)
    assert (signal_case.case_type, signal_case.status, signal_case.result, signal_case.closed_at,
            signal_case.period_start) == ("single", "Opgepakt", "Geen reactie na eerder contact", CLOSED, PERIOD)
    attempt = signal_case.attempts.get()
    assert (attempt.kind, attempt.reached, attempt.part_of_day) == ("Telefoon", True, "Ochtend")
    # The signal (closed case: the signal retention from its reference date) is gone; no address anywhere.
    assert not ArrearsSignal.objects.exists()
    assert hits("7511 AB", "7511AB", "Pietersen") == []
    # A second run changes nothing more.
    after = snapshot()
    assert anonymise(now=now).signal_cases_anonymised == 0
    assert snapshot() == after


def test_the_signals_of_an_open_case_stay_while_the_case_is_kept_and_go_with_it(region, clerk):
    signal = send(clerk, "W-2")  # reference date 10 March: its own retention ends on 10 September
    signal_case = signal_case_of(region, signal)
    within = at(2026, 9, 20)  # the period (March) ended less than six months ago
    report = anonymise(now=within)
    assert report.signal_cases_anonymised == 0 and report.signals_removed == 0
    assert ArrearsSignal.objects.filter(pk=signal.pk).exists()
    signal_case.refresh_from_db()
    assert signal_case.anonymised_at is None and signal_case.postcode == "7511 AB"

    # Left open: six months after its period ended the case loses the address and its signal goes with it.
    after = months_before(at(2026, 4, 1, 12), -6) + timedelta(days=1)
    report = anonymise(now=after)
    assert (report.signal_cases_anonymised, report.signals_removed) == (1, 1)
    signal_case.refresh_from_db()
    assert signal_case.anonymised_at == after and signal_case.postcode == "" and signal_case.closed_at is None
    assert hits("7511 AB", "7511AB", "Pietersen") == []


def test_an_open_case_whose_signals_are_gone_loses_the_address_after_its_period(region, clerk):
    signal = send(clerk, "W-3")
    signal_case = signal_case_of(region, signal)
    ArrearsSignal.objects.filter(pk=signal.pk).delete()  # e.g. withdrawn by the creditor
    anonymise(now=months_before(at(2026, 3, 31, 12), -6))
    signal_case.refresh_from_db()
    assert signal_case.anonymised_at is None  # the period ended less than six months ago
    anonymise(now=months_before(at(2026, 4, 1, 12), -6) + timedelta(days=1))
    signal_case.refresh_from_db()
    assert (signal_case.postcode, signal_case.house_number) == ("", "")
    assert signal_case.anonymised_at is not None and signal_case.closed_at is None


def test_the_convenant_sets_the_retention_and_the_household_can_have_a_new_case(region, clerk):
    update_convenant(region.convenant, signal_retention_months=12)
    signal_case = close(signal_case_of(region, send(clerk, "W-4")))
    anonymise(now=months_before(CLOSED, -6) + timedelta(days=1))
    signal_case.refresh_from_db()
    assert signal_case.anonymised_at is None
    anonymise(now=months_before(CLOSED, -12) + timedelta(days=1))
    signal_case.refresh_from_db()
    assert signal_case.anonymised_at is not None
    # The one-case-per-household-and-period rule covers the kept cases only.
    SignalCase.objects.create(
        municipality=signal_case.municipality, convenant=region.convenant, owner=region.municipality,
        postcode="", house_number="", period_start=PERIOD, period_end=PERIOD_END, matched_on=PERIOD_END,
        case_type="single",
    )


def test_the_dry_run_reports_the_cases_and_changes_nothing(region, clerk):
    close(signal_case_of(region, send(clerk, "W-5")))
    before = snapshot()
    report = anonymise(now=months_before(CLOSED, -7), dry_run=True)
    assert report.signal_cases_anonymised == 1
    assert snapshot() == before


def test_the_command_says_how_many_cases_lose_their_address(region, clerk):
    close(signal_case_of(region, send(clerk, "W-6")))
    out = StringIO()
    call_command("anonymise", "--as-of", months_before(CLOSED, -7).date().isoformat(), "--dry-run", stdout=out)
    assert "Vroegsignaal cases: 1 would be cleared of the address" in out.getvalue()
    call_command("anonymise", "--as-of", months_before(CLOSED, -7).date().isoformat(), stdout=out)
    assert "Vroegsignaal cases: 1 were cleared of the address" in out.getvalue()
    assert SignalCase.objects.get().postcode == ""


def test_a_signal_of_a_rent_case_leaves_the_anonymised_case(api, region, clerk):
    """A signal that led to a rent case follows that case's retention; the vroegsignaal case that lost the address
    no longer lists it, so neither its page nor the API shows the household's name or address."""
    signal = send(clerk, "W-7")
    signal_case = close(signal_case_of(region, signal))
    ArrearsSignal.objects.filter(pk=signal.pk).update(case=CaseFactory(corporation=region.corporation))
    anonymise(now=months_before(CLOSED, -6) + timedelta(days=1))
    signal.refresh_from_db()
    assert signal.signal_case_id is None and signal.name == "Piet Pietersen"  # kept with its rent case
    answer = api.as_user(region.regisseur).get(f"/api/v1/signal-cases/{signal_case.pk}/")
    assert answer.status_code == 200 and answer.json()["signals"] == []
    assert "Pietersen" not in answer.content.decode() and "7511" not in answer.content.decode()
