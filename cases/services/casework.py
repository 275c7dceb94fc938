"""The corporation's first month: open a case, contact attempts, arrangements, notes, close; arrears updates.

Opening and arrears updates are written for many cases (the signal import); open_case and update_arrears are
their one-element calls. Who may do what, and from which status, is the policy's (cases.policy): every function
here checks its action under the case lock through _common.case_change / CaseChanges.
"""

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

from convenants.selectors import convenant_for_corporation

from ..models import (
    CLOSING_OUTCOMES,
    OPEN_STATUSES,
    ArrangementStatus,
    AttemptOutcome,
    Case,
    CaseStatus,
    Channel,
    ContactAttempt,
    EventKind,
    EvictionProposal,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
    Outcome,
    ProposalStatus,
    Tenant,
)
from ..policy import Action, check, closing_status, next_status
from ..texts import Text
from ._common import Actor, CaseChanges, CaseError, actor_of, case_change, lock_cases, money
from .deadlines import NoHistory, recompute_deadline

POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})\s*$")
MAX_ARREARS_MONTHS = 120
TENANT_FIELDS = ("name", "contract_ref", "house_number", "postcode", "street", "city", "phone", "email")


def normalise_postcode(value) -> str | None:
    """'1234ab' → '1234 AB'; None when it is not a Dutch postcode."""
    match = POSTCODE.match(value or "")
    return f"{match.group(1)} {match.group(2).upper()}" if match else None


def normalise_house_number(value) -> str:
    """'12 a', '12-A' → '12A'; '12 bis' → '12BIS'."""
    return re.sub(r"[\s\-]+", "", str(value or "")).upper()


def move(change, action: Action) -> None:
    """Set the status `action` leads to from the case's status, when it is a fixed one and differs."""
    case = change.case
    status = next_status(action, case.status)
    if status not in CaseStatus.values:
        raise ValueError(f"{action} leads to {status!r}: the service resolves it")
    if status != case.status:
        change.set(status=status)


# --- opening ---------------------------------------------------------------------------------------------------


def _all_of(*checks) -> list:
    """Every check's result; when some fail, one CaseError naming each field that failed, so that a form shows
    all its errors at once rather than one per submit."""
    results, errors = [], []
    for check_input in checks:
        try:
            results.append(check_input())
        except CaseError as error:
            errors.append(error)
            results.append(None)
    if errors:
        raise CaseError.combined(errors)
    return results


def _required(tenant, field):
    value = str(tenant.get(field) or "").strip()
    if not value:
        raise CaseError(_("This field is required."), field=f"tenant.{field}")
    return value


def _postcode(value):
    postcode = normalise_postcode(value)
    if postcode is None:
        raise CaseError(_("Not a valid postcode (for example 1234 AB)."), field="tenant.postcode")
    return postcode


def _tenant_fields(tenant: dict) -> dict:
    tenant = tenant or {}
    name, contract_ref, house_number, postcode = _all_of(
        *(lambda field=field: _required(tenant, field) for field in ("name", "contract_ref", "house_number")),
        lambda: _postcode(tenant.get("postcode")),
    )
    cleaned = {"name": name, "contract_ref": contract_ref, "house_number": normalise_house_number(house_number),
               "postcode": postcode}
    for field in ("street", "city", "phone", "email"):
        cleaned[field] = str(tenant.get(field) or "").strip()
    return cleaned


def _opening_figures(arrears_amount, months_in_arrears, monthly_rent):
    return _all_of(
        lambda: money(arrears_amount, "arrears_amount"),
        lambda: months_in_arrears_of(months_in_arrears),
        lambda: money(monthly_rent, "monthly_rent") if monthly_rent not in (None, "") else None,
    )


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
    return Text(ngettext_lazy("Arrears € %(amount)s (%(months)s month)",
                              "Arrears € %(amount)s (%(months)s months)", "months"),
                plural_by="months", amount=amount, months=months)


def _already_open():
    return CaseError(_("A case is already open for this tenancy contract."), field="tenant.contract_ref")


