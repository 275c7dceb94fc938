"""The corporation's first month: open a case, contact attempts, arrangements, notes, close."""

import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction
from convenants.models import DeadlineKind
from convenants.selectors import convenant_for_corporation
from convenants.services import deadline_for
from partners.models import OrganisationKind

from ..models import (
    OPEN_STATUSES,
    RESOLVING_OUTCOMES,
    Arrangement,
    ArrangementStatus,
    AttemptOutcome,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseStatus,
    Channel,
    ContactAttempt,
    EventKind,
    EvictionProposal,
    Handover,
    HandoverStatus,
    Outcome,
    ProposalStatus,
    Tenant,
)
from ..permissions import case_permission_ids
from ._common import (
    Actor,
    CaseError,
    actor_of,
    lock_case,
    money,
    require_holder,
    require_holder_or_corporation,
    require_open,
    write_event,
)
from .access import CHANGE, VIEW, sync_permissions
from .deadlines import recompute_deadline

POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})\s*$")
MAX_ARREARS_MONTHS = 120

# A contact attempt waits while an offer or an eviction proposal is open.
ATTEMPT_BLOCKED_STATUSES = (CaseStatus.HANDED_OVER, CaseStatus.EVICTION_PROPOSED)
ARRANGEABLE_STATUSES = (CaseStatus.OPEN, CaseStatus.CONTACTING)

def normalise_postcode(value) -> str | None:
    """'1234ab' → '1234 AB'; None when it is not a Dutch postcode."""
    match = POSTCODE.match(value or "")
    return f"{match.group(1)} {match.group(2).upper()}" if match else None


def normalise_house_number(value) -> str:
    """'12 a', '12-A' → '12A'; '12 bis' → '12BIS'."""
    return re.sub(r"[\s\-]+", "", str(value or "")).upper()


def _save(case, now, *fields):
    case.last_activity_at = max(case.last_activity_at, now) if case.last_activity_at else now
    recompute_deadline(case, now)
    case.save(update_fields=["last_activity_at", "deadline_kind", "deadline_at", "updated_at", *fields])


def _tenant_fields(tenant: dict) -> dict:
    tenant = tenant or {}
    cleaned = {}
    for field in ("name", "contract_ref", "house_number"):
        value = str(tenant.get(field) or "").strip()
        if not value:
            raise CaseError(_("This field is required."), field=f"tenant.{field}")
        cleaned[field] = value
    cleaned["house_number"] = normalise_house_number(cleaned["house_number"])
    postcode = normalise_postcode(tenant.get("postcode"))
    if postcode is None:
        raise CaseError(_("Not a valid postcode (for example 1234 AB)."), field="tenant.postcode")
    cleaned["postcode"] = postcode
    for field in ("street", "city", "phone", "email"):
        cleaned[field] = str(tenant.get(field) or "").strip()
    return cleaned


def _opening_actor(user, corporation):
    actor = actor_of(user) if not isinstance(user, Actor) else user
    corporation = corporation or actor.organisation
    if corporation is None or corporation.kind != OrganisationKind.CORPORATION:
        raise ForbiddenAction(_("Only a housing corporation can open a case."))
    if not actor.is_system and actor.organisation.pk != corporation.pk:
        raise ForbiddenAction(_("You can only open cases for your own corporation."))
    return actor, corporation


def _opening_figures(arrears_amount, months_in_arrears, monthly_rent):
    amount = money(arrears_amount, "arrears_amount")
    if monthly_rent not in (None, ""):
        monthly_rent = money(monthly_rent, "monthly_rent")
    else:
        monthly_rent = None
    return amount, months_in_arrears_of(months_in_arrears), monthly_rent


