"""Web pages of the municipality's vroegsignalering reporting: the monitor's figures per month (Divosa) with the
form that downloads the DDAS v1.2 report, and that download. A municipality's managers only (403 for anyone
else); thin: signals.figures and signals.ddas decide, a refusal shows beside the field it names."""

import json
from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases.dashboard import default_period
from cases.views import forbidden
from config.errors import BusinessError, ForbiddenAction
from config.validators import supported_dates
from config.webhelpers import form_error

from . import ddas, figures


class ReportPeriodForm(forms.Form):
    """?from=&to= of the figures page and the DDAS download (the services check order and length)."""

    def __init__(self, *args, initial_period=None, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = initial_period or (None, None)
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=gettext_lazy("From"), initial=start, widget=widget,
                                              validators=supported_dates)
        self.fields["to"] = forms.DateField(label=gettext_lazy("To"), initial=end, widget=widget,
                                            validators=supported_dates)


def last_full_quarter(today=None) -> tuple[date, date]:
    """The calendar quarter before today's: (first day, last day)."""
    today = today or timezone.localdate()
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter - timedelta(days=1)
    return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


def _percent(share):
    return f"{number_format(round(share * 100, 1), 1)}%"


def _count(n):
    return number_format(n, 0, force_grouping=True)


def _cell(value, small_text, *, share=False):
    if value is None:
        return small_text if small_text else "–"
    return _percent(value) if share else _count(value)


def _rows(result):
    """The table of the page: (label, definition, cells per month, cell of the period), formatted in the
    language of the page; a suppressed figure shows as "< 5"."""
    small = f"< {result['small_groups']['threshold']}"
    suppressed = set(result["suppressed"])
    definitions = result["definitions"]
    months, totals = result["months"], result["totals"]

    def text(prefix, row, key, share=False):
        value = row
        for part in key.split("."):
            value = value[part]
        hidden = f"{prefix}.{key}" in suppressed
        return _cell(value, small if hidden else None, share=share)

    def row(label, key, definition="", share=False):
        return (label, definition,
                [text(f"months.{i}", month, key, share) for i, month in enumerate(months)],
                text("totals", totals, key, share))

    rows = [row(_("Signals received"), "signals.total", definitions["signals"])]
    rows += [row(partner_type, f"signals.by_partner_type.{partner_type}") for partner_type in result["partner_types"]]
    rows += [
        row(_("Below the minimum amount"), "below_minimum", definitions["below_minimum"]),
        row(_("Vroegsignaal cases"), "cases", definitions["cases"]),
        row(_("Single"), "share_single", definitions["types"], share=True),
        row(_("Multiple"), "share_multiple", share=True),
        row(_("Consecutive"), "share_consecutive", share=True),
        row(_("Contacted"), "share_contacted", definitions["contacted"], share=True),
        row(_("Reached"), "share_reached", definitions["reached"], share=True),
        row(_("Accepting help"), "share_accepting_help", definitions["accepting_help"], share=True),
    ]
    return rows


def _page(request, *, period_form, ddas_form, status=200):
    result = None
    if period_form.is_valid():
        try:
            result = figures.monitor_figures(request.user, period_form.cleaned_data["from"],
                                             period_form.cleaned_data["to"])
        except BusinessError as error:
            status = max(status, form_error(period_form, error))
    else:
        status = max(status, 400)
    context = {"period_form": period_form, "ddas_form": ddas_form, "figures": result}
    if result is not None:
        context["months"] = [month["month"] for month in result["months"]]
        context["rows"] = _rows(result)
    return render(request, "signals/figures.html", context, status=status)


def _refused(request):
    return forbidden(request, _("Only a municipality's managers can read its vroegsignalering figures and report."))


@login_required
@require_GET
def signal_figures(request):
    try:
        ddas.reporting_organisation(request.user)
    except ForbiddenAction:
        return _refused(request)
    data = request.GET if "from" in request.GET or "to" in request.GET else None
    start, end = default_period()
    if data is None:
        data = {"from": start.isoformat(), "to": end.isoformat()}
    period_form = ReportPeriodForm(data, initial_period=(start, end))
    ddas_form = ReportPeriodForm(initial_period=last_full_quarter())
    return _page(request, period_form=period_form, ddas_form=ddas_form)


@login_required
@require_GET
def ddas_download(request):
    """The DDAS report as a JSON file (attachment ddas-<cbs>-<from>-<to>.json); a refusal shows the figures
    page with the reason beside the download form's field (400)."""
    try:
        ddas.reporting_organisation(request.user)
    except ForbiddenAction:
        return _refused(request)
    ddas_form = ReportPeriodForm(request.GET, initial_period=last_full_quarter())
    if ddas_form.is_valid():
        try:
            report = ddas.build_uitwisselmodel(request.user, ddas_form.cleaned_data["from"],
                                               ddas_form.cleaned_data["to"])
        except BusinessError as error:
            status = form_error(ddas_form, error)
        else:
            response = HttpResponse(json.dumps(report, ensure_ascii=False), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="{ddas.file_name(report)}"'
            return response
    else:
        status = 400
    start, end = default_period()
    period_form = ReportPeriodForm({"from": start.isoformat(), "to": end.isoformat()}, initial_period=(start, end))
    return _page(request, period_form=period_form, ddas_form=ddas_form, status=status)


urlpatterns = [
    path("cijfers/", signal_figures, name="figures"),
    path("ddas/", ddas_download, name="ddas"),
]
