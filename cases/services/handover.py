"""Warm handover: offer a case with its dossier to a chain partner, who accepts or declines; joint visits.

Offering and ending offers are written for many cases (`offer_many`, `end_offers`): a person's offer, decline
or withdrawal is the one-element call, the escalation sweep's batch the many-element one.
"""

from collections import defaultdict
from datetime import timedelta
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convenants.services import chain_of
from partners.models import Organisation, OrganisationKind
from signals.models import ArrearsSignal

from ..models import (
    Arrangement,
    AttemptOutcome,
    CaseEvent,
    Channel,
    ContactAttempt,
    EventKind,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
)
from ..policy import Action, next_status, visit_outcome_due
from ..relations import Relation
from ._common import CaseChanges, CaseError, case_change, may_by_relation
from .casework import record_attempt
from .notifications import members_of

# The organisations a case can be handed over to (a chain partner's kind).
RECEIVING_KINDS = (OrganisationKind.DEBT_ASSISTANCE, OrganisationKind.WELFARE, OrganisationKind.SOCIAL_TEAM)


def next_in_chain(case, after: Organisation | None = None, *, chain=None) -> Organisation | None:
    """The chain partner after `after` (default: the holder); the first of the chain for the corporation.
    `chain`: the convenant's chain when the caller has it (the sweep reads it once per convenant)."""
    after = after or case.holder
    chain = chain if chain is not None else chain_of(case.convenant)
    ids = [organisation.pk for organisation in chain]
    rest = chain[ids.index(after.pk) + 1 :] if after.pk in ids else chain
    return rest[0] if rest else None


# --- the dossier -----------------------------------------------------------------------------------------------


def dossier_rows_many(cases) -> dict:
    """What build_dossier reads, for many cases with five queries: case id → ordered lists."""
    ids = [case.pk for case in cases]
    rows = {pk: defaultdict(list) for pk in ids}
    if not ids:
        return rows
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


def dossier_rows(case) -> dict:
    return dossier_rows_many([case])[case.pk]


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


# --- offers for many cases -------------------------------------------------------------------------------------


def offer_many(changes: CaseChanges, offers) -> list[Handover]:
    """Offer cases to partners: `offers` is [(case, to_organisation, summary, tenant_consent, by_escalation)]
    for locked cases checked for Action.OFFER. Each gets a Handover with its dossier frozen now, the status
    handed_over (the one before is kept on the offer), the event, and its partner's people are told."""
    if not offers:
        return []
    rows = dossier_rows_many([offer[0] for offer in offers])
    handovers = [
        Handover(
            case=case,
            from_organisation=case.holder,
            to_organisation=to_organisation,
            summary=summary,
            tenant_consent=tenant_consent,
            dossier=build_dossier(case, summary=summary, tenant_consent=tenant_consent, now=changes.now,
                                  rows=rows[case.pk]),
            offered_by=changes.actor.user,
            offered_at=changes.now,
            by_escalation=by_escalation,
            previous_status=case.status,
        )
        for case, to_organisation, summary, tenant_consent, by_escalation in offers
    ]
    Handover.objects.bulk_create(handovers)
    for handover in handovers:
        case, to_organisation = handover.case, handover.to_organisation
        changes.set(case, status=next_status(Action.OFFER, case.status), returned_at=None)
        changes.access_changed(case)
        changes.event(
            case,
            EventKind.HANDOVER_OFFERED,
            _("Offered to %(org)s") % {"org": to_organisation.name},
            organisation=changes.actor.organisation or case.holder,
            handover=handover.pk,
            to_organisation=to_organisation.pk,
            by_escalation=handover.by_escalation,
        )
        changes.notify(
            members_of(to_organisation, cache=changes.people),
            _("New case offered: case #%(id)s") % {"id": case.pk},
            case=case,
        )
    return handovers


