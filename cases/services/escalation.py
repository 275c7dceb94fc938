"""The clock of the chain: escalate every open case whose active deadline has passed.

Due cases are taken in batches with SELECT … FOR UPDATE SKIP LOCKED: two sweeps never take the same case, and
each batch commits as a whole (the escalation, its event, its action and the new deadline of every case in it),
so a worker that dies mid-batch leaves nothing half done and the next sweep takes those cases again.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convenants.models import DeadlineKind, EscalationPolicy, escalation_policy
from partners.models import Organisation, OrganisationKind

from ..models import Case, CaseStatus, Escalation, EventKind, Handover, HandoverStatus
from ._common import Actor, write_event
from .access import sync_permissions
from .casework import _save
from .handover import OFFERABLE_STATUSES, _offer, next_in_chain
from .notifications import managers_of, notify


def municipality_managers(case):
    municipalities = Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, convenants=case.convenant
    )
    return [user for organisation in municipalities for user in managers_of(organisation)]


def _handover_next(case, *, as_of, system):
    """Offer the case onward. Returns (organisation that missed the deadline, organisation now offered)."""
    offer = (
        Handover.objects.select_for_update()
        .select_related("to_organisation")
        .filter(case=case, status=HandoverStatus.OFFERED)
        .first()
    )
    if offer is not None:
        offer.status = HandoverStatus.WITHDRAWN
        offer.responded_at = as_of
        offer.reason = str(_("Niet opgepakt binnen de termijn"))
        offer.save(update_fields=["status", "responded_at", "reason"])
        write_event(
            case, EventKind.HANDOVER_WITHDRAWN, actor=system, at=as_of,
            description=_("Aanbod aan %(org)s ingetrokken: niet opgepakt binnen de termijn")
            % {"org": offer.to_organisation.name},
            handover=offer.pk,
        )
        missed_by, previous_status = offer.to_organisation, offer.previous_status
        case.status = previous_status
        following = next_in_chain(case, after=offer.to_organisation)
    else:
        missed_by, previous_status = case.holder, case.status
        following = next_in_chain(case)
    if following is not None and following.pk not in (case.holder_id, case.corporation_id):
        _offer(
            case,
            actor=system,
            to_organisation=following,
            summary=str(_("Automatisch aangeboden: de termijn %(kind)s is verstreken."))
            % {"kind": DeadlineKind(case.deadline_kind).label},
            tenant_consent=False,
            previous_status=previous_status,
            now=as_of,
            by_escalation=True,
        )
        return missed_by, following
    notify(
        municipality_managers(case),
        subject=_("Geen ketenpartner meer voor casus #%(id)s") % {"id": case.pk},
        body=_("De keten van het convenant is doorlopen zonder dat een partner de casus oppakte."),
        case=case,
        now=as_of,
    )
    return missed_by, None


def escalate_case(case: Case, *, as_of) -> Escalation | None:
    """Escalate one locked, due case (inside the caller's transaction)."""
    kind, deadline_at = case.deadline_kind, case.deadline_at
    system = Actor.system(case.holder)
    policy = escalation_policy(case.convenant, kind)
    if policy == EscalationPolicy.HANDOVER_NEXT and case.status not in (*OFFERABLE_STATUSES, CaseStatus.HANDED_OVER):
        policy = EscalationPolicy.NOTIFY
    if policy == EscalationPolicy.HANDOVER_NEXT:
        missed_by, offered_to = _handover_next(case, as_of=as_of, system=system)
    else:
        missed_by, offered_to = case.holder, None
    escalation = Escalation.objects.create(
        case=case,
        deadline_kind=kind,
        deadline_at=deadline_at,
        action=policy,
        escalated_at=as_of,
        from_organisation=missed_by,
        to_organisation=offered_to,
    )
    write_event(
        case,
        EventKind.ESCALATED,
        actor=system,
        at=as_of,
        description=_("Termijn %(kind)s verstreken") % {"kind": DeadlineKind(kind).label},
        escalation=escalation.pk,
        deadline_kind=kind,
        action=policy,
    )
    recipients = list(managers_of(missed_by))
    if missed_by.pk != case.holder_id:
        recipients += list(managers_of(case.holder))
    if offered_to is not None:
        recipients += list(managers_of(offered_to))
    notify(
        recipients,
        subject=_("Escalatie casus #%(id)s: termijn %(kind)s verstreken") % {"id": case.pk, "kind": DeadlineKind(kind).label},
        body=_("Behandelaar: %(holder)s") % {"holder": case.holder.name},
        case=case,
        now=as_of,
    )
    _save(case, as_of, "status")
    sync_permissions(case)
    return escalation


def escalate_overdue(*, as_of=None, batch_size=None) -> int:
    """Run the sweep once; the number of deadlines escalated. Safe to run concurrently and repeatedly."""
    as_of = as_of or timezone.now()
    batch_size = batch_size or settings.ESCALATION_BATCH_SIZE
    escalated = 0
    while True:
        with transaction.atomic():
            batch = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("convenant", "holder", "corporation", "tenant")
                .filter(deadline_at__lte=as_of)
                .order_by("deadline_at")[:batch_size]
            )
            if not batch:
                return escalated
            for case in batch:
                escalate_case(case, as_of=as_of)
                escalated += 1
