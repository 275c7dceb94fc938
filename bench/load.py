"""Case API and web pages under load: saturation throughput and latency with wrk, beside the same SQL in pgbench.

    .venv/bin/python bench/load.py --database bench_main [--duration 15] [--connections 16,50]
        [--workers 4] [--threads 1] [--only list,detail,...] [--no-pgbench] [--no-mixed] [--mixed-seconds 60]

1. Builds the static files into a private directory and starts gunicorn through bin/serve (DEBUG=0, a long
   SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, REDIS_URL db 12 unless given) on the bench database (`bench/seed.py`).
   WEB_CONCURRENCY / WEB_THREADS come from --workers / --threads (bin/serve's defaults when not given).
2. Signs in a corporation caseworker and a partner (debt assistance) caseworker (`bench/seed.py`'s users): an API
   token through POST /api/v1/auth/token/ and a session cookie through the login form. The same users and cases as bench/case_api.py.
3. For each endpoint and each connection count runs wrk (Debian's `wrk`, a Lua script per endpoint for the
   headers, the paths and the POST body; its latency histogram) and pgbench with the SQL that the same requests
   issue (captured once in process with CaptureQueriesContext; one pgbench script per path, picked at random),
   at the same client count. Prints req/s, p50/p95/p99, SQL transactions/s and their ratio.
4. A mixed open-loop workload: --users users, each sending one request every 3 s (a mix of the endpoints), for
   --mixed-seconds; latency counts from the moment a request was due (no coordinated omission). Prints
   p50/p95/p99 and errors.
The load generators run in their own processes (wrk, pgbench) or in this one (the mixed workload), never inside
gunicorn. The machine's load (`uptime`) is printed before each measurement.
"""

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import case_api  # noqa: E402
import seed as bench_seed  # noqa: E402

LIST_QUERY = urlencode(case_api.LIST_FILTER)
TARGETS = {"list": 90.0, "detail": 200.0, "timeline": 200.0}
MIXED_P95_TARGET_MS = 150.0
MIXED_INTERVAL_S = 3.0
# Share of each kind of request in the mixed workload.
MIX = {"list": 30, "detail": 25, "timeline": 20, "web worklist": 10, "web case page": 10, "contact attempt": 5}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentile(values, q):
    return case_api.percentile(values, q)


# ---------------------------------------------------------------------------------------------------------------
# The server


