"""E-mail of committed notifications, handed over once the transaction commits.

A leaf: the services give their mails here and never import the Celery tasks (the tasks import the services).
Mails that may wait (the escalation sweep's thousands) are queued for the worker by task name; a person's few
mails are sent in the process that made them. When the broker cannot take them, or Celery runs tasks eagerly,
they are sent here directly: late rather than never. A mail is [subject, body, from, [to]].
"""

import logging

from celery import current_app
from django.core.mail import send_mass_mail
from django.db import transaction

logger = logging.getLogger(__name__)

SEND_MAILS_TASK = "cases.tasks.send_mails"


def send_now(mails) -> int:
    return send_mass_mail([tuple(mail) for mail in mails], fail_silently=True)


def deliver(mails, *, queue: bool) -> None:
    if queue and not current_app.conf.task_always_eager:
        try:
            current_app.send_task(SEND_MAILS_TASK, args=[mails], retry=False)
            return
        except Exception:  # noqa: BLE001 - any broker failure: send now rather than not at all
            logger.warning("Broker unreachable: sending %d e-mails directly", len(mails))
    send_now(mails)


def send_after_commit(mails, *, queue: bool = False) -> None:
    """Send `mails` once the current transaction commits (never when it rolls back)."""
    mails = [list(mail) for mail in mails]
    if mails:
        transaction.on_commit(lambda: deliver(mails, queue=queue))
