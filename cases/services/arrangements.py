"""Payment arrangements (betalingsregelingen): agree one, its schedule of instalments, record an instalment paid or
missed, change the terms (a new version), stop it with a reason (DESIGN.md, Case lifecycle; docs/api-additions.md
"Payment arrangements (v1.1)").

- The schedule: `months` instalments of `monthly_amount`, the first on `start_date`, then monthly on the same day
  of the month (the month's last day where the month is shorter: a start on 31 January falls due on 28/29
  February, 31 March, 30 April, …).
- Agreeing or changing terms whose total (monthly amount × months) is below the case's arrears needs
  `confirm_below_arrears`: without it the CaseError names both amounts (field `confirm_below_arrears`).
- Paid: the instalment is paid (on `paid_on`, default today); paying the last due one completes the arrangement.
  The case keeps its status: the holder closes it (outcome `arrangement_completed`) once the arrears are settled.
- Missed: the instalment (default the earliest due one) is missed, the arrangement is broken ("Not kept") and the
  case goes back to contacting, as in version 1.
- Change: the running arrangement becomes CHANGED, keeps its paid instalments (its unpaid ones are dropped) and is
  replaced by a new version with the new terms (by default the old amount, the number of unpaid instalments and
  the first unpaid due date). The case stays in `arrangement`.
- Stop: the running arrangement is STOPPED with a reason (required) and the date; its schedule stays as it was.
  The case goes back to contacting: the holder works it on (a new arrangement, a handover, closing).

Who may do it and from which status is the policy's (RECORD_PAID, CHANGE_ARRANGEMENT, STOP_ARRANGEMENT,
RECORD_MISSED, ARRANGE); that the arrangement still runs is policy.check_arrangement.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

from ..models import Arrangement, ArrangementStatus, EventKind, Instalment, InstalmentStatus
from ..policy import Action, check_arrangement
from ..texts import Text, euro
from ._common import CaseError, case_change, money
from .casework import move

MAX_MONTHS = 120


def due_date(start: date, index: int) -> date:
    """The due date of instalment `index` (0 = the first): `index` months after `start`, on the same day of the
    month or the month's last day."""
    month_index = start.year * 12 + (start.month - 1) + index
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def schedule(start: date, months: int, amount) -> list[tuple[int, date, Decimal]]:
    """(number, due date, amount) of every instalment."""
    return [(index + 1, due_date(start, index), amount) for index in range(months)]


def add_schedule(arrangement: Arrangement) -> list[Instalment]:
    return Instalment.objects.bulk_create(
        [
            Instalment(arrangement=arrangement, number=number, due_date=due, amount=amount)
            for number, due, amount in schedule(arrangement.start_date, arrangement.months, arrangement.monthly_amount)
        ]
    )


# --- the terms -------------------------------------------------------------------------------------------------


