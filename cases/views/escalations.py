"""Escalations for managers: what passed its deadline, in the cases they can see, with filters."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.validators import supported_dates
from convenants.models import DeadlineKind, EscalationPolicy

from .. import policy, selectors

PAGE_SIZE = 50


class EscalationFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Deadline"), required=False, choices=[("", _("All deadlines")), *DeadlineKind.choices])
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("All actions")), *EscalationPolicy.choices])
    start = forms.DateField(label=_("From"), required=False, validators=supported_dates, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Up to and including"), required=False, validators=supported_dates, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date lies before the start date."))
        return data


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def escalation_list(request):
    if not policy.may_oversee(request.user):
        raise PermissionDenied(_("Only managers see the escalations."))
    form = EscalationFilterForm(request.GET or None)
    escalations = selectors.escalations_for(request.user).select_related("case__tenant")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        escalations = escalations.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["kind"]:
            escalations = escalations.filter(deadline_kind=data["kind"])
        if data["action"]:
            escalations = escalations.filter(action=data["action"])
        if data["start"]:
            escalations = escalations.filter(escalated_at__gte=_local_midnight(data["start"]))
        if data["end"]:
            escalations = escalations.filter(escalated_at__lt=_local_midnight(data["end"] + timedelta(days=1)))
    page = Paginator(escalations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/escalations.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=status,
    )


urlpatterns = [
    path("escalaties/", escalation_list, name="escalations"),
]
