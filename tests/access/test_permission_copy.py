"""The permission rows carry a copy of their case's status, deadline and opening time (the filtered case list
narrows on it). Database triggers keep it: it must equal the case after every kind of write, by a service, by the
escalation sweep's set-based update, by a bulk load and by a plain ORM update."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, CaseGroupObjectPermission, CaseStatus
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def assert_copies_match(case):
    case.refresh_from_db()
    rows = list(CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
        "case_status", "case_deadline_at", "case_opened_at"
    ))
    assert rows, "the case has permission rows"
    assert set(rows) == {(case.status, case.deadline_at, case.opened_at)}


def test_the_copy_follows_the_case_through_its_life(region):
    consultant, coach = region.consultant, region.debt_coach
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    assert_copies_match(case)
    services.log_contact_attempt(consultant, case, channel="phone", outcome="not_reached")
    assert_copies_match(case)
    services.offer_handover(consultant, case, to_organisation=region.debt_assistance, summary="Niet bereikt.",
                            tenant_consent=True)
    assert_copies_match(case)
    assert CaseGroupObjectPermission.objects.filter(content_object=case).count() >= 3, "the offer added a row"
    services.accept_handover(coach, case.handovers.get())
    assert_copies_match(case)
    services.close_case(coach, Case.objects.get(pk=case.pk), outcome="resolved")
    assert_copies_match(case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED


def test_the_copy_follows_the_escalation_sweep(region):
    opened = timezone.now() - timedelta(days=40)
    cases = [CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=opened)
             for _ in range(3)]
    assert services.escalate_overdue() >= 3
    for case in cases:
        assert_copies_match(case)
    assert Case.objects.get(pk=cases[0].pk).deadline_at > timezone.now() - timedelta(days=1)


def test_the_copy_follows_plain_and_bulk_updates(region):
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    Case.objects.filter(pk=case.pk).update(deadline_at=timezone.now() + timedelta(days=3))
    assert_copies_match(case)
    case.refresh_from_db()
    case.status = CaseStatus.CONTACTING
    Case.objects.bulk_update([case], ["status"])
    assert_copies_match(case)
