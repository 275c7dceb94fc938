"""AVG: closed cases are anonymised once their convenant's retention period has passed (DESIGN.md, Privacy).

A closed case whose `closed_at` lies more than `convenant.retention_months` back is expired. Its tenant's
personal data (name, phone, e-mail, street) is scrubbed, as is what was written about the tenant on the case:
contact attempt notes, handover summaries and dossiers, note events, the notes copied into contact-attempt
events, and notifications about the case. A tenant who still has another case within retention (open, or closed
recently) is left alone until that one expires too. Each anonymised case gets an ANONYMISED event, which also
marks it as done: a repeated run changes nothing.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from convenants.models import Convenant
from signals.models import ArrearsSignal

from ..models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    ContactAttempt,
    EventKind,
    Handover,
    Notification,
    Tenant,
)

ANONYMISED_NAME = "Geanonimiseerd"
CHUNK = 500


def months_before(moment: datetime, months: int) -> datetime:
    """The same local day and time `months` months earlier (the last day of a shorter month)."""
    local = timezone.localtime(moment)
    month_index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(local.day, 0, -1):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def _expired_q(now) -> Q:
    """Closed cases past their convenant's retention (one condition per convenant; there are few)."""
    condition = Q(pk__in=[])
    for convenant_id, months in Convenant.objects.values_list("pk", "retention_months"):
        condition |= Q(convenant_id=convenant_id, closed_at__lt=months_before(now, months))
    return condition & Q(closed_at__isnull=False)


def _not_done():
    return ~Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=EventKind.ANONYMISED))


def anonymise_expired_cases(*, now=None) -> int:
    """Anonymise every expired closed case; the number of cases anonymised. Idempotent; safe concurrently."""
    now = now or timezone.now()
    expired = _expired_q(now)
    anonymised = 0
    skipped_tenants: set[int] = set()
    while True:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            cases = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(expired, _not_done())
                .exclude(tenant_id__in=skipped_tenants)
                .only("pk", "tenant_id", "corporation_id")
                .order_by("pk")[:CHUNK]
            )
            if not cases:
                return anonymised
            tenant_ids = {case.tenant_id for case in cases}
            # A tenant with a case still within retention keeps its data until that one expires as well.
            live = set(
                Case.objects.filter(tenant_id__in=tenant_ids)
                .filter(Q(status__in=OPEN_STATUSES) | ~expired)
                .values_list("tenant_id", flat=True)
            )
            skipped_tenants |= live
            cases = [case for case in cases if case.tenant_id not in live]
            if not cases:
                continue
            anonymised += _anonymise(cases, now)


def _anonymise(cases, now) -> int:
    case_ids = [case.pk for case in cases]
    tenant_ids = {case.tenant_id for case in cases}
    Tenant.objects.filter(pk__in=tenant_ids).update(
        name=ANONYMISED_NAME, phone="", email="", street="", anonymised_at=now
    )
    ArrearsSignal.objects.filter(tenant_id__in=tenant_ids).update(name=ANONYMISED_NAME)
    ContactAttempt.objects.filter(case_id__in=case_ids).exclude(notes="").update(notes="")
    Handover.objects.filter(case_id__in=case_ids).update(
        summary="", dossier={"anonymised_at": now.isoformat()}
    )
    # Events are append-only (CaseEvent.save refuses updates): scrub with queryset updates.
    CaseEvent.objects.filter(case_id__in=case_ids, kind=EventKind.NOTE).update(description="")
    CaseEvent.objects.filter(case_id__in=case_ids, kind=EventKind.CONTACT_ATTEMPT, data__has_key="notes").update(
        data=RawSQL("data - 'notes'", [])
    )
    Notification.objects.filter(case_id__in=case_ids).update(
        subject=Concat(Value(str(_("Anonymised case #"))), Cast("case_id", CharField())), body=""
    )
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case.pk,
            kind=EventKind.ANONYMISED,
            at=now,
            organisation_id=case.corporation_id,
            description=str(_("Personal data removed after the retention period")),
        )
        for case in cases
    )
    return len(cases)
