"""Object permissions on cases (guardian's direct foreign-key rows) and the read log (AVG).

The permission rows are recomputed after every change from how each organisation stands to the case
(cases.relations.parties_of) and what the policy grants that relation in the case's status (cases.policy.grants):
the organisation's group for what all its members may, its managers' group for what only its managers may (a
voting party's view while an eviction is proposed). Everyone else: nothing. One implementation for many cases;
one case is the one-element call.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

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


def _hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def record_access_many(user, case_ids, what) -> int:
    """Write that `user` read the personal data (`what`: an AccessLog.What) of the cases `case_ids`: one INSERT
    for all of them, whatever their number. A case already logged for this user and kind in the current hour
    is skipped (ON CONFLICT DO NOTHING on the unique (user, case, what, hour)), so reloading a page adds nothing.
    Returns how many cases were offered (not how many rows were new)."""
    case_ids = list(dict.fromkeys(case_id for case_id in case_ids if case_id is not None))
    if not case_ids or not getattr(user, "is_authenticated", False):
        return 0
    membership = getattr(user, "membership", None)
    organisation_id = membership.organisation_id if membership else None
    now = timezone.now()
    AccessLog.objects.bulk_create(
        [
            AccessLog(user=user, organisation_id=organisation_id, case_id=case_id, what=what, at=now, hour=_hour(now))
            for case_id in case_ids
        ],
        ignore_conflicts=True,
    )
    return len(case_ids)


def record_access(user, case, what) -> None:
    """Write who read which case's personal data (once per user, case, kind and hour). Called by every view
    that shows it; `case` is a Case or its id."""
    record_access_many(user, [getattr(case, "pk", case)], what)


def narrow_access_log(logs, *, case=None, person=None, user=None, what=None):
    """The access log's filters (page, export and API): a case id, a person (user name, or part of the full
    name), a user id, a kind of read."""
    if case is not None:
        logs = logs.filter(case_id=case)
    if user is not None:
        logs = logs.filter(user_id=user)
    if person:
        person = person.strip()
        logs = logs.alias(full_name=Concat("user__first_name", Value(" "), "user__last_name")).filter(
            Q(user__username__iexact=person) | Q(full_name__icontains=person)
        )
    if what:
        logs = logs.filter(what=what)
    return logs


def purge_old_access_log(*, now=None) -> int:
    """Delete the rows older than settings.ACCESS_LOG_RETENTION_DAYS (default 730); returns how many."""
    days = int(getattr(settings, "ACCESS_LOG_RETENTION_DAYS", 730))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = AccessLog.objects.filter(at__lt=cutoff).delete()
    return deleted