def end_offers(changes: CaseChanges, ended, *, status, reason="", describe) -> None:
    """End open offers without a pickup: `ended` is [(locked case, its locked open offer)], `status` declined
    or withdrawn. The answer records who gave it (nobody for the sweep); each case goes back to the status it
    had before the offer, shows as returned (its deadline: a fresh handover one, cases.services.deadlines), and
    its planned joint visits with that partner are cancelled, so the partner no longer sees them.
    `describe(handover)`: the event's text."""
    if not ended:
        return
    user, now = changes.actor.user, changes.now
    Handover.objects.filter(pk__in=[offer.pk for _case, offer in ended]).update(
        status=status, responded_at=now, responded_by=user, reason=reason
    )
    JointVisit.objects.filter(
        reduce(or_, (Q(case_id=case.pk, partner_id=offer.to_organisation_id) for case, offer in ended)),
        status=JointVisitStatus.PLANNED,
    ).update(status=JointVisitStatus.CANCELLED)
    kind = EventKind.HANDOVER_DECLINED if status == HandoverStatus.DECLINED else EventKind.HANDOVER_WITHDRAWN
    for case, offer in ended:
        offer.status, offer.responded_at, offer.responded_by, offer.reason = status, now, user, reason
        changes.set(case, status=offer.previous_status, returned_at=now)
        changes.access_changed(case)
        changes.event(
            case,
            kind,
            describe(offer),
            organisation=changes.actor.organisation or case.holder,
            handover=offer.pk,
            to_organisation=offer.to_organisation_id,
            reason=reason,
            by_escalation=changes.actor.is_system,
        )


# --- a person's offer and its answer ---------------------------------------------------------------------------


def offer_handover(user, case, *, to_organisation=None, summary, tenant_consent, now=None) -> Handover:
    with case_change(user, case, Action.OFFER, now=now) as change:
        case = change.case
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
        if to_organisation.kind not in RECEIVING_KINDS:
            raise CaseError(_("Cases cannot be handed over to this organisation."), field="to_organisation")
        [handover] = offer_many(change.changes, [(case, to_organisation, summary, True, False)])
        return handover


def _open_offer(handover, *, answered_by):
    """The `subject` of an answer to an offer: the offer, locked after its case. When the caller saw it open and
    it was answered meanwhile (two coaches accepting at once), the party it concerns (`answered_by`: "to" the
    partner, "from" the offering holder) lost a race: a conflict (409). Otherwise the policy decides."""
    seen_open = isinstance(handover, Handover) and handover.status == HandoverStatus.OFFERED
    action = Action.ACCEPT if answered_by == "to" else Action.WITHDRAW
    relation = Relation.OFFERED if answered_by == "to" else Relation.HOLDER

    def lock(case, actor, relations):
        offer = (
            Handover.objects.select_for_update(of=("self",))
            .select_related("from_organisation", "to_organisation")
            .get(pk=handover.pk if isinstance(handover, Handover) else handover)
        )
        party_id = offer.to_organisation_id if answered_by == "to" else offer.from_organisation_id
        if (
            seen_open
            and offer.status != HandoverStatus.OFFERED
            and actor.organisation is not None
            and party_id == actor.organisation.pk
            and may_by_relation(actor, action, relation)
        ):
            raise CaseError(_no_longer_open(offer), conflict=True)
        return offer

    return lock


def _no_longer_open(offer):
    return _("This offer is no longer open (now: %(status)s).") % {"status": offer.get_status_display()}


def _answerable(change) -> Handover:
    """The locked offer, once the policy let the actor answer: it must be the case's open offer."""
    offer = change.subject
    if offer.status != HandoverStatus.OFFERED:
        raise CaseError(_no_longer_open(offer), conflict=True)
    return offer


def _case_of(handover) -> int:
    return handover.case_id if isinstance(handover, Handover) else Handover.objects.get(pk=handover).case_id


def accept_handover(user, handover, *, now=None) -> Handover:
    subject = _open_offer(handover, answered_by="to")
    with case_change(user, _case_of(handover), Action.ACCEPT, now=now, subject=subject) as change:
        offer, case = _answerable(change), change.case
        offer.status = HandoverStatus.ACCEPTED
        offer.responded_at = change.now
        offer.responded_by = change.actor.user
        offer.save(update_fields=["status", "responded_at", "responded_by"])
        change.set(status=next_status(Action.ACCEPT, case.status), holder=offer.to_organisation)
        change.event(
            EventKind.HANDOVER_ACCEPTED,
            _("Picked up by %(org)s") % {"org": offer.to_organisation.name},
            handover=offer.pk,
        )
        change.notify(
            members_of(offer.from_organisation),
            _("%(org)s has picked up case #%(id)s") % {"org": offer.to_organisation.name, "id": case.pk},
        )
        return offer


