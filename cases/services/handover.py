"""Warm handover: offer a case with its dossier to a chain partner, who accepts or declines; joint visits.

Offering and ending offers are written for many cases (`offer_many`, `end_offers`): a person's offer, decline
or withdrawal is the one-element call, the escalation sweep's batch the many-element one.
"""

from collections import defaultdict
from datetime import timedelta
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from config.errors import ForbiddenAction
from convenants.services import chain_of
from partners.models import Organisation, OrganisationKind
from signals.models import ArrearsSignal, SignalCase, SignalKind

from .. import policy
from ..models import (
    Arrangement,
    AttemptOutcome,
    CaseEvent,
    Channel,
    Consent,
    ConsentHow,
    ContactAttempt,
    EventKind,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
)
from ..policy import Action, next_status, visit_outcome_due
from ..relations import Relation
from ..texts import Text
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


# What a landlord may share without the tenant's consent (Besluit gemeentelijke schuldhulpverlening): contact data
# and the arrears. Everything else in a dossier (attempts, notes, arrangements, other creditors' signals, earlier
# handovers, the summary) needs the tenant's consent.
CONTACT_FIELDS = ("name", "street", "house_number", "postcode", "city", "phone", "email")
FULL, REDUCED = "full", "reduced"


def current_consents(case_ids) -> dict[int, Consent]:
    """case id → its current consent record (given, refused or withdrawn), for the cases that have one."""
    return {
        consent.case_id: consent
        for consent in Consent.objects.filter(case_id__in=list(case_ids), superseded_at__isnull=True)
        .select_related("organisation", "recorded_by", "withdrawn_by")
    }


def current_consent(case) -> Consent | None:
    return current_consents([case.pk]).get(case.pk)


