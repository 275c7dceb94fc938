"""How organisations stand to cases: the one selector the policy and the permission rows both read.

A relation is a fact about an organisation and a case (the case's corporation, its holder, an organisation with
an open offer, a voting party of an open eviction proposal, a former partner, the convenant's municipality);
what a relation allows is the policy's business (cases.policy). Computed for many cases at once with a fixed
number of queries; one case is the one-element call.
"""

from collections import defaultdict
from enum import StrEnum

from .models import EvictionProposal, EvictionVote, Handover, HandoverStatus, ProposalStatus


class Relation(StrEnum):
    CORPORATION = "corporation"  # the landlord whose tenant it is
    HOLDER = "holder"  # works the case now
    OFFERED = "offered"  # an offer waits for this organisation's answer
    VOTER = "voter"  # a party to the open eviction proposal that has not voted yet
    VOTED = "voted"  # a party to the open eviction proposal that has voted
    FORMER = "former"  # declined, saw its offer withdrawn, or handed the case on
    MUNICIPALITY = "municipality"  # the municipality of the case's convenant
    NONE = "none"


def parties_of(cases, *, organisation_id=None) -> dict[int, dict[int, frozenset[Relation]]]:
    """case id → organisation id → its relations to the case, for every organisation that has one through the
    case's own rows (corporation, holder, offers, eviction proposal). With `organisation_id`, only that
    organisation's relations are looked up (the queries read its rows alone)."""
    cases = list(cases)
    found: dict[int, dict[int, set[Relation]]] = {case.pk: defaultdict(set) for case in cases}
    for case in cases:
        found[case.pk][case.corporation_id].add(Relation.CORPORATION)
        found[case.pk][case.holder_id].add(Relation.HOLDER)
    # Rows beyond the case's own columns exist only for cases that went through an offer or a proposal; a
    # case another organisation never touched needs no query.
    touched = [case.pk for case in cases if organisation_id is None or organisation_id not in
               (case.corporation_id, case.holder_id)]
    if touched:
        handovers = Handover.objects.filter(case_id__in=touched)
        proposals = EvictionProposal.voters.through.objects.filter(
            evictionproposal__case_id__in=touched, evictionproposal__status=ProposalStatus.OPEN
        )
        votes = EvictionVote.objects.filter(proposal__case_id__in=touched, proposal__status=ProposalStatus.OPEN)
        if organisation_id is not None:
            handovers = handovers.filter(to_organisation_id=organisation_id)
            proposals = proposals.filter(organisation_id=organisation_id)
            votes = votes.filter(organisation_id=organisation_id)
        for case_id, to_id, status in handovers.values_list("case_id", "to_organisation_id", "status"):
            found[case_id][to_id].add(Relation.OFFERED if status == HandoverStatus.OFFERED else Relation.FORMER)
        voted = set(votes.values_list("proposal__case_id", "organisation_id"))
        for case_id, party_id in proposals.values_list("evictionproposal__case_id", "organisation_id"):
            found[case_id][party_id].add(Relation.VOTED if (case_id, party_id) in voted else Relation.VOTER)
    result = {}
    for case_id, parties in found.items():
        for relations in parties.values():
            # An organisation that holds the case again, or has a new offer, is no longer a former partner.
            if relations & {Relation.HOLDER, Relation.OFFERED}:
                relations.discard(Relation.FORMER)
        result[case_id] = {org_id: frozenset(relations) for org_id, relations in parties.items()}
    return result


def relations_of(organisation, cases) -> dict[int, frozenset[Relation]]:
    """case id → the relations of `organisation` (an Organisation or None) to each of `cases`."""
    cases = list(cases)
    if organisation is None:
        return {case.pk: frozenset({Relation.NONE}) for case in cases}
    parties = parties_of(cases, organisation_id=organisation.pk)
    municipal_convenants = set()
    if organisation.is_municipality:
        municipal_convenants = set(organisation.convenants.values_list("pk", flat=True))
    result = {}
    for case in cases:
        relations = set(parties[case.pk].get(organisation.pk, ()))
        if case.convenant_id in municipal_convenants:
            relations.add(Relation.MUNICIPALITY)
        result[case.pk] = frozenset(relations or {Relation.NONE})
    return result


def relation_of(organisation, case) -> frozenset[Relation]:
    return relations_of(organisation, [case])[case.pk]
