"""The managers' dashboard: every figure aggregated in SQL, over the cases in the viewer's scope.

A selectors-style module: `dashboard_scope(user, organisation=, convenant=)` decides what the viewer may see
(or raises ForbiddenAction), `dashboard_figures(scope, date_from, date_to)` computes the figures in a fixed small
number of queries (conditional aggregation, percentile_cont, date_trunc by month). The precise definition of every
figure is in docs/dashboard.md and in DEFINITIONS below (shown as captions on the page).

Scope:
- a manager of a corporation: the cases of its own tenants (Case.corporation);
- a manager of a chain partner (debt assistance, welfare, ...): the cases it handled, i.e. the cases of which it
  accepted a handover (it holds them now or held them before);
- a manager of a municipality: every case of the convenants of its municipality, as counts and amounts only
  (no personal data, no links to cases); with `organisation` it narrows to that party's cases (same rules).
Caseworkers, superusers and people without an organisation get no dashboard (403).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.aggregates import Aggregate
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction
from convenants.models import Convenant, DeadlineKind
from partners.models import Organisation, OrganisationKind, Role
from signals.models import ArrearsSignal

from .models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Escalation,
    EvictionProposal,
    Handover,
    HandoverStatus,
    ProposalStatus,
    overdue_q,
)

logger = logging.getLogger(__name__)

AMSTERDAM = timezone.get_default_timezone()
MAX_MONTHS = 60
# Vroeg Eropaf (Amsterdam) reports that about half of the households it visits is out of arrears within a year.
REFERENCE_RESOLVED_SHARE = 0.5

# (key, label, lower bound inclusive, upper bound exclusive) in euros.
ARREARS_BUCKETS = [
    ("lt_500", _("less than € 500"), None, Decimal("500")),
    ("500_1000", _("€ 500 to € 1,000"), Decimal("500"), Decimal("1000")),
    ("1000_2500", _("€ 1,000 to € 2,500"), Decimal("1000"), Decimal("2500")),
    ("gte_2500", _("€ 2,500 or more"), Decimal("2500"), None),
]

DEFINITIONS = {
    "open_by_status": _(
        "Cases in scope that are open now (not resolved, closed or evicted), counted by their current status."
    ),
    "overdue": _("Open cases whose active deadline has passed now."),
    "paused": _("Open cases whose clock the holder has paused (not due until the pause ends)."),
    "arrears": _(
        "The sum of the current arrears of the open cases in scope, and how many of them fall in each amount band."
    ),
    "first_contact": _(
        "Among cases opened in the period whose first-contact deadline is settled (a contact attempt was logged or "
        "the deadline escalated): the share with a contact attempt and no first-contact escalation."
    ),
    "median_first_contact": _(
        "Median time from opening to the first contact attempt, in days, over cases opened in the period that "
        "have a contact attempt."
    ),
    "pickup": _(
        "Per partner: median time from the handover offer to its acceptance, in days, over handovers offered in "
        "the period and accepted."
    ),
    "escalations": _("Escalations of cases in scope per month in which they happened, by the kind of deadline missed."),
    "evictions": _(
        "Per month: eviction proposals made; proposals decided jointly (executed); proposals rejected by a party "
        "whose case was not evicted later (prevented)."
    ),
    "resolution": _(
        "Of the cases opened in the calendar month twelve months before the end of the period: the share with "
        "status resolved by the end of the period. Vroeg Eropaf reports about half within a year."
    ),
    "households": _(
        "Households (tenants) with early signals of at least two different kinds of arrears (rent, energy, water, "
        "health insurance, municipal tax) with a reference date in the period."
    ),
}


class Median(Aggregate):
    """percentile_cont(0.5); takes `filter=` like any aggregate (FILTER (WHERE ...))."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """Days (fractional) from one timestamp column to another."""

    output_field = FloatField()

    def __init__(self, start, end):
        super().__init__(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0", **extra_context
        )


def _days_between(start, end):
    return DaysBetween(start, end)


@dataclass
class DashboardScope:
    """What one viewer's dashboard covers. `cases` is the scoped queryset of cases; `personal` is False for a
    municipality (then no links to case lists are given)."""

    viewer: Organisation
    organisation: Organisation | None
    convenants: list = field(default_factory=list)
    convenant: Convenant | None = None

    @property
    def is_municipality(self):
        return self.viewer.kind == OrganisationKind.MUNICIPALITY

    @property
    def links(self):
        return not self.is_municipality

    def cases(self):
        cases = Case.objects.all()
        if self.organisation is not None:
            cases = cases.filter(_organisation_cases(self.organisation))
        if self.convenant is not None:
            cases = cases.filter(convenant_id=self.convenant.pk)
        elif self.is_municipality:
            cases = cases.filter(convenant_id__in=[c.pk for c in self.convenants])
        return cases

    def tenant_ids(self):
        """Tenants whose signals count for 'several kinds of arrears'."""
        if self.organisation is not None and self.organisation.kind == OrganisationKind.CORPORATION:
            return Q(tenant__corporation_id=self.organisation.pk)
        if self.organisation is not None:
            return Q(tenant_id__in=self.cases().values("tenant_id"))
        return Q(municipality__in=sorted({c.municipality for c in self.convenants}))


def _organisation_cases(organisation) -> Q:
    if organisation.kind == OrganisationKind.CORPORATION:
        return Q(corporation_id=organisation.pk)
    accepted = Handover.objects.filter(to_organisation_id=organisation.pk, status=HandoverStatus.ACCEPTED)
    return Q(pk__in=accepted.values("case_id"))


def require_manager(user):
    """The manager's membership; ForbiddenAction for anyone else (caseworkers, superusers, no organisation)."""
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is None or membership.role != Role.MANAGER:
        raise ForbiddenAction(_("Only managers can see the dashboard."))
    return membership


