"""Benchmark of the DDAS report: one municipality with 50,000 vroegsignaal cases in one quarter.

    .venv/bin/python bench/ddas_export.py [--database bench_ddas] [--cases 50000] [--runs 3] [--fresh]

Self-contained (its own database, created when missing and migrated): one municipality (Benchstad, CBS code
0999) with a manager, an energy company, a health insurer and a corporation as signal partners, and, with
INSERT … SELECT generate_series, `--cases` vroegsignaal cases spread over July–September 2026 (every status; 40 %
closed with a result, 60 % picked up), about 1.5 matched signals per case (every case one, every second case a
second from another partner), 5 % more signals below the minimum (unmatched), and 2 contact attempts per case
(one with a part of day). Then VACUUM ANALYZE.

Prints: the time of signals.ddas.build_uitwisselmodel + json.dumps of the quarter (target ≤ 20 s; best and
median of `--runs`), beside the time of the raw SQL of the same reads (its three SELECTs fetched by psycopg2),
the number of statements and the size of the JSON.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
FROM, TO = date(2026, 7, 1), date(2026, 9, 30)


def create_database(name, fresh):
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def setup_django(name):
    os.environ.update(
        DATABASE_URL=f"{SERVER}/{name}",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, check=True)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def seed(cases):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from convenants.models import Convenant
    from convenants.services import create_convenant
    from partners.services import create_organisation, set_membership
    from signals.models import ArrearsSignal, SignalCase, SignalContactAttempt

    User = get_user_model()
    if SignalCase.objects.filter(municipality="Benchstad").count() >= cases:
        return User.objects.get(username="bench-ddas-mgr")
    started = time.perf_counter()
    organisations = {
        kind: create_organisation(name=f"Bench DDAS {label}", kind=kind, municipality="Benchstad")
        for kind, label in [("municipality", "Gemeente"), ("utility", "Energie"), ("health_insurer", "Zorg"),
                            ("corporation", "Corporatie")]
    }
    manager = User.objects.create_user("bench-ddas-mgr", "ddas@bench.example", "x", first_name="Bench",
                                       last_name="Regisseur")
    set_membership(user=manager, organisation=organisations["municipality"], role="manager")
    convenant = create_convenant(name="Bench DDAS Convenant", municipality="Benchstad",
                                 parties=list(organisations.values()), chain=[], working_days=False)
    Convenant.objects.filter(pk=convenant.pk).update(cbs_municipality_code="0999", signal_minimums={"energy": 75})
    case_table = SignalCase._meta.db_table
    signal_table = ArrearsSignal._meta.db_table
    attempt_table = SignalContactAttempt._meta.db_table
    municipality = organisations["municipality"].pk
    with connection.cursor() as cursor:
        # Cases: a third in each month; a household per case (postcode + number); statuses and results spread.
        cursor.execute(
            f"""INSERT INTO {case_table} (municipality, convenant_id, owner_id, postcode, house_number, period_start,
                    period_end, matched_on, case_type, crisis, warm_handover, status, picked_up_on, result,
                    closed_at, created_at, updated_at)
                SELECT 'Benchstad', %s, %s, (1000 + g %% 9000)::text || ' AB', (g / 9000 + 1)::text
                           || CASE WHEN g %% 7 = 0 THEN 'A' ELSE '' END,
                       m.start, (m.start + interval '1 month' - interval '1 day')::date,
                       (m.start + interval '1 month')::date,
                       (ARRAY['single', 'multiple', 'consecutive'])[1 + g %% 3], g %% 20 = 0, g %% 15 = 0,
                       CASE WHEN g %% 10 < 6 THEN 'Opgepakt' WHEN g %% 10 = 6 THEN 'Niet opgepakt: andere reden'
                            ELSE 'Nog niet opgepakt' END,
                       CASE WHEN g %% 10 < 6 THEN (m.start + interval '1 month' + interval '3 days')::date END,
                       CASE WHEN g %% 10 < 4 THEN (ARRAY['Vervolghulp en/of verwijzing financieel',
                            'Definitief geen contact kunnen krijgen', '(Budget)advies en/of quick fix',
                            'Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering'])[1 + g %% 4]
                            ELSE '' END,
                       CASE WHEN g %% 10 < 4 THEN m.start + interval '1 month' + interval '20 days' END,
                       now(), now()
                FROM generate_series(1, %s) g
                CROSS JOIN LATERAL (SELECT (DATE '2026-07-01' + (g %% 3) * interval '1 month')::date AS start) m""",
            [convenant.pk, municipality, cases],
        )
        # Signals: one per case from the energy company, a second from the health insurer for every second case.
        common = """municipality, crisis, warm_handover, arrears_since, match_state, received_at, months_in_arrears,
                    contract_ref"""
        cursor.execute(
            f"""INSERT INTO {signal_table} (source_id, external_id, kind, name, postcode, house_number, amount,
                    reference_date, signal_case_id, {common})
                SELECT %s, 'E-' || c.id, 'energy', 'Huishouden ' || c.id, c.postcode, c.house_number,
                       80 + (c.id %% 900) + 0.5, c.period_start + (c.id %% 28)::int, c.id,
                       'Benchstad', c.crisis, c.warm_handover, c.period_start - 60, 'matched', now(), 2, ''
                FROM {case_table} c WHERE c.municipality = 'Benchstad'""",
            [organisations["utility"].pk],
        )
        cursor.execute(
            f"""INSERT INTO {signal_table} (source_id, external_id, kind, name, postcode, house_number, amount,
                    reference_date, signal_case_id, {common})
                SELECT %s, 'Z-' || c.id, 'health_insurance', 'Huishouden ' || c.id, c.postcode, c.house_number,
                       120 + (c.id %% 500), c.period_start + (c.id %% 27)::int, c.id,
                       'Benchstad', false, false, NULL, 'matched', now(), 3, ''
                FROM {case_table} c WHERE c.municipality = 'Benchstad' AND c.id %% 2 = 0""",
            [organisations["health_insurer"].pk],
        )
        cursor.execute(
            f"""INSERT INTO {signal_table} (source_id, external_id, kind, name, postcode, house_number, amount,
                    reference_date, signal_case_id, {common})
                SELECT %s, 'L-' || g, 'energy', 'Laag ' || g, '9999 ZZ', g::text, 40, DATE '2026-07-01' + (g %% 90)::int,
                       NULL, 'Benchstad', false, false, NULL, 'below_minimum', now(), 1, ''
                FROM generate_series(1, %s) g""",
            [organisations["utility"].pk, cases // 20],
        )
        cursor.execute(
            f"""INSERT INTO {attempt_table} (signal_case_id, kind, reached, date, part_of_day, recorded_at)
                SELECT c.id, (ARRAY['Brief', 'Telefoon', 'Huisbezoek', 'SMS/Whatsapp'])[1 + (c.id + n) % 4],
                       n = 2 AND c.id % 3 = 0, c.period_end + (n * 2)::int,
                       CASE WHEN n = 1 THEN (ARRAY['Ochtend', 'Middag', 'Avond'])[1 + c.id % 3] ELSE '' END, now()
                FROM {case_table} c CROSS JOIN generate_series(1, 2) n WHERE c.municipality = 'Benchstad'""",
        )
    with connection.cursor() as cursor:
        for table in (case_table, signal_table, attempt_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"seeded {cases:,} cases in {time.perf_counter() - started:.1f} s")
    return manager


RAW_SQL = [
    """SELECT s.id, s.crisis, s.warm_handover, s.amount, s.arrears_since, s.reference_date, s.match_state, c.status,
              s.kind, s.postcode, s.house_number
       FROM {signal} s LEFT JOIN {case} c ON c.id = s.signal_case_id
       WHERE s.municipality IN ('Benchstad') AND s.reference_date BETWEEN %s AND %s ORDER BY s.id""",
    """SELECT s.signal_case_id, s.id FROM {signal} s JOIN {case} c ON c.id = s.signal_case_id
       WHERE c.municipality IN ('Benchstad') AND c.period_start BETWEEN %s AND %s ORDER BY s.signal_case_id, s.id""",
    """SELECT a.signal_case_id, a.kind, a.reached, a.date, a.part_of_day FROM {attempt} a
       JOIN {case} c ON c.id = a.signal_case_id
       WHERE c.municipality IN ('Benchstad') AND c.period_start BETWEEN %s AND %s
       ORDER BY a.signal_case_id, a.date, a.id""",
    """SELECT id, result, matched_on, period_start, period_end, picked_up_on FROM {case}
       WHERE municipality IN ('Benchstad') AND period_start BETWEEN %s AND %s ORDER BY period_start, id""",
]


def raw_seconds():
    import psycopg2

    from signals.models import ArrearsSignal, SignalCase, SignalContactAttempt

    names = {"signal": ArrearsSignal._meta.db_table, "case": SignalCase._meta.db_table,
             "attempt": SignalContactAttempt._meta.db_table}
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        for sql in RAW_SQL:
            cursor.execute(sql.format(**names), [FROM, TO])
            rows += len(cursor.fetchall())
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_ddas")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    create_database(args.database, args.fresh)
    setup_django(args.database)
    manager = seed(args.cases)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from signals.ddas import build_uitwisselmodel

    timings, raw = [], []
    for _run in range(args.runs):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = build_uitwisselmodel(manager, FROM, TO)
            text = json.dumps(report, ensure_ascii=False)
            timings.append(time.perf_counter() - started)
        raw_time, raw_rows = raw_seconds()
        raw.append(raw_time)
    delivery = report["leveringen"][0]
    print(f"DDAS report {FROM} – {TO}: {len(delivery['vroegsignaalzaken']):,} cases, "
          f"{len(delivery['vroegsignalen']):,} signals, {sum(len(c['contactpogingen']) for c in delivery['vroegsignaalzaken']):,} "
          f"attempts; JSON {len(text.encode()) / 1e6:.1f} MB; {len(queries)} statements")
    print(f"build_uitwisselmodel + json.dumps: best {min(timings):.2f} s, median {statistics.median(timings):.2f} s "
          f"(target ≤ 20 s)")
    print(f"raw SQL of the same reads ({raw_rows:,} rows): best {min(raw):.2f} s, median {statistics.median(raw):.2f} s "
          f"→ {min(timings) / min(raw):.1f}× raw")


if __name__ == "__main__":
    main()
