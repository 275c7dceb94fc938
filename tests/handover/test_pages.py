"""The other pages of the handover UI: Mijn casussen, notifications, the access log, the unread badge."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.context_processors import notifications as notifications_processor
from cases.models import AccessLog, Notification
from tests.factories import AccessLogFactory, CaseFactory, NotificationFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db


def test_my_cases_lists_what_my_organisation_holds_with_deadline_badges(client, region):
    now = timezone.now()
    overdue = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=now - timedelta(days=8))
    fresh = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=now)
    elsewhere = CaseFactory(corporation=region.other_corporation, convenant=region.convenant, opened_at=now)
    closed = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=now)
    services.close_case(region.consultant, closed, outcome="resolved")

    page = log_in(client, region.consultant).get(reverse("cases:my_cases"), {"team": "1"})  # the team view
    assert page.status_code == 200
    assert list(page.context["cases"]) == [overdue, fresh]  # most urgent deadline first; own, open cases only
    html = page.content.decode()
    assert f'data-case="{overdue.pk}"' in html and f'data-case="{elsewhere.pk}"' not in html
    assert 'data-deadline="overdue"' in html
    assert 'data-deadline="ok"' in html  # first contact: five days left
    assert log_in(client, region.debt_coach).get(reverse("cases:my_cases"), {"team": "1"}).context["cases"].count() == 0


def test_unread_count_is_one_query_and_only_when_shown(region, django_assert_num_queries):
    NotificationFactory.create_batch(3, user=region.consultant)
    NotificationFactory(user=region.consultant, read_at=timezone.now())
    request = RequestFactory().get("/")
    request.user = region.consultant
    with django_assert_num_queries(0):
        context = notifications_processor(request)
    with django_assert_num_queries(1):
        assert context["unread_notification_count"]() == 3
        assert context["unread_notification_count"]() == 3


def test_notifications_page_marks_read_and_mark_all(client, region):
    for n in range(35):
        NotificationFactory(user=region.consultant, subject=f"Melding {n}")
    NotificationFactory(user=region.debt_coach, subject="Niet voor jou")
    consultant = log_in(client, region.consultant)
    page = consultant.get(reverse("cases:notifications"))
    assert "Niet voor jou" not in page.content.decode()
    assert len(page.context["notifications"]) == 30
    assert page.context["new_ids"] == {n.pk for n in page.context["notifications"]}
    assert Notification.objects.filter(user=region.consultant, read_at__isnull=True).count() == 5
    consultant.post(reverse("cases:notifications_read"))
    assert not Notification.objects.filter(user=region.consultant, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=region.debt_coach, read_at__isnull=True).count() == 1


def test_access_log_is_for_managers_only(client, region):
    assert log_in(client, region.consultant).get(reverse("cases:access_log")).status_code == 403
    assert log_in(client, region.debt_coach).get(reverse("cases:access_log")).status_code == 403
    assert log_in(client, region.corporation_manager).get(reverse("cases:access_log")).status_code == 200


def test_access_log_shows_reads_of_the_organisations_cases_with_filters(client, region, unreached_case):
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    log_in(client, region.debt_coach).get(reverse("cases:inbox_detail", args=[handover.pk]))
    other = CaseFactory(corporation=region.other_corporation, convenant=region.convenant)
    AccessLogFactory(user=region.other_consultant, case=other, what="detail")
    old = AccessLogFactory(user=region.consultant, case=unreached_case, what="detail")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))

    manager = log_in(client, region.corporation_manager)
    page = manager.get(reverse("cases:access_log"))
    entries = list(page.context["entries"])
    assert {(e.user, e.what) for e in entries} == {(region.debt_coach, "dossier"), (region.consultant, "detail")}
    assert all(e.case == unreached_case for e in entries)  # not the other corporation's case
    html = page.content.decode()
    assert "schuldhulpcoach" in html and "Fam. Bulut" in html

    by_user = manager.get(reverse("cases:access_log"), {"user": "schuldhulpcoach"})
    assert [e.user for e in by_user.context["entries"]] == [region.debt_coach]
    today = timezone.localdate().isoformat()
    recent = manager.get(reverse("cases:access_log"), {"date_from": today, "date_to": today})
    assert [e.user for e in recent.context["entries"]] == [region.debt_coach]
    bad = manager.get(reverse("cases:access_log"), {"date_from": "gisteren"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["date_from"]
    reversed_range = manager.get(reverse("cases:access_log"), {"date_from": today, "date_to": "2020-01-01"})
    assert reversed_range.status_code == 400

    # A manager of an organisation without access to the case does not see these reads.
    other_manager = log_in(client, region.welfare_manager)
    assert list(other_manager.get(reverse("cases:access_log")).context["entries"]) == []


def test_access_log_is_paginated(client, region, unreached_case):
    AccessLog.objects.bulk_create(
        AccessLog(user=region.consultant, organisation=region.corporation, case=unreached_case, what="detail")
        for _ in range(60)
    )
    manager = log_in(client, region.corporation_manager)
    first = manager.get(reverse("cases:access_log"), {"user": "consulent"})
    assert len(first.context["entries"]) == 50
    assert "page=2" in first.content.decode() and "user=consulent" in first.content.decode()
    second = manager.get(reverse("cases:access_log"), {"user": "consulent", "page": 2})
    assert len(second.context["entries"]) == 10
