"""Scoped reads of signals. Signals carry personal data of households that may not be tenants of the reader:
an organisation sees only the imports it uploaded itself; municipalities see aggregates without names."""

from dataclasses import dataclass
from datetime import date

from django.db import connection

from cases.models import OPEN_STATUSES, Case
from convenants.models import Convenant

from .models import ArrearsSignal, SignalImport


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
