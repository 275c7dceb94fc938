"""The contact term of a vroegsignaal case: 20 working days (the convenant's outreach_contact_days), 3 for a crisis
signal (outreach_crisis_days); the escalation sweep (cases.services.escalation.escalate_overdue, the same sweep as
the rent cases') marks a case whose term passed without contact and tells its owner's managers, once. A contact
attempt within the term, or closing the case, meets it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Notification
from cases.services.escalation import escalate_overdue
from convenants.deadlines import working_days_between
from signals import outreach
from signals.models import SignalCase
from tests.factories import OrganisationFactory, UserFactory, match_period, send_signals

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def energy_user(region):
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    return UserFactory(username="enexis", organisation=energy)


def matched(energy_user, *, crisis=False, house_number="12", n=1):
    send_signals(energy_user, {"external_id": f"ENX-{n}", "kind": "energy", "name": "P. de Vries",
                               "postcode": "7511 AB", "house_number": house_number, "amount": "187.50",
                               "crisis": crisis})
    match_period()
    return SignalCase.objects.get(postcode="7511 AB", house_number=house_number)


def told(signal_case):
    return Notification.objects.filter(body=f"/signalen/vroegsignalering/{signal_case.pk}/")


@pytest.mark.parametrize(("crisis", "days"), [(True, 3), (False, 20)])
def test_the_sweep_escalates_once_the_term_passed(region, energy_user, crisis, days):
    signal_case = matched(energy_user, crisis=crisis)
    assert signal_case.crisis is crisis
    assert signal_case.deadline_at is not None
    assert working_days_between(timezone.now(), signal_case.deadline_at) == days

    escalate_overdue(as_of=signal_case.deadline_at - MINUTE)
    signal_case.refresh_from_db()
    assert signal_case.escalated_at is None
    assert not told(signal_case).exists()

    assert escalate_overdue(as_of=signal_case.deadline_at + MINUTE) == 1
    signal_case.refresh_from_db()
    assert signal_case.escalated_at == signal_case.deadline_at + MINUTE
    # The owner's managers (the municipality's regisseur), not its caseworkers, nor anyone else.
    assert {n.user_id for n in told(signal_case)} == {region.regisseur.pk}
    assert "Vries" not in told(signal_case).get().subject

    # Once per case: later sweeps leave it.
    assert escalate_overdue(as_of=signal_case.deadline_at + timedelta(days=5)) == 0
    assert told(signal_case).count() == 1


def test_a_contact_attempt_within_the_term_prevents_escalation(region, energy_user):
    signal_case = matched(energy_user, crisis=True)
    worker = UserFactory(username="vroegsignaleerder", organisation=region.municipality)
    outreach.log_contact_attempt(worker, signal_case.pk, kind="Brief", reached=False, date=timezone.localdate())
    deadline = signal_case.deadline_at
    signal_case.refresh_from_db()
    assert signal_case.deadline_at is None
    assert escalate_overdue(as_of=deadline + timedelta(days=1)) == 0
    signal_case.refresh_from_db()
    assert signal_case.escalated_at is None
    assert not told(signal_case).exists()


def test_a_closed_case_is_not_escalated(region, energy_user):
    signal_case = matched(energy_user)
    deadline = signal_case.deadline_at
    outreach.close(region.regisseur, signal_case.pk, result="Inwoner is overleden")
    assert escalate_overdue(as_of=deadline + timedelta(days=1)) == 0
    assert not told(signal_case).exists()


def test_the_management_command_sweeps_signal_cases_too(region, energy_user):
    signal_case = matched(energy_user, crisis=True)
    call_command("escalate_overdue", "--as-of", (signal_case.deadline_at + MINUTE).isoformat())
    signal_case.refresh_from_db()
    assert signal_case.escalated_at is not None


def test_the_sweep_takes_many_in_batches(region, energy_user, settings):
    cases = [matched(energy_user, crisis=True, house_number=str(10 + n), n=n) for n in range(5)]
    latest = max(signal_case.deadline_at for signal_case in cases)
    assert escalate_overdue(as_of=latest + MINUTE, batch_size=2) == 5
    assert SignalCase.objects.filter(escalated_at__isnull=False).count() == 5
    assert Notification.objects.filter(body__startswith="/signalen/vroegsignalering/").count() == 5
