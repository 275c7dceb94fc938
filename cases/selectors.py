"""Reads that depend on who asks. Every list and detail of cases, in API and UI, starts from `cases_for`."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    Escalation,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
    Notification,
)


def _permitted(user, codename, *, case_ref="pk"):
    return CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        permission__codename=codename,
        group__in=user.groups.values("pk"),
    )


def cases_for(user, *, permission="view_case"):
    """The cases `user` may see (or change): one EXISTS on the direct-FK permission table through the user's
    groups. Superusers see nothing here: they onboard organisations, they do not read cases."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(Exists(_permitted(user, permission)))


def case_list(user, *, status=None, holder=None, overdue=None, deadline_before=None, q=None, now=None):
    now = now or timezone.now()
    cases = cases_for(user).select_related("tenant", "corporation", "holder", "convenant")
    if status:
        cases = cases.filter(status__in=status if isinstance(status, list | tuple) else [status])
    if holder:
        cases = cases.filter(holder_id=holder)
    if overdue is True:
        cases = cases.filter(deadline_at__lt=now)
    elif overdue is False:
        cases = cases.exclude(deadline_at__lt=now)
    if deadline_before:
        cases = cases.filter(deadline_at__lt=deadline_before)
    if q:
        q = q.strip()
        cases = cases.filter(Q(tenant__name__icontains=q) | Q(tenant__contract_ref__iexact=q))
    return cases


def case_detail(user, pk):
    """The case, or Case.DoesNotExist when it is outside the user's scope (the caller answers 404)."""
    return cases_for(user).select_related("tenant", "corporation", "holder", "convenant").get(pk=pk)


def can_change(user, case) -> bool:
    return cases_for(user, permission="change_case").filter(pk=case.pk).exists()


def timeline(case):
    return CaseEvent.objects.filter(case=case).select_related("actor", "organisation").order_by("at", "id")


def handovers_for(user, *, status=None):
    """The partner's inbox: offers to the user's organisation, and the ones it sent."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    organisation_id = membership.organisation_id
    handovers = Handover.objects.filter(
        Q(to_organisation_id=organisation_id) | Q(from_organisation_id=organisation_id)
    ).select_related("case__tenant", "from_organisation", "to_organisation")
    if status:
        handovers = handovers.filter(status=status)
    return handovers.order_by("-offered_at", "-id")


def inbox_for(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    return (
        Handover.objects.filter(to_organisation_id=membership.organisation_id, status=HandoverStatus.OFFERED)
        .select_related("case__tenant", "case__convenant", "from_organisation", "to_organisation")
        .order_by("offered_at", "id")
    )


def joint_visits_for(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        return JointVisit.objects.none()
    return (
        JointVisit.objects.filter(
            Q(partner_id=membership.organisation_id) | Q(organisation_id=membership.organisation_id),
            status=JointVisitStatus.PLANNED,
        )
        .select_related("case__tenant", "organisation", "partner")
        .order_by("planned_at")
    )


def escalations_for(user, *, case=None):
    """Escalations of the cases the user can see, and the ones that concern their organisation."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Escalation.objects.none()
    visible = Escalation.objects.filter(
        Exists(_permitted(user, "view_case", case_ref="case_id"))
    )
    if case is not None:
        visible = visible.filter(case_id=case)
    return visible.select_related("case", "from_organisation", "to_organisation").order_by("-escalated_at", "-id")


def unread_notifications(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)
