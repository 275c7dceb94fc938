"""The managers' dashboard page (/dashboard/) and its CSV export: the same figures as GET /api/v1/dashboard/."""

import copy
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
    rows.append(("arrears", "total", _("Total arrears (€)"), _decimal(figures["arrears"]["total"])))
    for bucket in figures["arrears"]["buckets"]:
        rows.append(("arrears", f"{bucket['key']}.count", bucket["label"], bucket["count"]))
        rows.append(("arrears", f"{bucket['key']}.amount", bucket["label"] + " (€)", _decimal(bucket["amount"])))
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


def _decimal(amount):
    return None if amount is None else Decimal(amount)


def shown(figures):
    """The figures as the page shows them: every suppressed figure (figures["suppressed"]) replaced by the text
    "< 5" (the threshold), the rest untouched. The API and the CSV keep None (null, a blank cell)."""
    if not figures["suppressed"]:
        return figures
    page = copy.deepcopy(figures)
    text = small_group_text(figures)
    for dotted in figures["suppressed"]:
        *parents, last = dotted.split(".")
        holder = page
        for part in parents:
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        holder[int(last) if isinstance(holder, list) else last] = text
    return page


def small_group_text(figures):
    return f"< {figures['small_groups']['threshold']}"


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
        raw, figures = figures, shown(figures)
        hidden = set(raw["suppressed"])
        context["figures"] = figures
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
                "arrears_total": (
                    small_group_text(raw) if "arrears.total" in hidden
                    else number_format(Decimal(raw["arrears"]["total"]), 2, force_grouping=True)
                ),
                "small_group_text": small_group_text(raw),
                "pct": {
                    "first_contact": _percent(raw["first_contact"]["share_within_deadline"],
                                              "first_contact.share_within_deadline" in hidden, raw),
                    "resolution": _percent(raw["resolution"]["share"], "resolution.share" in hidden, raw),
                    "reference": _percent(raw["resolution"]["reference_share"]),
                    "reference_text": _percent(raw["resolution"]["reference_share"]),
                },
                "chart_data": _chart_data(raw),
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


def _percent(share, suppressed=False, figures=None):
    if suppressed:
        return small_group_text(figures)
    return None if share is None else f"{round(share * 100)}%"


def _chart_data(figures):
    """What static/js/dashboard.js draws: labels already translated, numbers as numbers."""
    evictions = figures["evictions"]
    text = small_group_text(figures)

    def label(text_label, value):
        # A suppressed bar (None) is not drawn; its label says why.
        return text_label if value is not None else f"{text_label} ({text})"

    return {
        "months": figures["months"],
        "suppressed_text": text,
        "status": {
            "labels": [label(item["label"], item["count"]) for item in figures["open_cases"]["by_status"]],
            "counts": [item["count"] for item in figures["open_cases"]["by_status"]],
            "label": _("Open cases"),
        },
        "arrears": {
            "labels": [label(bucket["label"], bucket["count"]) for bucket in figures["arrears"]["buckets"]],
            "counts": [bucket["count"] for bucket in figures["arrears"]["buckets"]],
            "label": _("Cases"),
        },
        "pickup": {
            "labels": [label(item["organisation"]["name"], item["median_days"]) for item in figures["pickup_by_partner"]],
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
