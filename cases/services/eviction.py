"""Eviction is the last resort and decided jointly: the corporation and every chain partner must agree."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from convenants.services import chain_of

from ..models import (
    CaseStatus,
    EventKind,
    EvictionProposal,
    EvictionVote,
    JointVisit,
    JointVisitStatus,
    Outcome,
    ProposalStatus,
)
from ..policy import Action, permitted
from ..relations import Relation
from ..texts import Text
from ._common import CaseError, case_change, may_by_relation
from .casework import move
from .notifications import managers_of


def may_vote(user, proposal) -> bool:
    """Whether `user` may vote on `proposal` now (the policy's answer for Action.VOTE on its case).
    Transitional: the pages ask policy.permitted themselves once they read the case's allowed actions."""
    return proposal.status == ProposalStatus.OPEN and Action.VOTE in permitted(user, proposal.case)


def propose_eviction(user, case, *, reason, now=None) -> EvictionProposal:
    with case_change(user, case, Action.PROPOSE_EVICTION, now=now) as change:
        case, actor = change.case, change.actor
        reason = (reason or "").strip()
        if not reason:
            raise CaseError(_("Give the reason for the proposal."), field="reason")
        proposal = EvictionProposal.objects.create(
            case=case,
            organisation=actor.organisation,
            proposed_by=actor.user,
            reason=reason,
            previous_status=case.status,
            proposed_at=change.now,
        )
        voters = [case.corporation, *chain_of(case.convenant)]
        proposal.voters.set(voters)
        move(change, Action.PROPOSE_EVICTION)
        change.access_changed()
        change.event(EventKind.EVICTION_PROPOSED, reason, proposal=proposal.pk)
        for organisation in voters:
            change.notify(managers_of(organisation), Text(gettext_noop("Eviction proposal up for vote: case #%(id)s"), id=case.pk))
        return proposal


def _open_proposal(proposal):
    """The `subject` of a vote: the proposal, locked after its case. A second vote of a voting party (a double
    submit), or a vote on a proposal the caller saw open and that was decided meanwhile, is a conflict (409) for
    whoever may vote for that party. Otherwise the policy decides."""
    seen_open = proposal.status == ProposalStatus.OPEN

    def lock(case, actor, relations):
        locked = EvictionProposal.objects.select_for_update().get(pk=proposal.pk)
        organisation = actor.organisation
        if (
            organisation is not None
            and may_by_relation(actor, Action.VOTE, Relation.VOTER)
            and locked.voters.filter(pk=organisation.pk).exists()
        ):
            if locked.status == ProposalStatus.OPEN and locked.votes.filter(organisation=organisation).exists():
                raise CaseError(_("Your organisation has already voted."), conflict=True)
            if seen_open and locked.status != ProposalStatus.OPEN:
                raise CaseError(_("This proposal has already been decided."), conflict=True)
        return locked

    return lock


def vote_on_eviction(user, proposal, *, agree, reason, now=None) -> EvictionVote:
    # The case first, then the proposal: the order close_case locks them in (two votes, or a vote and a close, at
    # once must not deadlock).
    case_id = EvictionProposal.objects.values_list("case_id", flat=True).get(pk=proposal.pk)
    with case_change(user, case_id, Action.VOTE, now=now, subject=_open_proposal(proposal)) as change:
        proposal, case, actor, now = change.subject, change.case, change.actor, change.now
        if proposal.status != ProposalStatus.OPEN:
            raise CaseError(_("This proposal has already been decided."), conflict=True)
        if not isinstance(agree, bool):
            raise CaseError(_("Choose for or against."), field="agree")
        reason = (reason or "").strip()
        if not reason:
            raise CaseError(_("Give the reason for your vote."), field="reason")
        try:
            with transaction.atomic():
                vote = EvictionVote.objects.create(
                    proposal=proposal, organisation=actor.organisation, user=actor.user, agree=agree, reason=reason,
                    voted_at=now,
                )
        except IntegrityError:
            raise CaseError(_("Your organisation has already voted."), conflict=True) from None
        change.event(
            EventKind.EVICTION_VOTE,
            Text(gettext_noop("For: %(reason)s") if agree else gettext_noop("Against: %(reason)s"), reason=reason),
            proposal=proposal.pk,
            agree=agree,
        )
        change.access_changed()  # the party has voted
        if not agree:
            proposal.status = ProposalStatus.REJECTED
            change.set(status=proposal.previous_status)
            change.event(
                EventKind.EVICTION_REJECTED,
                Text(gettext_noop("%(org)s is against: the case goes back."), org=actor.organisation.name),
                proposal=proposal.pk,
            )
        elif proposal.votes.count() == proposal.voters.count():
            proposal.status = ProposalStatus.AGREED
            change.set(status=CaseStatus.EVICTED, outcome=Outcome.EVICTED, closed_at=now)
            JointVisit.objects.filter(case=case, status=JointVisitStatus.PLANNED).update(
                status=JointVisitStatus.CANCELLED
            )
            change.event(
                EventKind.EVICTION_DECIDED,
                Text(gettext_noop("Eviction decided jointly.")),
                proposal=proposal.pk,
                votes=[
                    {"organisation": v.organisation.name, "agree": v.agree, "reason": v.reason,
                     "at": v.voted_at.isoformat()}
                    for v in proposal.votes.select_related("organisation")
                ],
            )
        if proposal.status != ProposalStatus.OPEN:
            proposal.decided_at = now
            proposal.save(update_fields=["status", "decided_at"])
            for organisation in proposal.voters.all():
                change.notify(
                    managers_of(organisation),
                    Text(gettext_noop("Eviction decision for case #%(id)s: %(decision)s"), id=case.pk,
                         decision=ProposalStatus(proposal.status).label),
                )
        return vote
