"""Follow-up tasks on a case (issue 16): "terugbellen op donderdag 10:00", "loonstroken opvragen".

A task belongs to the organisation that held the case when it was set (`FollowUp.organisation`) and is given to a
member of it: the case's assigned caseworker by default, else whoever sets it. Setting, finishing and reopening go
through `case_change` (one transaction, the policy's ADD_TASK / COMPLETE_TASK, a timeline event); the assignee is
told when somebody else gives them a task. Each morning `send_task_digests` tells every person their tasks of the
day, once (TaskDigest); a task counts only while its organisation still holds the open case (ACTIONABLE), so a
partner that left the case hears nothing of it.
"""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy

from .. import policy
from ..models import OPEN_STATUSES, EventKind, FollowUp, TaskDigest
from ..policy import Action, CaseError
from ..texts import Text
from ._common import case_change
from .notifications import Outbox, case_path

MAX_TEXT = 1000

# Open tasks whose organisation still holds the open case: what the worklist's top section and the digest show.
ACTIONABLE = Q(done_at__isnull=True, case__status__in=OPEN_STATUSES, case__holder_id=F("organisation_id"))


def day_bounds(day):
    """[start, end) of a Dutch calendar day as aware moments (a DST day has 23 or 25 hours)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _assignee(value):
    if value is None or isinstance(value, get_user_model()):
        return value
    try:
        return get_user_model().objects.get(pk=int(value))
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        raise CaseError(_("Choose a member of the organisation that holds the case."), field="assigned_to") from None


def default_assignee(case, actor):
    """The case's caseworker when they are (still) an active member of the holder, else whoever sets the task."""
    assigned = case.assigned_to if case.assigned_to_id else None
    if assigned is not None and assigned.is_active and getattr(
        getattr(assigned, "membership", None), "organisation_id", None
    ) == case.holder_id:
        return assigned
    return actor.user


def _clean(text, due_at, now):
    text = (text or "").strip()
    if not text:
        raise CaseError(_("Describe the task."), field="text")
    if len(text) > MAX_TEXT:
        raise CaseError(_("A task has at most %(max)s characters.") % {"max": MAX_TEXT}, field="text")
    if due_at is None:
        raise CaseError(_("Choose when the task is due."), field="due_at")
    try:
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
        due_at = due_at.astimezone(UTC)  # an offset such as -22:42 parses, but PostgreSQL refuses it
    except (OverflowError, ValueError):
        raise CaseError(_("Enter a date between 1900 and 2999."), field="due_at") from None
    if due_at.year > 2999:
        raise CaseError(_("Enter a date between 1900 and 2999."), field="due_at")
    if timezone.localdate(due_at) < timezone.localdate(now):
        raise CaseError(_("A task is due today or later."), field="due_at")
    return text, due_at


def add_task(user, case, *, text, due_at, assigned_to=None, now=None) -> FollowUp:
    """Set a task on `case` for `assigned_to` (a user or their id; default: the case's caseworker, else `user`),
    due at `due_at` (an aware date-time). policy ADD_TASK; the assignee must be a member of the holder."""
    now = now or timezone.now()
    text, due_at = _clean(text, due_at, now)
    target = _assignee(assigned_to)
    with case_change(user, case, Action.ADD_TASK, now=now) as change:
        case, actor = change.case, change.actor
        target = target or default_assignee(case, actor)
        policy.check_task_assignee(actor, case, target, relations=change.relations)
        task = FollowUp.objects.create(
            case=case, organisation_id=case.holder_id, text=text, due_at=due_at, assigned_to=target,
            created_by=actor.user, created_at=now,
        )
        change.event(EventKind.TASK_ADDED, text, task=task.pk, assigned_to=target.pk, due_at=due_at.isoformat())
        if actor.user is None or actor.user.pk != target.pk:
            change.notify([target], Text(gettext_noop("A follow-up task for you on case #%(id)s"), id=case.pk))
        return task


def _locked_task(task):
    task_id = task.pk if isinstance(task, FollowUp) else int(task)

    def lock(case, actor, relations):
        found = FollowUp.objects.select_for_update().filter(pk=task_id, case_id=case.pk).first()
        if found is None:
            raise FollowUp.DoesNotExist("FollowUp matching query does not exist.")
        found.case = case
        return found

    return task_id, lock


def _case_of(task):
    if isinstance(task, FollowUp):
        return task.case_id
    return FollowUp.objects.values_list("case_id", flat=True).get(pk=int(task))


def complete_task(user, task, *, now=None) -> FollowUp:
    """Mark `task` done (policy COMPLETE_TASK; only the holder's own tasks). Done already: a conflict (409)."""
    return _set_done(user, task, done=True, now=now)


def reopen_task(user, task, *, now=None) -> FollowUp:
    """Open a done task again (policy COMPLETE_TASK). Open already: a conflict (409)."""
    return _set_done(user, task, done=False, now=now)


def _set_done(user, task, *, done, now):
    _task_id, lock = _locked_task(task)
    with case_change(user, _case_of(task), Action.COMPLETE_TASK, now=now, subject=lock) as change:
        task = change.subject
        policy.check_task(change.actor, change.case, task, relations=change.relations)
        if task.is_done == done:
            message = _("This task is already done.") if done else _("This task is open already.")
            raise CaseError(message, conflict=True)
        task.done_at = change.now if done else None
        task.done_by = change.actor.user if done else None
        task.save(update_fields=["done_at", "done_by"])
        change.event(EventKind.TASK_DONE if done else EventKind.TASK_REOPENED, task.text, task=task.pk)
        return task


# --- the morning digest ----------------------------------------------------------------------------------------


def _digest_line(due_at, case_id):
    return _("%(time)s case #%(case)s: %(link)s") % {
        "time": timezone.localtime(due_at).strftime("%H:%M"), "case": case_id, "link": case_path(case_id),
    }


def send_task_digests(*, now=None) -> int:
    """One notification per person with their open tasks due today (Dutch date of `now`), of cases their
    organisation still holds; nothing to someone without such tasks. A second run on the same day sends nothing
    (TaskDigest, unique per person and day). The number of digests sent."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    start, end = day_bounds(day)
    due = (
        FollowUp.objects.filter(ACTIONABLE, due_at__gte=start, due_at__lt=end, assigned_to__is_active=True,
                                assigned_to__membership__organisation_id=F("organisation_id"))
        .order_by("assigned_to_id", "due_at", "id")
        .values_list("assigned_to_id", "due_at", "case_id")
    )
    per_user: dict[int, list] = {}
    for user_id, due_at, case_id in due:
        per_user.setdefault(user_id, []).append((due_at, case_id))
    users = get_user_model().objects.only("pk", "email").in_bulk(list(per_user))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, tasks in per_user.items():
            with transaction.atomic():
                _digest, created = TaskDigest.objects.get_or_create(
                    user_id=user_id, day=day, defaults={"sent_at": now, "tasks": len(tasks)}
                )
                if not created:
                    continue
                subject = Text(ngettext_lazy("Your follow-up task for today",
                                             "Your %(count)s follow-up tasks for today", "count"),
                               plural_by="count", count=len(tasks))
                outbox = Outbox(queue_mails=True)
                outbox.add([users[user_id]], subject=subject,
                           body="\n".join(_digest_line(due_at, case_id) for due_at, case_id in tasks), now=now)
                outbox.flush()
                sent += 1
    return sent
