"""What every case service shares: who acts, the case lock, and the common sequence of a change.

Every change of a case goes through one transaction that locks the case, asks the policy (cases.policy.check),
makes the change, writes the timeline events, recomputes the deadline, keeps the permission rows right and
sends the notifications once it commits (DESIGN.md, Layering rules). `CaseChanges` is that sequence for one case
or many (the sweep's batches, the signal import); `case_change` is the one-case form every person's service uses:

    with case_change(user, case, Action.ADD_NOTE, now=now) as change:
        change.event(EventKind.NOTE, text)

so that a service writes only what is particular to it.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import policy
from ..models import Case, CaseEvent
from ..policy import Action, Actor, CaseError, actor_of  # noqa: F401 - Actor, CaseError re-exported for the services
from ..relations import relations_of
from ..texts import Text
from .access import sync_permissions_many
from .deadlines import Facts, recompute_deadline
from .notifications import Outbox

# What a change writes to every case it touched, besides the fields it set.
ALWAYS_SAVED = ("last_activity_at", "deadline_kind", "deadline_at")


def lock_cases(cases) -> list[Case]:
    """The case rows (cases or ids), locked for this transaction in id order, with what the services read
    beside them; one convenant instance per convenant, so its rules are read once.

    The lock is taken without joins: when the lock had to wait for another transaction that changed the case's
    holder, PostgreSQL re-checks a joined FOR UPDATE against the old organisation row and returns no row at all.
    Once locked, the cases are read again with their relations (a new statement sees the committed change)."""
    ids = list(dict.fromkeys(case.pk if isinstance(case, Case) else case for case in cases))
    locked = set(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if len(locked) != len(ids):
        raise Case.DoesNotExist("Case matching query does not exist.")
    found = Case.objects.select_related("convenant", "corporation", "holder", "tenant").in_bulk(ids)
    convenants = {}
    for case in found.values():
        case.convenant = convenants.setdefault(case.convenant_id, case.convenant)
    return [found[pk] for pk in ids]


def lock_case(case) -> Case:
    return lock_cases([case])[0]


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


def save_cases(cases, fields) -> None:
    """Write `fields` (and updated_at) of many cases in one statement."""
    cases = list(cases)
    if not cases:
        return
    moment = timezone.now()
    for case in cases:
        case.updated_at = moment
    model_fields = [Case._meta.get_field(name) for name in sorted(set(fields))]
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, [f.name for f in model_fields] + ["updated_at"], batch_size=200)
        return
    quote = connection.ops.quote_name
    names = [f"v{n}" for n in range(len(model_fields))]
    assignments = ", ".join(f"{quote(f.column)} = v.{name}" for f, name in zip(model_fields, names, strict=True))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {quote(Case._meta.db_table)} AS c SET {assignments}, updated_at = %s
                FROM unnest(%s::bigint[], {arrays}) AS v(id, {", ".join(names)})
                WHERE c.id = v.id""",
            [moment, [case.pk for case in cases]]
            + [[getattr(case, f.attname) for case in cases] for f in model_fields],
        )