def months_in_arrears_of(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise CaseError(_("Enter a whole number of months."), field="months_in_arrears") from None
    if months < 0 or months > MAX_ARREARS_MONTHS:
        raise CaseError(_("The number of months must be between 0 and 120."), field="months_in_arrears")
    return months


def _opening_convenant(corporation, convenant):
    if convenant is None:
        convenant = convenant_for_corporation(corporation)
        if convenant is None:
            raise CaseError(_("Your corporation is not covered by a valid covenant."), field="convenant")
    elif not convenant.parties.filter(pk=corporation.pk).exists():
        raise CaseError(_("Your corporation is not a party to this covenant."), field="convenant")
    return convenant


def _opened_description(amount, months):
    return _("Arrears € %(amount)s (%(months)s months)") % {"amount": amount, "months": months}


def _new_case(tenant, corporation, convenant, amount, months, monthly_rent, now, first_contact_deadline) -> Case:
    """A case as it opens (not saved): held by its corporation, its first deadline the first contact."""
    return Case(
        tenant=tenant,
        corporation=corporation,
        holder=corporation,
        convenant=convenant,
        status=CaseStatus.OPEN,
        arrears_amount=amount,
        months_in_arrears=months,
        monthly_rent=monthly_rent,
        opened_at=now,
        last_activity_at=now,
        deadline_kind=DeadlineKind.FIRST_CONTACT,
        deadline_at=first_contact_deadline,
    )


@transaction.atomic
def open_case(
    user,
    *,
    tenant: dict,
    arrears_amount,
    months_in_arrears,
    monthly_rent=None,
    convenant=None,
    corporation=None,
    now=None,
) -> Case:
    """Open a case for a corporation's tenant. By a person of the corporation, or by the system for a signal
    (then `user` is an Actor.system and `corporation` names the corporation)."""
    now = now or timezone.now()
    actor, corporation = _opening_actor(user, corporation)
    amount, months, monthly_rent = _opening_figures(arrears_amount, months_in_arrears, monthly_rent)
    convenant = _opening_convenant(corporation, convenant)

    fields = _tenant_fields(tenant)
    tenant_row, _created = Tenant.objects.select_for_update().get_or_create(
        corporation=corporation, contract_ref=fields["contract_ref"], defaults=fields
    )
    if not _created:
        for field, value in fields.items():
            if value:
                setattr(tenant_row, field, value)
        tenant_row.save()
    if Case.objects.filter(tenant=tenant_row, status__in=OPEN_STATUSES).exists():
        raise CaseError(_("A case is already open for this tenancy contract."), field="tenant.contract_ref")
    case = _new_case(
        tenant_row, corporation, convenant, amount, months, monthly_rent, now,
        deadline_for(convenant, DeadlineKind.FIRST_CONTACT, now),
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise CaseError(_("A case is already open for this tenancy contract."), field="tenant.contract_ref") from None
    write_event(
        case,
        EventKind.OPENED,
        actor=actor if actor.organisation else Actor.system(corporation),
        at=now,
        description=_opened_description(amount, months),
        arrears_amount=str(amount),
        months_in_arrears=months,
    )
    sync_permissions(case)
    return case


TENANT_FIELDS = ("name", "contract_ref", "house_number", "postcode", "street", "city", "phone", "email")


@transaction.atomic
def open_cases_bulk(user, *, openings, convenant=None, corporation=None, now=None) -> list:
    """open_case for many tenancies at once (the signal import), with the same rules and the same effects, in a
    fixed number of queries: each tenant got or created by contract reference (an existing one takes the given
    non-empty fields), one open case per tenancy, the first-contact deadline from the convenant, the OPENED
    event, and the permission rows sync_permissions gives a new case (the corporation's group: view + change).

    `openings` is a list of dicts with open_case's arguments `tenant`, `arrears_amount`, `months_in_arrears`
    and optionally `monthly_rent`. Returns one entry per opening, in order: the new Case, or the CaseError that
    open_case would have raised for it (that opening changes nothing; the others still open). What concerns
    the whole batch (who acts, the convenant) raises as in open_case."""
    now = now or timezone.now()
    actor, corporation = _opening_actor(user, corporation)
    convenant = _opening_convenant(corporation, convenant)
    results: list = [None] * len(openings)
    wanted = {}  # contract_ref → (index, tenant fields, amount, months, monthly rent), first opening wins
    for index, opening in enumerate(openings):
        try:
            figures = _opening_figures(
                opening.get("arrears_amount"), opening.get("months_in_arrears"), opening.get("monthly_rent")
            )
            fields = _tenant_fields(opening.get("tenant"))
        except CaseError as error:
            results[index] = error
            continue
        if fields["contract_ref"] in wanted:
            # open_case called in this order would find the case the earlier opening opened.
            results[index] = CaseError(
                _("A case is already open for this tenancy contract."), field="tenant.contract_ref"
            )
            continue
        wanted[fields["contract_ref"]] = (index, fields, *figures)
    if not wanted:
        return results

    # Tenants: locked like open_case's select_for_update().get_or_create, created when missing.
    lookup = Tenant.objects.select_for_update().filter(corporation=corporation)
    tenants = {tenant.contract_ref: tenant for tenant in lookup.filter(contract_ref__in=list(wanted))}
    missing = [ref for ref in wanted if ref not in tenants]
    if missing:
        Tenant.objects.bulk_create(
            [Tenant(corporation=corporation, **wanted[ref][1]) for ref in missing], ignore_conflicts=True
        )
        tenants.update((tenant.contract_ref, tenant) for tenant in lookup.filter(contract_ref__in=missing))
    changed = []
    for ref, (_index, fields, *_figures) in wanted.items():
        tenant = tenants[ref]
        values = {field: value for field, value in fields.items() if value and getattr(tenant, field) != value}
        if values:
            for field, value in values.items():
                setattr(tenant, field, value)
            changed.append(tenant)
    if changed:
        Tenant.objects.bulk_update(changed, TENANT_FIELDS)

    busy = set(
        Case.objects.filter(
            tenant_id__in=[tenant.pk for tenant in tenants.values()], status__in=OPEN_STATUSES
        ).values_list("tenant_id", flat=True)
    )
    deadline_at = deadline_for(convenant, DeadlineKind.FIRST_CONTACT, now)
    cases = []
    for ref, (index, _fields, amount, months, monthly_rent) in wanted.items():
        tenant = tenants[ref]
        if tenant.pk in busy:
            results[index] = CaseError(
                _("A case is already open for this tenancy contract."), field="tenant.contract_ref"
            )
            continue
        case = _new_case(tenant, corporation, convenant, amount, months, monthly_rent, now, deadline_at)
        results[index] = case
        cases.append(case)
    if not cases:
        return results
    try:
        with transaction.atomic():
            Case.objects.bulk_create(cases)
    except IntegrityError:
        # The tenants are locked, so only a writer that skips that lock gets here: refuse the batch as a whole.
        raise CaseError(
            _("A case is already open for this tenancy contract."), field="tenant.contract_ref", conflict=True
        ) from None
    event_actor = actor if actor.organisation else Actor.system(corporation)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.OPENED,
            at=now,
            actor=event_actor.user,
            organisation=event_actor.organisation,
            description=str(_opened_description(case.arrears_amount, case.months_in_arrears)),
            data={"arrears_amount": str(case.arrears_amount), "months_in_arrears": case.months_in_arrears},
        )
        for case in cases
    )
    # sync_permissions for a new case: the corporation is also the holder, no offer, no eviction proposal.
    permission_ids = case_permission_ids()
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group_id=corporation.group_id, permission_id=permission_ids[codename])
        for case in cases
        for codename in (VIEW, CHANGE)
    )
    return results


