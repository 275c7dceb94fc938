"""Matching signals into vroegsignaal cases (DESIGN.md "Vroegsignalering (Wgs) for the municipality").

Per municipality and matching period (the convenant's `matching_period_months`, periods aligned to January; a
signal's period is the one holding its reference date), every signal not matched yet (match_state "", served by
the partial index signal_unmatched_idx) is either
- below the convenant's minimum for its kind: stored and counted (match_state "below_minimum"), not matched; or
- matched into the one vroegsignaal case of its household (postcode, house number with addition) and period,
  created when new (match_state "matched").

A case is "multiple" when its signals come from at least two creditors (sources), else "consecutive" when the
household had a vroegsignaal case that started in the six months before its period, else "single": several
creditors in one period weigh heavier than a repeat, so multiple takes precedence. A case is a crisis case, or
a warm handover, when one of its signals is. A new case's contact deadline is the convenant's term from the
moment of matching (the crisis term for a crisis case); a case that becomes a crisis case by a late signal, with
no contact attempt yet, gets the crisis term when that is earlier.

Each step is one set-based statement over the period's new signals, so the cost follows the new signals, not the
stored ones; the consecutive check reads the cases' household index, never the signals. A run takes a
transaction-level advisory lock; a second run finds nothing unmatched and changes nothing.
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from cases.services.notifications import members_of, notify
from cases.texts import Text
from convenants.deadlines import add_days
from convenants.models import Convenant
from convenants.selectors import outreach_owner
from partners.models import Organisation

from .models import ArrearsSignal, MatchState, SignalCase, SignalCaseType, SignalContactAttempt, SignalKind

LOCK_MATCHING = 7403
STAGE = "match_stage"
CONSECUTIVE_MONTHS = 6


@dataclass
class MatchResult:
    cases_created: int = 0
    cases_updated: int = 0
    signals_matched: int = 0
    signals_below_minimum: int = 0
    # Signals of a municipality without covenant, or whose covenant names no one to reach out: left unmatched.
    signals_without_outreach: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def add(self, other: "MatchResult") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def period_of(day: date, months: int) -> tuple[date, date]:
    """The matching period of `months` months (aligned to January) that holds `day`: (first day, last day)."""
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + months
    following = date(day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, date.fromordinal(following.toordinal() - 1)


def convenant_of_municipality(municipality: str, *, on: date) -> Convenant | None:
    """The municipality's covenant valid on `on` (the newest when several are)."""
    return (
        Convenant.objects.filter(municipality__iexact=municipality)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from", "-pk")
        .first()
    )


