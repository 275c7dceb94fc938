"""The tenant's data export as a page (AVG right of access): find a tenant within one's scope, then everything one
may export of them, printable, with the JSON download (GET /api/v1/tenants/{id}/export/?download=true).
Who may do what is cases.policy's (tenant_exports_for, may_export_tenant)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.errors import NotVisible

from .. import policy, selectors
from ..services.export import export_tenant
from . import forbidden

RESULTS = 50


class TenantSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name, contract number or postcode"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )


@login_required
@require_GET
def tenant_search(request):
    rule = policy.tenant_exports_for(request.user)
    if rule is None:
        return forbidden(request, _("Only the managers of a corporation or a municipality can export a tenant's data."))
    form = TenantSearchForm(request.GET or None)
    tenants, status, searched = [], 200, False
    if form.is_bound:
        if form.is_valid():
            searched = bool(form.cleaned_data["q"].strip())
            tenants = list(selectors.tenants_for_export(request.user, form.cleaned_data["q"])[: RESULTS + 1])
        else:
            status = 400
    context = {
        "form": form,
        "tenants": tenants[:RESULTS],
        "more": len(tenants) > RESULTS,
        "searched": searched,
        "signals_only": not rule.includes_cases,
    }
    return render(request, "cases/tenant_export_search.html", context, status=status)


@login_required
@require_GET
def tenant_export(request, pk):
    try:
        data = export_tenant(request.user, pk)
    except NotVisible:
        raise Http404 from None
    return render(request, "cases/tenant_export.html", {"export": data, "tenant": data.tenant})


urlpatterns = [
    path("huurders/inzage/", tenant_search, name="tenant_search"),
    path("huurders/<int:pk>/inzage/", tenant_export, name="tenant_export"),
]