@transaction.atomic
def log_contact_attempt(user, case, *, channel, outcome, at=None, notes="", now=None) -> ContactAttempt:
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder(actor, case)
    if channel not in Channel.values:
        raise CaseError(_("Unknown channel: %(value)s.") % {"value": channel}, field="channel")
    if outcome not in AttemptOutcome.values:
        raise CaseError(_("Unknown result: %(value)s.") % {"value": outcome}, field="outcome")
    at = at or now
    if at > now + timedelta(minutes=1):
        raise CaseError(_("A contact attempt cannot be in the future."), field="at")
    if case.status == CaseStatus.HANDED_OVER:
        raise CaseError(_("The case has been offered to a chain partner; withdraw the offer first."))
    if case.status == CaseStatus.EVICTION_PROPOSED:
        raise CaseError(_("An eviction proposal is pending; wait for the vote."))
    attempt = ContactAttempt.objects.create(
        case=case, organisation=actor.organisation, user=actor.user, channel=channel, outcome=outcome, at=at,
        notes=notes or "",
    )
    fields = []
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.CONTACTING
        fields.append("status")
    if case.first_contact_at is None:
        case.first_contact_at = at
        fields.append("first_contact_at")
    write_event(
        case,
        EventKind.CONTACT_ATTEMPT,
        actor=actor,
        at=at,
        description=f"{Channel(channel).label}: {AttemptOutcome(outcome).label}",
        attempt=attempt.pk,
        channel=channel,
        outcome=outcome,
        notes=notes or "",
    )
    _save(case, now, *fields)
    return attempt