def match_signals(*, period: date | None = None, municipality: str | None = None, now=None) -> MatchResult:
    """Match the unmatched signals of `municipality` (None: every municipality with unmatched signals) in the
    period that holds the date `period` (None: every period). One transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = MatchResult()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_MATCHING, 0])
        unmatched = ArrearsSignal.objects.filter(match_state=MatchState.UNMATCHED)
        if municipality is not None:
            unmatched = unmatched.filter(municipality=municipality)
        for name in sorted(set(unmatched.values_list("municipality", flat=True).distinct())):
            result.add(_match_municipality(name, period, now, today))
    return result


def match_after_import(months, *, now=None) -> MatchResult:
    """After an import: match the periods of the (municipality, a date in the month) pairs just taken in."""
    now = now or timezone.now()
    result = MatchResult()
    lengths: dict[str, int] = {}
    done = set()
    for municipality, day in sorted(set(months)):
        if municipality not in lengths:
            convenant = convenant_of_municipality(municipality, on=timezone.localdate(now))
            lengths[municipality] = convenant.matching_period_months if convenant else 1
        start, _end = period_of(day, lengths[municipality])
        if (municipality, start) not in done:
            done.add((municipality, start))
            result.add(match_signals(period=start, municipality=municipality, now=now))
    return result


def _match_municipality(municipality: str, period, now, today) -> MatchResult:
    result = MatchResult()
    signal = ArrearsSignal._meta.db_table
    case = SignalCase._meta.db_table
    attempt = SignalContactAttempt._meta.db_table
    convenant = convenant_of_municipality(municipality, on=today) if municipality else None
    owner = outreach_owner(convenant) if convenant else None

    where, params = ["s.match_state = ''", "s.municipality = %s"], [municipality]
    months = convenant.matching_period_months if convenant else 1
    if period is not None:
        start, end = period_of(period, months)
        where.append("s.reference_date BETWEEN %s AND %s")
        params += [start, end]
    minimums = [(kind, convenant.signal_minimum(kind) if convenant else 0) for kind in SignalKind.values]

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS
            SELECT s.id, s.source_id, s.postcode, s.house_number, s.crisis, s.warm_handover,
                   make_date(extract(year FROM s.reference_date)::int,
                             ((extract(month FROM s.reference_date)::int - 1) / %s) * %s + 1, 1) AS period_start,
                   s.amount < m.minimum AS below
            FROM {signal} s
            JOIN (SELECT * FROM unnest(%s::text[], %s::numeric[]) AS v(kind, minimum)) m ON m.kind = s.kind
            WHERE {" AND ".join(where)}
            """,
            [months, months, [kind for kind, _ in minimums], [minimum for _, minimum in minimums], *params],
        )
        cursor.execute(
            f"UPDATE {signal} s SET match_state = %s FROM {STAGE} st WHERE s.id = st.id AND st.below",
            [MatchState.BELOW_MINIMUM],
        )
        result.signals_below_minimum = cursor.rowcount
        if owner is None:
            cursor.execute(f"SELECT count(*) FROM {STAGE} WHERE NOT below")
            result.signals_without_outreach = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {STAGE}")
            return result

        # The outreach terms count working days whatever the convenant's chain deadlines count (Divosa: contact
        # within about four weeks, within three working days for a crisis signal).
        normal = add_days(now, convenant.outreach_contact_days, working_days=True)
        crisis = add_days(now, convenant.outreach_crisis_days, working_days=True)
        cursor.execute(
            f"""
            INSERT INTO {case} (municipality, convenant_id, owner_id, postcode, house_number, period_start, period_end,
                                matched_on, case_type, crisis, warm_handover, status, result, deadline_at,
                                created_at, updated_at)
            SELECT %s, %s, %s, postcode, house_number, period_start,
                   (period_start + make_interval(months => %s) - interval '1 day')::date,
                   %s, %s, bool_or(crisis), bool_or(warm_handover), 'Nog niet opgepakt', '',
                   CASE WHEN bool_or(crisis) THEN %s ELSE %s END, %s, %s
            FROM {STAGE} WHERE NOT below
            GROUP BY postcode, house_number, period_start
            ON CONFLICT (municipality, postcode, house_number, period_start) WHERE anonymised_at IS NULL DO NOTHING
            RETURNING id
            """,
            [municipality, convenant.pk, owner.pk, months, today, SignalCaseType.SINGLE, crisis, normal, now, now],
        )
        created = {row[0] for row in cursor.fetchall()}
        result.cases_created = len(created)
        cursor.execute(
            f"""
            WITH linked AS (
                UPDATE {signal} s SET signal_case_id = c.id, match_state = %s
                FROM {STAGE} st
                JOIN {case} c ON c.municipality = %s AND c.postcode = st.postcode AND c.house_number = st.house_number
                             AND c.period_start = st.period_start AND c.anonymised_at IS NULL
                WHERE s.id = st.id AND NOT st.below
                RETURNING c.id AS case_id
            )
            SELECT DISTINCT case_id FROM linked
            """,
            [MatchState.MATCHED, municipality],
        )
        touched = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT count(*) FROM {STAGE} WHERE NOT below")
        result.signals_matched = cursor.fetchone()[0]
        # Type, crisis and warm handover of every case that got signals; a new crisis shortens an untouched term.
        cursor.execute(
            f"""
            WITH facts AS (
                SELECT c.id,
                       CASE WHEN count(DISTINCT s.source_id) >= 2 THEN %s
                            WHEN EXISTS (SELECT 1 FROM {case} p
                                         WHERE p.postcode = c.postcode AND p.house_number = c.house_number
                                           AND p.municipality = c.municipality AND p.anonymised_at IS NULL
                                           AND p.period_start < c.period_start
                                           AND p.period_start >= c.period_start - make_interval(months => %s))
                                 THEN %s
                            ELSE %s END AS case_type,
                       bool_or(s.crisis) AS crisis, bool_or(s.warm_handover) AS warm_handover
                FROM {case} c JOIN {signal} s ON s.signal_case_id = c.id
                WHERE c.id = ANY(%s)
                GROUP BY c.id
            )
            UPDATE {case} c
            SET case_type = f.case_type, crisis = f.crisis, warm_handover = f.warm_handover,
                deadline_at = CASE
                    WHEN f.crisis AND NOT c.crisis AND c.closed_at IS NULL AND c.deadline_at IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM {attempt} a WHERE a.signal_case_id = c.id)
                    THEN LEAST(c.deadline_at, %s) ELSE c.deadline_at END,
                updated_at = %s
            FROM facts f
            WHERE c.id = f.id
              AND (c.case_type, c.crisis, c.warm_handover) IS DISTINCT FROM (f.case_type, f.crisis, f.warm_handover)
            RETURNING c.id
            """,
            [SignalCaseType.MULTIPLE, CONSECUTIVE_MONTHS, SignalCaseType.CONSECUTIVE, SignalCaseType.SINGLE,
             touched, crisis, now],
        )
        # A new case is written as "single" and then given its type: it counts as created, not as updated.
        result.cases_updated = len({row[0] for row in cursor.fetchall()} - created)
        cursor.execute(
            f"""SELECT c.id, c.owner_id, bool_or(st.crisis) FROM {STAGE} st
                JOIN {signal} s ON s.id = st.id JOIN {case} c ON c.id = s.signal_case_id
                WHERE c.closed_at IS NOT NULL GROUP BY c.id, c.owner_id ORDER BY c.id"""
        )
        closed = cursor.fetchall()
        cursor.execute(f"DROP TABLE {STAGE}")
    _tell_about_closed_cases(closed, now)
    return result


def _tell_about_closed_cases(closed, now) -> None:
    """A signal that joins a case already closed (one case per household and period) does not reopen it: the
    outreach organisation is told, so that a crisis, or a new creditor, is not missed."""
    owners = Organisation.objects.in_bulk({owner_id for _case_id, owner_id, _crisis in closed})
    for case_id, owner_id, crisis in closed:
        subject = (
            gettext_noop("Vroegsignaal case #%(id)s is closed, and a crisis signal came in for the household")
            if crisis else gettext_noop("Vroegsignaal case #%(id)s is closed, and a new signal came in for the household")
        )
        notify(members_of(owners[owner_id]), subject=Text(subject, id=case_id),
               body=reverse("signals:signal-case", args=[case_id]), now=now)
