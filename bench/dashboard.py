"""Benchmark GET /api/v1/dashboard/ on the large seeded database, through Django's full request stack.

    .venv/bin/python bench/dashboard.py [--database bench_main] [--cases 1000000] [--requests 60]

Seeds the database with bench/seed.py when it holds no cases yet, then, for a corporation manager, a debt
assistance manager and a municipality manager (the regisseur, convenant-wide), sends warm-up requests and then
`--requests` timed requests each (default period: the last twelve months; every fourth request a different
period) with the user's API token through django.test.Client (URL routing,
middleware, authentication, the view, JSON rendering). Runs twice: live (DASHBOARD_SNAPSHOT_SECONDS=0, every
request aggregates in SQL, four different periods in turn) and with the default five-minute snapshot (the
default period, as a manager opens the page: after the warm-up every request is served from the snapshot). Prints the query count of one request and
p50/p95/max in milliseconds per viewer and over all requests. Not part of the test suite.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seed as seeder  # noqa: E402

VIEWERS = [
    ("corporation manager", 2),
    ("debt assistance manager", 7),
    ("municipality manager", 1),
]
PERIODS = [{}, {"from": "2025-01-01", "to": "2025-12-31"}, {"from": "2026-01-01", "to": "2026-06-30"},
           {"from": "2024-07-01", "to": "2025-06-30"}]


def percentile(values, share):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_main")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per viewer")
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--mode", choices=["live", "snapshot", "both"], default="both")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = seeder.database_url(args.database)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings

    from cases.models import Case

    if not Case.objects.exists():
        print(f"Seeding {args.database} with {args.cases} cases …", flush=True)
        seeder.seed(args.database, cases=args.cases)
    print(f"database {args.database}: {Case.objects.count()} cases", flush=True)

    client = Client()
    modes = [("live", "live: every request aggregates in SQL, four periods in turn", 0, PERIODS),
             ("snapshot", "snapshot (300 s): the default period, as the page opens", 300, [{}])]
    for name, title, seconds, periods in modes:
        if args.mode not in (name, "both"):
            continue
        print(f"-- {title}", flush=True)
        cache.clear()
        with override_settings(DASHBOARD_SNAPSHOT_SECONDS=seconds):
            run(client, connection, args, periods)


def run(client, connection, args, periods):
    everything = []
    for label, ordinal in VIEWERS:
        username = seeder.username_for(ordinal, "manager")
        headers = {"HTTP_AUTHORIZATION": f"Token {seeder.token_for(username)}", "secure": True}
        for _ in range(args.warmup):
            response = client.get("/api/v1/dashboard/", **headers)
            assert response.status_code == 200, (username, response.status_code, response.content[:300])
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get("/api/v1/dashboard/", {"from": "2020-01-01", "to": "2020-12-31"}, **headers)
        timings = []
        for i in range(args.requests):
            params = periods[i % len(periods)]
            started = time.perf_counter()
            response = client.get("/api/v1/dashboard/", params, **headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        everything.extend(timings)
        data = response.json()
        print(
            f"{label:26s} {username}: open {data['open_cases']['total']:>7}  queries {len(queries):>2}  "
            f"p50 {statistics.median(timings):7.1f} ms  p95 {percentile(timings, 0.95):7.1f} ms  "
            f"max {max(timings):7.1f} ms  (n={len(timings)})",
            flush=True,
        )
    print(
        f"{'all viewers':26s} p50 {statistics.median(everything):7.1f} ms  p95 {percentile(everything, 0.95):7.1f} ms  "
        f"(n={len(everything)}, target p95 ≤ 200 ms)",
        flush=True,
    )


if __name__ == "__main__":
    main()
