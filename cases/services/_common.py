"""What every case service shares: who acts, the case lock, the timeline event, the business error."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction

from ..models import Case, CaseEvent
from ..policy import Actor, CaseError, actor_of  # noqa: F401 - re-exported for the services


def lock_case(case) -> Case:
    """The case row, locked for this transaction, with what the services read beside it.

    The lock is taken without joins: when the lock had to wait for another transaction that changed the case's
    holder, PostgreSQL re-checks a joined FOR UPDATE against the old organisation row and returns no row at all.
    Once locked, the case is read again with its relations (a new statement sees the committed change)."""
    pk = case.pk if isinstance(case, Case) else case
    if not Case.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True):
        raise Case.DoesNotExist("Case matching query does not exist.")
    return Case.objects.select_related("convenant", "corporation", "holder", "tenant").get(pk=pk)


def require_open(case: Case):
    if not case.is_open:
        raise CaseError(_("This case is closed and can no longer be changed."))


def require_holder(actor: Actor, case: Case):
    if actor.is_system:
        return
    if actor.organisation.pk != case.holder_id:
        raise ForbiddenAction(_("Only the organisation that currently holds the case can do this."))


def require_holder_or_corporation(actor: Actor, case: Case):
    if actor.is_system:
        return
    if actor.organisation.pk not in (case.holder_id, case.corporation_id):
        raise ForbiddenAction(_("Only the holder or the corporation can do this."))


def money(value, field, *, positive=False) -> Decimal:
    """A euro amount with at most two decimals; non-negative (or positive)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise CaseError(_("Not a valid amount."), field=field) from None
    if not amount.is_finite():
        raise CaseError(_("Not a valid amount."), field=field)
    if amount < 0 or (positive and amount == 0):
        message = _("The amount must be greater than zero.") if positive else _("The amount cannot be negative.")
        raise CaseError(message, field=field)
    if amount.as_tuple().exponent < -2:
        raise CaseError(_("An amount has at most two decimal places."), field=field)
    if amount >= Decimal("100000000"):
        raise CaseError(_("This amount is too large."), field=field)
    return amount


def write_event(case, kind, *, actor: Actor, at, description="", **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=actor.user,
        organisation=actor.organisation,
        description=str(description),
        data=data,
    )
