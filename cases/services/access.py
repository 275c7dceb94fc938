"""Object permissions on cases (guardian's direct foreign-key rows) and the read log (AVG).

The permission rows are recomputed after every change from how each organisation stands to the case
(cases.relations.parties_of) and what the policy grants that relation in the case's status (cases.policy.grants):
the organisation's group for what all its members may, its managers' group for what only its managers may (a
voting party's view while an eviction is proposed). Everyone else: nothing. One implementation for many cases;
one case is the one-element call.
"""

from partners.models import Organisation

from ..models import AccessLog, CaseGroupObjectPermission
from ..permissions import case_permission_ids
from ..policy import grants
from ..relations import parties_of


def wanted_permissions_many(cases, *, groups=None) -> dict[int, set[tuple[int, str]]]:
    """case id → the (group id, codename) pairs its state calls for. `groups`: organisation id → (members'
    group id, managers' group id), a cache the caller may keep across calls (filled here as needed)."""
    cases = list(cases)
    groups = {} if groups is None else groups
    parties = parties_of(cases)
    unknown = {org_id for by_org in parties.values() for org_id in by_org} - groups.keys()
    if unknown:
        groups.update(
            (pk, (group_id, managers_group_id))
            for pk, group_id, managers_group_id in Organisation.objects.filter(pk__in=unknown).values_list(
                "pk", "group_id", "managers_group_id"
            )
        )
    wanted = {}
    for case in cases:
        rows = set()
        for org_id, relations in parties[case.pk].items():
            members_group, managers_group = groups[org_id]
            for audience, codename in grants(relations, case.status):
                group_id = members_group if audience == "members" else managers_group
                if group_id:
                    rows.add((group_id, codename))
        wanted[case.pk] = rows
    return wanted


def sync_permissions_many(cases, *, groups=None, created=False) -> None:
    """Make the permission rows of `cases` what their state calls for, with a fixed number of queries.
    `created`: the cases are new, so they have no rows yet."""
    cases = list(cases)
    if not cases:
        return
    ids = case_permission_ids()
    codename_of = {pk: codename for codename, pk in ids.items()}
    wanted = wanted_permissions_many(cases, groups=groups)
    existing = {case.pk: {} for case in cases}
    if not created:
        for row_id, case_id, group_id, permission_id in CaseGroupObjectPermission.objects.filter(
            content_object_id__in=list(existing)
        ).values_list("pk", "content_object_id", "group_id", "permission_id"):
            existing[case_id][(group_id, codename_of[permission_id])] = row_id
    stale, missing = [], []
    for case in cases:
        stale += [row_id for key, row_id in existing[case.pk].items() if key not in wanted[case.pk]]
        missing += [
            CaseGroupObjectPermission(content_object_id=case.pk, group_id=group_id, permission_id=ids[codename])
            for group_id, codename in sorted(wanted[case.pk] - existing[case.pk].keys())
        ]
    if stale:
        CaseGroupObjectPermission.objects.filter(pk__in=stale).delete()
    if missing:
        CaseGroupObjectPermission.objects.bulk_create(missing)


def sync_permissions(case) -> None:
    sync_permissions_many([case])


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
