"""Case API latency on the large seeded database, through the real HTTP stack, beside the same SQL run raw.

    .venv/bin/python bench/case_api.py --database bench_main [--requests 200] [--mode gunicorn|client] [--seed]

1. Starts gunicorn on 127.0.0.1 (DEBUG=0, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0) against the bench
   database (`bench/seed.py`; --seed creates it first when missing) and authenticates with API tokens.
   With --mode client it uses Django's test Client in this process instead (no HTTP server).
2. For a corporation caseworker and a partner (debt assistance) caseworker it measures p50/p95 over
   --requests requests each of: the case list (pages of 50, filtered on status and overdue, following the
   cursor through the first five pages), the case detail, and the timeline.
3. Captures the SQL of each request once (CaptureQueriesContext) and times that SQL raw through psycopg2
   (inside a transaction that is rolled back: the access log INSERT stays out), and prints the ratio.
4. Prints the query count per request for both users (they must be equal) and EXPLAIN (ANALYZE, BUFFERS) of
   the list query, to check that the filters use indexes.
Targets (DESIGN.md, issue 4): p95 ≤ 50 ms, and ≤ 3× the raw SQL.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import seed as bench_seed  # noqa: E402

P95_TARGET_MS = 50.0
RATIO_TARGET = 3.0
LIST_FILTER = [("status", "contacting"), ("status", "with_partner"), ("overdue", "true")]
LIST_PAGES = 5
CORPORATION_ORDINAL = 2  # the first corporation of Benchstad 01
PARTNER_ORDINAL = 7  # its debt assistance team (chain position 1)


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def server_env(database):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": bench_seed.database_url(database),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }


# ---------------------------------------------------------------------------------------------------------------
# Clients: HTTP to gunicorn, or Django's test Client in process.


class HttpClient:
    def __init__(self, port):
        self.port = port

    def get(self, path, token):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Authorization": f"Token {token}", "Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body


class InProcessClient:
    def __init__(self):
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")

    def get(self, path, token):
        response = self.client.get(path, HTTP_AUTHORIZATION=f"Token {token}")
        return response.status_code, response.content


def start_gunicorn(database, port, workers):
    python_bin = ROOT / ".venv" / "bin"
    gunicorn = python_bin / "gunicorn" if (python_bin / "gunicorn").exists() else "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning"],
        cwd=ROOT, env=server_env(database), start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError("gunicorn did not come up within 60 s")


def stop(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------------------------
# What to request


def sample_cases(database, ordinal, count):
    """Ids of cases the organisation may view, spread over its whole range (deterministic)."""
    conn = psycopg2.connect(bench_seed.database_url(database))
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT p.content_object_id FROM cases_casegroupobjectpermission p
            JOIN partners_organisation o ON o.group_id = p.group_id
            JOIN auth_permission ap ON ap.id = p.permission_id AND ap.codename = 'view_case'
            WHERE o.name = (SELECT name FROM partners_organisation ORDER BY id OFFSET %s LIMIT 1)
            ORDER BY hashtext(p.content_object_id::text) LIMIT %s
            """,
            [ordinal - 1, count],
        )
        ids = [row[0] for row in cur.fetchall()]
    conn.close()
    return ids


def list_paths(client, token):
    """The first LIST_PAGES pages of the filtered list (following the cursor)."""
    paths = [f"/api/v1/cases/?{urlencode(LIST_FILTER)}"]
    while len(paths) < LIST_PAGES:
        status, body = client.get(paths[-1], token)
        if status != 200:
            raise RuntimeError(f"{paths[-1]} answered {status}: {body[:300]!r}")
        following = json.loads(body).get("next")
        if not following:
            break
        parts = urlsplit(following)
        paths.append(f"{parts.path}?{parts.query}")
    return paths


def measure(client, token, paths, requests, warmup=10):
    for path in paths[:warmup]:
        client.get(path, token)
    timings = []
    for index in range(requests):
        path = paths[index % len(paths)]
        started = time.perf_counter()
        status, body = client.get(path, token)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
    return timings


# ---------------------------------------------------------------------------------------------------------------
# The same SQL, raw


