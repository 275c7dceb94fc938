"""Case search latency (`GET /api/v1/cases/?q=`) on the large seeded database, beside the same SQL run raw.

    .venv/bin/python bench/search.py --database bench_main [--requests 200] [--mode gunicorn|client] [--port 8794]

For a corporation caseworker and a partner (debt assistance) caseworker (the users of bench/case_api.py) it
builds a realistic mix of searches from tenants in each user's own scope (open and closed cases): a name fragment
(4-6 letters, lower case), a common surname fragment ("jans"), a postcode without and with the space, a phone
number spaced as people type it, a street with house number, and a case number ("#123"), plus a search that finds
nothing. It then runs them in turn through the API (first page, 50 per page), prints p50/p95 per kind and over the
mix, the raw SQL's p50/p95 (the request's captured statements through psycopg2, rolled back), and EXPLAIN
(ANALYZE, BUFFERS) of one list query of each kind. Target (issue 16): p95 ≤ 100 ms at 1,000,000 cases.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import case_api  # noqa: E402
import seed as bench_seed  # noqa: E402

P95_TARGET_MS = 100.0
PER_KIND = 8  # distinct searches of each kind per user


def scope_samples(database, ordinal, count):
    """`count` tenants (with their case id) in the organisation's view scope, spread over it, open and closed."""
    conn = psycopg2.connect(bench_seed.database_url(database))
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT c.id, t.name, t.street, t.house_number, t.postcode, t.phone, c.status
            FROM cases_casegroupobjectpermission p
            JOIN partners_organisation o ON o.group_id = p.group_id
            JOIN auth_permission ap ON ap.id = p.permission_id AND ap.codename = 'view_case'
            JOIN cases_case c ON c.id = p.content_object_id
            JOIN cases_tenant t ON t.id = c.tenant_id
            WHERE o.name = (SELECT name FROM partners_organisation ORDER BY id OFFSET %s LIMIT 1)
            ORDER BY hashtext(c.id::text || 'search') LIMIT %s
            """,
            [ordinal - 1, count],
        )
        rows = cur.fetchall()
    conn.close()
    return rows


def searches(database, ordinal):
    """kind → list of q values."""
    rows = scope_samples(database, ordinal, PER_KIND)
    mix = {
        "name fragment": [], "common name (jans)": ["jans", "Jansen", "JANS"], "postcode (no space)": [],
        "postcode (space)": [], "phone (spaced)": [], "street + number": [], "case number": [],
        "no match": ["Zwartjes-Oosterhuis", "qqqzzz", "9999999999"],
    }
    for case_id, name, street, house_number, postcode, phone, _status in rows:
        surname = name.split(",")[0].split()[-1]
        mix["name fragment"].append(surname[: 4 + case_id % 3].lower())
        mix["postcode (no space)"].append(postcode.replace(" ", "").lower())
        mix["postcode (space)"].append(postcode)
        mix["phone (spaced)"].append(f"{phone[:2]} {phone[2:6]} {phone[6:]}")
        mix["street + number"].append(f"{street} {house_number}")
        mix["case number"].append(f"#{case_id}")
    return mix


def run(database, *, requests, mode, port, workers):
    os.environ.update(case_api.server_env(database))
    import django

    django.setup()
    users = {
        "corporation caseworker": case_api.CORPORATION_ORDINAL,
        "partner caseworker": case_api.PARTNER_ORDINAL,
    }
    process = case_api.start_gunicorn(database, port, workers) if mode == "gunicorn" else None
    results, plans = [], []
    try:
        client = case_api.HttpClient(port) if mode == "gunicorn" else case_api.InProcessClient()
        for label, ordinal in users.items():
            token = bench_seed.token_for(bench_seed.username_for(ordinal))
            mix = searches(database, ordinal)
            all_paths = []
            for kind, values in mix.items():
                paths = [f"/api/v1/cases/?{urlencode({'q': q})}" for q in values]
                all_paths += paths
                per_kind = max(20, requests // len(mix))
                api = case_api.measure(client, token, paths, per_kind, warmup=len(paths))
                captured = case_api.capture(paths, token)
                raw = case_api.time_raw(database, captured, paths, per_kind)
                results.append((label, kind, api, raw, values[0]))
                statement = case_api.list_query(captured[paths[0]])
                plans.append((label, kind, values[0], statement, case_api.explain(database, statement)))
                print(f"  {label}, {kind} ({values[0]!r}): p95 {case_api.percentile(api, 95):.1f} ms, "
                      f"raw p95 {case_api.percentile(raw, 95):.1f} ms", flush=True)
            # The mix in turn, as people search.
            api = case_api.measure(client, token, all_paths, requests, warmup=0)
            captured = case_api.capture(all_paths, token)
            raw = case_api.time_raw(database, captured, all_paths, requests)
            results.append((label, "MIX (all of the above in turn)", api, raw, ""))
    finally:
        case_api.stop(process)

    load = os.getloadavg()
    print(f"\nCase search on {database} ({mode}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; ms)")
    header = f"{'user':<24}{'search':<32}{'p50':>8}{'p95':>8}{'raw p50':>9}{'raw p95':>9}  target p95 ≤ 100 ms"
    print(header)
    print("-" * len(header))
    verdicts = []
    for label, kind, api, raw, _example in results:
        p50, p95 = case_api.percentile(api, 50), case_api.percentile(api, 95)
        ok = p95 <= P95_TARGET_MS
        verdicts.append(ok)
        print(f"{label:<24}{kind:<32}{p50:8.1f}{p95:8.1f}{case_api.percentile(raw, 50):9.1f}"
              f"{case_api.percentile(raw, 95):9.1f}  {'ok' if ok else 'MISSED'}")
    for label, kind, example, sql, plan in plans:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {label}, {kind}, q={example!r}:\n{sql}\n{plan}")
    return {"results": results, "all_ok": all(verdicts)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_main")
    parser.add_argument("--requests", type=int, default=200, help="requests of the mix per user")
    parser.add_argument("--mode", choices=("gunicorn", "client"), default="gunicorn")
    parser.add_argument("--port", type=int, default=8794)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run(args.database, requests=args.requests, mode=args.mode, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
