"""The outreach services ask cases.policy first (check_signal_case): someone outside the case finds nothing
(NotVisible), the referred team may look but not act (ForbiddenAction), a closed case refuses every change, a case
picked up cannot be picked up again (a conflict); and allowed_actions says the same as the services do."""

import pytest
from django.utils import timezone

from cases import policy
from cases.policy import CaseError, SignalCaseAction
from config.errors import ForbiddenAction, NotVisible
from signals import outreach
from signals.models import SignalCase
from tests.factories import OrganisationFactory, UserFactory, match_period, send_signals

pytestmark = pytest.mark.django_db

FINANCIAL = "Vervolghulp en/of verwijzing financieel"


@pytest.fixture
def signal_case(region):
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    energy_user = UserFactory(username="enexis", organisation=energy)
    send_signals(energy_user, {"external_id": "ENX-1", "kind": "energy", "name": "P. de Vries",
                               "postcode": "7511 AB", "house_number": "12", "amount": "187.50"})
    match_period()
    return SignalCase.objects.get(postcode="7511 AB", house_number="12")


def attempt(user, signal_case):
    return outreach.log_contact_attempt(user, signal_case.pk, kind="Telefoon", reached=True,
                                        date=timezone.localdate())


ALL = {SignalCaseAction.VIEW, SignalCaseAction.PICK_UP, SignalCaseAction.LOG_CONTACT, SignalCaseAction.CLOSE}
# The endpoint and the page form of each changing signal-case action (tests/access/test_policy_matrix.py counts
# them as mapped; the permission matrix, tests/access/test_permission_matrix.py, tries every cell).
ENDPOINTS = {
    SignalCaseAction.PICK_UP: ("api-signal-case-pick-up", "signals:signal-case-pick-up"),
    SignalCaseAction.LOG_CONTACT: ("api-signal-case-contact-attempts", "signals:signal-case-attempt"),
    SignalCaseAction.CLOSE: ("api-signal-case-close", "signals:signal-case-close"),
}


def test_every_changing_action_has_its_endpoint_and_form():
    assert set(ENDPOINTS) == ALL - {SignalCaseAction.VIEW}


def test_the_owners_people_may_do_everything_until_closed(region, signal_case):
    worker = UserFactory(username="vroeg", organisation=region.municipality)
    for user in (worker, region.regisseur):
        assert policy.permitted_signal_case(user, signal_case) == ALL
    outreach.pick_up(worker, signal_case.pk)
    signal_case.refresh_from_db()
    assert SignalCaseAction.PICK_UP not in policy.permitted_signal_case(worker, signal_case)
    with pytest.raises(CaseError) as refused:
        outreach.pick_up(region.regisseur, signal_case.pk)
    assert refused.value.conflict
    outreach.close(region.regisseur, signal_case.pk, result=FINANCIAL, refer=True)
    signal_case.refresh_from_db()
    assert policy.permitted_signal_case(worker, signal_case) == {SignalCaseAction.VIEW}
    for change in (lambda: attempt(worker, signal_case),
                   lambda: outreach.close(worker, signal_case.pk, result=FINANCIAL)):
        with pytest.raises(CaseError):
            change()


def test_the_referred_team_may_only_look(region, signal_case):
    outreach.close(region.regisseur, signal_case.pk, result=FINANCIAL, refer=True)
    signal_case.refresh_from_db()
    assert signal_case.referred_to_id == region.debt_assistance.pk
    assert policy.sees_household_names(region.regisseur, signal_case)
    assert not policy.sees_household_names(region.debt_coach, signal_case)
    assert not policy.sees_household_names(region.consultant, signal_case)
    for user in (region.debt_coach, region.debt_manager):
        assert policy.permitted_signal_case(user, signal_case) == {SignalCaseAction.VIEW}
        with pytest.raises(ForbiddenAction):
            attempt(user, signal_case)


@pytest.mark.parametrize("who", ["consultant", "corporation_manager", "debt_coach", "welfare_worker",
                                 "unrelated_worker", "other_consultant"])
def test_others_find_nothing(region, signal_case, who):
    user = getattr(region, who)
    assert policy.permitted_signal_case(user, signal_case) == frozenset()
    for change in (lambda: outreach.pick_up(user, signal_case.pk), lambda: attempt(user, signal_case),
                   lambda: outreach.close(user, signal_case.pk, result=FINANCIAL)):
        with pytest.raises(NotVisible):
            change()
    signal_case.refresh_from_db()
    assert signal_case.picked_up_on is None and signal_case.closed_at is None
    assert not signal_case.attempts.exists()


def test_a_case_that_does_not_exist_is_not_visible(region):
    with pytest.raises(NotVisible):
        outreach.pick_up(region.regisseur, 987654)
