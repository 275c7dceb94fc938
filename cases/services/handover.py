"""Warm handover: offer a case with its dossier to a chain partner, who accepts or declines; joint visits."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convenants.services import chain_of
from partners.models import Organisation, OrganisationKind

from ..models import (
    AttemptOutcome,
    CaseStatus,
    Channel,
    EventKind,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
)
from ._common import Actor, CaseError, actor_of, lock_case, require_holder, require_open, write_event
from .access import sync_permissions
from .casework import _save, log_contact_attempt
from .notifications import members_of, notify

OFFERABLE_STATUSES = (CaseStatus.OPEN, CaseStatus.CONTACTING, CaseStatus.ARRANGEMENT, CaseStatus.WITH_PARTNER)


def next_in_chain(case, after: Organisation | None = None) -> Organisation | None:
    """The chain partner after `after` (default: the holder); the first of the chain for the corporation."""
    after = after or case.holder
    chain = chain_of(case.convenant)
    ids = [organisation.pk for organisation in chain]
    if after.pk in ids:
        rest = chain[ids.index(after.pk) + 1 :]
    else:
        rest = chain
    return rest[0] if rest else None


def dossier_rows(case) -> dict:
    """What build_dossier reads about one case (ordered lists)."""
    return {
        "events": list(case.events.select_related("organisation").order_by("at", "id")),
        "attempts": list(case.contact_attempts.select_related("organisation").order_by("at", "id")),
        "arrangements": list(case.arrangements.order_by("created_at", "id")),
        "signals": list(case.signals.order_by("reference_date")),
        "handovers": list(case.handovers.select_related("to_organisation").order_by("offered_at")),
    }


def dossier_rows_many(cases) -> dict:
    """dossier_rows for many cases with five queries: case id → rows (the escalation sweep's batches)."""
    from collections import defaultdict

    from signals.models import ArrearsSignal

    from ..models import Arrangement, CaseEvent, ContactAttempt

    ids = [case.pk for case in cases]
    rows = {pk: defaultdict(list) for pk in ids}
    for key, queryset in (
        ("events", CaseEvent.objects.select_related("organisation").order_by("at", "id")),
        ("attempts", ContactAttempt.objects.select_related("organisation").order_by("at", "id")),
        ("arrangements", Arrangement.objects.order_by("created_at", "id")),
        ("signals", ArrearsSignal.objects.order_by("reference_date")),
        ("handovers", Handover.objects.select_related("to_organisation").order_by("offered_at")),
    ):
        for row in queryset.filter(case_id__in=ids):
            rows[row.case_id][key].append(row)
    return rows


def build_dossier(case, *, summary="", tenant_consent=False, now, rows=None) -> dict:
    """What the partner is given: everything done so far, so that nobody has to ask for it again.
    `rows`: what dossier_rows(case) would read, when the caller read it already."""
    tenant = case.tenant
    rows = rows if rows is not None else dossier_rows(case)
    events = rows["events"]
    return {
        "assembled_at": now.isoformat(),
        "summary": summary,
        "tenant_consent": tenant_consent,
        "tenant": {
            "name": tenant.name,
            "street": tenant.street,
            "house_number": tenant.house_number,
            "postcode": tenant.postcode,
            "city": tenant.city,
            "phone": tenant.phone,
            "email": tenant.email,
            "contract_ref": tenant.contract_ref,
        },
        "arrears": {
            "amount": str(case.arrears_amount),
            "months_in_arrears": case.months_in_arrears,
            "monthly_rent": str(case.monthly_rent) if case.monthly_rent is not None else None,
            "opened_at": case.opened_at.isoformat(),
            "history": [
                {"at": e.at.isoformat(), "amount": e.data.get("arrears_amount"), "months": e.data.get("months_in_arrears")}
                for e in events
                if e.kind in (EventKind.OPENED, EventKind.ARREARS_UPDATED)
            ],
        },
        "contact_attempts": [
            {
                "at": a.at.isoformat(),
                "channel": a.channel,
                "channel_label": str(Channel(a.channel).label),
                "outcome": a.outcome,
                "outcome_label": str(AttemptOutcome(a.outcome).label),
                "notes": a.notes,
                "organisation": a.organisation.name,
            }
            for a in rows["attempts"]
        ],
        "arrangements": [
            {
                "monthly_amount": str(r.monthly_amount),
                "start_date": r.start_date.isoformat(),
                "months": r.months,
                "status": r.status,
                "missed_installments": r.missed_installments,
                "agreed_at": r.created_at.isoformat(),
            }
            for r in rows["arrangements"]
        ],
        "notes": [
            {"at": e.at.isoformat(), "text": e.description, "organisation": e.organisation.name if e.organisation else ""}
            for e in events
            if e.kind == EventKind.NOTE
        ],
        "signals": [
            {
                "kind": s.kind,
                "amount": str(s.amount),
                "months_in_arrears": s.months_in_arrears,
                "reference_date": s.reference_date.isoformat(),
            }
            for s in rows["signals"]
        ],
        "previous_handovers": [
            {
                "to_organisation": h.to_organisation.name,
                "status": h.status,
                "offered_at": h.offered_at.isoformat(),
                "reason": h.reason,
            }
            for h in rows["handovers"]
        ],
    }


def _offer(case, *, actor: Actor, to_organisation, summary, tenant_consent, previous_status, now, by_escalation):
    dossier = build_dossier(case, summary=summary, tenant_consent=tenant_consent, now=now)
    handover = Handover.objects.create(
        case=case,
        from_organisation=case.holder,
        to_organisation=to_organisation,
        summary=summary,
        tenant_consent=tenant_consent,
        dossier=dossier,
        offered_by=actor.user,
        offered_at=now,
        by_escalation=by_escalation,
        previous_status=previous_status,
    )
    case.status = CaseStatus.HANDED_OVER
    write_event(
        case,
        EventKind.HANDOVER_OFFERED,
        actor=actor if actor.organisation else Actor.system(case.holder),
        at=now,
        description=_("Offered to %(org)s") % {"org": to_organisation.name},
        handover=handover.pk,
        to_organisation=to_organisation.pk,
        by_escalation=by_escalation,
    )
    notify(
        members_of(to_organisation),
        subject=_("New case offered: %(tenant)s") % {"tenant": case.tenant.name},
        body=summary,
        case=case,
        now=now,
    )
    return handover


@transaction.atomic
def offer_handover(user, case, *, to_organisation=None, summary, tenant_consent, now=None) -> Handover:
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder(actor, case)
    if case.status not in OFFERABLE_STATUSES:
        raise CaseError(
            _("This case cannot be handed over now (status: %(status)s).") % {"status": case.get_status_display()}
        )
    summary = (summary or "").strip()
    if not summary:
        raise CaseError(_("Write a summary for the chain partner."), field="summary")
    if tenant_consent is not True:
        raise CaseError(_("Without the tenant's consent the dossier cannot be shared."), field="tenant_consent")
    if to_organisation is None:
        to_organisation = next_in_chain(case)
        if to_organisation is None:
            raise CaseError(_("There is no next chain partner in the covenant."), field="to_organisation")
    if to_organisation.pk in (case.holder_id, case.corporation_id):
        raise CaseError(_("Choose an organisation other than the current holder."), field="to_organisation")
    if not case.convenant.parties.filter(pk=to_organisation.pk).exists():
        raise CaseError(_("This organisation is not a party to the covenant."), field="to_organisation")
    if to_organisation.kind not in (
        OrganisationKind.DEBT_ASSISTANCE,
        OrganisationKind.WELFARE,
        OrganisationKind.SOCIAL_TEAM,
    ):
        raise CaseError(_("Cases cannot be handed over to this organisation."), field="to_organisation")
    handover = _offer(
        case,
        actor=actor,
        to_organisation=to_organisation,
        summary=summary,
        tenant_consent=True,
        previous_status=case.status,
        now=now,
        by_escalation=False,
    )
    _save(case, now, "status")
    sync_permissions(case)
    return handover


def _lock_offer(handover) -> Handover:
    # The case row first, then the offer: the order offer_handover and close_case lock in, so an accept that
    # races a close or a new offer waits instead of deadlocking.
    lock_case(handover.case_id)
    return (
        Handover.objects.select_for_update(of=("self",))
        .select_related("from_organisation", "to_organisation")
        .get(pk=handover.pk)
    )


def _require_offered(handover):
    if handover.status != HandoverStatus.OFFERED:
        raise CaseError(
            _("This offer is no longer open (now: %(status)s).") % {"status": handover.get_status_display()},
            conflict=True,
        )


def _end_offer(handover, *, status, actor, reason, now, event_kind, description):
    case = lock_case(handover.case_id)
    handover.status = status
    handover.responded_at = now
    handover.responded_by = actor.user
    handover.reason = reason
    handover.save(update_fields=["status", "responded_at", "responded_by", "reason"])
    case.status = handover.previous_status
    write_event(case, event_kind, actor=actor, at=now, description=description, handover=handover.pk, reason=reason)
    _save(case, now, "status")
    sync_permissions(case)
    return case


@transaction.atomic
def accept_handover(user, handover, *, now=None) -> Handover:
    now = now or timezone.now()
    actor = actor_of(user)
    handover = _lock_offer(handover)
    if actor.organisation.pk != handover.to_organisation_id:
        raise CaseError(_("This offer was not made to your organisation."))
    _require_offered(handover)
    case = lock_case(handover.case_id)
    handover.status = HandoverStatus.ACCEPTED
    handover.responded_at = now
    handover.responded_by = actor.user
    handover.save(update_fields=["status", "responded_at", "responded_by"])
    case.holder = handover.to_organisation
    case.status = CaseStatus.WITH_PARTNER
    write_event(
        case,
        EventKind.HANDOVER_ACCEPTED,
        actor=actor,
        at=now,
        description=_("Picked up by %(org)s") % {"org": handover.to_organisation.name},
        handover=handover.pk,
    )
    _save(case, now, "status", "holder")
    sync_permissions(case)
    notify(
        members_of(handover.from_organisation),
        subject=_("%(org)s has picked up the case %(tenant)s")
        % {"org": handover.to_organisation.name, "tenant": case.tenant.name},
        case=case,
        now=now,
    )
    return handover


@transaction.atomic
def decline_handover(user, handover, *, reason, now=None) -> Handover:
    now = now or timezone.now()
    actor = actor_of(user)
    handover = _lock_offer(handover)
    if actor.organisation.pk != handover.to_organisation_id:
        raise CaseError(_("This offer was not made to your organisation."))
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give a reason why you are not picking up the case."), field="reason")
    _require_offered(handover)
    case = _end_offer(
        handover,
        status=HandoverStatus.DECLINED,
        actor=actor,
        reason=reason,
        now=now,
        event_kind=EventKind.HANDOVER_DECLINED,
        description=_("Declined by %(org)s: %(reason)s") % {"org": handover.to_organisation.name, "reason": reason},
    )
    notify(
        members_of(handover.from_organisation),
        subject=_("%(org)s has declined the case %(tenant)s")
        % {"org": handover.to_organisation.name, "tenant": case.tenant.name},
        body=reason,
        case=case,
        now=now,
    )
    return handover


@transaction.atomic
def withdraw_handover(user, handover, *, reason="", now=None) -> Handover:
    now = now or timezone.now()
    actor = actor_of(user)
    handover = _lock_offer(handover)
    if not actor.is_system and actor.organisation.pk != handover.from_organisation_id:
        raise CaseError(_("Only the offering organisation can withdraw the offer."))
    _require_offered(handover)
    _end_offer(
        handover,
        status=HandoverStatus.WITHDRAWN,
        actor=actor,
        reason=(reason or "").strip(),
        now=now,
        event_kind=EventKind.HANDOVER_WITHDRAWN,
        description=_("Offer to %(org)s withdrawn") % {"org": handover.to_organisation.name},
    )
    return handover


@transaction.atomic
def plan_joint_visit(user, case, *, partner, planned_at, address="", now=None) -> JointVisit:
    """Vroeg Eropaf: the holder plans a home visit together with a partner organisation."""
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    require_open(case)
    require_holder(actor, case)
    if partner.pk == case.holder_id:
        raise CaseError(_("Choose an organisation other than your own."), field="partner")
    if not case.convenant.parties.filter(pk=partner.pk).exists():
        raise CaseError(_("This organisation is not a party to the covenant."), field="partner")
    if planned_at < now - timedelta(minutes=1):
        raise CaseError(_("A home visit must be planned in the future."), field="planned_at")
    address = (address or "").strip() or case.tenant.address
    visit = JointVisit.objects.create(
        case=case, organisation=actor.organisation, partner=partner, planned_at=planned_at, address=address,
        created_by=actor.user,
    )
    write_event(
        case,
        EventKind.JOINT_VISIT_PLANNED,
        actor=actor,
        at=now,
        description=_("Joint home visit with %(org)s on %(when)s")
        % {"org": partner.name, "when": timezone.localtime(planned_at).strftime("%d-%m-%Y %H:%M")},
        joint_visit=visit.pk,
        partner=partner.pk,
    )
    _save(case, now)
    for organisation in (actor.organisation, partner):
        notify(
            members_of(organisation),
            subject=_("Joint home visit planned: %(tenant)s") % {"tenant": case.tenant.name},
            body=_("%(when)s, %(address)s")
            % {"when": timezone.localtime(planned_at).strftime("%d-%m-%Y %H:%M"), "address": address},
            case=case,
            now=now,
        )
    return visit


@transaction.atomic
def record_joint_visit(user, visit, *, outcome, notes="", at=None, now=None) -> JointVisit:
    """The visit took place: its outcome is logged on the case as a joint_home_visit attempt."""
    visit = JointVisit.objects.select_for_update().select_related("case").get(pk=visit.pk)
    if visit.status != JointVisitStatus.PLANNED:
        raise CaseError(_("This home visit has already been processed."), conflict=True)
    attempt = log_contact_attempt(
        user, visit.case, channel=Channel.JOINT_HOME_VISIT, outcome=outcome, at=at or min(visit.planned_at, now or timezone.now()),
        notes=notes,
        now=now,
    )
    visit.status = JointVisitStatus.DONE
    visit.attempt = attempt
    visit.save(update_fields=["status", "attempt"])
    return visit
