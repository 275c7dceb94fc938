"""Scoped reads of signals. Signals carry personal data of households that may not be tenants of the reader:
an organisation sees only the imports it uploaded itself; municipalities see aggregates without names."""

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cases import policy
from cases.models import OPEN_STATUSES, Case, Tenant
from config.errors import NotVisible
from convenants.models import Convenant

from .models import (
    ArrearsSignal,
    SignalCase,
    SignalCaseType,
    SignalContactAttempt,
    SignalImport,
    SignalStatus,
)


def imports_for(user):
    """The signal imports of the user's own organisation, newest first."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return SignalImport.objects.none()
    return SignalImport.objects.filter(organisation_id=membership.organisation_id).select_related(
        "uploaded_by"
    )


@dataclass(frozen=True)
class Household:
    """One household with arrears of several kinds: a pseudonymous id, never a name or address."""

    tenant_id: int
    kinds: list[str]
    signals: int
    total_amount: object  # Decimal, euros, the sum of the signals' amounts
    latest_reference_date: date


def households_with_several_kinds(municipality, *, since=None, until=None, min_kinds=2) -> list[Household]:
    """Households of `municipality` (its name, or an Organisation/Convenant whose `.municipality` is used) with
    arrears signals of at least `min_kinds` different kinds whose reference date lies in [since, until].
    A household's open rent-arrears case (under a convenant of that municipality) counts as kind "rent" even
    without a rent signal. One SQL statement; no names or addresses in the answer, for aggregate figures.
    Use `len(...)` for the count, or `count_households_with_several_kinds`."""
    municipality = getattr(municipality, "municipality", municipality)
    signal = ArrearsSignal._meta.db_table
    case = Case._meta.db_table
    convenant = Convenant._meta.db_table
    where, params = ["s.municipality = %s", "s.tenant_id IS NOT NULL"], [municipality]
    if since is not None:
        where.append("s.reference_date >= %s")
        params.append(since)
    if until is not None:
        where.append("s.reference_date <= %s")
        params.append(until)
    sql = f"""
        WITH sig AS (
            SELECT s.tenant_id, s.kind, s.amount, s.reference_date FROM {signal} s WHERE {" AND ".join(where)}
        ),
        kinds AS (
            SELECT tenant_id, kind FROM sig
            UNION
            SELECT c.tenant_id, 'rent' FROM {case} c JOIN {convenant} v ON v.id = c.convenant_id
            WHERE c.status = ANY(%s) AND v.municipality = %s AND c.tenant_id IN (SELECT tenant_id FROM sig)
        ),
        several AS (
            SELECT tenant_id, array_agg(kind ORDER BY kind) AS kinds FROM kinds
            GROUP BY tenant_id HAVING count(*) >= %s
        )
        SELECT sv.tenant_id, sv.kinds, count(sig.*), sum(sig.amount), max(sig.reference_date)
        FROM several sv JOIN sig ON sig.tenant_id = sv.tenant_id
        GROUP BY sv.tenant_id, sv.kinds
        ORDER BY sv.tenant_id
    """
    params += [[str(status) for status in OPEN_STATUSES], municipality, min_kinds]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Household(*row) for row in cursor.fetchall()]


def count_households_with_several_kinds(municipality, *, since=None, until=None) -> int:
    return len(households_with_several_kinds(municipality, since=since, until=until))


# --- vroegsignaal cases (the outreach worklist) -----------------------------------------------------------------

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def period_day(period) -> date:
    """A matching period as the worklist takes it: a date inside it, or its month as YYYY-MM (its first day).
    ValueError when it is neither."""
    if isinstance(period, date):
        return period
    text = str(period).strip()
    match = MONTH.match(text)
    if match:
        return date(int(match.group(1)), int(match.group(2)), 1)
    return date.fromisoformat(text)


def _attempt_count(**conditions):
    attempts = (
        SignalContactAttempt.objects.filter(signal_case_id=OuterRef("pk"), **conditions)
        .order_by()
        .values("signal_case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(attempts, output_field=IntegerField()), Value(0))


def signal_cases_for(user, *, status=None, case_type=None, period=None, picked_up=None):
    """The vroegsignaal cases `user` may see (cases.policy.visible_signal_cases), filtered: `status` (a DDAS
    signal status), `case_type` (single, multiple, consecutive), `period` (YYYY-MM or a date inside the matching
    period), `picked_up` (True/False). Open crisis cases first, then the nearest contact deadline, then the
    newest. Each carries `attempt_count` and `reached_count` (SQL subqueries: no query per row)."""
    cases = SignalCase.objects.filter(policy.visible_signal_cases(user))
    if status:
        if status not in SignalStatus.values:
            raise ValueError(f"unknown signal status {status!r}")
        cases = cases.filter(status=status)
    if case_type:
        if case_type not in SignalCaseType.values:
            raise ValueError(f"unknown signal case type {case_type!r}")
        cases = cases.filter(case_type=case_type)
    if period:
        day = period_day(period)
        cases = cases.filter(period_start__lte=day, period_end__gte=day)
    if picked_up is True:
        cases = cases.filter(picked_up_on__isnull=False)
    elif picked_up is False:
        cases = cases.filter(picked_up_on__isnull=True)
    return (
        cases.select_related("owner", "referred_to")
        .annotate(
            open_crisis=CaseWhen(When(crisis=True, closed_at__isnull=True, then=Value(0)), default=Value(1),
                              output_field=IntegerField()),
            attempt_count=_attempt_count(),
            reached_count=_attempt_count(reached=True),
        )
        .order_by("open_crisis", F("deadline_at").asc(nulls_last=True), "-period_start", "-pk")
    )


def signal_case_for(user, pk) -> SignalCase:
    """One vroegsignaal case `user` may see; NotVisible (404) otherwise, so that its existence does not leak."""
    signal_case = (
        SignalCase.objects.filter(policy.visible_signal_cases(user), pk=pk)
        .select_related("owner", "referred_to", "convenant", "picked_up_by", "closed_by")
        .first()
    )
    if signal_case is None:
        raise NotVisible(_("This vroegsignaal case does not exist or is not visible to you."))
    return signal_case


def rent_case_of(signal_case) -> dict | None:
    """Whether the household has a rent case: None when no corporation's tenant (not anonymised) at the case's
    address has one; else that it exists, who holds it and its status — of its open case, else of the newest
    closed one. Nothing else of the rent case (no notes, attempts, dossier or amounts): the outreach team and the
    corporation share the household, not each other's files."""
    if signal_case.anonymised_at is not None:
        return None
    tenants = Tenant.objects.filter(
        corporation__isnull=False, anonymised_at__isnull=True, postcode=signal_case.postcode,
        house_number=signal_case.house_number,
    )
    rent_case = (
        Case.objects.filter(tenant__in=tenants)
        .annotate(open_first=CaseWhen(When(Q(status__in=[str(s) for s in OPEN_STATUSES]), then=Value(0)), default=Value(1),
                                output_field=IntegerField()))
        .select_related("holder")
        .only("pk", "status", "holder__name")
        .order_by("open_first", "-opened_at", "-pk")
        .first()
    )
    if rent_case is None:
        return None
    return {
        "exists": True,
        "holder": rent_case.holder.name,
        "status": rent_case.status,
        "status_label": rent_case.get_status_display(),
    }