def decline_handover(user, handover, *, reason, now=None) -> Handover:
    subject = _open_offer(handover, answered_by="to")
    with case_change(user, _case_of(handover), Action.DECLINE, now=now, subject=subject) as change:
        offer, case = _answerable(change), change.case
        reason = (reason or "").strip()
        if not reason:
            raise CaseError(_("Give a reason why you are not picking up the case."), field="reason")
        end_offers(
            change.changes,
            [(case, offer)],
            status=HandoverStatus.DECLINED,
            reason=reason,
            describe=lambda h: _("Declined by %(org)s: %(reason)s") % {"org": h.to_organisation.name, "reason": reason},
        )
        change.notify(
            members_of(offer.from_organisation),
            _("%(org)s has declined case #%(id)s") % {"org": offer.to_organisation.name, "id": case.pk},
        )
        return offer


def withdraw_handover(user, handover, *, reason="", now=None) -> Handover:
    subject = _open_offer(handover, answered_by="from")
    with case_change(user, _case_of(handover), Action.WITHDRAW, now=now, subject=subject) as change:
        offer = _answerable(change)
        end_offers(
            change.changes,
            [(change.case, offer)],
            status=HandoverStatus.WITHDRAWN,
            reason=(reason or "").strip(),
            describe=lambda h: _("Offer to %(org)s withdrawn") % {"org": h.to_organisation.name},
        )
        return offer


# --- joint home visits -----------------------------------------------------------------------------------------


def plan_joint_visit(user, case, *, partner, planned_at, address="", now=None) -> JointVisit:
    """Vroeg Eropaf: the holder plans a home visit together with a chain partner of the case's convenant."""
    with case_change(user, case, Action.PLAN_VISIT, now=now) as change:
        case, actor = change.case, change.actor
        chain = {organisation.pk for organisation in chain_of(case.convenant)}
        if partner.pk not in chain or partner.pk in (case.holder_id, case.corporation_id):
            raise CaseError(_("Choose a chain partner of the covenant other than your own organisation."),
                            field="partner")
        if planned_at < change.now - timedelta(minutes=1):
            raise CaseError(_("A home visit must be planned in the future."), field="planned_at")
        address = (address or "").strip() or case.tenant.address
        visit = JointVisit.objects.create(
            case=case, organisation=actor.organisation, partner=partner, planned_at=planned_at, address=address,
            created_by=actor.user,
        )
        when = timezone.localtime(planned_at).strftime("%d-%m-%Y %H:%M")
        change.event(
            EventKind.JOINT_VISIT_PLANNED,
            _("Joint home visit with %(org)s on %(when)s") % {"org": partner.name, "when": when},
            joint_visit=visit.pk,
            partner=partner.pk,
        )
        for organisation in (actor.organisation, partner):
            change.notify(
                members_of(organisation),
                _("Joint home visit planned for case #%(id)s on %(when)s") % {"id": case.pk, "when": when},
            )
        return visit


def record_joint_visit(user, visit, *, outcome, notes="", at=None, now=None) -> JointVisit:
    """The visit took place: its outcome is logged on the case as a joint_home_visit attempt, from the visit's
    planned time on."""
    case_id = JointVisit.objects.values_list("case_id", flat=True).get(pk=visit.pk)
    with case_change(user, case_id, Action.RECORD_VISIT, now=now) as change:
        visit = JointVisit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != JointVisitStatus.PLANNED:
            raise CaseError(_("This home visit has already been processed."), conflict=True)
        if not visit_outcome_due(visit, change.now):
            raise CaseError(_("A joint home visit's outcome can only be recorded from its planned time on."))
        attempt = record_attempt(
            change, Action.RECORD_VISIT, channel=Channel.JOINT_HOME_VISIT, outcome=outcome,
            at=at or visit.planned_at, notes=notes,
        )
        visit.status = JointVisitStatus.DONE
        visit.attempt = attempt
        visit.save(update_fields=["status", "attempt"])
        return visit
