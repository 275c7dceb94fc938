"""The escalations page, anonymisation after retention, the sweep's query count, and a broker outage."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, ContactAttempt, Escalation, EventKind, Handover, Notification, Tenant
from cases.services.escalation import escalate_overdue
from cases.services.privacy import ANONYMISED_NAME, anonymise_expired_cases, months_before
from tests.factories import CaseFactory

from .conftest import at, due_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(region):
    notified = CaseFactory(corporation=region.corporation, opened_at=at(2))
    offered = CaseFactory(corporation=region.corporation, opened_at=at(1, month=2))
    services.log_contact_attempt(region.consultant, offered, channel="letter", outcome="not_reached",
                                 at=at(2, month=2), now=at(2, month=2))  # first contact in time, nobody reached
    other = CaseFactory(corporation=region.other_corporation, opened_at=at(2))
    escalate_overdue(as_of=at(9))
    return notified, offered, other


def test_escalations_page_lists_filters_and_links(client, region, escalated):
    notified, offered, other = escalated
    client.force_login(region.corporation_manager)
    url = reverse("cases:escalations")
    assert url == "/escalaties/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("cases:detail", args=[notified.pk]) in html
    assert reverse("cases:detail", args=[offered.pk]) in html
    assert reverse("cases:detail", args=[other.pk]) not in html  # another corporation's case
    assert notified.tenant.name in html
    handover_only = client.get(url, {"action": "handover_next"}).content.decode()
    assert reverse("cases:detail", args=[offered.pk]) in handover_only
    assert reverse("cases:detail", args=[notified.pk]) not in handover_only
    first_contact = client.get(url, {"kind": "first_contact"}).content.decode()
    assert reverse("cases:detail", args=[notified.pk]) in first_contact
    assert reverse("cases:detail", args=[offered.pk]) not in first_contact
    empty = client.get(url, {"start": "2026-03-10"}).content.decode()
    assert reverse("cases:detail", args=[notified.pk]) not in empty
    period = client.get(url, {"start": "2026-03-09", "end": "2026-03-09"}).content.decode()
    assert reverse("cases:detail", args=[notified.pk]) in period


def test_escalations_page_bad_filter_is_a_message_not_an_error(client, region, escalated):
    client.force_login(region.corporation_manager)
    for query in ({"start": "gisteren"}, {"kind": "nonsense"}, {"start": "2026-03-10", "end": "2026-03-01"},
                  {"page": "abc"}):
        response = client.get("/escalaties/", query)
        assert response.status_code in (200, 400)
        if "page" not in query:
            assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_escalations_page_is_for_managers_in_scope(client, region, escalated):
    notified, offered, _other = escalated
    client.force_login(region.consultant)
    assert client.get("/escalaties/").status_code == 403
    client.force_login(region.debt_manager)  # sees the offered case (open offer), not the notified one
    html = client.get("/escalaties/").content.decode()
    assert reverse("cases:detail", args=[offered.pk]) in html
    assert reverse("cases:detail", args=[notified.pk]) not in html
    client.logout()
    assert client.get("/escalaties/").status_code == 302


def test_escalations_page_queries_do_not_grow(client, region, django_assert_max_num_queries):
    for day in (2, 3):
        CaseFactory(corporation=region.corporation, opened_at=at(day))
    escalate_overdue(as_of=at(20))
    client.force_login(region.corporation_manager)
    with django_assert_max_num_queries(12) as few:
        client.get("/escalaties/")
    for day in range(4, 14):
        CaseFactory(corporation=region.corporation, opened_at=at(day))
    escalate_overdue(as_of=at(25))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/escalaties/")


def test_notify_batch_uses_a_fixed_number_of_queries(region, django_assert_max_num_queries):
    due_cases(region, 5, opened_at=at(2))
    with django_assert_max_num_queries(40) as small:
        assert escalate_overdue(as_of=at(9), batch_size=500) == 5
    due_cases(region, 100, opened_at=at(3))
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert escalate_overdue(as_of=at(10), batch_size=500) == 100
    assert Notification.objects.filter(user=region.corporation_manager).count() == 105


@pytest.fixture
def eager_celery():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_emails_leave_after_commit(region, mailoutbox, django_capture_on_commit_callbacks, eager_celery):
    CaseFactory(corporation=region.corporation, opened_at=at(2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalate_overdue(as_of=at(9))
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [[region.corporation_manager.email]]
    assert "Escalatie" in mailoutbox[0].subject  # the stored and mailed texts are Dutch, the first language


@override_settings(REDIS_URL="redis://127.0.0.1:1/0", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_web_and_api_work_without_the_broker(client, api, region, escalated, mailoutbox,
                                             django_capture_on_commit_callbacks):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["broker"] == "unreachable"
    client.force_login(region.corporation_manager)
    assert client.get("/escalaties/").status_code == 200
    response = api.as_user(region.corporation_manager).get("/api/v1/escalations/")
    assert response.status_code == 200 and len(response.json()["results"]) == 2
    # The deadlines live in the database: the sweep catches up whenever it runs again; its e-mails go out
    # directly when the broker cannot take them.
    late = CaseFactory(corporation=region.corporation, opened_at=at(3))
    from config.celery import app

    working = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url, app._pool, app.amqp._producer_pool = "redis://127.0.0.1:1/0", None, None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_overdue(as_of=at(20)) >= 1
    finally:
        app.conf.broker_url, app._pool, app.amqp._producer_pool = working
    assert Escalation.objects.filter(case=late).exists()
    assert any(region.corporation_manager.email in m.to for m in mailoutbox)


def test_months_before():
    assert months_before(at(31, month=3), 1).date().isoformat() == "2026-02-28"
    assert months_before(at(15, month=3), 24).date().isoformat() == "2024-03-15"
    assert months_before(at(15, month=1), 1).date().isoformat() == "2025-12-15"


def test_anonymise_expired_cases(region):
    region.convenant.retention_months = 24
    region.convenant.save()
    case = CaseFactory(corporation=region.corporation, opened_at=at(2, month=1))
    tenant = case.tenant
    Tenant.objects.filter(pk=tenant.pk).update(phone="0612345678", email="huurder@example.org")
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached",
                                 notes="Buurman zegt: ziek", at=at(3, month=1), now=at(3, month=1))
    services.add_note(region.consultant, case, text="Schulden bij de zorgverzekeraar", now=at(4, month=1))
    services.offer_handover(region.consultant, case, summary="Huurder ziek, schulden", tenant_consent=True,
                            now=at(5, month=1))
    services.close_case(region.consultant, case, outcome="moved", now=at(6, month=1))
    keep = CaseFactory(corporation=region.corporation, opened_at=at(2, month=1))
    services.close_case(region.consultant, keep, outcome="resolved", now=at(7, month=1))

    # Within retention nothing changes.
    assert anonymise_expired_cases(now=at(5, month=1) + timedelta(days=700)) == 0
    later = months_before(at(8, month=1), -24)  # 24 months after closing, and a day
    assert anonymise_expired_cases(now=later) == 2
    tenant.refresh_from_db()
    assert (tenant.name, tenant.phone, tenant.email, tenant.street) == (ANONYMISED_NAME, "", "", "")
    assert tenant.anonymised_at == later
    assert set(ContactAttempt.objects.filter(case=case).values_list("notes", flat=True)) == {""}
    handover = Handover.objects.get(case=case)
    assert handover.summary == "" and "tenant" not in handover.dossier
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert note.description == ""
    attempt_event = CaseEvent.objects.get(case=case, kind=EventKind.CONTACT_ATTEMPT)
    assert "notes" not in attempt_event.data and attempt_event.data["outcome"] == "not_reached"
    assert not Notification.objects.filter(case=case, subject__contains=ANONYMISED_NAME.lower()).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ANONYMISED).count() == 1
    # A repeated run changes nothing.
    assert anonymise_expired_cases(now=later) == 0
    assert CaseEvent.objects.filter(kind=EventKind.ANONYMISED).count() == 2


def test_tenant_with_a_case_within_retention_is_kept(region):
    old = CaseFactory(corporation=region.corporation, opened_at=at(2, month=1),
                      tenant={"name": "Jan Jansen", "contract_ref": "HC-1", "house_number": "1", "postcode": "7514 BP"})
    services.close_case(region.consultant, old, outcome="resolved", now=at(3, month=1))
    later_moment = months_before(at(3, month=1), -25)
    again = CaseFactory(corporation=region.corporation, opened_at=later_moment - timedelta(days=10),
                        tenant={"name": "Jan Jansen", "contract_ref": "HC-1", "house_number": "1",
                                "postcode": "7514 BP"})
    assert again.tenant_id == old.tenant_id
    # The old case's own texts go with its retention; the tenant row waits for the case still open.
    assert anonymise_expired_cases(now=later_moment) == 1
    old.tenant.refresh_from_db()
    assert old.tenant.name == "Jan Jansen"
    services.close_case(region.consultant, again, outcome="resolved", now=later_moment - timedelta(days=5))
    assert anonymise_expired_cases(now=later_moment + timedelta(days=800)) == 1
    old.tenant.refresh_from_db()
    assert old.tenant.name == ANONYMISED_NAME


def test_anonymise_task_calls_the_service(region):
    from cases.tasks import anonymise_expired_cases as task

    long_ago = at(2, month=1) - timedelta(days=3 * 365)
    case = CaseFactory(corporation=region.corporation, opened_at=long_ago)
    services.close_case(region.consultant, case, outcome="moved", now=long_ago + timedelta(days=1))
    assert task.apply().get() == 1  # run here, without a broker
    case.tenant.refresh_from_db()
    assert case.tenant.name == ANONYMISED_NAME
