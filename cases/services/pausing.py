"""Pausing the clock (opschorten; DESIGN.md "Deadlines and escalation", API.md 1.1 pause / resume).

The holder pauses the case's active deadline with a reason from the convenant's list (`Convenant.pause_reasons`,
a code) until a date, at most `Convenant.max_pause_days` days after today; each pause on its own (after a resume
the holder may pause again). The clock runs again from the start of that date (`pause_end`): the beat task
`resume_expired_pauses` resumes such cases as the system, or the holder resumes earlier by hand.

While paused the case carries no deadline, so the escalation sweep does not see it (deadlines.recompute_deadline
keeps it so through every change made meanwhile). A resume adds the pause to `Case.pauses`; every later
recompute moves the deadlines that ran during a pause on by its days (working days when the convenant counts
working days), so the shift is never lost. A pickup deadline (an offer waiting for a partner) cannot be paused,
and resume only while paused: both are conditions of the policy (cases.policy, PAUSE and RESUME).
"""

import json
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from convenants.deadlines import AMSTERDAM

from ..models import OPEN_STATUSES, Case, EventKind
from ..policy import Action, Actor, CaseError
from ..texts import Text
from ._common import case_change


def pause_end(case) -> datetime | None:
    """When the clock of a paused case runs again: the start of its `paused_until` day (Dutch local time)."""
    if case.paused_until is None:
        return None
    return datetime.combine(case.paused_until, time(0, 0), tzinfo=AMSTERDAM)


def latest_until(convenant, today) -> date:
    return date.fromordinal(today.toordinal() + convenant.max_pause_days)


def _until(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        parsed = parse_date(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CaseError(_("Enter the date the pause ends (YYYY-MM-DD)."), field="until")
    return parsed


def pause_case(user, case, *, reason, until, now=None) -> Case:
    """Pause the clock of `case` until the date `until` with `reason` (a code of the convenant's list). The policy
    decides first (the holder; not a pickup deadline; not while paused); then the input: CaseError on "reason"
    or "until" (a later day than today, at most the convenant's max_pause_days from today)."""
    with case_change(user, case, Action.PAUSE, now=now) as change:
        case = change.case
        convenant = case.convenant
        reasons = dict(convenant.pause_reason_choices())
        if not isinstance(reason, str) or reason not in reasons:
            raise CaseError(_("Choose a reason from the covenant's list."), field="reason")
        until = _until(until)
        today = timezone.localdate(change.now)
        if until <= today:
            raise CaseError(_("The pause ends on a later day than today."), field="until")
        if until > latest_until(convenant, today):
            days = convenant.max_pause_days
            raise CaseError(
                ngettext(
                    "A pause lasts at most %(days)s day: until %(date)s at the latest.",
                    "A pause lasts at most %(days)s days: until %(date)s at the latest.",
                    days,
                ) % {"days": days, "date": date_format(latest_until(convenant, today), "j F Y")},
                field="until",
            )
        change.set(paused_at=change.now, paused_until=until, pause_reason=reason)
        change.event(
            EventKind.PAUSED,
            Text(gettext_noop("Clock paused until %(date)s (%(reason)s)"), date=until, reason=reasons[reason]),
            reason=reason,
            until=until.isoformat(),
        )
        return case


def resume_case(user, case, *, now=None) -> Case:
    """Start the clock of a paused case again (the holder, or the system when the pause ends). The pause counts
    until now, or until its end date when that came first; the deadline moves on by its days."""
    automatic = isinstance(user, Actor) and user.is_system
    with case_change(user, case, Action.RESUME, now=now) as change:
        case = change.case
        end = max(case.paused_at, min(change.now, pause_end(case) or change.now))
        pauses = [*json.loads(case.pauses or "[]"), [case.paused_at.isoformat(), end.isoformat()]]
        change.set(paused_at=None, paused_until=None, pause_reason="", pauses=json.dumps(pauses))
        change.event(
            EventKind.RESUMED,
            Text(gettext_noop("Clock resumed: the pause has ended") if automatic else gettext_noop("Clock resumed")),
            organisation=case.holder if automatic else None,
            automatic=automatic,
        )
        if automatic and case.assigned_to_id:
            change.notify([case.assigned_to], Text(gettext_noop("The clock of case #%(id)s runs again"), id=case.pk))
        return case


def resume_expired_pauses(*, now=None) -> int:
    """Resume, as the system, every open case whose pause has reached its end date; the number resumed. Each case
    in its own transaction; a case resumed meanwhile by hand is passed over (idempotent, safe to run twice)."""
    now = now or timezone.now()
    due = Case.objects.filter(
        paused_at__isnull=False, paused_until__lte=timezone.localdate(now), status__in=OPEN_STATUSES
    ).order_by("paused_until", "pk").values_list("pk", flat=True)
    resumed = 0
    for pk in list(due):
        try:
            resume_case(Actor.system(), pk, now=now)
        except (CaseError, Case.DoesNotExist):
            continue
        resumed += 1
    return resumed