class CaseChanges:
    """The common sequence of a change, for one case or many, once the cases are locked (or being created).

    A service checks each case (`check`), sets what changes (`set`), adds its events (`event`) and notifications
    (`notify`), then calls `finish`: the events in one insert, the activity and the deadline of every case, the
    cases in one update, the permission rows of the cases whose status, holder or parties changed, and the
    notifications (their e-mails after the commit). `created`: the cases are new and the caller inserts them
    with their first deadline; only events, permission rows and notifications are written here."""

    def __init__(self, actor: Actor, cases, *, now, outbox=None, cache=None, created=False):
        self.actor = actor
        self.now = now
        self.cases = list(cases)
        self.outbox = outbox if outbox is not None else Outbox()
        # What does not change while a caller runs (the sweep: organisations' groups and people), read once.
        self.cache = {} if cache is None else cache
        self.created = created
        self.events: list[CaseEvent] = []
        self.fields: set[str] = set()
        self._access: dict[int, Case] = {case.pk: case for case in self.cases} if created else {}
        self._marked_returned: set[int] = set()

    @property
    def people(self) -> dict:
        """The cache for notifications.members_of and friends."""
        return self.cache.setdefault("people", {})

    def check(self, case, action: Action, *, relations=None) -> None:
        policy.check(self.actor, case, action, relations=relations)

    def set(self, case, **values) -> None:
        for name, value in values.items():
            setattr(case, name, value)
        self.fields.update(values)
        if "returned_at" in values:
            self._marked_returned.add(case.pk)
        if values.keys() & {"status", "holder"}:
            self._access[case.pk] = case

    def access_changed(self, case) -> None:
        """The case's parties changed (an offer, a proposal, a vote): its permission rows are recomputed."""
        self._access[case.pk] = case

    def event(self, case, kind, description="", *, at=None, actor: Actor | None = None, organisation=None,
              **data) -> CaseEvent:
        actor = actor or self.actor
        if isinstance(description, Text):
            # Rendered in each reader's language (CaseEvent.text); stored in the product's language.
            data["text"] = description.as_data()
            description = description.stored()
        event = CaseEvent(
            case=case,
            kind=kind,
            at=at or self.now,
            actor=actor.user,
            organisation=organisation or actor.organisation,
            description=str(description),
            data=data,
        )
        self.events.append(event)
        return event

    def notify(self, users, subject, *, case) -> None:
        """Tell `users` that something happened to `case` (the link to the case, no text about the tenant)."""
        self.outbox.add(users, subject=subject, case=case, now=self.now)

    def finish(self, *, facts=None) -> None:
        CaseEvent.objects.bulk_create(self.events)
        if not self.created:
            self._acted_on_returned()
            for case in self.cases:
                case.last_activity_at = max(case.last_activity_at, self.now) if case.last_activity_at else self.now
            facts = facts if facts is not None else Facts(self.cases)
            for case in self.cases:
                recompute_deadline(case, self.now, facts)
            save_cases(self.cases, self.fields | set(ALWAYS_SAVED))
        if self._access:
            sync_permissions_many(self._access.values(), groups=self.cache.setdefault("groups", {}),
                                  created=self.created)
        self.outbox.flush()


    def _acted_on_returned(self) -> None:
        """A returned case stops showing as returned once a person of its holder acts on it."""
        if self.actor.is_system:
            return
        for case in self.cases:
            if (case.returned_at is not None and case.pk not in self._marked_returned
                    and case.holder_id == self.actor.organisation.pk):
                case.returned_at = None
                self.fields.add("returned_at")


@dataclass
class Change:
    """One case's part of a CaseChanges: what a single-case service writes through."""

    changes: CaseChanges
    case: Case
    subject: object = None  # the row the call is about, locked after the case (an offer, a proposal, a visit)
    relations: frozenset | None = field(default=None)

    @property
    def actor(self) -> Actor:
        return self.changes.actor

    @property
    def now(self):
        return self.changes.now

    def set(self, **values) -> None:
        self.changes.set(self.case, **values)

    def event(self, kind, description="", **data) -> CaseEvent:
        return self.changes.event(self.case, kind, description, **data)

    def notify(self, users, subject) -> None:
        self.changes.notify(users, subject, case=self.case)

    def access_changed(self) -> None:
        self.changes.access_changed(self.case)


@contextmanager
def case_change(user, case, action: Action, *, now=None, subject=None):
    """One service call on one case, in one transaction: lock, check, the caller's change, then
    CaseChanges.finish. `subject(case, actor, relations)`: locks the row the call is about once the case is
    locked and visible to the actor, and raises the conflict (409) when it was answered already; it runs before
    the action is checked, so that a second answer by the right party is a conflict, not a refusal."""
    now = now or timezone.now()
    actor = actor_of(user)
    with transaction.atomic():
        case = lock_case(case)
        relations = None if actor.is_system else relations_of(actor.organisation, [case])[case.pk]
        row = None
        if subject is not None:
            policy.check(actor, case, Action.VIEW, relations=relations)
            row = subject(case, actor, relations)
        policy.check(actor, case, action, relations=relations)
        changes = CaseChanges(actor, [case], now=now)
        yield Change(changes, case, subject=row, relations=relations)
        changes.finish()


def may_by_relation(actor: Actor, action: Action, relation) -> bool:
    """Whether the policy lets `actor`'s role take `action` with `relation` to a case: to tell a second answer by
    the party it was asked of (a conflict) from an answer by anybody else (a refusal)."""
    return actor.role in policy.TABLE[action].who.get(relation, ())
