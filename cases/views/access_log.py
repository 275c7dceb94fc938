"""The access log (AVG) for managers: who read which case of their organisation's scope, when, and what."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.validators import supported_dates

from .. import policy, selectors
from ..models import AccessLog

PAGE_SIZE = 50


class AccessLogFilter(forms.Form):
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
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


@login_required
@require_GET
def access_log(request):
    if not policy.may_oversee(request.user):
        raise PermissionDenied(gettext_lazy("Only managers may read the access log."))
    form = AccessLogFilter(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        logs, status = AccessLog.objects.none(), 400
    else:
        filters = form.cleaned_data if form.is_bound else {}
        logs = selectors.access_log_for(
            request.user,
            username=filters.get("user"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "entries": page.object_list, "query": query.urlencode()}
    return render(request, "cases/access_log.html", context, status=status)


urlpatterns = [
    path("inzagelog/", access_log, name="access_log"),
]