def server_env(database, args, static_root):
    env = case_api.server_env(database)
    env.update({
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(48),
        "REDIS_URL": args.redis_url,
        "STATIC_ROOT": str(static_root),
        "BIND": f"127.0.0.1:{args.port}",
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["WEB_THREADS"] = str(args.threads)
    return env


def build_static(env):
    if (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        return
    subprocess.run([str(ROOT / "bin" / "build")], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def start_server(env, port, log_path):
    log = open(log_path, "ab")  # noqa: SIM115 - the server writes to it until it stops
    process = subprocess.Popen([str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, stdout=log, stderr=log,
                               start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bin/serve exited with {process.returncode}; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    case_api.stop(process)
    raise RuntimeError("gunicorn did not come up within 90 s")


# ---------------------------------------------------------------------------------------------------------------
# Users, credentials, what to request


def api_token(port, username, password=bench_seed.BENCH_PASSWORD):
    """A personal API token through POST /api/v1/auth/token/ (API.md)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/auth/token/", body=json.dumps({"username": username, "password": password}),
                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"token for {username} answered {response.status}: {body[:300]!r}")
    return json.loads(body)["token"]


def session_cookie(port, username, password=bench_seed.BENCH_PASSWORD):
    """Sign in through the login form as a browser does; the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")[1]
    csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST", "/accounts/login/", body=urlencode({"username": username, "password": password,
                                                     "csrfmiddlewaretoken": csrf_field}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
    )
    response = conn.getresponse()
    response.read()
    cookies = response.getheader("Set-Cookie") or ""
    conn.close()
    session = re.search(r"sessionid=([^;]+)", cookies)
    if response.status != 302 or not session:
        raise RuntimeError(f"login of {username} answered {response.status}")
    return f"sessionid={session[1]}; csrftoken={csrf_cookie}"


def cases_held(database, ordinal, statuses, count):
    """Cases the organisation holds in one of `statuses` and never offered on (the seed's offers carry an empty
    dossier, which the case page cannot show), spread over its range."""
    conn = psycopg2.connect(bench_seed.database_url(database))
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT c.id FROM cases_case c
            WHERE c.holder_id = (SELECT id FROM partners_organisation ORDER BY id OFFSET %s LIMIT 1)
              AND c.status = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM cases_handover h WHERE h.case_id = c.id)
            ORDER BY hashtext(c.id::text) LIMIT %s
            """,
            [ordinal - 1, list(statuses), count],
        )
        ids = [row[0] for row in cur.fetchall()]
    conn.close()
    return ids


class Endpoint:
    def __init__(self, name, user, paths, *, auth, method="GET", body=None, expect=200):
        self.name, self.user, self.paths, self.auth = name, user, paths, auth
        self.method, self.body, self.expect = method, body, expect

    @property
    def label(self):
        return f"{self.name} ({self.user})"

    def headers(self, credentials):
        headers = {"Accept": "application/json" if self.auth == "token" else "text/html"}
        if self.auth == "token":
            headers["Authorization"] = f"Token {credentials['token']}"
        else:
            headers["Cookie"] = credentials["cookie"]
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers


CONTACT_ATTEMPT = json.dumps({"channel": "phone", "outcome": "not_reached", "notes": "bench"})


def endpoints_for(database, port, users):
    """The endpoints per user: the API's list, detail and timeline for both; the web worklist, the case page and
    a contact attempt (API POST) for the corporation's caseworker."""
    result = []
    for user, (ordinal, credentials) in users.items():
        case_ids = case_api.sample_cases(database, ordinal, 50)
        client = case_api.HttpClient(port)
        list_paths = case_api.list_paths(client, credentials["token"])
        result += [
            Endpoint("list", user, list_paths, auth="token"),
            Endpoint("detail", user, [f"/api/v1/cases/{pk}/" for pk in case_ids], auth="token"),
            Endpoint("timeline", user, [f"/api/v1/cases/{pk}/timeline/" for pk in case_ids], auth="token"),
        ]
        if user == "corporation":
            result += [
                Endpoint("web worklist", user, ["/"], auth="session"),
                Endpoint("web case page", user, [
                    f"/casussen/{pk}/"
                    for pk in cases_held(database, ordinal, ["open", "contacting", "arrangement", "closed"], 50)
                ], auth="session"),
                Endpoint(
                    "contact attempt", user,
                    [f"/api/v1/cases/{pk}/contact-attempts/" for pk in cases_held(database, ordinal, ["contacting"], 200)],
                    auth="token", method="POST", body=CONTACT_ATTEMPT, expect=201,
                ),
            ]
    return result


def check(endpoint, port, credentials):
    """Each path answers as expected before it is measured (wrk counts only 4xx/5xx as errors)."""
    for path in endpoint.paths[:3]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(endpoint.method, path, body=endpoint.body, headers=endpoint.headers(credentials))
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != endpoint.expect:
            raise RuntimeError(f"{endpoint.method} {path} answered {response.status}: {body[:300]!r}")


# ---------------------------------------------------------------------------------------------------------------
# wrk

WRK_LUA = """
local paths = {%(paths)s}
local method = %(method)s
local body = %(body)s
%(headers)s
local n = 0
function init(args)
  n = math.random(#paths)
end
function request()
  n = n %% #paths + 1
  return wrk.format(method, paths[n], nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"connect\\":%%d,\\"read\\":%%d,\\"write\\":%%d," ..
    "\\"status\\":%%d,\\"timeout\\":%%d,\\"p50\\":%%d,\\"p95\\":%%d,\\"p99\\":%%d,\\"max\\":%%d}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def lua_string(value):
    return "nil" if value is None else json.dumps(value)


def wrk_script(endpoint, credentials, directory):
    headers = "\n".join(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}"
                        for k, v in endpoint.headers(credentials).items())
    script = WRK_LUA % {
        "paths": ", ".join(lua_string(p) for p in endpoint.paths), "method": lua_string(endpoint.method),
        "body": lua_string(endpoint.body), "headers": headers,
    }
    path = Path(directory) / f"{re.sub(r'[^a-z]+', '_', endpoint.label)}.lua"
    path.write_text(script)
    return path


def run_wrk(script, port, connections, duration):
    threads = min(2, connections)
    result = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON "):])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    for key in ("p50", "p95", "p99", "max"):
        data[key] /= 1000.0  # µs → ms
    return data


# ---------------------------------------------------------------------------------------------------------------
# The same SQL in pgbench

SKIP = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
# A queryset read with .iterator() (a form's choices) comes as a server-side cursor: the query alone, in pgbench.
DECLARE = re.compile(r'^\s*DECLARE "[^"]+" .*?CURSOR (?:WITH|WITHOUT) HOLD FOR ', re.S)


def capture(endpoint, credentials):
    """The SQL each path of the endpoint issues, in this process (Django's test Client, as a served request)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if endpoint.auth == "session":
        client.force_login(get_user_model().objects.get(username=credentials["username"]))
        kwargs = {}
    else:
        kwargs = {"HTTP_AUTHORIZATION": f"Token {credentials['token']}"}
    captured = {}
    paths = endpoint.paths[:50]
    for index, path in enumerate([paths[0], *paths]):
        with CaptureQueriesContext(connection) as queries:
            if endpoint.method == "POST":
                response = client.post(path, data=endpoint.body, content_type="application/json", **kwargs)
            else:
                response = client.get(path, **kwargs)
        if response.status_code != endpoint.expect:
            raise RuntimeError(f"{path} answered {response.status_code} in process")
        if index:  # the first request warms the per-process reads (permission ids)
            captured[path] = [q["sql"] for q in queries.captured_queries]
    return captured


def pgbench_scripts(captured, directory, label):
    files = []
    for index, statements in enumerate(captured.values()):
        statements = [DECLARE.sub("", s) for s in statements if not s.lstrip().upper().startswith(SKIP)]
        # A service's transaction (its row lock) stays one transaction; reads run each in autocommit, as served.
        transactional = any("FOR UPDATE" in s.upper() for s in statements)
        lines = (["BEGIN;"] if transactional else []) + [s.replace("\n", " ") + ";" for s in statements]
        if transactional:
            lines.append("COMMIT;")
        path = Path(directory) / f"{re.sub(r'[^a-z]+', '_', label)}_{index:03d}.sql"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files


def run_pgbench(database, files, clients, duration, directory):
    log_prefix = Path(directory) / "pgbench_log"
    for old in Path(directory).glob("pgbench_log*"):
        old.unlink()
    command = ["pgbench", "-n", "-M", "simple", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(duration),
               "-l", f"--log-prefix={log_prefix}"]
    for path in files:
        command += ["-f", str(path)]
    command.append(bench_seed.database_url(database))
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed: {result.stderr[-1500:]}")
    tps = float(re.search(r"tps = ([\d.]+)", result.stdout)[1])
    latencies = []
    for log in Path(directory).glob("pgbench_log*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1000.0)
        log.unlink()
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    return {"tps": tps, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "failed": int(failed[1]) if failed else 0}


# ---------------------------------------------------------------------------------------------------------------
# Mixed open-loop workload


async def http_request(port, method, path, headers, body, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        payload = body.encode() if body else b""
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                f"Content-Length: {len(payload)}", *(f"{k}: {v}" for k, v in headers.items())]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        status = int(status_line.split()[1])
        await asyncio.wait_for(reader.read(), timeout)  # Connection: close, the body runs to EOF
        return status
    finally:
        writer.close()


async def mixed_user(index, port, schedule, choices, results, started, timeout):
    offset = schedule.uniform(0, MIXED_INTERVAL_S)
    due = started + offset
    while True:
        now = time.perf_counter()
        if due > results["end"]:
            return
        if due > now:
            await asyncio.sleep(due - now)
        endpoint, credentials = schedule.choices(choices, weights=[MIX[e.name] for e, _c in choices])[0]
        path = schedule.choice(endpoint.paths)
        try:
            status = await http_request(port, endpoint.method, path, endpoint.headers(credentials), endpoint.body,
                                        timeout)
            error = None if status == endpoint.expect else f"HTTP {status}"
        except (TimeoutError, OSError, ValueError, IndexError) as exc:
            error = type(exc).__name__
        # Counted from when the request was due: a late start is the server's delay too.
        elapsed = (time.perf_counter() - due) * 1000
        results["samples"].append((endpoint.name, elapsed, error))
        due += MIXED_INTERVAL_S


def run_mixed(port, endpoints, credentials_of, users, seconds, timeout=10.0):
    choices = [(e, credentials_of[e.user]) for e in endpoints if e.name in MIX]

    async def main():
        started = time.perf_counter()
        results = {"samples": [], "end": started + seconds}
        generator = random.Random(20260601)
        await asyncio.gather(*(
            mixed_user(i, port, random.Random(generator.random()), choices, results, started, timeout)
            for i in range(users)
        ))
        return results["samples"], time.perf_counter() - started

    return asyncio.run(main())


# ---------------------------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_main")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk / pgbench run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk per endpoint before measuring")
    parser.add_argument("--connections", default="16,50")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for bin/serve")
    parser.add_argument("--threads", type=int, help="WEB_THREADS for bin/serve")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--only", help="comma-separated endpoint names (list, detail, timeline, web worklist, …)")
    parser.add_argument("--users-only", help="corporation or partner")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--no-mixed", action="store_true")
    parser.add_argument("--mixed-users", type=int, default=50)
    parser.add_argument("--mixed-seconds", type=int, default=60)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    connection_counts = [int(c) for c in args.connections.split(",")]

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    static_root = Path(tempfile.gettempdir()) / "bench-load-static"
    env = server_env(args.database, args, static_root)
    os.environ.update({k: v for k, v in env.items() if k not in ("PATH",)})
    import django

    django.setup()
    build_static(env)
    print(f"gunicorn: bin/serve, WEB_CONCURRENCY={env.get('WEB_CONCURRENCY', 'default')}, "
          f"WEB_THREADS={env.get('WEB_THREADS', 'default')}; log {work / 'gunicorn.log'}", flush=True)
    server = start_server(env, args.port, work / "gunicorn.log")
    rows, mixed = [], None
    try:
        users = {}
        for user, ordinal in (("corporation", case_api.CORPORATION_ORDINAL), ("partner", case_api.PARTNER_ORDINAL)):
            if args.users_only and user != args.users_only:
                continue
            username = bench_seed.username_for(ordinal)
            users[user] = (ordinal, {"username": username, "token": api_token(args.port, username),
                                     "cookie": session_cookie(args.port, username)})
        credentials_of = {user: credentials for user, (_o, credentials) in users.items()}
        endpoints = endpoints_for(args.database, args.port, users)
        only = set(args.only.split(",")) if args.only else None
        measured = [e for e in endpoints if only is None or e.name in only]
        for endpoint in measured:
            credentials = credentials_of[endpoint.user]
            check(endpoint, args.port, credentials)
            script = wrk_script(endpoint, credentials, work)
            files = None
            if not args.no_pgbench:
                files = pgbench_scripts(capture(endpoint, credentials), work, endpoint.label)
            if not args.no_wrk and args.warmup:
                run_wrk(script, args.port, connection_counts[0], args.warmup)
            for connections in connection_counts:
                row = {"endpoint": endpoint, "connections": connections, "load": uptime().split("load average: ")[1]}
                if not args.no_wrk:
                    row["http"] = run_wrk(script, args.port, connections, args.duration)
                if files:
                    row["sql"] = run_pgbench(args.database, files, connections, args.duration, work)
                rows.append(row)
                print_row(row, flush=True)
        if not args.no_mixed:
            load = uptime()
            samples, elapsed = run_mixed(args.port, endpoints, credentials_of, args.mixed_users, args.mixed_seconds)
            mixed = (samples, elapsed, load)
    finally:
        case_api.stop(server)
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)

    print_table(rows)
    if mixed:
        print_mixed(*mixed, users=args.mixed_users)


def print_row(row, flush=False):
    endpoint, http_, sql = row["endpoint"], row.get("http"), row.get("sql")
    parts = [f"{endpoint.label:<34}", f"c={row['connections']:<3}"]
    if http_:
        parts.append(f"{http_['rps']:7.1f} req/s  p50 {http_['p50']:6.1f}  p95 {http_['p95']:6.1f}  "
                     f"p99 {http_['p99']:6.1f} ms  errors {http_['errors']}")
    if sql:
        parts.append(f"| SQL {sql['tps']:7.1f} tps  p95 {sql['p95']:5.1f} ms")
    parts.append(f"| load {row['load']}")
    print("  ".join(parts), flush=flush)


def print_table(rows):
    if not rows:
        return
    print("\nUnder load (wrk, keep-alive; times in ms) beside the same SQL in pgbench at the same client count")
    header = (f"{'endpoint':<34}{'conns':>6}{'req/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}"
              f"{'SQL tps':>10}{'SQL p95':>9}{'SQL/HTTP':>10}  target   load (1/5/15 min)")
    print(header)
    print("-" * len(header))
    for row in rows:
        endpoint, http_, sql = row["endpoint"], row.get("http") or {}, row.get("sql") or {}
        rps = http_.get("rps", float("nan"))
        target = TARGETS.get(endpoint.name)
        verdict = "" if target is None or not http_ else (f"≥{target:.0f} " + ("ok" if rps >= target else "MISSED"))
        ratio = sql["tps"] / rps if sql and http_ else float("nan")
        print(f"{endpoint.label:<34}{row['connections']:>6}{rps:9.1f}{http_.get('p50', float('nan')):8.1f}"
              f"{http_.get('p95', float('nan')):8.1f}{http_.get('p99', float('nan')):8.1f}{http_.get('errors', 0):8d}"
              f"{sql.get('tps', float('nan')):10.1f}{sql.get('p95', float('nan')):9.1f}{ratio:9.1f}x  "
              f"{verdict:<9}{row['load']}")


def print_mixed(samples, elapsed, load, *, users):
    times = [ms for _name, ms, _error in samples]
    errors = [(name, error) for name, _ms, error in samples if error]
    p95 = percentile(times, 95)
    print(f"\nMixed open loop: {users} users, one request each every {MIXED_INTERVAL_S:.0f} s, {elapsed:.0f} s "
          f"({len(samples) / elapsed:.1f} req/s); load before: {load.split('load average: ')[1]}")
    print(f"  {len(samples)} requests, p50 {percentile(times, 50):.1f} ms, p95 {p95:.1f} ms, "
          f"p99 {percentile(times, 99):.1f} ms, max {max(times, default=0):.1f} ms, errors {len(errors)}  "
          f"target p95 ≤ {MIXED_P95_TARGET_MS:.0f} ms, no error: "
          f"{'ok' if p95 <= MIXED_P95_TARGET_MS and not errors else 'MISSED'}")
    for name in MIX:
        kind = [ms for n, ms, _e in samples if n == name]
        if kind:
            print(f"    {name:<18}{len(kind):6d}  p50 {percentile(kind, 50):6.1f}  p95 {percentile(kind, 95):6.1f} ms")
    for name, error in sorted(set(errors))[:10]:
        print(f"    error: {name}: {error}")


if __name__ == "__main__":
    main()