def _person(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def consent_line(consent: Consent | None) -> dict:
    """The consent as a dossier and the API show it: `given` is whether it is in force (given, not withdrawn)."""
    if consent is None:
        return {"given": False, "recorded": False, "at": None, "how": None, "how_label": None, "recorded_by": None,
                "organisation": None, "withdrawn_at": None, "withdrawn_by": None}
    return {
        "given": consent.in_force,
        "recorded": True,
        "at": consent.at.isoformat(),
        "how": consent.how or None,
        "how_label": str(ConsentHow(consent.how).label) if consent.how else None,
        "recorded_by": _person(consent.recorded_by),
        "organisation": consent.organisation.name if consent.organisation_id else None,
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "withdrawn_by": _person(consent.withdrawn_by),
    }


def reduced_dossier(dossier: dict, *, case_id, consent: dict) -> dict:
    """The part of `dossier` a partner may see without the tenant's consent: the tenant's contact data, the
    arrears amount and months, the case number."""
    tenant = dossier.get("tenant") or {}
    arrears = dossier.get("arrears") or {}
    return {
        "variant": REDUCED,
        "assembled_at": dossier.get("assembled_at"),
        "case": case_id,
        "tenant_consent": False,
        "consent": consent,
        "tenant": {name: tenant.get(name, "") for name in CONTACT_FIELDS},
        "arrears": {"amount": arrears.get("amount"), "months_in_arrears": arrears.get("months_in_arrears")},
    }


def build_dossier(case, *, summary="", consent: Consent | None = None, now, rows=None) -> dict:
    """What the partner is given: with the tenant's consent in force everything done so far, so that nobody has
    to ask for it again; without it the reduced dossier only. `rows`: what dossier_rows(case) would read, when
    the caller read it already."""
    if consent is None or not consent.in_force:
        return reduced_dossier(_full_dossier(case, summary=summary, now=now, rows=defaultdict(list)),
                               case_id=case.pk, consent=consent_line(consent))
    rows = rows if rows is not None else dossier_rows(case)
    return {"variant": FULL, "case": case.pk, "consent": consent_line(consent),
            **_full_dossier(case, summary=summary, now=now, rows=rows)}


def _full_dossier(case, *, summary, now, rows) -> dict:
    tenant = case.tenant
    events = rows["events"]
    return {
        "assembled_at": now.isoformat(),
        "summary": summary,
        "tenant_consent": True,
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
    """Offer cases to partners: `offers` is [(case, to_organisation, summary, share, by_escalation)] for locked
    cases checked for Action.OFFER. Each gets a Handover with its dossier frozen now: the full dossier when the
    case's current consent is in force (and `share` is not False), else the reduced one; `share` None follows the
    consent record (the sweep). The status becomes handed_over (the one before is kept on the offer), the event
    is written, and its partner's people are told."""
    if not offers:
        return []
    consents = current_consents(offer[0].pk for offer in offers)
    shared = {}
    for case, _to, _summary, share, _by in offers:
        consent = consents.get(case.pk)
        shared[case.pk] = consent if consent is not None and consent.in_force and share is not False else None
    rows = dossier_rows_many([offer[0] for offer in offers if shared[offer[0].pk] is not None])
    handovers = [
        Handover(
            case=case,
            from_organisation=case.holder,
            to_organisation=to_organisation,
            summary=summary,
            tenant_consent=shared[case.pk] is not None,
            dossier=build_dossier(
                case, summary=summary, now=changes.now, rows=rows.get(case.pk),
                consent=shared[case.pk] or _not_in_force(consents.get(case.pk)),
            ),
            offered_by=changes.actor.user,
            offered_at=changes.now,
            by_escalation=by_escalation,
            previous_status=case.status,
        )
        for case, to_organisation, summary, _share, by_escalation in offers
    ]
    Handover.objects.bulk_create(handovers)
    _mark_warm_handovers(handovers)
    for handover in handovers:
        case, to_organisation = handover.case, handover.to_organisation
        changes.set(case, status=next_status(Action.OFFER, case.status), returned_at=None)
        changes.access_changed(case)
        changes.event(
            case,
            EventKind.HANDOVER_OFFERED,
            Text(gettext_noop("Offered to %(org)s"), org=to_organisation.name),
            organisation=changes.actor.organisation or case.holder,
            handover=handover.pk,
            to_organisation=to_organisation.pk,
            by_escalation=handover.by_escalation,
            tenant_consent=handover.tenant_consent,
        )
        changes.notify(
            members_of(to_organisation, cache=changes.people),
            Text(gettext_noop("New case offered: case #%(id)s"), id=case.pk),
            case=case,
        )
    return handovers


def _mark_warm_handovers(handovers) -> None:
    """A corporation that hands a case over to debt assistance itself (not the sweep) makes a warm handover in
    DDAS's sense: the case's rent signals, the vroegsignaal cases they were matched into, and the household's
    open vroegsignaal case (other creditors' signals at the tenant's address) get the flag."""
    warm = [
        handover.case for handover in handovers
        if not handover.by_escalation
        and handover.from_organisation.kind == OrganisationKind.CORPORATION
        and handover.to_organisation.kind == OrganisationKind.DEBT_ASSISTANCE
    ]
    if not warm:
        return
    rent_signals = ArrearsSignal.objects.filter(case_id__in=[case.pk for case in warm], kind=SignalKind.RENT)
    households = reduce(or_, (Q(postcode=case.tenant.postcode, house_number=case.tenant.house_number,
                                municipality__iexact=case.corporation.municipality)
                              for case in warm))
    SignalCase.objects.filter(
        Q(Exists(rent_signals.filter(signal_case_id=OuterRef("pk"))))
        | (households & Q(closed_at__isnull=True, anonymised_at__isnull=True)),
        warm_handover=False,
    ).update(warm_handover=True)
    rent_signals.filter(warm_handover=False).update(warm_handover=True)


def _not_in_force(consent):
    """A consent record that does not cover a handover made without it: shown as it is when it is not in force
    (refused, withdrawn); a consent in force that the offer chose not to use shows as none."""
    return consent if consent is not None and not consent.in_force else None


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


def offer_handover(user, case, *, to_organisation=None, summary, tenant_consent=None, consent=None,
                   now=None) -> Handover:
    """A person's offer. What the dossier carries follows the tenant's consent: `consent` ({"given", "how",
    "at"?}) records it now (the corporation's people); `tenant_consent` True (API version 1) asks for the
    consent on record, recording one without a "how" when the case has none; False shares the reduced dossier;
    neither follows the consent on record."""
    with case_change(user, case, Action.OFFER, now=now) as change:
        case = change.case
        summary = (summary or "").strip()
        if not summary:
            raise CaseError(_("Write a summary for the chain partner."), field="summary")
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
        share = _consent_for_offer(change, tenant_consent=tenant_consent, consent=consent)
        [handover] = offer_many(change.changes, [(case, to_organisation, summary, share, False)])
        return handover


def _consent_for_offer(change, *, tenant_consent, consent) -> bool | None:
    if tenant_consent not in (None, True, False):
        raise CaseError(_("Say yes or no."), field="tenant_consent")
    if consent is not None:
        if tenant_consent is not None and tenant_consent != consent.get("given"):
            raise CaseError(_("This does not match the consent given."), field="tenant_consent")
        try:
            return _record_consent(change, **consent).in_force
        except CaseError as error:
            if not error.field or error.conflict:
                raise
            raise CaseError(error.message, field=f"consent.{error.field}") from None
    if tenant_consent is not True:
        return tenant_consent
    current = _lock_current(change.case)
    if current is None:
        try:
            policy.check(change.actor, change.case, Action.RECORD_CONSENT, relations=change.relations)
        except ForbiddenAction:
            raise CaseError(_("No consent of the tenant is on record; the housing corporation records it."),
                            field="tenant_consent") from None
        return _record_consent(change, given=True, how="", how_required=False).in_force
    if not current.in_force:
        raise CaseError(_consent_not_in_force(current), field="tenant_consent")
    return True


def _consent_not_in_force(consent):
    if consent.withdrawn_at is not None:
        return _("The tenant has withdrawn the consent; record a new consent first.")
    return _("The tenant gave no consent; record a new consent first.")


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
        change.set(status=next_status(Action.ACCEPT, case.status), holder=offer.to_organisation,
                   assigned_to=change.actor.user)
        change.event(
            EventKind.HANDOVER_ACCEPTED,
            Text(gettext_noop("Picked up by %(org)s"), org=offer.to_organisation.name),
            handover=offer.pk,
        )
        change.notify(
            members_of(offer.from_organisation),
            Text(gettext_noop("%(org)s has picked up case #%(id)s"), org=offer.to_organisation.name,
                 id=case.pk),
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
            describe=lambda h: Text(gettext_noop("Declined by %(org)s: %(reason)s"), org=h.to_organisation.name,
                                    reason=reason),
        )
        change.notify(
            members_of(offer.from_organisation),
            Text(gettext_noop("%(org)s has declined case #%(id)s"), org=offer.to_organisation.name, id=case.pk),
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
            describe=lambda h: Text(gettext_noop("Offer to %(org)s withdrawn"), org=h.to_organisation.name),
        )
        return offer


# --- the tenant's consent --------------------------------------------------------------------------------------


def _lock_current(case) -> Consent | None:
    return (
        Consent.objects.select_for_update(of=("self",))
        .select_related("organisation", "recorded_by", "withdrawn_by")
        .filter(case_id=case.pk, superseded_at__isnull=True)
        .first()
    )


def record_consent(user, case, *, given, how="", at=None, now=None) -> Consent:
    """The corporation records the tenant's answer (given or not, when, how). Given while an offer waits that was
    made without it, that partner gets the full dossier now."""
    with case_change(user, case, Action.RECORD_CONSENT, now=now) as change:
        return _record_consent(change, given=given, how=how, at=at, checked=True)


def _record_consent(change, *, given, how="", at=None, checked=False, how_required=True) -> Consent:
    case, now, actor = change.case, change.now, change.actor
    if not checked:
        policy.check(actor, case, Action.RECORD_CONSENT, relations=change.relations)
    if given not in (True, False):
        raise CaseError(_("Say whether the tenant gives consent."), field="given")
    how = how or ""
    if how not in ConsentHow.values and how != "":
        raise CaseError(_("Choose verbally, in writing or digitally."), field="how")
    if given and not how and how_required:
        raise CaseError(_("Say how the tenant gave consent."), field="how")
    at = at or now
    if at > now + timedelta(minutes=1):
        raise CaseError(_("Consent cannot be dated in the future."), field="at")
    current = _lock_current(case)
    if not given and current is not None and current.in_force:
        raise CaseError(_("The tenant's consent is on record: withdraw it if the tenant takes it back."),
                        field="given")
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    consent = Consent.objects.create(
        case=case, given=given, how=how, at=at, organisation=actor.organisation, recorded_by=actor.user,
        recorded_at=now,
    )
    if given:
        how_text = ConsentHow(how).label if how else Text(gettext_noop("how not stated"))
        text = Text(gettext_noop("The tenant consents to sharing the case file with chain partners (%(how)s)"),
                    how=how_text)
    else:
        text = Text(gettext_noop(
            "The tenant does not consent to sharing the case file: partners get contact data and arrears only"
        ))
    change.set(consent_in_force=given)
    upgraded = _share_open_offer(change, consent) if given else []
    change.event(EventKind.CONSENT_RECORDED, text, consent=consent.pk, given=given, how=how,
                 at=at.isoformat(), handovers=upgraded)
    return consent


def _share_open_offer(change, consent) -> list[int]:
    """The case's waiting offer made without consent gets the full dossier, now that consent is given."""
    offers = list(
        Handover.objects.select_for_update(of=("self",))
        .filter(case_id=change.case.pk, status=HandoverStatus.OFFERED, tenant_consent=False)
    )
    if not offers:
        return []
    rows = dossier_rows(change.case)
    for offer in offers:
        offer.dossier = build_dossier(change.case, summary=offer.summary, consent=consent, now=change.now, rows=rows)
        offer.tenant_consent = True
    Handover.objects.bulk_update(offers, ["dossier", "tenant_consent"])
    return [offer.pk for offer in offers]


def withdraw_consent(user, case, *, now=None) -> Consent:
    """The tenant takes the consent back: every dossier of the case that was shared with it is cut down to the
    reduced dossier (and its summary, written under consent, removed), so that no copy of what needed consent
    stays with a partner; the partners concerned are told."""
    with case_change(user, case, Action.WITHDRAW_CONSENT, now=now) as change:
        case, now = change.case, change.now
        consent = _lock_current(case)
        if consent is None or not consent.in_force:
            raise CaseError(_("There is no consent to withdraw."))
        consent.withdrawn_at, consent.withdrawn_by = now, change.actor.user
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        change.set(consent_in_force=False)
        line = consent_line(consent)
        shared = list(
            Handover.objects.select_for_update(of=("self",)).select_related("to_organisation")
            .filter(case_id=case.pk, tenant_consent=True)
        )
        for handover in shared:
            handover.dossier = reduced_dossier(handover.dossier or {}, case_id=case.pk, consent=line)
            handover.summary = ""
            handover.tenant_consent = False
        Handover.objects.bulk_update(shared, ["dossier", "summary", "tenant_consent"])
        change.event(
            EventKind.CONSENT_WITHDRAWN,
            Text(gettext_noop("The tenant withdrew the consent: partners see contact data and arrears only")),
            consent=consent.pk,
            handovers=[handover.pk for handover in shared],
        )
        partners = {
            handover.to_organisation_id: handover.to_organisation
            for handover in shared
            if handover.status in (HandoverStatus.OFFERED, HandoverStatus.ACCEPTED)
        }
        for organisation in partners.values():
            change.notify(members_of(organisation),
                          Text(gettext_noop("The tenant withdrew the consent for case #%(id)s"), id=case.pk))
        return consent


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
        change.event(
            EventKind.JOINT_VISIT_PLANNED,
            Text(gettext_noop("Joint home visit with %(org)s on %(when)s"), org=partner.name, when=planned_at),
            joint_visit=visit.pk,
            partner=partner.pk,
        )
        for organisation in (actor.organisation, partner):
            change.notify(
                members_of(organisation),
                Text(gettext_noop("Joint home visit planned for case #%(id)s on %(when)s"), id=case.pk,
                     when=planned_at),
            )
        return visit


def _tell_visit_parties(change, visit, subject) -> None:
    for organisation in (visit.organisation_id, visit.partner_id):
        change.notify(members_of(organisation), subject)


def move_joint_visit(user, visit, *, planned_at, now=None) -> JointVisit:
    """The planner moves a planned visit to another (future) time; both sides are told."""
    case_id = JointVisit.objects.values_list("case_id", flat=True).get(pk=visit.pk)
    with case_change(user, case_id, Action.MOVE_VISIT, now=now) as change:
        visit = JointVisit.objects.select_for_update().get(pk=visit.pk)
        policy.check_visit(change.actor, change.case, visit, Action.MOVE_VISIT, relations=change.relations)
        if planned_at is None or planned_at < change.now - timedelta(minutes=1):
            raise CaseError(_("A home visit must be planned in the future."), field="planned_at")
        if planned_at == visit.planned_at:
            raise CaseError(_("Choose another time than the one planned."), field="planned_at")
        was, visit.planned_at = visit.planned_at, planned_at
        visit.save(update_fields=["planned_at"])
        change.event(
            EventKind.JOINT_VISIT_MOVED,
            Text(gettext_noop("Joint home visit with %(org)s moved from %(was)s to %(when)s"),
                 org=visit.partner.name, was=was, when=planned_at),
            joint_visit=visit.pk, partner=visit.partner_id, planned_at=planned_at.isoformat(), was=was.isoformat(),
        )
        _tell_visit_parties(change, visit, Text(gettext_noop("The joint home visit for case #%(id)s moved to %(when)s"),
                                                id=change.case.pk, when=planned_at))
        return visit


def cancel_joint_visit(user, visit, *, reason="", now=None) -> JointVisit:
    """The planner cancels a planned visit (with an optional reason, kept on the timeline); both sides are told."""
    case_id = JointVisit.objects.values_list("case_id", flat=True).get(pk=visit.pk)
    with case_change(user, case_id, Action.CANCEL_VISIT, now=now) as change:
        visit = JointVisit.objects.select_for_update().get(pk=visit.pk)
        policy.check_visit(change.actor, change.case, visit, Action.CANCEL_VISIT, relations=change.relations)
        reason = (reason or "").strip()
        visit.status = JointVisitStatus.CANCELLED
        visit.save(update_fields=["status"])
        texts = {"org": visit.partner.name, "when": visit.planned_at}
        if reason:
            text = Text(gettext_noop("Joint home visit with %(org)s on %(when)s cancelled: %(reason)s"),
                        reason=reason, **texts)
        else:
            text = Text(gettext_noop("Joint home visit with %(org)s on %(when)s cancelled"), **texts)
        change.event(EventKind.JOINT_VISIT_CANCELLED, text, joint_visit=visit.pk, partner=visit.partner_id,
                     reason=reason)
        _tell_visit_parties(change, visit, Text(
            gettext_noop("The joint home visit for case #%(id)s on %(when)s is cancelled"),
            id=change.case.pk, when=visit.planned_at,
        ))
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
