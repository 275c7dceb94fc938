"""Object permissions on cases (guardian's direct foreign-key rows) and the read log (AVG).

The permission rows are recomputed from the case's state after every change, so they can never drift from it:
the corporation always; the holder view+change; an organisation with an open offer view; while an eviction is
proposed, the managers of every voting party view. Everyone else: nothing.
"""

from collections import defaultdict

from partners.models import Organisation

from ..models import (
    AccessLog,
    CaseGroupObjectPermission,
    EvictionProposal,
    Handover,
    HandoverStatus,
    ProposalStatus,
)
from ..permissions import CHANGE, VIEW, case_permission_ids


def wanted_permissions(case, *, party_groups=None, offered_groups=None, voter_groups=None) -> set[tuple[int, str]]:
    """(group id, codename) pairs the case's state calls for. The keyword arguments give what would otherwise be
    read here (sync_permissions_many reads it for a whole batch): the group of every organisation by id, and the
    case's open offers' and open eviction proposal's voters' groups."""
    wanted = set()
    if party_groups is None:
        parties = Organisation.objects.filter(pk__in={case.corporation_id, case.holder_id}).only("group_id")
        party_groups = {organisation.pk: organisation.group_id for organisation in parties}
    for organisation_id in {case.corporation_id, case.holder_id}:
        wanted.add((party_groups[organisation_id], VIEW))
        if case.is_open:
            wanted.add((party_groups[organisation_id], CHANGE))
    if not case.is_open:
        return wanted
    if offered_groups is None:
        offered_groups = Handover.objects.filter(case=case, status=HandoverStatus.OFFERED).values_list(
            "to_organisation__group_id", flat=True
        )
    wanted.update((group_id, VIEW) for group_id in offered_groups)
    if voter_groups is None:
        voter_groups = EvictionProposal.objects.filter(case=case, status=ProposalStatus.OPEN).values_list(
            "voters__managers_group_id", flat=True
        )
    wanted.update((group_id, VIEW) for group_id in voter_groups if group_id)
    return wanted


def sync_permissions(case) -> None:
    ids = case_permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    existing = {
        (group_id, codename_of[permission_id]): row_id
        for row_id, group_id, permission_id in CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "pk", "group_id", "permission_id"
        )
    }
    wanted = wanted_permissions(case)
    stale = [row_id for key, row_id in existing.items() if key not in wanted]
    if stale:
        CaseGroupObjectPermission.objects.filter(pk__in=stale).delete()
    missing = wanted - existing.keys()
    if missing:
        CaseGroupObjectPermission.objects.bulk_create(
            CaseGroupObjectPermission(content_object=case, group_id=group_id, permission_id=ids[codename])
            for group_id, codename in missing
        )


def sync_permissions_many(cases) -> None:
    """sync_permissions for a batch of cases with a fixed number of queries (the escalation sweep)."""
    cases = list(cases)
    if not cases:
        return
    ids = case_permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    case_ids = [case.pk for case in cases]
    party_groups = dict(
        Organisation.objects.filter(
            pk__in={case.corporation_id for case in cases} | {case.holder_id for case in cases}
        ).values_list("pk", "group_id")
    )
    offered, voters, existing = defaultdict(list), defaultdict(list), defaultdict(dict)
    for case_id, group_id in Handover.objects.filter(case_id__in=case_ids, status=HandoverStatus.OFFERED).values_list(
        "case_id", "to_organisation__group_id"
    ):
        offered[case_id].append(group_id)
    for case_id, group_id in EvictionProposal.objects.filter(
        case_id__in=case_ids, status=ProposalStatus.OPEN
    ).values_list("case_id", "voters__managers_group_id"):
        voters[case_id].append(group_id)
    for row_id, case_id, group_id, permission_id in CaseGroupObjectPermission.objects.filter(
        content_object_id__in=case_ids
    ).values_list("pk", "content_object_id", "group_id", "permission_id"):
        existing[case_id][(group_id, codename_of[permission_id])] = row_id
    stale, missing = [], []
    for case in cases:
        wanted = wanted_permissions(
            case, party_groups=party_groups, offered_groups=offered[case.pk], voter_groups=voters[case.pk]
        )
        stale += [row_id for key, row_id in existing[case.pk].items() if key not in wanted]
        missing += [
            CaseGroupObjectPermission(content_object_id=case.pk, group_id=group_id, permission_id=ids[codename])
            for group_id, codename in wanted - existing[case.pk].keys()
        ]
    if stale:
        CaseGroupObjectPermission.objects.filter(pk__in=stale).delete()
    if missing:
        CaseGroupObjectPermission.objects.bulk_create(missing)


def record_access(user, case, what) -> AccessLog:
    """Write who read which case's personal data. Called by every view that shows it."""
    membership = getattr(user, "membership", None)
    return AccessLog.objects.create(
        user=user, organisation_id=membership.organisation_id if membership else None, case=case, what=what
    )


def record_access_many(user, case_ids, what) -> int:
    """The read log for a page that shows several cases' personal data at once (one insert, not one per case)."""
    membership = getattr(user, "membership", None)
    organisation_id = membership.organisation_id if membership else None
    rows = AccessLog.objects.bulk_create(
        AccessLog(user=user, organisation_id=organisation_id, case_id=case_id, what=what)
        for case_id in dict.fromkeys(case_ids)
    )
    return len(rows)