@transaction.atomic
def agree_arrangement(user, case, *, monthly_amount, start_date, months, now=None) -> Arrangement:
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder(actor, case)
    amount = money(monthly_amount, "monthly_amount", positive=True)
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise CaseError(_("Enter a whole number of months."), field="months") from None
    if months < 1 or months > 120:
        raise CaseError(_("An arrangement runs for 1 to 120 months."), field="months")
    if not isinstance(start_date, date):
        raise CaseError(_("Enter a valid date."), field="start_date")
    today = timezone.localdate(now)
    if start_date < today - timedelta(days=62) or start_date > today + timedelta(days=366):
        raise CaseError(_("The first instalment must fall between two months ago and one year ahead."), field="start_date")
    if case.status not in ARRANGEABLE_STATUSES:
        raise CaseError(
            _("A payment arrangement is only possible for a new case or a case in contact (now: %(status)s).")
            % {"status": case.get_status_display()}
        )
    arrangement = Arrangement.objects.create(
        case=case, organisation=actor.organisation, created_by=actor.user, monthly_amount=amount,
        start_date=start_date, months=months,
    )
    case.status = CaseStatus.ARRANGEMENT
    write_event(
        case,
        EventKind.ARRANGEMENT,
        actor=actor,
        at=now,
        description=_("€ %(amount)s per month, %(months)s months, from %(start)s")
        % {"amount": amount, "months": months, "start": start_date.isoformat()},
        arrangement=arrangement.pk,
        monthly_amount=str(amount),
        months=months,
        start_date=start_date.isoformat(),
    )
    _save(case, now, "status")
    return arrangement


@transaction.atomic
def record_missed_installment(user, case, *, note="", now=None) -> Arrangement:
    """The tenant missed a payment of the arrangement: it is broken and the case goes back to contacting."""
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder(actor, case)
    arrangement = case.arrangements.filter(status=ArrangementStatus.ACTIVE).first()
    if case.status != CaseStatus.ARRANGEMENT or arrangement is None:
        raise CaseError(_("This case has no active payment arrangement."))
    arrangement.status = ArrangementStatus.BROKEN
    arrangement.missed_installments += 1
    arrangement.save(update_fields=["status", "missed_installments"])
    case.status = CaseStatus.CONTACTING
    write_event(
        case, EventKind.INSTALLMENT_MISSED, actor=actor, at=now, description=note, arrangement=arrangement.pk
    )
    _save(case, now, "status")
    return arrangement


@transaction.atomic
def add_note(user, case, *, text, now=None):
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder_or_corporation(actor, case)
    text = (text or "").strip()
    if not text:
        raise CaseError(_("A note cannot be empty."), field="text")
    event = write_event(case, EventKind.NOTE, actor=actor, at=now, description=text)
    _save(case, now)
    return event


@transaction.atomic
def update_arrears(case, *, arrears_amount, months_in_arrears, source=None, now=None, description=""):
    """A newer arrears figure (from a signal) for an open case; shows on the timeline."""
    now = now or timezone.now()
    case = lock_case(case)
    require_open(case)
    amount = money(arrears_amount, "arrears_amount")
    months = months_in_arrears_of(months_in_arrears)
    case.arrears_amount = amount
    case.months_in_arrears = months
    write_event(
        case,
        EventKind.ARREARS_UPDATED,
        actor=Actor.system(source),
        at=now,
        description=description or _("Arrears now € %(amount)s (%(months)s months)") % {"amount": amount, "months": months},
        arrears_amount=str(amount),
        months_in_arrears=months,
    )
    _save(case, now, "arrears_amount", "months_in_arrears")
    return case


