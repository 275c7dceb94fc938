"""The managers' dashboard page (/dashboard/) and its CSV export: the same figures as GET /api/v1/dashboard/."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from config.csvexport import csv_response
from config.errors import ForbiddenAction
from convenants.models import DeadlineKind
from partners.models import Organisation, OrganisationKind

from .. import policy
from ..dashboard import dashboard_scope
from ..selectors import dashboard_figures as figures_for
from . import forbidden


def _errors(exc: ValidationError) -> dict:
    detail = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
    return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}


def _compute(request):
    """(scope, figures, errors): errors is a dict of field → messages when the filters are not valid."""
    try:
        scope, figures = figures_for(request.user, request.GET)
    except ValidationError as exc:
        return None, None, _errors(exc)
    return scope, figures, {}


def _rows(figures):
    """Every figure as (section, key, label, value) rows: the table view and the CSV export."""
    months = figures["months"]
    rows = []
    for item in figures["open_cases"]["by_status"]:
        rows.append(("open_cases", item["status"], item["label"], item["count"]))
    rows.append(("open_cases", "total", _("Total open"), figures["open_cases"]["total"]))
    rows.append(("open_cases", "overdue", _("Overdue"), figures["open_cases"]["overdue"]))
    rows.append(("arrears", "total", _("Total arrears (€)"), Decimal(figures["arrears"]["total"])))
    for bucket in figures["arrears"]["buckets"]:
        rows.append(("arrears", f"{bucket['key']}.count", bucket["label"], bucket["count"]))
        rows.append(("arrears", f"{bucket['key']}.amount", bucket["label"] + " (€)", Decimal(bucket["amount"])))
    first = figures["first_contact"]
    rows.append(("first_contact", "opened", _("Cases opened in the period"), first["opened"]))
    rows.append(("first_contact", "settled", _("First-contact deadline settled"), first["settled"]))
    rows.append(("first_contact", "within_deadline", _("Contacted within the deadline"), first["within_deadline"]))
    rows.append(("first_contact", "share_within_deadline", _("Share within the deadline"),
                 first["share_within_deadline"]))
    rows.append(("first_contact", "median_days", _("Median days to first contact"), first["median_days"]))
    for item in figures["pickup_by_partner"]:
        name = item["organisation"]["name"]
        rows.append(("pickup", f"{item['organisation']['id']}.handovers", name, item["handovers"]))
        rows.append(("pickup", f"{item['organisation']['id']}.median_days", name, item["median_days"]))
    for series in figures["escalations"]["by_kind"]:
        for month, count in zip(months, series["counts"], strict=True):
            rows.append(("escalations", f"{month}.{series['kind']}", series["label"], count))
    for key in ("proposed", "executed", "prevented"):
        for month, count in zip(months, figures["evictions"][key], strict=True):
            rows.append(("evictions", f"{month}.{key}", key, count))
    resolution = figures["resolution"]
    rows.append(("resolution", "cohort", f"{resolution['cohort_from']} – {resolution['cohort_to']}",
                 resolution["cases"]))
    rows.append(("resolution", "resolved", _("Resolved"), resolution["resolved"]))
    rows.append(("resolution", "share", _("Share resolved"), resolution["share"]))
    rows.append(("resolution", "reference_share", _("Vroeg Eropaf reference"), resolution["reference_share"]))
    rows.append(("households", "several_kinds", _("Households with several kinds of arrears"),
                 figures["households_several_kinds"]))
    return rows


def _forbidden(request, error):
    return forbidden(request, error.message)


def _not_overseeing(request):
    return forbidden(request, _("Only managers can see the dashboard."))


@login_required
def dashboard(request):
    if not policy.may_oversee(request.user):
        return _not_overseeing(request)
    try:
        scope, figures, errors = _compute(request)
    except ForbiddenAction as error:
        return _forbidden(request, error)
    context = {"figures": figures, "errors": errors, "scope": scope, "values": request.GET}
    if figures is not None:
        months = figures["months"]
        evictions = figures["evictions"]
        context.update(
            {
                "escalation_rows": [
                    (month, [series["counts"][i] for series in figures["escalations"]["by_kind"]])
                    for i, month in enumerate(months)
                ],
                "eviction_rows": [
                    (month, evictions["proposed"][i], evictions["executed"][i], evictions["prevented"][i])
                    for i, month in enumerate(months)
                ],
                "deadline_kinds": list(DeadlineKind),
                "export_query": request.GET.urlencode(),
                "computed_at": datetime.fromisoformat(figures["computed_at"]),
                "arrears_total": number_format(Decimal(figures["arrears"]["total"]), 2, force_grouping=True),
                "pct": {
                    "first_contact": _percent(figures["first_contact"]["share_within_deadline"]),
                    "resolution": _percent(figures["resolution"]["share"]),
                    "reference": _percent(figures["resolution"]["reference_share"]),
                    "reference_text": f'{_percent(figures["resolution"]["reference_share"])}%',
                },
                "chart_data": _chart_data(figures),
            }
        )
    else:
        # Show the filters with their errors; the scope decides which choices the form offers.
        try:
            context["scope"] = dashboard_scope(request.user)
        except ForbiddenAction as error:
            return _forbidden(request, error)
    scope = context["scope"]
    if scope.is_municipality:
        context["parties"] = (
            Organisation.objects.filter(convenants__in=scope.convenants)
            .exclude(kind=OrganisationKind.MUNICIPALITY)
            .distinct()
            .order_by("name")
        )
    return render(request, "cases/dashboard.html", context, status=400 if errors else 200)


def _percent(share):
    return None if share is None else round(share * 100)


def _chart_data(figures):
    """What static/js/dashboard.js draws: labels already translated, numbers as numbers."""
    evictions = figures["evictions"]
    return {
        "months": figures["months"],
        "status": {
            "labels": [item["label"] for item in figures["open_cases"]["by_status"]],
            "counts": [item["count"] for item in figures["open_cases"]["by_status"]],
            "label": _("Open cases"),
        },
        "arrears": {
            "labels": [bucket["label"] for bucket in figures["arrears"]["buckets"]],
            "counts": [bucket["count"] for bucket in figures["arrears"]["buckets"]],
            "label": _("Cases"),
        },
        "pickup": {
            "labels": [item["organisation"]["name"] for item in figures["pickup_by_partner"]],
            "days": [item["median_days"] for item in figures["pickup_by_partner"]],
            "label": _("Median days"),
        },
        "escalations": [
            {"label": series["label"], "counts": series["counts"]} for series in figures["escalations"]["by_kind"]
        ],
        "evictions": [
            {"label": _("Proposed"), "counts": evictions["proposed"]},
            {"label": _("Executed"), "counts": evictions["executed"]},
            {"label": _("Prevented"), "counts": evictions["prevented"]},
        ],
    }


@login_required
def dashboard_export(request):
    if not policy.may_oversee(request.user):
        return _not_overseeing(request)
    try:
        _scope, figures, errors = _compute(request)
    except ForbiddenAction as error:
        return _forbidden(request, error)
    if errors:
        response = HttpResponse(
            "\n".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
        return response
    period = figures["period"]
    rows = [
        ["section", "key", "label", "value"],
        ["period", "from", _("From"), period["from"]],
        ["period", "to", _("To"), period["to"]],
        ["period", "computed_at", _("Computed at"), figures["computed_at"]],
        *(list(row) for row in _rows(figures)),
    ]
    return csv_response(f'dashboard-{period["from"]}-{period["to"]}.csv', rows)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard_export, name="dashboard_export"),
]
