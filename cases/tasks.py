"""Celery tasks of the cases app. They are triggers only: the deadlines and retention dates live in the database,
so every task is idempotent, may run twice or concurrently (the sweep locks with SKIP LOCKED), and a task lost
with its worker is simply run again (acks_late + reject_on_worker_lost) or caught up by the next beat.

Tasks import the services, never the reverse: a service that has e-mail to send hands it to cases.outbox, which
queues `send_mails` by its name."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from cases import outbox
from cases.dashboard import warm_snapshots
from cases.services.access import purge_old_access_log as purge_access_log
from cases.services.escalation import escalate_overdue as sweep
from cases.services.followups import send_task_digests as digests
from cases.services.pausing import resume_expired_pauses as resume_pauses
from cases.services.privacy import anonymise

# Stop starting new batches well before the soft time limit (settings.CELERY_TASK_SOFT_TIME_LIMIT, 240 s);
# what is left is taken by the next beat, five minutes later.
SWEEP_BUDGET_SECONDS = 180


@shared_task(name="cases.tasks.escalate_overdue", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def escalate_overdue(as_of: str | None = None) -> int:
    """The escalation sweep. `as_of` (ISO 8601, optional) runs it as of that moment."""
    moment = parse_datetime(as_of) if as_of else None
    if as_of and (moment is None or moment.tzinfo is None):
        raise ValueError(f"as_of must be an ISO 8601 datetime with offset, got {as_of!r}")
    return sweep(as_of=moment, max_seconds=SWEEP_BUDGET_SECONDS)


@shared_task(name="cases.tasks.resume_expired_pauses", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def resume_expired_pauses() -> int:
    """Start the clock again, as the system, of every case whose pause reached its end date (cases.services.pausing).
    The number of cases resumed."""
    return resume_pauses()


@shared_task(
    name="cases.tasks.anonymise_expired_cases", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def anonymise_expired_cases() -> int:
    """What `manage.py anonymise` does (DESIGN.md, Privacy): expired cases, signals without case past their own
    retention, tenants and households nothing needs. The number of cases anonymised."""
    return len(anonymise().cases)


@shared_task(name="cases.tasks.purge_old_access_log", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def purge_old_access_log() -> int:
    """Delete access log rows past settings.ACCESS_LOG_RETENTION_DAYS (DESIGN.md, Privacy)."""
    return purge_access_log()


@shared_task(name=outbox.SEND_MAILS_TASK, ignore_result=True)
def send_mails(mails: list) -> int:
    """E-mails of committed notifications: [[subject, body, from, [to]], …]. At most once per message is not
    promised (a redelivered task sends again); the in-app notification is the record."""
    return outbox.send_now(mails)


@shared_task(
    name="cases.tasks.warm_dashboard_snapshots",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=540,
    time_limit=600,
)
def warm_dashboard_snapshots() -> int:
    """Recompute every manager organisation's default dashboard, so the page answers from the snapshot."""
    return warm_snapshots()


@shared_task(name="cases.tasks.send_task_digests", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_task_digests(as_of: str | None = None) -> int:
    """The morning digest of follow-up tasks: one notification per person with their tasks of the day, once a
    day (a second run sends nothing). `as_of` (ISO 8601 with offset, optional) runs it as of that moment."""
    moment = parse_datetime(as_of) if as_of else None
    if as_of and (moment is None or moment.tzinfo is None):
        raise ValueError(f"as_of must be an ISO 8601 datetime with offset, got {as_of!r}")
    return digests(now=moment)
