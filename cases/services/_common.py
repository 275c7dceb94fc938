"""What every case service shares: who acts, the case lock, the timeline event, the business error."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from config.errors import BusinessError, ForbiddenAction
from partners.models import Membership, Organisation, Role

from ..models import Case, CaseEvent


class CaseError(BusinessError):
    """A case rule refused the change; the message is for the user."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a person of an organisation, or the system (escalation, signal import)."""

    user: object | None
    organisation: Organisation | None
    role: str | None

    @property
    def is_system(self):
        return self.user is None

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @classmethod
    def system(cls, organisation=None):
        return cls(user=None, organisation=organisation, role=None)


def actor_of(user) -> Actor:
    """The acting user with their organisation and role; refused when they belong to none."""
    if isinstance(user, Actor):
        return user
    try:
        membership = user.membership
    except (Membership.DoesNotExist, AttributeError):
        raise ForbiddenAction(_("U bent niet aan een organisatie gekoppeld.")) from None
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


def lock_case(case) -> Case:
    """The case row, locked for this transaction, with what the services read beside it."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("convenant", "corporation", "holder", "tenant")
        .get(pk=case.pk if isinstance(case, Case) else case)
    )


def require_open(case: Case):
    if not case.is_open:
        raise CaseError(_("Deze casus is gesloten en kan niet meer worden gewijzigd."))


def require_holder(actor: Actor, case: Case):
    if actor.is_system:
        return
    if actor.organisation.pk != case.holder_id:
        raise ForbiddenAction(_("Alleen de organisatie die de casus nu behandelt kan dit doen."))


def require_holder_or_corporation(actor: Actor, case: Case):
    if actor.is_system:
        return
    if actor.organisation.pk not in (case.holder_id, case.corporation_id):
        raise ForbiddenAction(_("Alleen de behandelaar of de corporatie kan dit doen."))


def money(value, field, *, positive=False) -> Decimal:
    """A euro amount with at most two decimals; non-negative (or positive)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise CaseError(_("Geen geldig bedrag."), field=field) from None
    if not amount.is_finite():
        raise CaseError(_("Geen geldig bedrag."), field=field)
    if amount < 0 or (positive and amount == 0):
        message = _("Het bedrag moet groter dan nul zijn.") if positive else _("Het bedrag mag niet negatief zijn.")
        raise CaseError(message, field=field)
    if amount.as_tuple().exponent < -2:
        raise CaseError(_("Een bedrag heeft hoogstens twee decimalen."), field=field)
    if amount >= Decimal("100000000"):
        raise CaseError(_("Dit bedrag is te groot."), field=field)
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
