"""Benchmark of the escalation sweep: 10,000 due deadlines among 1,000,000 open cases.

    .venv/bin/python bench/escalation_sweep.py [--database bench_escalation] [--cases 1000000] [--due 10000] [--fresh]

Self-contained (its own minimal seeder, its own database): creates the database when missing, migrates it, loads
one region (a municipality, a corporation, debt assistance, welfare; a manager each; a convenant with calendar
days) and the tenants and cases with INSERT … SELECT generate_series, with the corporation's permission rows
(2 per case, as the services write them). Every run first puts the due cases back
(so it can be repeated): 90 % of them have a passed first-contact deadline (escalation `notify`), 10 % a passed
handover deadline (escalation `handover_next`: an offer with its dossier to the chain's first partner). The rest
of the cases have deadlines in the future.

Prints: the time of the sweep (target ≤ 20 s), of an empty sweep (target ≤ 50 ms), and EXPLAIN of the due query
(an index scan on case_deadline_due_idx).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
AS_OF = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


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
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # The sweep hands its e-mails to a Celery task after each batch: a real broker, as in production.
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
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

    from cases.models import Case
    from convenants.models import Convenant
    from convenants.services import create_convenant
    from partners.models import Organisation
    from partners.services import create_organisation, set_membership

    if Case.objects.count() >= cases:
        return Organisation.objects.get(name="Bench Corporatie"), Convenant.objects.get(name="Bench Convenant")
    started = time.perf_counter()
    organisations = {
        kind: create_organisation(name=f"Bench {label}", kind=kind, municipality="Benchstad")
        for kind, label in [
            ("municipality", "Gemeente"),
            ("corporation", "Corporatie"),
            ("debt_assistance", "Schuldhulp"),
            ("welfare", "Welzijn"),
        ]
    }
    for kind, organisation in organisations.items():
        user = get_user_model().objects.create_user(f"bench-{kind}-mgr", f"{kind}@bench.example", "x")
        set_membership(user=user, organisation=organisation, role="manager")
    convenant = create_convenant(
        name="Bench Convenant",
        municipality="Benchstad",
        parties=list(organisations.values()),
        chain=[organisations["debt_assistance"], organisations["welfare"]],
        working_days=False,
        deadlines={"first_contact": 5, "handover": 30, "pickup": 5, "partner_contact": 10, "inactivity": 30},
    )
    corporation = organisations["corporation"]
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO cases_tenant (corporation_id, contract_ref, name, street, house_number, postcode, city,
                                         phone, email, created_at)
               SELECT %s, 'B-' || g, 'Huurder ' || g, 'Benchstraat', g::text, '7514 BP', 'Benchstad', '', '', now()
               FROM generate_series(1, %s) g""",
            [corporation.pk, cases],
        )
        cursor.execute(
            """INSERT INTO cases_case (tenant_id, corporation_id, holder_id, convenant_id, status, previous_status,
                                       arrears_amount, months_in_arrears, opened_at, outcome, deadline_kind,
                                       deadline_at, last_activity_at, updated_at)
               SELECT t.id, %s, %s, %s, 'contacting', '', 640, 1, %s - interval '10 days', '', 'inactivity',
                      %s + (1 + t.id %% 60) * interval '1 day', %s - interval '10 days', now()
               FROM cases_tenant t WHERE t.corporation_id = %s""",
            [corporation.pk, corporation.pk, convenant.pk, AS_OF, AS_OF, AS_OF, corporation.pk],
        )
        # The corporation's view and change rows of every case, with the copy of the case's state the triggers
        # keep (off for this load, like bench/seed.py): the sweep's case updates carry over to them.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """INSERT INTO cases_casegroupobjectpermission (content_object_id, group_id, permission_id, case_status,
                                                            case_deadline_at, case_opened_at)
               SELECT c.id, %s, p.id, c.status, c.deadline_at, c.opened_at
               FROM cases_case c CROSS JOIN auth_permission p
               JOIN django_content_type ct ON ct.id = p.content_type_id
               WHERE ct.app_label = 'cases' AND p.codename IN ('view_case', 'change_case')""",
            [corporation.group_id],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {cases:,} cases in {time.perf_counter() - started:.1f} s")
    return corporation, convenant


def reset_due(corporation, due):
    """Remove what an earlier run wrote and make `due` cases due again (every (N/due)th case)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_escalation, cases_caseevent, cases_notification, cases_handover")
        cursor.execute("DELETE FROM cases_casegroupobjectpermission WHERE group_id <> %s", [corporation.group_id])
        cursor.execute("SELECT min(id), count(*) FROM cases_case")
        first, total = cursor.fetchone()
        step = total // due
        cursor.execute(
            """UPDATE cases_case SET status = 'contacting', holder_id = %s, previous_status = '',
                   first_contact_at = NULL,
                   deadline_kind = CASE WHEN (id - %s) %% (%s * 10) = 0 THEN 'handover' ELSE 'first_contact' END,
                   deadline_at = %s - interval '1 hour' - ((id - %s) %% 997) * interval '1 minute',
                   last_activity_at = %s - interval '10 days'
               WHERE (id - %s) %% %s = 0""",
            [corporation.pk, first, step, AS_OF, first, AS_OF, first, step],
        )
        updated = cursor.rowcount
        cursor.execute("SELECT count(*) FROM cases_case WHERE deadline_at <= %s", [AS_OF])
        assert cursor.fetchone()[0] == updated, "only the reset cases may be due"
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
    return updated


def explain(analyze):
    from django.db import transaction

    from cases.services.escalation import Sweep

    with transaction.atomic():
        sweep = Sweep(AS_OF)
        from cases.models import Case

        query = (
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(deadline_at__lte=sweep.as_of)
            .select_related("tenant")
            .order_by("deadline_at")[:200]
        )
        plan = query.explain(analyze=analyze, buffers=analyze)
        transaction.set_rollback(True)
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_escalation")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    create_database(args.database, args.fresh)
    setup_django(args.database)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from cases.models import Escalation
    from cases.services.escalation import escalate_overdue

    corporation, _convenant = seed(args.cases)
    due = reset_due(corporation, args.due)
    print(f"\n{due:,} due among {args.cases:,} open cases; batch size {settings.ESCALATION_BATCH_SIZE}; as of {AS_OF}")
    print("\nEXPLAIN of the due query (the sweep's batch):")
    print(explain(analyze=False))

    started = time.perf_counter()
    escalated = escalate_overdue(as_of=AS_OF)
    took = time.perf_counter() - started
    by_action = dict(Escalation.objects.values_list("action").annotate(n=Count("id")))
    print(f"\nsweep: {escalated:,} escalated in {took:.2f} s ({escalated / took:,.0f}/s) {by_action}  "
          f"[target ≤ 20 s] {'OK' if took <= 20 else 'OVER'}")
    assert escalated == due, (escalated, due)

    timings = []
    for _ in range(7):
        started = time.perf_counter()
        assert escalate_overdue(as_of=AS_OF) == 0
        timings.append((time.perf_counter() - started) * 1000)
    empty = statistics.median(timings)
    print(f"empty sweep: median {empty:.1f} ms of 7 (min {min(timings):.1f}) [target ≤ 50 ms] "
          f"{'OK' if empty <= 50 else 'OVER'}")
    print("\nEXPLAIN ANALYZE of the due query with nothing due:")
    print(explain(analyze=True))
    connection.close()
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete("celery")  # the queued mail tasks: no worker here


if __name__ == "__main__":
    main()
