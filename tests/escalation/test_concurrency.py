"""Exactly once under concurrency and crashes: a real Celery worker on Redis, two sweeps in two processes, and a
worker killed with SIGKILL in the middle of a sweep. The processes use the test database (committed data:
transaction=True) and this suite's Redis database."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from cases import services
from cases.models import Case, CaseEvent, Escalation, EventKind, Handover
from cases.tasks import escalate_overdue
from config.celery import app
from tests.factories import CaseFactory

from .conftest import assert_each_escalated_once, at, due_cases

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
WAIT = 180  # seconds: an upper bound for a loaded machine, never a timing assertion


def wait_for(condition, what, timeout=WAIT, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: a process ended early ({process.returncode})")
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def broker():
    # This process sends the tasks: its Celery app must point at this suite's broker, whatever an earlier test
    # left in its configuration (the broker-down test swaps it).
    app.conf.broker_url, app._pool, app.amqp._producer_pool = settings.CELERY_BROKER_URL, None, None
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()  # this suite's own Redis database: no message of an earlier run may linger
    yield client
    client.flushdb()


@pytest.fixture
def workers(worker_env, tmp_path):
    started = []

    def start(**extra_env):
        env = {**worker_env, **extra_env}
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115 - closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"esc-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def waiting_backends():
    """Other sessions of the test database that wait for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_real_worker_runs_the_sweep(region, broker, workers):
    cases = [CaseFactory(corporation=region.corporation, opened_at=at(2)) for _ in range(3)]
    workers()
    escalate_overdue.apply_async(kwargs={"as_of": at(9).isoformat()})
    wait_for(lambda: Escalation.objects.count() == 3, "the worker's sweep")
    assert_each_escalated_once([case.pk for case in cases])
    assert set(Escalation.objects.values_list("escalated_at", flat=True)) == {at(9)}
    # The same task again (a redelivery, a second beat) changes nothing.
    escalate_overdue.apply_async(kwargs={"as_of": at(9).isoformat()})
    escalate_overdue.apply_async(kwargs={"as_of": at(9).isoformat()})
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, "the queue to drain")
    assert Escalation.objects.count() == 3


def test_two_sweeps_in_two_processes_escalate_each_case_once(region, worker_env, tmp_path):
    cases = due_cases(region, 1000, opened_at=at(2))
    ids = [case.pk for case in cases]
    command = [sys.executable, "manage.py", "escalate_overdue", "--as-of", at(9).isoformat(), "--batch-size", "50"]
    manager = get_user_model().objects.get(pk=region.corporation_manager.pk)
    # Hold the corporation manager's row: both sweeps block when they commit their first batch (the notification's
    # foreign key), so they provably run at the same time, each with its own locked batch.
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=manager.pk)
        logs = [(open(tmp_path / f"out{n}", "w+"), open(tmp_path / f"err{n}", "w+")) for n in range(2)]  # noqa: SIM115
        processes = [
            subprocess.Popen(command, cwd=BASE_DIR, env=worker_env, stdout=out, stderr=err, start_new_session=True)
            for out, err in logs
        ]
        try:
            wait_for(lambda: waiting_backends() == 2, "both sweeps to hold a batch", processes=processes)
        except AssertionError:
            for process in processes:
                os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError([(tmp_path / f"err{n}").read_text()[-3000:] for n in range(2)]) from None
    for process in processes:
        process.wait(timeout=WAIT)
    outputs = [((tmp_path / f"out{n}").read_text(), (tmp_path / f"err{n}").read_text()) for n in range(2)]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    counts = [int(re.search(r"^(\d+) escalated", out, re.M).group(1)) for out, _err in outputs]
    assert sum(counts) == 1000 and all(count >= 50 for count in counts)
    assert_each_escalated_once(ids)
    assert Escalation.objects.values("case_id", "deadline_kind", "deadline_at").distinct().count() == 1000


def test_worker_killed_mid_sweep_leaves_nothing_half_done(region, broker, workers):
    batch = 10
    cases = [CaseFactory(corporation=region.corporation, opened_at=at(1)) for _ in range(3 * batch)]
    for number, case in enumerate(cases):
        services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True, now=at(2))
        # Distinct due moments fix the order in which the sweep takes them (by deadline).
        Case.objects.filter(pk=case.pk).update(deadline_at=at(8) + timedelta(minutes=number))
    blocker = Handover.objects.get(case=cases[batch + 1], status="offered")

    worker = workers(ESCALATION_BATCH_SIZE=str(batch))
    with transaction.atomic():
        # The second batch escalates its first case (withdraws its offer, offers it onward, moves its deadline)
        # and then waits for this lock on its second case's offer: the worker is killed inside that transaction.
        Handover.objects.select_for_update().get(pk=blocker.pk)
        escalate_overdue.apply_async(kwargs={"as_of": at(9).isoformat()})
        wait_for(lambda: waiting_backends() == 1, "the sweep to reach the second batch")
        assert Escalation.objects.count() == batch  # the first batch is committed, the second is not
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    wait_for(lambda: waiting_backends() == 0, "the killed worker's database session to end")
    time.sleep(0.5)

    escalated = set(Escalation.objects.values_list("case_id", flat=True))
    assert escalated == {case.pk for case in cases[:batch]}
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        offers = list(Handover.objects.filter(case=case).order_by("id").values_list("status", "to_organisation_id"))
        events = CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATED).count()
        if case.pk in escalated:  # all of it
            assert offers == [("withdrawn", region.debt_assistance.pk), ("offered", region.welfare.pk)]
            assert events == 1 and case.deadline_kind == "pickup" and case.deadline_at > at(9)
        else:  # none of it
            assert offers == [("offered", region.debt_assistance.pk)]
            assert events == 0 and case.deadline_at < at(9)

    # The next sweep (a new worker) finishes the rest, without duplicates.
    workers(ESCALATION_BATCH_SIZE=str(batch))
    escalate_overdue.apply_async(kwargs={"as_of": at(9).isoformat()})
    wait_for(lambda: Escalation.objects.count() == 3 * batch, "the next sweep")
    assert set(Escalation.objects.values_list("case_id", flat=True)) == {case.pk for case in cases}
    assert Handover.objects.filter(status="offered", to_organisation=region.welfare).count() == 3 * batch
    assert CaseEvent.objects.filter(kind=EventKind.ESCALATED).count() == 3 * batch
