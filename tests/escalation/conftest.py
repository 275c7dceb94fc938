"""Helpers of the escalation tests: moments in Dutch time, many due cases fast, the test database's URL."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from cases.models import Case, CaseEvent, Escalation, EventKind, Tenant
from tests.factories import CaseFactory, TenantFactory

AMS = ZoneInfo("Europe/Amsterdam")


def at(day, hour=10, month=3):
    return datetime(2026, month, day, hour, tzinfo=AMS)


def due_cases(region, count, *, opened_at):
    """`count` open cases of the region's corporation whose first-contact deadline is due after opened_at+5 days.

    The first is opened through the service (CaseFactory); the rest copy it with bulk inserts, so that a
    thousand cases take a moment, not a minute (the sweep does not read permission rows)."""
    template = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=opened_at)
    prefix = template.pk
    tenants = Tenant.objects.bulk_create(
        TenantFactory.build(corporation=region.corporation, contract_ref=f"BULK-{prefix}-{n:06d}")
        for n in range(count - 1)
    )
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Case._meta.concrete_fields
        if f.attname not in ("id", "tenant_id")
    }
    cases = Case.objects.bulk_create(Case(**fields, tenant=tenant) for tenant in tenants)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.OPENED, at=opened_at, organisation=region.corporation) for case in cases
    )
    return [template, *cases]


def assert_each_escalated_once(case_ids):
    """Every case has exactly one escalation, one escalated event, and a deadline past the escalated one."""
    escalations = dict(Escalation.objects.filter(case_id__in=case_ids).values_list("case_id", "deadline_kind"))
    assert Escalation.objects.filter(case_id__in=case_ids).count() == len(case_ids) == len(escalations)
    assert CaseEvent.objects.filter(case_id__in=case_ids, kind=EventKind.ESCALATED).count() == len(case_ids)
    assert not Case.objects.filter(pk__in=case_ids, deadline_kind="first_contact").exists()


def test_database_url():
    """The URL of the database pytest-django created, for a worker or command started by a test."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env():
    import os

    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CONN_MAX_AGE="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG="1",
        SECRET_KEY=env.get("SECRET_KEY", "test-only-secret-key"),
    )
    return env
