"""The access log (AVG) for managers: who read which case of their organisation's scope, when, and what; with
filters by case, person, kind of read and period, and a CSV export of what the filters select."""

from itertools import chain

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.csvexport import csv_response
from config.validators import supported_dates

from .. import policy, selectors
from ..models import AccessLog
from ..services.access import narrow_access_log

PAGE_SIZE = 50


class AccessLogFilter(forms.Form):
    case = forms.IntegerField(label=gettext_lazy("Case number"), required=False, min_value=1, max_value=2**31 - 1)
    user = forms.CharField(
        label=gettext_lazy("Person"), required=False, max_length=150,
        help_text=gettext_lazy("User name, or part of the name."),
    )
    what = forms.ChoiceField(
        label=gettext_lazy("Kind of read"), required=False,
        choices=[("", gettext_lazy("All")), *AccessLog.What.choices],
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, validators=supported_dates, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, validators=supported_dates, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", gettext_lazy("The end date lies before the start date."))
        return cleaned


def _entries(request):
    """(form, the filtered reads, status): a 400 status and no reads when the filters are not valid."""
    if not policy.may_oversee(request.user):
        raise PermissionDenied(gettext_lazy("Only managers may read the access log."))
    form = AccessLogFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, AccessLog.objects.none(), 400
    filters = form.cleaned_data if form.is_bound else {}
    logs = selectors.access_log_for(
        request.user, date_from=filters.get("date_from"), date_to=filters.get("date_to")
    )
    logs = narrow_access_log(logs, case=filters.get("case"), person=filters.get("user"), what=filters.get("what"))
    return form, logs, 200


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


@login_required
@require_GET
def access_log(request):
    form, logs, status = _entries(request)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "entries": page.object_list, "query": query.urlencode()}
    return render(request, "cases/access_log.html", context, status=status)


@login_required
@require_GET
def access_log_export(request):
    form, logs, status = _entries(request)
    if status != 200:
        return HttpResponse(
            "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
            status=400, content_type="text/plain; charset=utf-8",
        )
    kinds = dict(AccessLog.What.choices)
    header = [_("When"), _("Person"), _("User name"), _("Organisation"), _("Case number"), _("Kind of read")]
    rows = (
        [
            timezone.localtime(entry.at).replace(microsecond=0),
            person_name(entry.user),
            entry.user.get_username(),
            entry.organisation.name if entry.organisation else None,
            entry.case_id,
            str(kinds.get(entry.what, entry.what)),
        ]
        for entry in logs.select_related(None).select_related("user", "organisation").iterator(chunk_size=2000)
    )
    return csv_response(f"inzagelog-{timezone.localdate().isoformat()}.csv", chain([header], rows))


urlpatterns = [
    path("inzagelog/", access_log, name="access_log"),
    path("inzagelog/export.csv", access_log_export, name="access_log_export"),
]