def dashboard_scope(user, *, organisation=None, convenant=None) -> DashboardScope:
    """The scope of `user`'s dashboard, narrowed by the optional `organisation` / `convenant` ids.
    Raises ForbiddenAction for non-managers and for an organisation or convenant outside the viewer's reach."""
    viewer = require_manager(user).organisation
    if viewer.kind == OrganisationKind.MUNICIPALITY:
        convenants = list(Convenant.objects.filter(municipality__iexact=viewer.municipality).order_by("name"))
        scope = DashboardScope(viewer=viewer, organisation=None, convenants=convenants)
        if organisation not in (None, ""):
            chosen = Organisation.objects.filter(pk=organisation, convenants__in=convenants).distinct().first()
            if chosen is None or chosen.kind == OrganisationKind.MUNICIPALITY:
                raise ForbiddenAction(_("This organisation is not a party of your municipality's covenants."))
            scope.organisation = chosen
    else:
        if organisation not in (None, "") and int(organisation) != viewer.pk:
            raise ForbiddenAction(_("You can only see the figures of your own organisation."))
        convenants = list(viewer.convenants.order_by("name"))
        scope = DashboardScope(viewer=viewer, organisation=viewer, convenants=convenants)
    if convenant not in (None, ""):
        chosen = next((c for c in convenants if c.pk == int(convenant)), None)
        if chosen is None:
            raise ForbiddenAction(_("You cannot see the figures of this covenant."))
        scope.convenant = chosen
    return scope


def default_period(today=None):
    """The last twelve calendar months up to today: from the first day of the month eleven months back."""
    today = today or timezone.localdate()
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return today.replace(year=year, month=month, day=1), today


def period_bounds(date_from: date, date_to: date):
    """[start, end) as aware datetimes: from the start of `date_from` to the end of `date_to`, Dutch time."""
    start = datetime.combine(date_from, time.min, tzinfo=AMSTERDAM)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=AMSTERDAM)
    return start, end


def months_between(date_from: date, date_to: date) -> list[date]:
    months = []
    month = date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def resolution_cohort(date_to: date) -> tuple[date, date]:
    """The calendar month twelve months before the month of `date_to`: (first day, last day)."""
    first = date(date_to.year - 1, date_to.month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _month_key(value) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM)
    return f"{value.year:04d}-{value.month:02d}"


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def _round(value, digits=1):
    return None if value is None else round(float(value), digits)