def _months(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise CaseError(_("Enter a whole number of months."), field="months") from None
    if months < 1 or months > MAX_MONTHS:
        raise CaseError(_("An arrangement runs for 1 to 120 months."), field="months")
    return months


def _start(value, now) -> date:
    if not isinstance(value, date):
        raise CaseError(_("Enter a valid date."), field="start_date")
    today = timezone.localdate(now)
    if value < today - timedelta(days=62) or value > today + timedelta(days=366):
        raise CaseError(
            _("The first instalment must fall between two months ago and one year ahead."), field="start_date"
        )
    return value


def _below_arrears(case, amount, months, confirmed) -> None:
    total = amount * months
    if total < case.arrears_amount and not confirmed:
        raise CaseError(
            _("The arrangement's total %(total)s is below the arrears of %(arrears)s. Confirm that you agree it "
              "anyway.") % {"total": euro(total), "arrears": euro(case.arrears_amount)},
            field="confirm_below_arrears",
        )


def _terms_event(change, kind, arrangement, description):
    change.event(
        kind,
        description,
        arrangement=arrangement.pk,
        monthly_amount=str(arrangement.monthly_amount),
        months=arrangement.months,
        start_date=arrangement.start_date.isoformat(),
        version=arrangement.version,
    )


def _terms_text(amount, months, start):
    return Text(ngettext_lazy("€ %(amount)s per month, %(months)s month, from %(start)s",
                              "€ %(amount)s per month, %(months)s months, from %(start)s", "months"),
                plural_by="months", amount=amount, months=months, start=start)


def agree_arrangement(user, case, *, monthly_amount, start_date, months, confirm_below_arrears=False,
                      now=None) -> Arrangement:
    """A payment arrangement with its schedule; the case goes to `arrangement`."""
    with case_change(user, case, Action.ARRANGE, now=now) as change:
        amount = money(monthly_amount, "monthly_amount", positive=True)
        months = _months(months)
        start_date = _start(start_date, change.now)
        _below_arrears(change.case, amount, months, confirm_below_arrears)
        arrangement = Arrangement.objects.create(
            case=change.case, organisation=change.actor.organisation, created_by=change.actor.user,
            monthly_amount=amount, start_date=start_date, months=months,
        )
        add_schedule(arrangement)
        move(change, Action.ARRANGE)
        _terms_event(change, EventKind.ARRANGEMENT, arrangement, _terms_text(amount, months, start_date))
        return arrangement


def _locked(arrangement) -> Arrangement:
    """The arrangement row again, locked, after its case (the order every arrangement service locks in)."""
    return Arrangement.objects.select_for_update().get(pk=arrangement.pk)


def _instalment(arrangement, number) -> Instalment:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise CaseError(_("Choose an instalment."), field="number") from None
    instalment = arrangement.instalments.select_for_update().filter(number=number).first()
    if instalment is None:
        raise CaseError(_("This arrangement has no instalment %(number)s.") % {"number": number}, field="number")
    if instalment.status != InstalmentStatus.DUE:
        raise CaseError(
            _("Instalment %(number)s is already recorded as %(status)s.")
            % {"number": number, "status": instalment.get_status_display().lower()},
            field="number", conflict=True,
        )
    return instalment


def record_instalment_paid(user, arrangement, number, *, paid_on=None, now=None) -> Arrangement:
    """Instalment `number` is paid; the last due one paid completes the arrangement."""
    with case_change(user, arrangement.case_id, Action.RECORD_PAID, now=now) as change:
        arrangement = _locked(arrangement)
        check_arrangement(change.actor, change.case, arrangement, Action.RECORD_PAID, relations=change.relations)
        instalment = _instalment(arrangement, number)
        today = timezone.localdate(change.now)
        paid_on = paid_on or today
        if not isinstance(paid_on, date):
            raise CaseError(_("Enter a valid date."), field="paid_on")
        if paid_on > today:
            raise CaseError(_("A payment cannot be in the future."), field="paid_on")
        instalment.status, instalment.paid_on = InstalmentStatus.PAID, paid_on
        instalment.recorded_by, instalment.recorded_at = change.actor.user, change.now
        instalment.save(update_fields=["status", "paid_on", "recorded_by", "recorded_at"])
        change.event(
            EventKind.INSTALMENT_PAID,
            Text(gettext_noop("Instalment %(number)s (€ %(amount)s) paid on %(day)s"), number=instalment.number,
                 amount=instalment.amount, day=paid_on),
            arrangement=arrangement.pk, number=instalment.number, amount=str(instalment.amount),
            paid_on=paid_on.isoformat(),
        )
        if not arrangement.instalments.filter(status=InstalmentStatus.DUE).exists():
            arrangement.status, arrangement.ended_on = ArrangementStatus.COMPLETED, paid_on
            arrangement.save(update_fields=["status", "ended_on"])
            change.event(EventKind.ARRANGEMENT, Text(gettext_noop("Payment arrangement completed")),
                         arrangement=arrangement.pk,
                         status=ArrangementStatus.COMPLETED)
        return arrangement


def record_missed_installment(user, case, *, note="", number=None, now=None) -> Arrangement:
    """The tenant missed instalment `number` (default: the earliest due one) of the running arrangement: it is
    broken and the case goes back to contacting."""
    with case_change(user, case, Action.RECORD_MISSED, now=now) as change:
        arrangement = change.case.arrangements.select_for_update().filter(status=ArrangementStatus.ACTIVE).first()
        if arrangement is None:
            raise CaseError(_("This case has no active payment arrangement."))
        if number in (None, ""):
            instalment = arrangement.instalments.select_for_update().filter(status=InstalmentStatus.DUE).first()
        else:
            instalment = _instalment(arrangement, number)
        if instalment is not None:
            instalment.status = InstalmentStatus.MISSED
            instalment.recorded_by, instalment.recorded_at = change.actor.user, change.now
            instalment.save(update_fields=["status", "recorded_by", "recorded_at"])
        arrangement.status = ArrangementStatus.BROKEN
        arrangement.missed_installments += 1
        arrangement.ended_on = timezone.localdate(change.now)
        arrangement.save(update_fields=["status", "missed_installments", "ended_on"])
        move(change, Action.RECORD_MISSED)
        change.event(EventKind.INSTALLMENT_MISSED, note, arrangement=arrangement.pk,
                     number=instalment.number if instalment else None)
        return arrangement


def change_arrangement(user, arrangement, *, monthly_amount=None, months=None, start_date=None,
                       confirm_below_arrears=False, now=None) -> Arrangement:
    """New terms for the running arrangement: a new version replaces it; the old one keeps its paid instalments."""
    with case_change(user, arrangement.case_id, Action.CHANGE_ARRANGEMENT, now=now) as change:
        old = _locked(arrangement)
        check_arrangement(change.actor, change.case, old, Action.CHANGE_ARRANGEMENT, relations=change.relations)
        unpaid = list(old.instalments.filter(status=InstalmentStatus.DUE))
        amount = old.monthly_amount if monthly_amount in (None, "") else money(
            monthly_amount, "monthly_amount", positive=True)
        months = (len(unpaid) or old.months) if months in (None, "") else _months(months)
        if start_date in (None, ""):
            start_date = unpaid[0].due_date if unpaid else old.start_date
        else:
            start_date = _start(start_date, change.now)
        if (amount, months, start_date) == (old.monthly_amount, len(unpaid), unpaid[0].due_date if unpaid else None):
            raise CaseError(_("These are the current terms: change the amount, the months or the start."),
                            field="monthly_amount")
        _below_arrears(change.case, amount, months, confirm_below_arrears)
        today = timezone.localdate(change.now)
        old.status, old.ended_on = ArrangementStatus.CHANGED, today
        old.save(update_fields=["status", "ended_on"])
        old.instalments.filter(status=InstalmentStatus.DUE).delete()
        new = Arrangement.objects.create(
            case=change.case, organisation=change.actor.organisation, created_by=change.actor.user,
            monthly_amount=amount, start_date=start_date, months=months, version=old.version + 1, replaces=old,
        )
        add_schedule(new)
        _terms_event(change, EventKind.ARRANGEMENT_CHANGED, new, _terms_text(amount, months, start_date))
        return new


def stop_arrangement(user, arrangement, *, reason, now=None) -> Arrangement:
    """Stop the running arrangement with a reason; the case goes back to contacting."""
    with case_change(user, arrangement.case_id, Action.STOP_ARRANGEMENT, now=now) as change:
        arrangement = _locked(arrangement)
        check_arrangement(change.actor, change.case, arrangement, Action.STOP_ARRANGEMENT,
                          relations=change.relations)
        reason = (reason or "").strip()
        if not reason:
            raise CaseError(_("Give the reason for stopping the arrangement."), field="reason")
        arrangement.status = ArrangementStatus.STOPPED
        arrangement.ended_on = timezone.localdate(change.now)
        arrangement.end_reason = reason
        arrangement.save(update_fields=["status", "ended_on", "end_reason"])
        move(change, Action.STOP_ARRANGEMENT)
        change.event(EventKind.ARRANGEMENT_STOPPED, reason, arrangement=arrangement.pk)
        return arrangement
