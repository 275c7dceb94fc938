"""Reads that depend on who asks. Every list and detail of cases, in API and UI, starts from `cases_for`."""

from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction
from convenants.models import ChainLink

from . import dashboard, policy
from .filters import DashboardQuerySerializer
from .models import (
    AccessLog,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    Escalation,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
    Notification,
    overdue_q,
)
from .permissions import case_permission_ids


def _permitted(user, codename, *, case_ref="pk", narrowing=None):
    # Few relations on purpose (bench/case_api.py): the permission id is a constant and the groups come straight
    # from auth_user_groups. With auth_permission and auth_group joined in, a list with its select_related joins
    # passes PostgreSQL's from_collapse_limit (8) and the planner can no longer start from the user's permission
    # rows: 2 s instead of 0.4 s at 1M cases.
    # `narrowing` filters the rows on the copy of their case's state they carry (CaseGroupObjectPermission).
    rows = CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        permission_id=case_permission_ids()[codename],
        group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
    )
    return rows.filter(narrowing) if narrowing is not None else rows


def cases_for(user, *, permission="view_case", narrowing=None):
    """The cases `user` may see (or change): one EXISTS on the direct-FK permission table through the user's
    groups. Superusers see nothing here: they onboard organisations, they do not read cases."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(Exists(_permitted(user, permission, narrowing=narrowing)))


def _state_filter(prefix, *, status, overdue, deadline_before, opened_from, opened_to, now):
    """The list filters on a case's status, deadline and opening time. With prefix "case_", the same filter on the
    copy the permission rows carry, so that the scope narrows before any case is read."""
    condition = Q()
    if status:
        condition &= Q(**{f"{prefix}status__in": status if isinstance(status, list | tuple) else [status]})
    if overdue is True:
        condition &= overdue_q(now, prefix)
    elif overdue is False:
        condition &= Q(**{f"{prefix}deadline_at__isnull": True}) | Q(**{f"{prefix}deadline_at__gte": now})
    if deadline_before:
        condition &= Q(**{f"{prefix}deadline_at__lt": deadline_before})
    if opened_from:
        condition &= Q(**{f"{prefix}opened_at__gte": timezone.make_aware(datetime.combine(opened_from, time.min))})
    if opened_to:
        day_after = timezone.make_aware(datetime.combine(opened_to + timedelta(days=1), time.min))
        condition &= Q(**{f"{prefix}opened_at__lt": day_after})
    return condition


def case_list(
    user, *, status=None, holder=None, overdue=None, deadline_before=None, q=None, opened_from=None, opened_to=None,
    now=None, prefetch_relations=False,
):
    """`opened_from`/`opened_to`: dates (Dutch time, both inclusive) between which the case was opened; the
    dashboard links to the cases behind a figure with them. `prefetch_relations`: read tenant, parties and
    convenant per page in their own queries (the API's large pages) instead of joining them."""
    filters = dict(
        status=status, overdue=overdue, deadline_before=deadline_before, opened_from=opened_from,
        opened_to=opened_to, now=now or timezone.now(),
    )
    cases = (
        cases_for(user, narrowing=_state_filter("case_", **filters))
        .filter(_state_filter("", **filters))
    )
    relations = ("tenant", "corporation", "holder", "convenant")
    # Prefetched, the relations are read for the page alone; joined, for every matching case before the database
    # cuts the page (twice the time at 800 matches, bench/case_api.py), but in one query.
    cases = cases.prefetch_related(*relations) if prefetch_relations else cases.select_related(*relations)
    if holder:
        cases = cases.filter(holder_id=holder)
    if q:
        q = q.strip()
        cases = cases.filter(Q(tenant__name__icontains=q) | Q(tenant__contract_ref__iexact=q))
    return cases


def case_detail(user, pk, *, related=True):
    """The case, or Case.DoesNotExist when it is outside the user's scope (the caller answers 404). `related=False`
    reads the case row alone, for callers that show none of its tenant, parties or convenant."""
    cases = cases_for(user)
    if related:
        cases = cases.select_related("tenant", "corporation", "holder", "convenant")
    return cases.get(pk=pk)


def can_change(user, case) -> bool:
    """Whether the user's organisation holds the change_case permission row of the case. Not a rule: no page or
    endpoint decides with it (they ask cases.policy); only tests of the permission rows read it. To be removed
    once those tests read the rows through `cases_for(user, permission="change_case")`."""
    return cases_for(user, permission="change_case").filter(pk=case.pk).exists()


def timeline(case):
    return CaseEvent.objects.filter(case=case).select_related("actor", "organisation").order_by("at", "id")


def _visible(user, case_ref="case_id"):
    """EXISTS: the user may see the case (its view permission row, which cases.policy grants)."""
    return Exists(_permitted(user, "view_case", case_ref=case_ref))


def handovers_for(user, *, status=None, visible_only=False):
    """Offers to the user's organisation, and the ones it sent, newest first.

    The receiving side sees an offer to it only while the offer is open or while it may still see the case: a
    partner that declined, whose offer was withdrawn, or that handed the case on, gets nothing of it, not even
    the tenant's name. With `visible_only`, the sent ones too only while the user may see the case."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    organisation_id = membership.organisation_id
    visible = _visible(user)
    received = Q(to_organisation_id=organisation_id) & (Q(status=HandoverStatus.OFFERED) | visible)
    sent = Q(from_organisation_id=organisation_id)
    handovers = Handover.objects.filter(received | sent).select_related(
        "case__tenant", "from_organisation", "to_organisation"
    )
    if status:
        handovers = handovers.filter(status=status)
    if visible_only:
        handovers = handovers.filter(visible)
    return handovers.order_by("-offered_at", "-id")


def handovers_of_visible_cases(user):
    """Every handover of a case the user may see, whoever made or received it: what one handover is looked up in
    (its dossier, an answer to the offer). Outside it is 404; inside, the policy decides whether this user may read
    the dossier or give the answer (403 for the wrong side, 400/409 for the wrong moment)."""
    if not user.is_authenticated:
        return Handover.objects.none()
    return Handover.objects.filter(_visible(user)).select_related(
        "case__tenant", "from_organisation", "to_organisation"
    )


def inbox_for(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    return (
        Handover.objects.filter(to_organisation_id=membership.organisation_id, status=HandoverStatus.OFFERED)
        .select_related("case__tenant", "case__convenant", "from_organisation", "to_organisation")
        .order_by("offered_at", "id")
    )


def joint_visits_for(user, *, status=JointVisitStatus.PLANNED):
    """The joint home visits the user may see, soonest first (`status`: only those; None: every status).

    - The planning side: visits its organisation planned, while it may see the case.
    - The visit's partner: while the visit is planned and the partner is a chain partner of the case's
      convenant (the visit shows the partner the tenant's name and address, what it needs to go there).
    Nobody else, so no tenant reaches an organisation that has no part in the case."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return JointVisit.objects.none()
    organisation_id = membership.organisation_id
    chain_partner = Exists(
        ChainLink.objects.filter(convenant_id=OuterRef("case__convenant_id"), organisation_id=OuterRef("partner_id"))
    )
    planner = Q(organisation_id=organisation_id) & _visible(user)
    partner = Q(partner_id=organisation_id, status=JointVisitStatus.PLANNED) & chain_partner
    visits = JointVisit.objects.filter(planner | partner)
    if status:
        visits = visits.filter(status=status)
    return visits.select_related("case__tenant", "organisation", "partner").order_by("planned_at", "id")


def escalations_for(user, *, case=None):
    """Escalations of the cases the user can see, and the ones that concern their organisation."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Escalation.objects.none()
    visible = Escalation.objects.filter(_visible(user))
    if case is not None:
        visible = visible.filter(case_id=case)
    return visible.select_related("case", "from_organisation", "to_organisation").order_by("-escalated_at", "-id")


def unread_notifications(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


def access_log_for(user, *, username=None, date_from=None, date_to=None):
    """Reads of the cases in the user's scope (AVG): who, which case, when, what; newest first.
    `date_from`/`date_to` are dates in the current time zone, both inclusive."""
    logs = AccessLog.objects.filter(Exists(_permitted(user, "view_case", case_ref="case_id")))
    if username:
        logs = logs.filter(user__username__iexact=username.strip())
    if date_from:
        logs = logs.filter(at__gte=_start_of(date_from))
    if date_to:
        logs = logs.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return logs.select_related("user", "organisation", "case__tenant").order_by("-at", "-id")


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def eviction_proposals_for(user):
    """Eviction proposals of the cases the user can see (one EXISTS, like cases_for)."""
    from .models import EvictionProposal

    if not user.is_authenticated:
        return EvictionProposal.objects.none()
    return EvictionProposal.objects.filter(Exists(_permitted(user, "view_case", case_ref="case_id")))


def notifications_for(user, *, unread=None):
    """The user's own notifications, newest first; `unread=True` only the ones not read yet."""
    notifications = Notification.objects.filter(user=user)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    # The case is a link (its id) and nothing more: a notification never reads the tenant, so it cannot show one
    # to a reader who may no longer see the case.
    return notifications.order_by("-created_at", "-id")


def dashboard_figures(user, params):
    """(scope, figures) of the dashboard for `user`: managers only (policy.may_oversee, before the filters are read;
    ForbiddenAction → 403), then the filters validated (DRF ValidationError → 400) and the scope checked
    (ForbiddenAction), then the figures. The API, the page and the CSV export all read the figures through this."""
    if not policy.may_oversee(user):
        raise ForbiddenAction(_("Only managers can see the dashboard."))
    query = DashboardQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    scope = dashboard.dashboard_scope(user, organisation=data.get("organisation"), convenant=data.get("convenant"))
    return scope, dashboard.cached_figures(scope, data["from"], data["to"])


def why_returned(cases) -> dict:
    """case id → the ended offer (declined or withdrawn) a returned case came back from, with its partner: the
    worklist and the case page say who answered and why. One query for a page."""
    ids = [case.pk for case in cases if case.returned_at is not None]
    if not ids:
        return {}
    ended = (
        Handover.objects.filter(case_id__in=ids, status__in=[HandoverStatus.DECLINED, HandoverStatus.WITHDRAWN])
        .select_related("to_organisation")
        .order_by("case_id", "-responded_at", "-id")
        .distinct("case_id")
    )
    return {handover.case_id: handover for handover in ended}