@transaction.atomic
def update_arrears_bulk(updates, *, source=None, now=None) -> list[Case]:
    """update_arrears for many cases at once (the signal import), with the same rules and effects, in a fixed
    number of queries: an ARREARS_UPDATED event per update; each case takes the figures of its last update,
    the activity and the deadline recomputed once (nothing the deadline rule reads changes in between).

    `updates` is a list of (case or case id, arrears_amount, months_in_arrears, description) in the order in
    which update_arrears would be called. Raises as update_arrears does (a closed case, an invalid amount), and
    then nothing is written. Returns the updated cases."""
    from .escalation import BatchFacts  # here: the escalation module imports the services beside this one

    now = now or timezone.now()
    ids = list(dict.fromkeys(item[0].pk if isinstance(item[0], Case) else item[0] for item in updates))
    if not ids:
        return []
    locked = set(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if len(locked) != len(ids):
        raise Case.DoesNotExist("Case matching query does not exist.")
    cases = Case.objects.select_related("convenant", "corporation", "holder", "tenant").in_bulk(ids)
    actor = Actor.system(source)
    events = []
    for item, arrears_amount, months_in_arrears, description in updates:
        case = cases[item.pk if isinstance(item, Case) else item]
        require_open(case)
        amount = money(arrears_amount, "arrears_amount")
        months_in_arrears = months_in_arrears_of(months_in_arrears)
        case.arrears_amount = amount
        case.months_in_arrears = months_in_arrears
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.ARREARS_UPDATED,
                at=now,
                actor=actor.user,
                organisation=actor.organisation,
                description=str(
                    description
                    or _("Arrears now € %(amount)s (%(months)s months)")
                    % {"amount": amount, "months": months_in_arrears}
                ),
                data={"arrears_amount": str(amount), "months_in_arrears": int(months_in_arrears)},
            )
        )
    CaseEvent.objects.bulk_create(events)
    facts = BatchFacts(list(cases.values()))
    convenants = {}  # one instance per convenant, so its deadline rules are read once
    saved_at = timezone.now()
    for case in cases.values():
        case.convenant = convenants.setdefault(case.convenant_id, case.convenant)
        case.last_activity_at = max(case.last_activity_at, now) if case.last_activity_at else now
        recompute_deadline(case, now, facts)
        case.updated_at = saved_at
    Case.objects.bulk_update(
        list(cases.values()),
        ["last_activity_at", "deadline_kind", "deadline_at", "updated_at", "arrears_amount", "months_in_arrears"],
    )
    return list(cases.values())


@transaction.atomic
def close_case(user, case, *, outcome, notes="", now=None) -> Case:
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder_or_corporation(actor, case)
    allowed = [o for o in Outcome.values if o != Outcome.EVICTED]
    if outcome not in allowed:
        raise CaseError(_("Choose an outcome."), field="outcome")
    Handover.objects.filter(case=case, status=HandoverStatus.OFFERED).update(
        status=HandoverStatus.WITHDRAWN, responded_at=now, reason=str(_("Case closed"))
    )
    EvictionProposal.objects.filter(case=case, status=ProposalStatus.OPEN).update(
        status=ProposalStatus.REJECTED, decided_at=now
    )
    active = case.arrangements.filter(status=ArrangementStatus.ACTIVE)
    if outcome == Outcome.ARRANGEMENT_COMPLETED:
        active.update(status=ArrangementStatus.COMPLETED)
    case.status = CaseStatus.RESOLVED if outcome in RESOLVING_OUTCOMES else CaseStatus.CLOSED
    case.outcome = outcome
    case.closed_at = now
    write_event(
        case, EventKind.CLOSED, actor=actor, at=now, description=notes or Outcome(outcome).label, outcome=outcome
    )
    _save(case, now, "status", "outcome", "closed_at")
    sync_permissions(case)
    return case