@transaction.atomic
def open_cases_bulk(user, *, openings, convenant=None, corporation=None, now=None) -> list:
    """Open cases for a corporation's tenancies, in a fixed number of queries: each tenant got or created by
    contract reference (an existing one takes the given non-empty fields), one open case per tenancy, held by
    its corporation, the first deadline from the convenant, the OPENED event and the permission rows. By people
    of the corporation, or by the system for signals (`user` an Actor.system, `corporation` names it).

    `openings` is a list of dicts with `tenant`, `arrears_amount`, `months_in_arrears` and optionally
    `monthly_rent`. Returns one entry per opening, in order: the new Case, or the CaseError why it did not open
    (that opening changes nothing; the others still open). What concerns the whole batch (who acts, the
    convenant) raises."""
    now = now or timezone.now()
    actor = actor_of(user)
    corporation = corporation or actor.organisation
    check(actor, corporation, Action.OPEN)
    convenant = _opening_convenant(corporation, convenant)
    results: list = [None] * len(openings)
    wanted = {}  # contract_ref → (index, tenant fields, amount, months, monthly rent), first opening wins
    for index, opening in enumerate(openings):
        try:
            figures, fields = _all_of(
                lambda opening=opening: _opening_figures(
                    opening.get("arrears_amount"), opening.get("months_in_arrears"), opening.get("monthly_rent")
                ),
                lambda opening=opening: _tenant_fields(opening.get("tenant")),
            )
        except CaseError as error:
            results[index] = error
            continue
        if fields["contract_ref"] in wanted:
            # Opened in this order, the earlier opening's case is open by now.
            results[index] = _already_open()
            continue
        wanted[fields["contract_ref"]] = (index, fields, *figures)
    if not wanted:
        return results

    # Tenants: locked (as select_for_update().get_or_create would), created when missing.
    lookup = Tenant.objects.select_for_update().filter(corporation=corporation)
    tenants = {tenant.contract_ref: tenant for tenant in lookup.filter(contract_ref__in=list(wanted))}
    missing = [ref for ref in wanted if ref not in tenants]
    if missing:
        Tenant.objects.bulk_create(
            [Tenant(corporation=corporation, **wanted[ref][1]) for ref in missing], ignore_conflicts=True
        )
        tenants.update((tenant.contract_ref, tenant) for tenant in lookup.filter(contract_ref__in=missing))
    busy = set(
        Case.objects.filter(
            tenant_id__in=[tenant.pk for tenant in tenants.values()], status__in=OPEN_STATUSES
        ).values_list("tenant_id", flat=True)
    )
    changed, cases = [], []
    for ref, (index, fields, amount, months, monthly_rent) in wanted.items():
        tenant = tenants[ref]
        if tenant.pk in busy:
            results[index] = _already_open()
            continue
        values = {field: value for field, value in fields.items() if value and getattr(tenant, field) != value}
        if values:
            for field, value in values.items():
                setattr(tenant, field, value)
            changed.append(tenant)
        case = Case(
            tenant=tenant, corporation=corporation, holder=corporation, convenant=convenant,
            status=next_status(Action.OPEN, ""), arrears_amount=amount, months_in_arrears=months,
            monthly_rent=monthly_rent, opened_at=now, last_activity_at=now, assigned_to=actor.user,
        )
        recompute_deadline(case, now, NoHistory())
        results[index] = case
        cases.append(case)
    if changed:
        Tenant.objects.bulk_update(changed, TENANT_FIELDS)
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
    changes = CaseChanges(actor if actor.organisation else Actor.system(corporation), cases, now=now, created=True)
    for case in cases:
        changes.event(
            case, EventKind.OPENED, _opened_description(case.arrears_amount, case.months_in_arrears),
            arrears_amount=str(case.arrears_amount), months_in_arrears=case.months_in_arrears,
        )
    changes.finish()
    return results


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
    """Open one case (open_cases_bulk of one opening); raises the CaseError why it cannot open."""
    with transaction.atomic():
        [result] = open_cases_bulk(
            user,
            openings=[{"tenant": tenant, "arrears_amount": arrears_amount, "months_in_arrears": months_in_arrears,
                       "monthly_rent": monthly_rent}],
            convenant=convenant,
            corporation=corporation,
            now=now,
        )
        if isinstance(result, CaseError):
            raise result
    return result


# --- the holder's work -----------------------------------------------------------------------------------------


def record_attempt(change, action, *, channel, outcome, at=None, notes="") -> ContactAttempt:
    """A contact attempt on the changed case (`action`: a logged attempt, or a joint visit's outcome)."""
    if channel not in Channel.values:
        raise CaseError(_("Unknown channel: %(value)s.") % {"value": channel}, field="channel")
    if outcome not in AttemptOutcome.values:
        raise CaseError(_("Unknown result: %(value)s.") % {"value": outcome}, field="outcome")
    at = at or change.now
    if at > change.now + timedelta(minutes=1):
        raise CaseError(_("A contact attempt cannot be in the future."), field="at")
    case, actor = change.case, change.actor
    attempt = ContactAttempt.objects.create(
        case=case, organisation=actor.organisation, user=actor.user, channel=channel, outcome=outcome, at=at,
        notes=notes or "",
    )
    move(change, action)
    if case.first_contact_at is None:
        change.set(first_contact_at=at)
    change.event(
        EventKind.CONTACT_ATTEMPT,
        Text(gettext_noop("%(channel)s: %(outcome)s"), channel=Channel(channel).label,
             outcome=AttemptOutcome(outcome).label),
        at=at,
        attempt=attempt.pk,
        channel=channel,
        outcome=outcome,
        notes=notes or "",
    )
    return attempt


