"""Eviction is the last resort and decided jointly: the corporation and every chain partner must agree."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction
from convenants.services import chain_of
from partners.models import Role

from ..models import CaseStatus, EventKind, EvictionProposal, EvictionVote, Outcome, ProposalStatus
from ._common import CaseError, actor_of, lock_case, require_open, write_event
from .access import sync_permissions
from .casework import _save
from .notifications import managers_of, notify

PROPOSABLE_STATUSES = (CaseStatus.OPEN, CaseStatus.CONTACTING, CaseStatus.ARRANGEMENT, CaseStatus.WITH_PARTNER)


def may_vote(user, proposal) -> bool:
    """Whether `user` may still vote on `proposal` (the rule vote_on_eviction enforces): an open proposal, a manager
    of a voting party, and that party has not voted yet. Reads `voters` and `votes`: prefetch them for a page."""
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != Role.MANAGER or proposal.status != ProposalStatus.OPEN:
        return False
    organisation_id = membership.organisation_id
    return any(party.pk == organisation_id for party in proposal.voters.all()) and not any(
        vote.organisation_id == organisation_id for vote in proposal.votes.all()
    )


@transaction.atomic
def propose_eviction(user, case, *, reason, now=None) -> EvictionProposal:
    now = now or timezone.now()
    actor = actor_of(user)
    case = lock_case(case)
    if not actor.is_manager or actor.organisation.pk != case.corporation_id:
        raise ForbiddenAction(_("Only a manager of the corporation can propose eviction."))
    require_open(case)
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for the proposal."), field="reason")
    if case.status not in PROPOSABLE_STATUSES:
        raise CaseError(
            _("Eviction cannot be proposed now (status: %(status)s).") % {"status": case.get_status_display()}
        )
    proposal = EvictionProposal.objects.create(
        case=case,
        organisation=actor.organisation,
        proposed_by=actor.user,
        reason=reason,
        previous_status=case.status,
        proposed_at=now,
    )
    voters = [case.corporation, *chain_of(case.convenant)]
    proposal.voters.set(voters)
    case.status = CaseStatus.EVICTION_PROPOSED
    write_event(case, EventKind.EVICTION_PROPOSED, actor=actor, at=now, description=reason, proposal=proposal.pk)
    _save(case, now, "status")
    sync_permissions(case)
    for organisation in voters:
        notify(
            managers_of(organisation),
            subject=_("Eviction proposal up for vote: case #%(id)s") % {"id": case.pk},
            body=reason,
            case=case,
            now=now,
        )
    return proposal


@transaction.atomic
def vote_on_eviction(user, proposal, *, agree, reason, now=None) -> EvictionVote:
    now = now or timezone.now()
    actor = actor_of(user)
    # The case first, then the proposal: the order close_case locks them in (two votes, or a vote and a close, at
    # once must not deadlock).
    case = lock_case(EvictionProposal.objects.values_list("case_id", flat=True).get(pk=proposal.pk))
    proposal = EvictionProposal.objects.select_for_update().get(pk=proposal.pk)
    if not actor.is_manager or not proposal.voters.filter(pk=actor.organisation.pk).exists():
        raise ForbiddenAction(_("Only managers of the corporation and of the chain partners vote on eviction."))
    if proposal.status != ProposalStatus.OPEN:
        raise CaseError(_("This proposal has already been decided."), conflict=True)
    if not isinstance(agree, bool):
        raise CaseError(_("Choose for or against."), field="agree")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for your vote."), field="reason")
    require_open(case)
    try:
        with transaction.atomic():
            vote = EvictionVote.objects.create(
                proposal=proposal, organisation=actor.organisation, user=actor.user, agree=agree, reason=reason,
                voted_at=now,
            )
    except IntegrityError:
        raise CaseError(_("Your organisation has already voted."), conflict=True) from None
    write_event(
        case,
        EventKind.EVICTION_VOTE,
        actor=actor,
        at=now,
        description=(_("For: %(reason)s") if agree else _("Against: %(reason)s")) % {"reason": reason},
        proposal=proposal.pk,
        agree=agree,
    )
    fields = []
    if not agree:
        proposal.status = ProposalStatus.REJECTED
        proposal.decided_at = now
        case.status = proposal.previous_status
        fields = ["status"]
        write_event(
            case, EventKind.EVICTION_REJECTED, actor=actor, at=now,
            description=_("%(org)s is against: the case goes back.") % {"org": actor.organisation.name},
            proposal=proposal.pk,
        )
    elif proposal.votes.count() == proposal.voters.count():
        proposal.status = ProposalStatus.AGREED
        proposal.decided_at = now
        case.status = CaseStatus.EVICTED
        case.outcome = Outcome.EVICTED
        case.closed_at = now
        fields = ["status", "outcome", "closed_at"]
        write_event(
            case,
            EventKind.EVICTION_DECIDED,
            actor=actor,
            at=now,
            description=_("Eviction decided jointly."),
            proposal=proposal.pk,
            votes=[
                {"organisation": v.organisation.name, "agree": v.agree, "reason": v.reason, "at": v.voted_at.isoformat()}
                for v in proposal.votes.select_related("organisation")
            ],
        )
    _save(case, now, *fields)  # a vote is activity on the case, decisive or not
    if fields:
        proposal.save(update_fields=["status", "decided_at"])
        sync_permissions(case)
        for organisation in proposal.voters.all():
            notify(
                managers_of(organisation),
                subject=_("Eviction decision for case #%(id)s: %(decision)s")
                % {"id": case.pk, "decision": proposal.get_status_display()},
                case=case,
                now=now,
            )
    return vote
