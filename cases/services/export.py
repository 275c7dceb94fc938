"""The tenant's data export (AVG right of access): one tenant's data across all their cases and the household's
signals, in the scope the policy gives the reader (cases.policy.may_export_tenant), written to the access log.

The API answers it as JSON, the page shows it for printing; both read what `export_tenant` returns. Staff data
(notifications, the permission rows) is not the tenant's and stays out.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import NotVisible
from partners import security
from signals.models import ArrearsSignal

from .. import policy
from ..models import (
    AccessLog,
    Arrangement,
    Case,
    CaseEvent,
    Consent,
    ContactAttempt,
    Escalation,
    EvictionProposal,
    FollowUp,
    Handover,
    JointVisit,
    Tenant,
)
from .access import record_access_many


@dataclass
class CaseRecord:
    """One case with everything stored about it, oldest first."""

    case: Case
    contact_attempts: list = field(default_factory=list)
    arrangements: list = field(default_factory=list)
    handovers: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    joint_visits: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    eviction_proposals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)  # follow-up tasks (cases.FollowUp)
    timeline: list = field(default_factory=list)
    accessed: list = field(default_factory=list)


@dataclass
class TenantData:
    exported_at: datetime
    scope: policy.ExportScope
    organisation: object
    tenant: Tenant
    cases: list[CaseRecord]
    signals: list[ArrearsSignal]

    @property
    def includes_cases(self) -> bool:
        return self.scope == policy.ExportScope.FULL


def not_visible() -> NotVisible:
    return NotVisible(_("This tenant does not exist or is not visible to you."))


def household_signals(tenant, rule: policy.TenantExport):
    """The household's signals `rule` lets its organisation see: linked to the tenant, or to one of their cases."""
    return (
        ArrearsSignal.objects.filter(Q(tenant=tenant) | Q(case__tenant=tenant))
        .filter(rule.signals)
        .select_related("source")
        .order_by("reference_date", "id")
    )


def case_signals(user, case):
    """The signals of a case's export (GET /cases/{id}/export/): the case's own, and the household's signals the
    reader's organisation itself sent (the corporation's earlier rent signals of the tenant)."""
    membership = getattr(user, "membership", None)
    mine = Q(tenant_id=case.tenant_id, source_id=membership.organisation_id) if membership else Q(pk__in=[])
    return ArrearsSignal.objects.filter(Q(case=case) | mine).select_related("source").order_by("reference_date", "id")


def _case_records(tenant, rule: policy.TenantExport) -> list[CaseRecord]:
    """Every case of the tenant at the rule's corporation, with its rows, in a fixed number of queries."""
    cases = list(
        Case.objects.filter(tenant=tenant, corporation_id=rule.organisation.pk)
        .select_related("tenant", "corporation", "holder", "convenant")
        .prefetch_related(
            Prefetch("contact_attempts", ContactAttempt.objects.select_related("organisation").order_by("at", "id")),
            Prefetch("arrangements", Arrangement.objects.select_related("organisation", "replaced_by")
                     .prefetch_related("instalments").order_by("created_at", "id")),
            Prefetch(
                "handovers",
                Handover.objects.select_related("case__tenant", "from_organisation", "to_organisation")
                .order_by("offered_at", "id"),
            ),
            Prefetch(
                "consents",
                Consent.objects.select_related("organisation", "recorded_by", "withdrawn_by")
                .order_by("recorded_at", "id"),
            ),
            Prefetch(
                "joint_visits",
                JointVisit.objects.select_related("case__tenant", "organisation", "partner").order_by("planned_at", "id"),
            ),
            Prefetch(
                "escalations",
                Escalation.objects.select_related("from_organisation", "to_organisation").order_by("escalated_at", "id"),
            ),
            Prefetch(
                "eviction_proposals",
                EvictionProposal.objects.select_related("organisation")
                .prefetch_related("voters", "votes__organisation")
                .order_by("proposed_at", "id"),
            ),
            Prefetch("follow_ups", FollowUp.objects.select_related(
                "organisation", "assigned_to", "created_by", "done_by").order_by("due_at", "id")),
            Prefetch("events", CaseEvent.objects.select_related("actor", "organisation").order_by("at", "id")),
            Prefetch("access_logs", AccessLog.objects.select_related("organisation").order_by("at", "id")),
        )
        .order_by("opened_at", "id")
    )
    return [
        CaseRecord(
            case=case,
            contact_attempts=list(case.contact_attempts.all()),
            arrangements=list(case.arrangements.all()),
            handovers=list(case.handovers.all()),
            consents=list(case.consents.all()),
            joint_visits=list(case.joint_visits.all()),
            escalations=list(case.escalations.all()),
            eviction_proposals=list(case.eviction_proposals.all()),
            tasks=list(case.follow_ups.all()),
            timeline=list(case.events.all()),
            accessed=list(case.access_logs.all()),
        )
        for case in cases
    ]


def _log(user, tenant, data: TenantData) -> None:
    """Each export is written down: an access-log row (EXPORT) for every case exported. A signals-only export
    concerns the household of the tenant's cases: a row for each of them, so that the export shows beside every
    other read of that household's data; a household without a case has no access log, its export goes to the
    security log (without a name)."""
    if data.includes_cases:
        case_ids = [record.case.pk for record in data.cases]
    else:
        case_ids = list(Case.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
    if case_ids:
        record_access_many(user, case_ids, AccessLog.What.EXPORT)
    else:
        security.record(
            security.Kind.EXPORTED, user=user,
            detail={"export": "tenant", "scope": str(data.scope), "tenant": tenant.pk, "signals": len(data.signals)},
        )


def export_tenant(user, tenant_id, *, now=None) -> TenantData:
    """Everything `user` may export of tenant `tenant_id` (policy.may_export_tenant), logged; NotVisible (404)
    when the tenant is outside their scope or does not exist."""
    with transaction.atomic():
        tenant = Tenant.objects.select_related("corporation").filter(pk=tenant_id).first()
        rule = policy.may_export_tenant(user, tenant)
        if rule is None:
            raise not_visible()
        data = TenantData(
            exported_at=now or timezone.now(),
            scope=rule.scope,
            organisation=rule.organisation,
            tenant=tenant,
            cases=_case_records(tenant, rule) if rule.includes_cases else [],
            signals=list(household_signals(tenant, rule)),
        )
        _log(user, tenant, data)
    return data