def log_contact_attempt(user, case, *, channel, outcome, at=None, notes="", now=None) -> ContactAttempt:
    with case_change(user, case, Action.LOG_ATTEMPT, now=now) as change:
        return record_attempt(change, Action.LOG_ATTEMPT, channel=channel, outcome=outcome, at=at, notes=notes)


# Arrangements (agree, paid, missed, change, stop): cases.services.arrangements.


def add_note(user, case, *, text, now=None):
    with case_change(user, case, Action.ADD_NOTE, now=now) as change:
        text = (text or "").strip()
        if not text:
            raise CaseError(_("A note cannot be empty."), field="text")
        return change.event(EventKind.NOTE, text)


def close_case(user, case, *, outcome, notes="", now=None) -> Case:
    """Close with an outcome: a waiting offer is withdrawn, an open eviction proposal rejected, planned joint
    visits cancelled (their partner no longer sees them); arrangements stay as they are, an active one is
    completed when that is the outcome."""
    with case_change(user, case, Action.CLOSE, now=now) as change:
        if outcome not in CLOSING_OUTCOMES:
            raise CaseError(_("Choose an outcome."), field="outcome")
        case, now = change.case, change.now
        Handover.objects.filter(case=case, status=HandoverStatus.OFFERED).update(
            status=HandoverStatus.WITHDRAWN, responded_at=now, responded_by=change.actor.user,
            reason=str(_("Case closed")),
        )
        EvictionProposal.objects.filter(case=case, status=ProposalStatus.OPEN).update(
            status=ProposalStatus.REJECTED, decided_at=now
        )
        JointVisit.objects.filter(case=case, status=JointVisitStatus.PLANNED).update(status=JointVisitStatus.CANCELLED)
        if outcome == Outcome.ARRANGEMENT_COMPLETED:
            case.arrangements.filter(status=ArrangementStatus.ACTIVE).update(
                status=ArrangementStatus.COMPLETED, ended_on=timezone.localdate(now)
            )
        change.set(status=closing_status(outcome), outcome=outcome, closed_at=now)
        change.event(EventKind.CLOSED, notes or Text(Outcome(outcome).label), outcome=outcome)
        change.access_changed()  # the offer and the proposal ended with it
        return case


# --- arrears figures from signals ------------------------------------------------------------------------------


def update_arrears_bulk(updates, *, source=None, now=None) -> list[Case]:
    """Newer arrears figures (from signals) for open cases, by the system, in a fixed number of queries: an
    ARREARS_UPDATED event per update; each case takes the figures of its last update, the activity and the
    deadline recomputed once.

    `updates` is a list of (case or case id, arrears_amount, months_in_arrears, description) in the order they
    apply. Raises when one cannot apply (a closed case, an invalid amount); then nothing is written. Returns
    the updated cases."""
    now = now or timezone.now()
    ids = [item[0].pk if isinstance(item[0], Case) else item[0] for item in updates]
    if not ids:
        return []
    with transaction.atomic():
        cases = {case.pk: case for case in lock_cases(ids)}
        changes = CaseChanges(Actor.system(source), cases.values(), now=now)
        for item, arrears_amount, months_in_arrears, description in updates:
            case = cases[item.pk if isinstance(item, Case) else item]
            changes.check(case, Action.UPDATE_ARREARS)
            amount = money(arrears_amount, "arrears_amount")
            months = months_in_arrears_of(months_in_arrears)
            changes.set(case, arrears_amount=amount, months_in_arrears=months)
            changes.event(
                case,
                EventKind.ARREARS_UPDATED,
                description
                or Text(ngettext_lazy("Arrears now € %(amount)s (%(months)s month)",
                                      "Arrears now € %(amount)s (%(months)s months)", "months"),
                        plural_by="months", amount=amount, months=months),
                arrears_amount=str(amount),
                months_in_arrears=months,
            )
        changes.finish()
    return list(cases.values())


def update_arrears(case, *, arrears_amount, months_in_arrears, source=None, now=None, description="") -> Case:
    """A newer arrears figure (from a signal) for an open case; shows on the timeline."""
    [case] = update_arrears_bulk([(case, arrears_amount, months_in_arrears, description)], source=source, now=now)
    return case
