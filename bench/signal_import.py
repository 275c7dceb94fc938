"""Benchmark: a corporation's monthly arrears CSV imported end to end, against a raw COPY of the same rows.

    .venv/bin/python bench/signal_import.py [--rows 100000] [--case-share 0.01] [--profile]
                                            [--database-url postgres://…/bench_signals]

Creates (drops first) its own database, migrates it, onboards a corporation with a convenant through the
services, generates the CSV as a Dutch office exports it (`;`, decimal comma, DD-MM-YYYY, Windows-1252), and
imports it through `signals.services.import_csv` — parsing, validation, linking, the case rule, the signals
and the SignalImport row. `--case-share` is the share of rows with ≥ 1 month in arrears: each opens a case,
all of them in one `cases.services.open_cases_bulk` call (timed separately). Then the same file is imported
again (all duplicates), then next month's file (same tenancies, new signal numbers: every open case gets a
newer figure through `cases.services.update_arrears_bulk`), and the first file's rows are COPYed with psycopg2
into a bare table without indexes. `--profile` prints a cProfile of the first import.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--case-share", type=float, default=0.01, help="share of rows with >= 1 month in arrears"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_signals"),
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first import")
    return parser.parse_args()


def recreate_database(url):
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def generate_csv(rows, case_share, *, month=3) -> bytes:
    """A month's file: the same tenancies every month, new signal numbers; the case rows owe one month more."""
    every = max(1, round(1 / case_share)) if case_share > 0 else 0
    lines = [
        "signaalnummer;huurovereenkomstnummer;naam;straat;huisnummer;huisnummertoevoeging;postcode;plaats;"
        "achterstandsbedrag;aantal_maanden_achterstand;peildatum"
    ]
    for n in range(rows):
        months = (1 + n % 3 + month - 3) if every and n % every == 0 else 0
        amount = (
            f"{(months or 0.4) * 712.35 + n % 97:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        )
        postcode = f"{1000 + n // 400 % 9000} {chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"
        lines.append(
            f"DOM-2025-{month:02d}-{n:07d};HO-{n:08d};Huurder Müller-{n};Lasondersingel;{n % 400 + 1};"
            f"{'A' if n % 7 == 0 else ''};{postcode};Enschede;{amount};{months};01-{month:02d}-2025"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    settings.SIGNAL_IMPORT_MAX_BYTES = 200 * 1024 * 1024

    from cases.models import Case
    from convenants.services import create_convenant
    from partners.services import create_organisation, set_membership
    from signals import services
    from signals.models import ArrearsSignal

    corporation = create_organisation(name="Domijn", kind="corporation", municipality="Enschede")
    debt = create_organisation(name="Schuldhulp Enschede", kind="debt_assistance", municipality="Enschede")
    create_convenant(
        name="Convenant Enschede",
        municipality="Enschede",
        parties=[corporation, debt],
        chain=[debt],
        working_days=True,
        retention_months=24,
    )
    user = get_user_model().objects.create_user("bench", password=None)
    set_membership(user=user, organisation=corporation, role="caseworker")

    data = generate_csv(args.rows, args.case_share)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB, case share {args.case_share:.2%}")

    # Time the phases inside the import: parsing and validation (Python), the case services (bulk), and the
    # commit (PostgreSQL checks the deferred foreign keys of every inserted row then).
    seconds = {"parse": 0.0, "cases": 0.0, "commit": 0.0}
    from signals import parsing

    originals = (parsing.parse_csv, services.open_cases_bulk, services.update_arrears_bulk, connection._commit)

    def timed(function, phase):
        def wrapper(*a, **kw):
            start = time.perf_counter()
            try:
                return function(*a, **kw)
            finally:
                seconds[phase] += time.perf_counter() - start

        return wrapper

    parsing.parse_csv = timed(originals[0], "parse")
    services.open_cases_bulk = timed(originals[1], "cases")
    services.update_arrears_bulk = timed(originals[2], "cases")
    connection._commit = timed(originals[3], "commit")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    result = services.import_csv(user, data, file_name="bench.csv")
    elapsed = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    parsing.parse_csv, services.open_cases_bulk, services.update_arrears_bulk, connection._commit = originals
    assert result.accepted == args.rows and not result.rejected, result.summary()
    assert ArrearsSignal.objects.count() == args.rows and Case.objects.count() == result.cases_opened
    import_rate = args.rows / elapsed
    sql_seconds = elapsed - sum(seconds.values())
    print(
        f"import:        {elapsed:7.2f} s  {import_rate:10,.0f} rows/s   ({result.cases_opened:,} cases opened)\n"
        f"  parse + validate {seconds['parse']:.2f} s · case services {seconds['cases']:.2f} s · "
        f"stage, link, insert {sql_seconds:.2f} s · commit (deferred FK checks) {seconds['commit']:.2f} s"
    )

    start = time.perf_counter()
    again = services.import_csv(user, data, file_name="bench.csv")
    again_elapsed = time.perf_counter() - start
    assert again.duplicates == args.rows and again.accepted == 0
    print(
        f"same file again: {again_elapsed:5.2f} s  {args.rows / again_elapsed:10,.0f} rows/s (all duplicates)"
    )

    # Next month's file: the same tenancies with new signal numbers; every open case gets a newer figure.
    next_month = generate_csv(args.rows, args.case_share, month=4)
    start = time.perf_counter()
    later = services.import_csv(user, next_month, file_name="bench-april.csv")
    later_elapsed = time.perf_counter() - start
    assert later.accepted == args.rows and later.cases_updated == result.cases_opened, later.summary()
    print(
        f"next month:    {later_elapsed:7.2f} s  {args.rows / later_elapsed:10,.0f} rows/s   "
        f"({later.cases_updated:,} open cases updated)"
    )

    # The raw baseline: COPY the same rows into a bare table (text columns, no indexes, no constraints).
    text = data.decode("cp1252")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw (external_id text, contract_ref text, name text, street text, house_number text,"
            " addition text, postcode text, city text, amount text, months text, reference_date text)"
        )
    raw = connection.connection  # the psycopg2 connection, in autocommit mode like Django's
    with raw.cursor() as cursor:
        start = time.perf_counter()
        cursor.copy_expert(
            "COPY bench_raw FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)", io.StringIO(text)
        )
        copy_elapsed = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_raw")
        assert cursor.fetchone()[0] == args.rows
    copy_rate = args.rows / copy_elapsed
    print(f"raw COPY:      {copy_elapsed:7.2f} s  {copy_rate:10,.0f} rows/s")
    print(f"ratio import / COPY: {import_rate / copy_rate:.1%}")


if __name__ == "__main__":
    main()
