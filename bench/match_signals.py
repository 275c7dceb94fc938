"""Benchmark of the vroegsignalering matching: 100,000 new signals of one month against 10,000,000 stored ones.

    .venv/bin/python bench/match_signals.py [--database bench_match] [--stored 10000000] [--new 100000]
                                            [--runs 3] [--fresh]

Self-contained (its own database, created when missing and migrated; the seed is kept between runs unless
`--fresh`): one municipality (Benchstad) with its covenant (minimum € 75 for energy and water, the municipality
reaches out itself) and four creditors, and, with INSERT … SELECT generate_series,
- `--stored` signals already matched or below the minimum, January 2025 – October 2026, a tenth of them
  Benchstad's and the rest spread over 39 other municipalities;
- 1,440,000 earlier vroegsignaal cases: Benchstad's 40,000 a month for May – October 2026 (its households'
  history, which decides "consecutive") and 1.2 million of the other municipalities;
- `--new` unmatched signals of November 2026 for Benchstad: 70 % of them one per household, the rest a second
  signal from another creditor at the same address (multiple); 5 % below the minimum; 57 % of the households
  had a case in the six months before (consecutive, unless multiple).
Then VACUUM ANALYZE.

Each run matches November inside a transaction that is rolled back afterwards, so every run starts from the same
state: signals.matching.match_signals as an import calls it (the period and the municipality), then again (the
idempotent re-run: nothing left to match), then as the daily Celery task calls it (no arguments). Beside it, the
floor in raw SQL: one UPDATE that marks the same new signals matched (each new signal written once, no cases).
Target: the first match ≤ 30 s.
"""

import argparse
import statistics
import time
from datetime import UTC, date, datetime

from ddas_export import create_database, setup_django

NOVEMBER = date(2026, 11, 1)
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
BATCH = 1_000_000


def seed(stored, new):
    from django.db import connection

    from convenants.models import Convenant
    from convenants.services import create_convenant
    from partners.services import create_organisation
    from signals.models import ArrearsSignal, SignalCase

    if Convenant.objects.filter(name="Bench Matching Convenant").exists():
        return
    started = time.perf_counter()
    organisations = {
        kind: create_organisation(name=f"Bench Matching {label}", kind=kind, municipality="Benchstad")
        for kind, label in [("municipality", "Gemeente"), ("utility", "Energie"), ("health_insurer", "Zorg"),
                            ("corporation", "Corporatie")]
    }
    water = create_organisation(name="Bench Matching Water", kind="utility", municipality="Benchstad")
    convenant = create_convenant(name="Bench Matching Convenant", municipality="Benchstad",
                                 parties=list(organisations.values()), chain=[], working_days=True)
    Convenant.objects.filter(pk=convenant.pk).update(signal_minimums={"energy": 75, "water": 75})
    sources = [organisations["utility"].pk, water.pk, organisations["health_insurer"].pk]
    kinds = ["energy", "water", "health_insurance"]
    signal, case = ArrearsSignal._meta.db_table, SignalCase._meta.db_table
    owner = organisations["municipality"].pk
    columns = """source_id, external_id, kind, contract_ref, name, postcode, house_number, amount, months_in_arrears,
                 reference_date, municipality, received_at, crisis, warm_handover, arrears_since, match_state"""
    with connection.cursor() as cursor:
        for first in range(1, stored + 1, BATCH):
            last = min(first + BATCH - 1, stored)
            cursor.execute(
                f"""INSERT INTO {signal} ({columns})
                    SELECT (%s::bigint[])[1 + g %% 3], 'S-' || g, (%s::text[])[1 + g %% 3], '', 'Huishouden ' || g,
                           (1000 + g %% 9000)::text || ' AB', (g / 9000 %% 400 + 1)::text, 20 + g %% 900, 2,
                           DATE '2025-01-01' + (g %% 669)::int,
                           CASE WHEN g %% 10 = 0 THEN 'Benchstad' ELSE 'Gemeente ' || (g %% 39 + 1) END,
                           now(), g %% 50 = 0, false, NULL,
                           CASE WHEN g %% 20 = 0 THEN 'below_minimum' ELSE 'matched' END
                    FROM generate_series(%s, %s) g""",
                [sources, kinds, first, last],
            )
            print(f"  stored signals: {last:,}", flush=True)
        case_columns = """municipality, convenant_id, owner_id, postcode, house_number, period_start, period_end,
                          matched_on, case_type, crisis, warm_handover, status, result, created_at, updated_at"""
        # Benchstad's history: 40,000 cases a month, May – October 2026, households overlapping month to month.
        cursor.execute(
            f"""INSERT INTO {case} ({case_columns})
                SELECT 'Benchstad', %s, %s, (1000 + h %% 9000)::text || ' AB', (h / 9000 + 1)::text, m.start,
                       (m.start + interval '1 month' - interval '1 day')::date, (m.start + interval '1 month')::date,
                       'single', false, false, 'Opgepakt', '', now(), now()
                FROM generate_series(0, 5) i
                CROSS JOIN LATERAL (SELECT (DATE '2026-05-01' + i * interval '1 month')::date AS start) m
                CROSS JOIN LATERAL generate_series(100000 + i * 10000, 100000 + i * 10000 + 39999) h""",
            [convenant.pk, owner],
        )
        cursor.execute(
            f"""INSERT INTO {case} ({case_columns})
                SELECT 'Gemeente ' || (g %% 39 + 1), NULL, %s, (1000 + g %% 9000)::text || ' AB',
                       (g / 9000 + 1)::text, m.start, (m.start + interval '1 month' - interval '1 day')::date,
                       (m.start + interval '1 month')::date, 'single', false, false, 'Opgepakt', '', now(), now()
                FROM generate_series(1, 1200000) g
                CROSS JOIN LATERAL (SELECT (DATE '2025-01-01' + (g %% 22) * interval '1 month')::date AS start) m""",
            [owner],
        )
        # November: households 150,000 + (0 … 0.7 × new): each one signal, and the first 0.3 × new a second one from
        # another creditor; households up to 189,999 had a case in the months before.
        households = int(new * 0.7)
        cursor.execute(
            f"""INSERT INTO {signal} ({columns})
                SELECT (%s::bigint[])[1 + (h + g / %s) %% 3], 'N-' || g,
                       (%s::text[])[1 + (h + g / %s) %% 3], '', 'Nieuw huishouden ' || h,
                       (1000 + h %% 9000)::text || ' AB', (h / 9000 + 1)::text,
                       CASE WHEN g %% 20 = 0 THEN 50 ELSE 80 + g %% 700 END, 2,
                       DATE '2026-11-01' + (g %% 28)::int, 'Benchstad', now(), g %% 40 = 0, g %% 60 = 0,
                       DATE '2026-08-01', ''
                FROM generate_series(0, %s) g
                CROSS JOIN LATERAL (SELECT 150000 + g %% %s AS h) hh""",
            [sources, households, kinds, households, new - 1, households],
        )
    with connection.cursor() as cursor:
        for table in (signal, case):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"seeded {stored:,} stored and {new:,} new signals in {time.perf_counter() - started:.0f} s")


def timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def one_run():
    from django.db import connection, transaction
    from django.db.models import Count

    from signals.matching import match_signals
    from signals.models import ArrearsSignal, SignalCase

    figures = {}
    with transaction.atomic():
        figures["match"], first = timed(lambda: match_signals(period=NOVEMBER, municipality="Benchstad", now=NOW))
        figures["again"], again = timed(lambda: match_signals(period=NOVEMBER, municipality="Benchstad", now=NOW))
        types = dict(
            SignalCase.objects.filter(municipality="Benchstad", period_start=NOVEMBER)
            .values_list("case_type").annotate(n=Count("id"))
        )
        transaction.set_rollback(True)
    with transaction.atomic():
        figures["task"], task = timed(lambda: match_signals(now=NOW))
        transaction.set_rollback(True)
    with transaction.atomic(), connection.cursor() as cursor:
        signal = ArrearsSignal._meta.db_table
        started = time.perf_counter()
        cursor.execute(
            f"""UPDATE {signal} SET match_state = 'matched' WHERE match_state = '' AND municipality = 'Benchstad'
                AND reference_date BETWEEN '2026-11-01' AND '2026-11-30'"""
        )
        figures["raw"] = time.perf_counter() - started
        transaction.set_rollback(True)
    assert again.signals_matched == 0 and again.cases_created == 0 and again.cases_updated == 0, again
    assert task.signals_matched == first.signals_matched, (task, first)
    return figures, first, types


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_match")
    parser.add_argument("--stored", type=int, default=10_000_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    create_database(args.database, args.fresh)
    setup_django(args.database)
    seed(args.stored, args.new)

    from signals.models import ArrearsSignal, SignalCase

    print(f"signals stored: {ArrearsSignal.objects.count():,}; vroegsignaal cases: {SignalCase.objects.count():,}")
    runs = []
    for _run in range(args.runs):
        figures, first, types = one_run()
        runs.append(figures)
    print(f"November: {first.signals_matched:,} signals matched into {first.cases_created:,} cases "
          f"({', '.join(f'{n:,} {kind}' for kind, n in sorted(types.items()))}); "
          f"{first.signals_below_minimum:,} below the minimum")

    def line(key):
        values = [figures[key] for figures in runs]
        return f"best {min(values):.2f} s, median {statistics.median(values):.2f} s"

    print(f"match_signals(period, municipality), as after an import: {line('match')} (target ≤ 30 s)")
    print(f"the same again (nothing to match):                      {line('again')}")
    print(f"match_signals(), as the daily task:                     {line('task')}")
    raw = min(figures["raw"] for figures in runs)
    print(f"raw SQL floor (one UPDATE of the new signals):          {line('raw')} "
          f"→ match is {min(figures['match'] for figures in runs) / raw:.1f}× the floor")


if __name__ == "__main__":
    main()
