"""How organisations stand to cases: the one selector the policy and the permission rows both read.

A relation is a fact about an organisation and a case (the case's corporation, its holder, an organisation with
an open offer, a voting party of an open eviction proposal, a former partner, the convenant's municipality);
what a relation allows is the policy's business (cases.policy). Computed for many cases at once with a fixed
number of queries; one case is the one-element call.
"""

from collections import defaultdict
from enum import StrEnum

from django.db import models
from django.db.models import Exists, OuterRef

from .models import CaseStatus, EvictionProposal, EvictionVote, Handover, HandoverStatus, ProposalStatus


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
    # Offers and open eviction proposals, in one query: (case, organisation, offer status or "voter"/"voted"),
    # asked only when a case's own columns cannot answer: the organisation is neither its corporation nor its
    # holder, or an eviction vote is open. A page costs at most this one query, whatever its size.
    ids = list(found)
    if any(
        organisation_id is None or organisation_id not in (case.corporation_id, case.holder_id)
        or case.status == CaseStatus.EVICTION_PROPOSED
        for case in cases
    ):
        offers = Handover.objects.filter(case_id__in=ids).values_list("case_id", "to_organisation_id", "status")
        voters = (
            EvictionProposal.voters.through.objects.filter(
                evictionproposal__case_id__in=ids, evictionproposal__status=ProposalStatus.OPEN
            )
            .annotate(
                state=models.Case(
                    models.When(
                        Exists(
                            EvictionVote.objects.filter(
                                proposal_id=OuterRef("evictionproposal_id"), organisation_id=OuterRef("organisation_id")
                            )
                        ),
                        then=models.Value(Relation.VOTED.value),
                    ),
                    default=models.Value(Relation.VOTER.value),
                    output_field=models.CharField(),
                )
            )
            .values_list("evictionproposal__case_id", "organisation_id", "state")
        )
        if organisation_id is not None:
            offers = offers.filter(to_organisation_id=organisation_id)
            voters = voters.filter(organisation_id=organisation_id)
        for case_id, org_id, state in offers.union(voters, all=True):
            if state in (Relation.VOTER, Relation.VOTED):
                found[case_id][org_id].add(Relation(state))
            else:
                found[case_id][org_id].add(Relation.OFFERED if state == HandoverStatus.OFFERED else Relation.FORMER)
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