def capture(paths, token):
    """The SQL each path runs (Django's test Client in this process, CaptureQueriesContext)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = InProcessClient()
    client.get(paths[0], token)  # as in a serving process: the permission ids are read once per process
    captured = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            status, _body = client.get(path, token)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} in process")
        captured[path] = [query["sql"] for query in queries.captured_queries]
    return captured


def time_raw(database, captured, paths, requests):
    conn = psycopg2.connect(bench_seed.database_url(database))
    timings = []
    with conn.cursor() as cur:
        for index in range(requests + 10):
            statements = captured[paths[index % len(paths)]]
            started = time.perf_counter()
            for sql in statements:
                if sql.strip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                    continue
                cur.execute(sql)
                if cur.description is not None:
                    cur.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            conn.rollback()
            if index >= 10:
                timings.append(elapsed)
    conn.close()
    return timings


def explain(database, sql):
    conn = psycopg2.connect(bench_seed.database_url(database))
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cur.fetchall())
    conn.rollback()
    conn.close()
    return plan


def list_query(statements):
    """The statement that reads the page of cases (the one with the permission EXISTS and the LIMIT)."""
    candidates = [s for s in statements if "cases_casegroupobjectpermission" in s and "LIMIT" in s
                  and s.lstrip().upper().startswith("SELECT")]
    return max(candidates, key=len) if candidates else max(statements, key=len)


# ---------------------------------------------------------------------------------------------------------------


def run(database, *, requests, mode, port, workers, show_explain=True):
    os.environ.update(server_env(database))
    import django

    django.setup()
    users = {
        "corporation caseworker": bench_seed.username_for(CORPORATION_ORDINAL),
        "partner caseworker": bench_seed.username_for(PARTNER_ORDINAL),
    }
    process = start_gunicorn(database, port, workers) if mode == "gunicorn" else None
    try:
        client = HttpClient(port) if mode == "gunicorn" else InProcessClient()
        results = []
        query_counts = {}
        plans = {}
        for label, username in users.items():
            token = bench_seed.token_for(username)
            ordinal = CORPORATION_ORDINAL if label.startswith("corporation") else PARTNER_ORDINAL
            case_ids = sample_cases(database, ordinal, 50)
            endpoints = {
                "list (status+overdue, 50/page)": list_paths(client, token),
                "detail": [f"/api/v1/cases/{pk}/" for pk in case_ids],
                "timeline": [f"/api/v1/cases/{pk}/timeline/" for pk in case_ids],
            }
            for endpoint, paths in endpoints.items():
                api = measure(client, token, paths, requests)
                captured = capture(paths, token)
                raw = time_raw(database, captured, paths, requests)
                counts = sorted({len(statements) for statements in captured.values()})
                query_counts[(label, endpoint)] = counts
                results.append((label, endpoint, api, raw, counts))
                print(f"  {label}, {endpoint}: p95 {percentile(api, 95):.1f} ms, raw p95 {percentile(raw, 95):.1f} ms",
                      flush=True)
                if endpoint.startswith("list") and show_explain:
                    plans[label] = (list_query(captured[paths[0]]), explain(database, list_query(captured[paths[0]])))
    finally:
        stop(process)

    print(f"\nCase API on {database} ({mode}; {requests} requests per row; times in ms)")
    header = f"{'user':<24}{'endpoint':<32}{'p50':>8}{'p95':>8}{'raw p50':>9}{'raw p95':>9}{'ratio95':>9}{'queries':>9}  target"
    print(header)
    print("-" * len(header))
    verdicts = []
    for label, endpoint, api, raw, counts in results:
        p50, p95 = percentile(api, 50), percentile(api, 95)
        r50, r95 = percentile(raw, 50), percentile(raw, 95)
        ratio = p95 / r95 if r95 else float("inf")
        ok = p95 <= P95_TARGET_MS and ratio <= RATIO_TARGET
        verdicts.append(ok)
        print(f"{label:<24}{endpoint:<32}{p50:8.1f}{p95:8.1f}{r50:9.1f}{r95:9.1f}{ratio:8.1f}x"
              f"{'/'.join(map(str, counts)):>9}  {'ok' if ok else 'MISSED'}")
    same_counts = all(
        query_counts[("corporation caseworker", endpoint)] == query_counts[("partner caseworker", endpoint)]
        for _label, endpoint, *_ in results
    )
    print(f"\nSame query count for corporation and partner user: {'yes' if same_counts else 'NO'}")
    for label, (sql, plan) in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the list query, {label}:\n{sql}\n{plan}")
    return {"results": results, "same_counts": same_counts, "all_ok": all(verdicts)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_main")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--mode", choices=("gunicorn", "client"), default="gunicorn")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", action="store_true", help="seed the database first when it is missing")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args(argv)
    if args.seed:
        bench_seed.seed(args.database)
    run(args.database, requests=args.requests, mode=args.mode, port=args.port, workers=args.workers,
        show_explain=not args.no_explain)


if __name__ == "__main__":
    main()
