"""Seed a large PostgreSQL database for the benchmarks, fast: INSERT … SELECT generate_series in the server.

    .venv/bin/python bench/seed.py --database bench_main --cases 1000000 --events 5000000 [--fresh]

Creates the database when missing (--fresh drops it first), runs the project's migrations with DATABASE_URL
pointed at it, then bulk loads: 250 organisations (one auth group and one managers group each), a caseworker and
a manager per organisation (with a DRF token), one convenant per municipality (chain: debt assistance, welfare),
one tenant per case, the cases over every status, handovers and eviction proposals where the status calls for
them, the timeline events, and the guardian direct-FK permission rows exactly as
`cases.services.access.wanted_permissions` would compute them. Ends with VACUUM ANALYZE.

A database that already holds cases is left alone (use --fresh to rebuild). Other benchmarks import `seed()`,
`database_url()`, `token_for()` and `username_for()` from here; the CLI above stays stable.

Layout: organisations come in blocks of ten per municipality ("Benchstad NN"): the municipality, five
corporations, debt assistance (chain position 1), welfare (chain position 2), a social team and a utility.
User names: bench-<ordinal>-cw (caseworker) and bench-<ordinal>-mgr (manager), where the ordinal (1-based,
three digits) is the organisation's position: 1 is the first municipality, 2-6 its corporations, 7 its debt
assistance team, 8 its welfare organisation. Password of every user: BENCH_PASSWORD.
"""

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-wachtwoord-1"
BLOCK = ("municipality", "corporation", "corporation", "corporation", "corporation", "corporation",
         "debt_assistance", "welfare", "social_team", "utility")
ROLE_SUFFIX = {"caseworker": "cw", "manager": "mgr"}
OPEN = ("open", "contacting", "arrangement", "handed_over", "with_partner", "eviction_proposed")
DEADLINES = {"first_contact": (5, "notify"), "handover": (30, "handover_next"), "pickup": (5, "handover_next"),
             "partner_contact": (10, "notify"), "inactivity": (30, "notify")}


def server_url() -> str:
    return os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def database_url(database: str) -> str:
    return f"{server_url()}/{database}"


def username_for(ordinal: int, role: str = "caseworker") -> str:
    return f"bench-{ordinal:03d}-{ROLE_SUFFIX[role]}"


def token_for(username: str) -> str:
    """The API token of a bench user (deterministic, so a benchmark needs no login; stored as knox stores it:
    its SHA-512 digest and its first 15 characters)."""
    return hashlib.sha1(f"bench-token:{username}".encode()).hexdigest()


def password_hash(password: str = BENCH_PASSWORD, iterations: int = 1_000_000) -> str:
    """Django's pbkdf2_sha256 format, computed once here so the seed needs no Django process."""
    salt = "benchseedsalt2026"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


class Timer:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.steps = {}

    def step(self, name):
        now = time.perf_counter()
        self.steps[name] = round(now - self.last, 2)
        print(f"  {name:<34} {now - self.last:8.2f} s", flush=True)
        self.last = now

    @property
    def total(self):
        return time.perf_counter() - self.start


def _connect(database, **kwargs):
    return psycopg2.connect(database_url(database), **kwargs)


