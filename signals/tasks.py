"""Celery tasks of the signals app: triggers only. Matching is idempotent, so a task run twice, or lost with its
worker and run again, changes nothing more."""

from celery import shared_task

from signals.matching import match_signals as match


@shared_task(name="signals.tasks.match_signals", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def match_signals() -> dict:
    """Match every signal not matched yet into its household's vroegsignaal case (signals.matching)."""
    return match().as_dict()
