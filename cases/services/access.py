"""Object permissions on cases (guardian's direct foreign-key rows) and the read log (AVG).

The permission rows are recomputed from the case's state after every change, so they can never drift from it:
the corporation always; the holder view+change; an organisation with an open offer view; while an eviction is
proposed, the managers of every voting party view. Everyone else: nothing.
"""

from django.contrib.auth.models import Permission

from partners.models import Organisation

from ..models import (
    AccessLog,
    CaseGroupObjectPermission,
    EvictionProposal,
    Handover,
    HandoverStatus,
    ProposalStatus,
)

VIEW, CHANGE = "view_case", "change_case"


def _permission_ids():
    return dict(
        Permission.objects.filter(content_type__app_label="cases", codename__in=[VIEW, CHANGE]).values_list(
            "codename", "pk"
        )
    )


def wanted_permissions(case) -> set[tuple[int, str]]:
    """(group id, codename) pairs the case's state calls for."""
    wanted = set()
    parties = Organisation.objects.filter(pk__in={case.corporation_id, case.holder_id}).only("group_id")
    for organisation in parties:
        wanted.add((organisation.group_id, VIEW))
        if case.is_open:
            wanted.add((organisation.group_id, CHANGE))
    if not case.is_open:
        return wanted
    offered_groups = Handover.objects.filter(case=case, status=HandoverStatus.OFFERED).values_list(
        "to_organisation__group_id", flat=True
    )
    wanted.update((group_id, VIEW) for group_id in offered_groups)
    voter_groups = EvictionProposal.objects.filter(case=case, status=ProposalStatus.OPEN).values_list(
        "voters__managers_group_id", flat=True
    )
    wanted.update((group_id, VIEW) for group_id in voter_groups if group_id)
    return wanted


def sync_permissions(case) -> None:
    ids = _permission_ids()
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


def record_access(user, case, what) -> AccessLog:
    """Write who read which case's personal data. Called by every view that shows it."""
    membership = getattr(user, "membership", None)
    return AccessLog.objects.create(
        user=user, organisation=membership.organisation if membership else None, case=case, what=what
    )