def create_database(database: str, *, fresh: bool) -> bool:
    """True when the database was (re)created."""
    conn = _connect("postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        if fresh:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        exists = cur.fetchone() is not None
        if not exists:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    return not exists


def migrate(database: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(database), "DEBUG": "1",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key")}
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run([str(python if python.exists() else sys.executable), "manage.py", "migrate", "--noinput", "--skip-checks", "-v0"],
                   cwd=ROOT, env=env, check=True)


# ---------------------------------------------------------------------------------------------------------------
# Organisations, groups, users, convenants: a few hundred rows, made row by row.


# Convenant columns without a database default that later migrations added (their model defaults), filled when the
# migrated schema has them.
CONVENANT_DEFAULTS = {"signal_retention_months": 6, "max_pause_days": 30, "pause_reasons": "[]",
                      "cbs_municipality_code": "", "matching_period_months": 1, "signal_minimums": "{}",
                      "outreach_contact_days": 20, "outreach_crisis_days": 3, "postcode_areas": "[]"}


def _convenant_extra_columns(cur) -> dict:
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'convenants_convenant'"
                " AND column_name = ANY(%s)", [list(CONVENANT_DEFAULTS)])
    present = {row[0] for row in cur.fetchall()}
    return {column: value for column, value in CONVENANT_DEFAULTS.items() if column in present}


def _load_parties(cur, organisations: int, now_sql="now()"):
    pw = password_hash()
    blocks = max(1, organisations // len(BLOCK))
    orgs = []  # (ordinal, id, kind, group_id, managers_group_id, municipality index)
    ordinal = 0
    for m in range(1, blocks + 1):
        municipality = f"Benchstad {m:02d}"
        for position, kind in enumerate(BLOCK):
            ordinal += 1
            name = {
                "municipality": f"Gemeente {municipality}",
                "corporation": f"Woonstichting {municipality} {position}",
                "debt_assistance": f"Schuldhulp {municipality}",
                "welfare": f"Welzijn {municipality}",
                "social_team": f"Sociaal team {municipality}",
                "utility": f"Energie {municipality}",
            }[kind]
            cur.execute("INSERT INTO auth_group (name) VALUES (%s), (%s) RETURNING id",
                        [f"org:{name}", f"org-managers:{name}"])
            group_id, managers_group_id = (row[0] for row in cur.fetchall())
            cur.execute(
                "INSERT INTO partners_organisation (name, kind, municipality, email, created_at, group_id,"
                " managers_group_id) VALUES (%s, %s, %s, %s, now(), %s, %s) RETURNING id",
                [name, kind, municipality, f"info{ordinal}@bench.example", group_id, managers_group_id],
            )
            org_id = cur.fetchone()[0]
            orgs.append((ordinal, org_id, kind, group_id, managers_group_id, m))
            for role in ("caseworker", "manager"):
                username = username_for(ordinal, role)
                cur.execute(
                    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
                    " is_active, date_joined) VALUES (%s, false, %s, '', '', %s, false, true, now()) RETURNING id",
                    [pw, username, f"{username}@bench.example"],
                )
                user_id = cur.fetchone()[0]
                cur.execute(
                    "INSERT INTO partners_membership (role, created_at, user_id, organisation_id)"
                    " VALUES (%s, now(), %s, %s)", [role, user_id, org_id])
                groups = [group_id] + ([managers_group_id] if role == "manager" else [])
                for gid in groups:
                    cur.execute("INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [user_id, gid])
                key = token_for(username)
                cur.execute(
                    "INSERT INTO partners_apitoken (digest, token_key, created, expiry, user_id, name,"
                    " second_factor) VALUES (%s, %s, now(), now() + interval '10 years', %s, '', true)",
                    [hashlib.sha512(key.encode()).hexdigest(), key[:15], user_id],
                )
    # One convenant per municipality: parties are its organisations except the utility; chain debt → welfare.
    corp_rows = []  # (idx, corporation id, corp group, convenant, debt id, debt group, debt managers group,
    #                welfare id, welfare group, welfare managers group, corp managers group)
    for m in range(1, blocks + 1):
        block = [o for o in orgs if o[5] == m]
        by_kind = {}
        for o in block:
            by_kind.setdefault(o[2], []).append(o)
        extra = _convenant_extra_columns(cur)
        cur.execute(
            "INSERT INTO convenants_convenant (name, municipality, working_days, retention_months, created_at,"
            f" updated_at{''.join(', ' + column for column in extra)}) VALUES (%s, %s, true, 24, now(), now()"
            f"{', %s' * len(extra)}) RETURNING id",
            [f"Convenant Vroegsignalering Benchstad {m:02d}", f"Benchstad {m:02d}", *extra.values()],
        )
        convenant_id = cur.fetchone()[0]
        for o in block:
            if o[2] != "utility":
                cur.execute("INSERT INTO convenants_convenant_parties (convenant_id, organisation_id) VALUES (%s, %s)",
                            [convenant_id, o[1]])
        debt, welfare = by_kind["debt_assistance"][0], by_kind["welfare"][0]
        for position, o in enumerate((debt, welfare), start=1):
            cur.execute("INSERT INTO convenants_chainlink (position, organisation_id, convenant_id) VALUES (%s, %s, %s)",
                        [position, o[1], convenant_id])
        for kind, (days, policy) in DEADLINES.items():
            cur.execute("INSERT INTO convenants_deadlinerule (kind, days, policy, convenant_id) VALUES (%s, %s, %s, %s)",
                        [kind, days, policy, convenant_id])
        for corp in by_kind["corporation"]:
            corp_rows.append((len(corp_rows), corp[1], corp[3], convenant_id, debt[1], debt[3], debt[4],
                              welfare[1], welfare[3], welfare[4], corp[4]))
    cur.execute(
        "CREATE TEMP TABLE corp_map (idx int PRIMARY KEY, corp_id bigint, corp_group int, convenant_id bigint,"
        " debt_id bigint, debt_group int, debt_mgroup int, welfare_id bigint, welfare_group int, welfare_mgroup int,"
        " corp_mgroup int)"
    )
    cur.executemany("INSERT INTO corp_map VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", corp_rows)
    return orgs, len(corp_rows)


# ---------------------------------------------------------------------------------------------------------------
# The bulk: tenants, cases, handovers, proposals, permissions, events — all generated inside PostgreSQL.

# h(i, salt): a well-mixed, deterministic 0..2^31 number per row (no random(): reruns give the same data).
H = "abs(hashtext(({i})::text || '{salt}'))"

CASE_SQL = """
CREATE TEMP TABLE case_src AS
SELECT i,
       {tenant_off} + i AS tenant_id,
       {case_off} + i AS case_id,
       m.*,
       (%(h_status)s %% 1000) AS b,
       (%(h_days)s) AS hd,
       (%(h_amount)s) AS ha
FROM generate_series(1, {n}) AS i
JOIN corp_map m ON m.idx = i %% {k};

CREATE TEMP TABLE case_rows AS
SELECT s.*,
  CASE WHEN b < 60 THEN 'open' WHEN b < 180 THEN 'contacting' WHEN b < 300 THEN 'arrangement'
       WHEN b < 330 THEN 'handed_over' WHEN b < 450 THEN 'with_partner' WHEN b < 455 THEN 'eviction_proposed'
       WHEN b < 800 THEN 'resolved' WHEN b < 985 THEN 'closed' ELSE 'evicted' END AS status
FROM case_src s;

CREATE TEMP TABLE case_full AS
SELECT r.*,
  (r.status IN ('open','contacting','arrangement','handed_over','with_partner','eviction_proposed')) AS is_open,
  CASE WHEN r.status IN ('open','contacting','arrangement','handed_over','with_partner','eviction_proposed')
       THEN now() - make_interval(days => (r.hd %% 150)::int, secs => (r.hd %% 86400)::int)
       ELSE now() - make_interval(days => 60 + (r.hd %% 1400)::int, secs => (r.hd %% 86400)::int) END AS opened_at,
  CASE WHEN r.status = 'with_partner' AND r.ha %% 5 = 0 THEN r.welfare_id
       WHEN r.status = 'with_partner' THEN r.debt_id
       WHEN r.status IN ('resolved','closed','evicted') AND r.ha %% 5 = 0 THEN r.debt_id
       ELSE r.corp_id END AS holder_id
FROM case_rows r;
"""


def _h(salt):
    return H.format(i="i", salt=salt)


def _load_bulk(cur, *, n, events, k, timer):
    cur.execute("SELECT coalesce(max(id), 0) FROM cases_tenant")
    tenant_off = cur.fetchone()[0]
    cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
    case_off = cur.fetchone()[0]
    sql = CASE_SQL % {"h_status": _h("s"), "h_days": _h("d"), "h_amount": _h("a")}
    cur.execute(sql.format(n=n, k=k, tenant_off=tenant_off, case_off=case_off))
    cur.execute("CREATE INDEX ON case_full (case_id)")
    cur.execute("ANALYZE case_full")
    timer.step("case plan (temp tables)")

    cur.execute("""
        INSERT INTO cases_tenant (id, contract_ref, name, street, house_number, postcode, city, phone, email,
                                  anonymised_at, created_at, corporation_id)
        SELECT tenant_id, 'BC-' || lpad(i::text, 8, '0'),
               (ARRAY['Jansen','de Vries','van den Berg','Bakker','Visser','Smit','Meijer','de Boer','Mulder',
                      'de Groot','Bos','Vos','Peters','Hendriks','van Leeuwen','Dekker','Brouwer','de Wit',
                      'Dijkstra','Smits','Yilmaz','El Amrani','Kaya','Nguyen'])[1 + ha % 24]
                 || ', ' || (ARRAY['A.','B.','C.','D.','E.','F.','G.','H.','I.','J.','K.','L.'])[1 + hd % 12],
               (ARRAY['Lasondersingel','Oldenzaalsestraat','Hengelosestraat','Haaksbergerstraat','Gronausestraat',
                      'Deurningerstraat','Van Heekstraat','Kuipersdijk'])[1 + hd % 8],
               (1 + ha % 250)::text,
               (7500 + hd % 99)::text || ' ' || chr(65 + (ha % 26)::int) || chr(65 + (hd % 26)::int),
               'Enschede', '06' || lpad((ha % 100000000)::text, 8, '0'), '', NULL, opened_at, corp_id
        FROM case_full
    """)
    timer.step(f"tenants ({n:,})")

    cur.execute("""
        INSERT INTO cases_case (id, status, previous_status, arrears_amount, months_in_arrears, monthly_rent,
            opened_at, closed_at, outcome, deadline_kind, deadline_at, first_contact_at, last_activity_at, updated_at,
            convenant_id, corporation_id, holder_id, tenant_id)
        SELECT case_id, status,
               CASE WHEN status IN ('handed_over','eviction_proposed') THEN 'contacting' ELSE '' END,
               (100 + ha % 3000)::numeric + (ha % 100) / 100.0,
               1 + ha % 6,
               (550 + hd % 350)::numeric,
               opened_at,
               CASE WHEN is_open THEN NULL ELSE opened_at + make_interval(days => 20 + (ha % 300)::int) END,
               CASE status WHEN 'resolved' THEN (CASE WHEN ha % 2 = 0 THEN 'resolved' ELSE 'arrangement_completed' END)
                           WHEN 'closed' THEN (ARRAY['moved','tenancy_ended','other'])[1 + ha % 3]
                           WHEN 'evicted' THEN 'evicted' ELSE '' END,
               CASE status WHEN 'open' THEN 'first_contact' WHEN 'contacting' THEN 'handover'
                           WHEN 'arrangement' THEN 'inactivity' WHEN 'handed_over' THEN 'pickup'
                           WHEN 'with_partner' THEN (CASE WHEN ha % 3 = 0 THEN 'partner_contact' ELSE 'inactivity' END)
                           WHEN 'eviction_proposed' THEN 'inactivity' ELSE '' END,
               CASE WHEN is_open THEN date_trunc('day', now()) + make_interval(days => (hd % 40)::int - 8,
                                                                               secs => 86399) END,
               CASE WHEN status = 'open' THEN NULL ELSE opened_at + make_interval(days => 1 + (hd % 6)::int) END,
               CASE WHEN is_open THEN least(now(), opened_at + make_interval(days => (ha % 20)::int))
                    ELSE opened_at + make_interval(days => 20 + (ha % 300)::int) END,
               now(), convenant_id, corp_id, holder_id, tenant_id
        FROM case_full ORDER BY case_id
    """)
    timer.step(f"cases ({n:,})")

    # Handovers: the open offer of a handed-over case; the accepted one of every case a partner holds.
    cur.execute("""
        INSERT INTO cases_handover (status, summary, tenant_consent, dossier, offered_at, responded_at, reason,
            by_escalation, previous_status, case_id, from_organisation_id, offered_by_id, responded_by_id,
            to_organisation_id)
        SELECT CASE WHEN status = 'handed_over' THEN 'offered' ELSE 'accepted' END,
               'Drie keer niet bereikt; huurder stemt in met overdracht.', true, '{}'::jsonb,
               opened_at + interval '20 days',
               CASE WHEN status = 'handed_over' THEN NULL ELSE opened_at + interval '22 days' END,
               '', false, 'contacting', case_id, corp_id, NULL, NULL,
               CASE WHEN status = 'handed_over' THEN debt_id ELSE holder_id END
        FROM case_full WHERE status = 'handed_over' OR holder_id <> corp_id
    """)
    cur.execute("""
        INSERT INTO cases_evictionproposal (reason, status, previous_status, proposed_at, decided_at, case_id,
            organisation_id, proposed_by_id)
        SELECT 'Huurder weigert alle hulp.', 'open', 'contacting', opened_at + interval '60 days', NULL, case_id,
               corp_id, NULL
        FROM case_full WHERE status = 'eviction_proposed'
    """)
    cur.execute("""
        INSERT INTO cases_evictionproposal_voters (evictionproposal_id, organisation_id)
        SELECT p.id, v.org FROM cases_evictionproposal p JOIN case_full f ON f.case_id = p.case_id
        CROSS JOIN LATERAL (VALUES (f.corp_id), (f.debt_id), (f.welfare_id)) AS v(org)
        WHERE p.status = 'open'
    """)
    timer.step("handovers, eviction proposals")

    # Permissions, as cases.services.access.wanted_permissions: corporation and holder view (+change while open);
    # an open offer's partner view; while an eviction is proposed, every voter's managers group view. Each row
    # with the copy of its case's state that the triggers (off during this load) would have written.
    cur.execute("SELECT codename, p.id FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id"
                " WHERE c.app_label = 'cases' AND c.model = 'case' AND codename IN ('view_case', 'change_case')")
    perm = dict(cur.fetchall())
    # The copy of the tenant's search text (migration cases/0014), when the schema has it.
    cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'cases_casegroupobjectpermission'"
                " AND column_name = 'case_search'")
    search_column, search_value, search_join = (
        (", case_search", ", cases_search_doc(t.name, t.street, t.house_number, t.postcode, t.phone, t.email,"
         " t.contract_ref)", " JOIN cases_tenant t ON t.id = c.tenant_id")
        if cur.fetchone() else ("", "", "")
    )
    cur.execute(f"""
        INSERT INTO cases_casegroupobjectpermission (content_object_id, group_id, permission_id, case_status,
                                                      case_deadline_at, case_opened_at{search_column})
        SELECT case_id, g, p, c.status, c.deadline_at, c.opened_at{search_value} FROM (
            SELECT case_id, corp_group AS g, {perm['view_case']} AS p FROM case_full
            UNION ALL SELECT case_id, corp_group, {perm['change_case']} FROM case_full WHERE is_open
            UNION ALL SELECT case_id, CASE WHEN holder_id = debt_id THEN debt_group ELSE welfare_group END,
                             {perm['view_case']} FROM case_full WHERE holder_id <> corp_id
            UNION ALL SELECT case_id, CASE WHEN holder_id = debt_id THEN debt_group ELSE welfare_group END,
                             {perm['change_case']} FROM case_full WHERE holder_id <> corp_id AND is_open
            UNION ALL SELECT case_id, debt_group, {perm['view_case']} FROM case_full WHERE status = 'handed_over'
            UNION ALL SELECT case_id, g2, {perm['view_case']} FROM case_full
                CROSS JOIN LATERAL (VALUES (corp_mgroup), (debt_mgroup), (welfare_mgroup)) AS v(g2)
                WHERE status = 'eviction_proposed'
        ) AS rows JOIN cases_case c ON c.id = rows.case_id{search_join} ORDER BY case_id
    """)
    timer.step("permission rows")

    # Events: exactly `events` in all, from 1 to 2*base-1 per case (pairs of cases balance each other).
    base, extra = divmod(events, n)
    kinds = ("'contact_attempt','contact_attempt','note','contact_attempt','arrangement','arrears_updated',"
             "'handover_offered','handover_accepted','escalated','note'")
    cur.execute(f"""
        INSERT INTO cases_caseevent (kind, at, description, data, actor_id, case_id, organisation_id)
        SELECT CASE WHEN j = 1 THEN 'opened' ELSE (ARRAY[{kinds}])[1 + (j + i) % 10] END,
               least(now(), opened_at + make_interval(days => (j - 1) * 3, secs => j)),
               CASE WHEN j = 1 THEN 'Achterstand geregistreerd' ELSE 'Gebeurtenis ' || j END,
               '{{}}'::jsonb, NULL, case_id,
               CASE WHEN j > 2 AND holder_id <> corp_id THEN holder_id ELSE corp_id END
        FROM (
            SELECT f.*, {base} + CASE WHEN i <= {extra} THEN 1 ELSE 0 END
                   + CASE WHEN {base} > 1 AND i < {n} - ({n} % 2) + 1 THEN
                         (CASE WHEN i % 2 = 1 THEN 1 ELSE -1 END)
                         * (abs(hashtext(((i + 1) / 2)::text || 'e')) % {max(base, 1)})
                     ELSE 0 END AS cnt
            FROM case_full f
        ) AS c
        CROSS JOIN LATERAL generate_series(1, greatest(c.cnt, 1)) AS j
        ORDER BY case_id, j
    """)
    timer.step(f"events ({events:,})")


def _drop_indexes(cur, tables):
    """Drop the secondary indexes and unique constraints of `tables`; return the statements that rebuild them."""
    rebuild = []
    for table in tables:
        cur.execute("""
            SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.contype = 'u'
        """, [table])
        for name, definition in cur.fetchall():
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cur.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """, [table])
        for name, definition in cur.fetchall():
            cur.execute(f"DROP INDEX {name}")
            rebuild.append(definition)
    return rebuild


# Columns that migrations added after this seed was written, NOT NULL without a database default (the model's
# default lives in Python): the load fills them with an empty value of their type, as a new row's model default
# would be for these (false, '', an empty list), and the defaults are dropped again after the load.
EMPTY_OF_TYPE = {"boolean": "false", "character varying": "''", "text": "''", "jsonb": "'[]'::jsonb"}


def _default_missing_columns(cur, tables):
    cur.execute("""
        SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_name = ANY(%s) AND is_nullable = 'NO' AND column_default IS NULL AND data_type = ANY(%s)
    """, [list(tables), list(EMPTY_OF_TYPE)])
    columns = cur.fetchall()
    for table, column, data_type in columns:
        cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {EMPTY_OF_TYPE[data_type]}')
    return [f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT' for table, column, _type in columns]


def _fix_sequences(cur, tables):
    for table in tables:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")


BIG_TABLES = ("cases_tenant", "cases_case", "cases_handover", "cases_casegroupobjectpermission", "cases_caseevent")


def seed(database="bench_main", *, cases=1_000_000, events=5_000_000, organisations=250, fresh=False) -> dict:
    """Create/migrate/load `database`; return counts and step timings. Leaves an already seeded database alone."""
    if cases < 1 or events < cases:
        raise ValueError("Need at least one case and at least one event per case.")
    timer = Timer()
    print(f"Seeding {database}: {cases:,} cases, {events:,} events, {organisations} organisations", flush=True)
    create_database(database, fresh=fresh)
    timer.step("create database")
    migrate(database)
    timer.step("migrate")
    conn = _connect(database)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        existing = cur.fetchone()[0]
    if existing:
        conn.close()
        print(f"  {database} already holds {existing:,} cases: left as it is (use --fresh to rebuild).")
        return {"database": database, "cases": existing, "skipped": True, "steps": timer.steps}
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET work_mem = '256MB'")
        # Foreign keys are enforced by triggers, and so is the permission rows' copy of their case's state: off for
        # the load; the generated rows are consistent by construction.
        cur.execute("SET session_replication_role = replica")
        _, corporations = _load_parties(cur, organisations)
        timer.step("organisations, users, convenants")
        rebuild = _drop_indexes(cur, BIG_TABLES)
        rebuild += _default_missing_columns(cur, BIG_TABLES)
        _load_bulk(cur, n=cases, events=events, k=corporations, timer=timer)
        for statement in rebuild:
            cur.execute(statement)
        timer.step(f"indexes and constraints ({len(rebuild)})")
        _fix_sequences(cur, (*BIG_TABLES, "cases_evictionproposal", "cases_evictionproposal_voters"))
        cur.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        timer.step("vacuum analyze")
        counts = {}
        for table in ("partners_organisation", "auth_user", "cases_tenant", "cases_case", "cases_caseevent",
                      "cases_casegroupobjectpermission", "cases_handover", "cases_evictionproposal"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    conn.close()
    print(f"  total {timer.total:.1f} s; rows: " + ", ".join(f"{t}={c:,}" for t, c in counts.items()), flush=True)
    return {"database": database, "counts": counts, "steps": timer.steps, "total_seconds": round(timer.total, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_main")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--organisations", type=int, default=250, help="rounded down to blocks of ten")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    seed(args.database, cases=args.cases, events=args.events, organisations=args.organisations, fresh=args.fresh)


if __name__ == "__main__":
    main()