def dashboard_figures(scope: DashboardScope, date_from: date, date_to: date, *, now=None) -> dict:
    """Every figure of the dashboard, as plain data (the API answers it as JSON; the page and CSV render it)."""
    now = now or timezone.now()
    start, end = period_bounds(date_from, date_to)
    months = months_between(date_from, date_to)
    month_keys = [_month_key(m) for m in months]
    cases = scope.cases()

    # 1. Open cases now: by status, overdue, arrears total and amount bands (one query, grouped by status).
    band_aggregates = {}
    for key, _label, low, high in ARREARS_BUCKETS:
        condition = Q()
        if low is not None:
            condition &= Q(arrears_amount__gte=low)
        if high is not None:
            condition &= Q(arrears_amount__lt=high)
        band_aggregates[f"n_{key}"] = Count("pk", filter=condition)
        band_aggregates[f"s_{key}"] = Sum("arrears_amount", filter=condition)
    rows = list(
        cases.filter(status__in=OPEN_STATUSES)
        .values("status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            paused=Count("pk", filter=Q(paused_until__isnull=False)),
            amount=Sum("arrears_amount"),
            **band_aggregates,
        )
        .order_by()
    )
    by_status = {row["status"]: row for row in rows}
    open_by_status = [
        {
            "status": status.value,
            "label": str(status.label),
            "count": by_status.get(status.value, {}).get("n", 0),
        }
        for status in OPEN_STATUSES
    ]
    open_total = sum(row["n"] for row in rows)
    buckets = [
        {
            "key": key,
            "label": str(label),
            "count": sum(row[f"n_{key}"] for row in rows),
            "amount": _money(sum((row[f"s_{key}"] or Decimal(0)) for row in rows)),
        }
        for key, label, _low, _high in ARREARS_BUCKETS
    ]

    # 2. Cases opened in the period (first contact) and the resolution cohort, in one pass.
    cohort_from, cohort_to = resolution_cohort(date_to)
    cohort_start, cohort_end = period_bounds(cohort_from, cohort_to)
    in_period = Q(opened_at__gte=start, opened_at__lt=end)
    in_cohort = Q(opened_at__gte=cohort_start, opened_at__lt=cohort_end)
    escalated = Exists(
        Escalation.objects.filter(case_id=OuterRef("pk"), deadline_kind=DeadlineKind.FIRST_CONTACT)
    )
    contacted = Q(first_contact_at__isnull=False)
    cohort = (
        cases.filter(in_period | in_cohort)
        .annotate(fc_escalated=escalated)
        .aggregate(
            opened=Count("pk", filter=in_period),
            settled=Count("pk", filter=in_period & (contacted | Q(fc_escalated=True))),
            within=Count("pk", filter=in_period & contacted & Q(fc_escalated=False)),
            contacted=Count("pk", filter=in_period & contacted),
            median_days=Median(_days_between("opened_at", "first_contact_at"), filter=in_period & contacted),
            cohort=Count("pk", filter=in_cohort),
            resolved=Count(
                "pk", filter=in_cohort & Q(status=CaseStatus.RESOLVED, closed_at__lt=end)
            ),
        )
    )

    # 3. Offer → pickup per partner: handovers offered in the period on cases in scope, accepted.
    pickup_rows = (
        Handover.objects.filter(
            case__in=cases, status=HandoverStatus.ACCEPTED, offered_at__gte=start, offered_at__lt=end
        )
        .values("to_organisation_id", "to_organisation__name")
        .annotate(n=Count("pk"), median_days=Median(_days_between("offered_at", "responded_at")))
        .order_by("to_organisation__name")
    )
    pickup = [
        {
            "organisation": {"id": row["to_organisation_id"], "name": row["to_organisation__name"]},
            "handovers": row["n"],
            "median_days": _round(row["median_days"]),
        }
        for row in pickup_rows
    ]

    # 4. Escalations per month and kind.
    escalation_rows = (
        Escalation.objects.filter(case__in=cases, escalated_at__gte=start, escalated_at__lt=end)
        .annotate(month=TruncMonth("escalated_at", tzinfo=AMSTERDAM))
        .values("month", "deadline_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    escalation_counts = {}
    for row in escalation_rows:
        escalation_counts[(_month_key(row["month"]), row["deadline_kind"])] = row["n"]
    escalation_kinds = [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "counts": [escalation_counts.get((m, kind.value), 0) for m in month_keys],
        }
        for kind in DeadlineKind
    ]

    # 5. Evictions per month: proposed (by proposed_at), executed / prevented (by decided_at).
    proposals = EvictionProposal.objects.filter(case__in=cases)
    proposed_rows = (
        proposals.filter(proposed_at__gte=start, proposed_at__lt=end)
        .annotate(month=TruncMonth("proposed_at", tzinfo=AMSTERDAM))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    decided_rows = (
        proposals.filter(decided_at__gte=start, decided_at__lt=end)
        .annotate(month=TruncMonth("decided_at", tzinfo=AMSTERDAM))
        .values("month")
        .annotate(
            executed=Count("pk", filter=Q(status=ProposalStatus.AGREED)),
            prevented=Count("pk", filter=Q(status=ProposalStatus.REJECTED) & ~Q(case__status=CaseStatus.EVICTED)),
        )
        .order_by()
    )
    proposed = {_month_key(row["month"]): row["n"] for row in proposed_rows}
    decided = {_month_key(row["month"]): row for row in decided_rows}

    # 6. Households with several kinds of arrears.
    households = (
        ArrearsSignal.objects.filter(
            scope.tenant_ids(),
            tenant__isnull=False,
            reference_date__gte=date_from,
            reference_date__lte=date_to,
        )
        .values("tenant_id")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds__gte=2)
        .count()
    )

    figures = {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "computed_at": now.isoformat(),
        "scope": {
            "viewer": {"id": scope.viewer.pk, "name": scope.viewer.name, "kind": scope.viewer.kind},
            "organisation": (
                {"id": scope.organisation.pk, "name": scope.organisation.name} if scope.organisation else None
            ),
            "convenant": {"id": scope.convenant.pk, "name": scope.convenant.name} if scope.convenant else None,
            "convenants": [{"id": c.pk, "name": c.name} for c in scope.convenants],
            "personal_data": False,
            "case_links": scope.links,
        },
        "months": month_keys,
        "open_cases": {
            "total": open_total,
            "overdue": sum(row["overdue"] for row in rows),
            "paused": sum(row["paused"] for row in rows),
            "by_status": open_by_status,
        },
        "arrears": {
            "total": _money(sum((row["amount"] or Decimal(0)) for row in rows)),
            "cases": open_total,
            "buckets": buckets,
        },
        "first_contact": {
            "opened": cohort["opened"],
            "settled": cohort["settled"],
            "within_deadline": cohort["within"],
            "share_within_deadline": _share(cohort["within"], cohort["settled"]),
            "contacted": cohort["contacted"],
            "median_days": _round(cohort["median_days"]),
        },
        "pickup_by_partner": pickup,
        "escalations": {
            "total": sum(escalation_counts.values()),
            "by_kind": escalation_kinds,
        },
        "evictions": {
            "proposed": [proposed.get(m, 0) for m in month_keys],
            "executed": [decided[m]["executed"] if m in decided else 0 for m in month_keys],
            "prevented": [decided[m]["prevented"] if m in decided else 0 for m in month_keys],
        },
        "resolution": {
            "cohort_from": cohort_from.isoformat(),
            "cohort_to": cohort_to.isoformat(),
            "cases": cohort["cohort"],
            "resolved": cohort["resolved"],
            "share": _share(cohort["resolved"], cohort["cohort"]),
            "reference_share": REFERENCE_RESOLVED_SHARE,
        },
        "households_several_kinds": households,
        "definitions": {key: str(text) for key, text in DEFINITIONS.items()},
        "links": case_links(scope, date_from, date_to) if scope.links else None,
        "small_groups": {"threshold": small_group_threshold(), "applied": scope.is_municipality},
        "suppressed": [],
    }
    if scope.is_municipality:
        figures["suppressed"] = suppress_small_groups(figures, small_group_threshold())
    return figures


def small_group_threshold() -> int:
    """Figures over fewer households than this identify people (settings.SMALL_GROUP_THRESHOLD, default 5)."""
    return int(getattr(settings, "SMALL_GROUP_THRESHOLD", 5))


class SmallGroups:
    """The blanking of figures over 1 to threshold - 1 households (docs/dashboard.md, "Small groups"), shared by
    the dashboard and the vroegsignalering figures (signals.figures). `hide` marks a figure when any group it is
    computed over is that small; `complete` also marks the smallest other cell of a table whose one marked cell
    would follow from its shown total by subtraction; `blank` empties the marked figures in place."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.hidden: list[str] = []

    def small(self, n) -> bool:
        return n is not None and 0 < n < self.threshold

    def hide(self, path, *groups) -> None:
        if any(self.small(n) for n in groups) and path not in self.hidden:
            self.hidden.append(path)

    def complete(self, cells, total_path) -> None:
        """cells: [(size, [paths])] adding up to the figure at total_path."""
        if total_path in self.hidden:
            return
        if len([paths for _size, paths in cells if paths[0] in self.hidden]) != 1:
            return
        shown = sorted((size, paths) for size, paths in cells if size > 0 and paths[0] not in self.hidden)
        if shown:
            self.hidden.extend(path for path in shown[0][1] if path not in self.hidden)

    def blank(self, figures: dict) -> list[str]:
        """Empty (None) every marked figure; the dotted paths, in the order they were marked."""
        for path in self.hidden:
            *parents, last = path.split(".")
            holder = figures
            for part in parents:
                holder = holder[int(part)] if isinstance(holder, list) else holder[part]
            holder[int(last) if isinstance(holder, list) else last] = None
        return self.hidden


def suppress_small_groups(figures: dict, threshold: int) -> list[str]:
    """Blank (None) every figure over 1 to threshold - 1 households, in place: a count that small, and a sum, a
    median or a share over such a group. Where the cells of a table add up to a total that is shown, a single
    suppressed cell would follow from the others by subtraction, so the smallest other cell goes with it.
    Returns the dotted paths of the blanked figures (`arrears.buckets.2.amount`), in the order of the answer."""
    groups = SmallGroups(threshold)
    hide, complete = groups.hide, groups.complete

    open_cases = figures["open_cases"]
    hide("open_cases.total", open_cases["total"])
    hide("open_cases.overdue", open_cases["overdue"])
    hide("open_cases.paused", open_cases["paused"])
    for i, item in enumerate(open_cases["by_status"]):
        hide(f"open_cases.by_status.{i}.count", item["count"])
    complete([(item["count"], [f"open_cases.by_status.{i}.count"]) for i, item in enumerate(open_cases["by_status"])],
             "open_cases.total")

    arrears = figures["arrears"]
    hide("arrears.total", arrears["cases"])
    hide("arrears.cases", arrears["cases"])
    for i, bucket in enumerate(arrears["buckets"]):
        hide(f"arrears.buckets.{i}.count", bucket["count"])
        hide(f"arrears.buckets.{i}.amount", bucket["count"])
    complete(
        [(bucket["count"], [f"arrears.buckets.{i}.count", f"arrears.buckets.{i}.amount"])
         for i, bucket in enumerate(arrears["buckets"])],
        "arrears.cases",
    )

    first = figures["first_contact"]
    for key in ("opened", "settled", "within_deadline", "contacted"):
        hide(f"first_contact.{key}", first[key])
    hide("first_contact.share_within_deadline", first["settled"], first["within_deadline"])
    hide("first_contact.median_days", first["contacted"])

    for i, item in enumerate(figures["pickup_by_partner"]):
        hide(f"pickup_by_partner.{i}.handovers", item["handovers"])
        hide(f"pickup_by_partner.{i}.median_days", item["handovers"])

    escalations = figures["escalations"]
    hide("escalations.total", escalations["total"])
    cells = []
    for i, series in enumerate(escalations["by_kind"]):
        for j, count in enumerate(series["counts"]):
            hide(f"escalations.by_kind.{i}.counts.{j}", count)
            cells.append((count, [f"escalations.by_kind.{i}.counts.{j}"]))
    complete(cells, "escalations.total")

    for key in ("proposed", "executed", "prevented"):
        for j, count in enumerate(figures["evictions"][key]):
            hide(f"evictions.{key}.{j}", count)

    resolution = figures["resolution"]
    hide("resolution.cases", resolution["cases"])
    hide("resolution.resolved", resolution["resolved"])
    hide("resolution.share", resolution["cases"], resolution["resolved"])

    hide("households_several_kinds", figures["households_several_kinds"])
    return groups.blank(figures)


def snapshot_seconds() -> int:
    """How long a computed dashboard is reused (settings.DASHBOARD_SNAPSHOT_SECONDS, default 300; 0: never)."""
    return int(getattr(settings, "DASHBOARD_SNAPSHOT_SECONDS", 300))


def _snapshot_key(scope: DashboardScope, date_from: date, date_to: date) -> str:
    return ":".join(
        str(part)
        for part in (
            "dashboard", 2, scope.viewer.pk, scope.organisation.pk if scope.organisation else "-",
            scope.convenant.pk if scope.convenant else "-", date_from.isoformat(), date_to.isoformat(),
            get_language() or "-", small_group_threshold(),
        )
    )


def cached_figures(scope: DashboardScope, date_from: date, date_to: date, *, refresh=False) -> dict:
    """The figures, reused for a while per viewer organisation, filters, period and language (a periodic
    snapshot: `computed_at` in the answer says when it was computed; the page shows it). The cache is an
    optimisation only: when it is unreachable (Redis down) the figures are computed live."""
    seconds = snapshot_seconds()
    if seconds <= 0:
        return dashboard_figures(scope, date_from, date_to)
    key = _snapshot_key(scope, date_from, date_to)
    figures = None
    if not refresh:
        try:
            figures = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must not take the dashboard down
            logger.warning("dashboard snapshot cache unreachable", exc_info=True)
    if figures is None:
        figures = dashboard_figures(scope, date_from, date_to)
        try:
            cache.set(key, figures, seconds)
        except Exception:  # noqa: BLE001
            logger.warning("dashboard snapshot cache unreachable", exc_info=True)
    return figures


def warm_snapshots(*, today=None) -> int:
    """Compute the default view (the last twelve months, Dutch) of every organisation that has a manager, so
    that a manager opening the dashboard gets the snapshot at once. Run by Celery beat."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    managers = (
        get_user_model()
        .objects.filter(is_active=True, membership__role=Role.MANAGER)
        .select_related("membership__organisation")
        .order_by("membership__organisation_id", "pk")
        .distinct("membership__organisation_id")
    )
    date_from, date_to = default_period(today)
    warmed = 0
    with translation.override(settings.LANGUAGE_CODE):
        for manager in managers:
            cached_figures(dashboard_scope(manager), date_from, date_to, refresh=True)
            warmed += 1
    return warmed


def _money(amount) -> str:
    return f"{Decimal(amount or 0).quantize(Decimal('0.01'))}"


def case_links(scope: DashboardScope, date_from: date, date_to: date) -> dict:
    """Links to the worklist (the viewer's own scoped list of cases) behind the figures that have one."""
    worklist = reverse("cases:worklist")

    def link(**params):
        return f"{worklist}?{urlencode(params)}" if params else worklist

    cohort_from, cohort_to = resolution_cohort(date_to)
    return {
        "open_cases": link(),
        "by_status": {status.value: link(status=status.value) for status in OPEN_STATUSES},
        "overdue": link(overdue="true"),
        "opened_in_period": link(opened_from=date_from.isoformat(), opened_to=date_to.isoformat()),
        "resolution_cohort": link(
            status=CaseStatus.RESOLVED.value, opened_from=cohort_from.isoformat(), opened_to=cohort_to.isoformat()
        ),
        "cohort": link(opened_from=cohort_from.isoformat(), opened_to=cohort_to.isoformat()),
    }
