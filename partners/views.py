"""The user's own account pages: the second factor (enrolment, the code at sign-in, backup codes) and API
tokens."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from config.csvexport import csv_response
from config.errors import BusinessError

from . import second_factor, security, tokens
from .models import SecurityEvent, SecurityEventKind

SECURITY_LOG_EXPORT_LIMIT = 50_000


class SecurityLogFilter(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Event"), required=False,
                             choices=[("", gettext_lazy("All events"))] + list(SecurityEventKind.choices))
    username = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext_lazy("The end date lies before the start date."))
        return data

    def apply(self, events):
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("username"):
            events = events.filter(username__iexact=data["username"].strip())
        if data.get("date_from"):
            events = events.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            events = events.filter(at__date__lte=data["date_to"])
        return events


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
def second_factor_setup(request):
    """Enrol an authenticator app: scan the code (or type the key), confirm with one code, keep the backup
    codes."""
    user = request.user
    if second_factor.is_enrolled(user) and not second_factor.session_verified(request):
        return redirect(f"{reverse('second-factor-verify')}?next={reverse('second-factor-setup')}")
    device = second_factor.pending_app_device(user)
    error = None
    if request.method == "POST":
        try:
            device, codes = second_factor.confirm_enrolment(user=user, code=request.POST.get("code", ""))
        except BusinessError as exc:
            error = exc.message
        else:
            otp_login(request, device)
            return render(request, "partners/backup_codes.html", {"codes": codes, "next": _next_url(request)})
    return render(request, "partners/second_factor_setup.html", {
        "qr_svg": second_factor.qr_svg(device), "secret": second_factor.secret_of(device),
        "error": error, "next": _next_url(request),
    }, status=400 if error else 200)


@login_required
def second_factor_verify(request):
    """The second step at sign-in: a code from the app or one backup code."""
    user = request.user
    if not second_factor.is_enrolled(user):
        return redirect(f"{reverse('second-factor-setup')}?next={_next_url(request)}")
    error = None
    if request.method == "POST":
        device = second_factor.verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            security.record(security.Kind.SECOND_FACTOR_PASSED, request=request, user=user)
            return redirect(_next_url(request))
        security.record(security.Kind.SECOND_FACTOR_FAILED, request=request, user=user)
        error = _("This code is not right. Enter the 6 digits your app shows now, or a backup code.")
    return render(request, "partners/second_factor_verify.html", {"error": error, "next": _next_url(request)},
                  status=400 if error else 200)


@login_required
@require_POST
def backup_codes(request):
    """A fresh set of backup codes (the old ones stop working)."""
    if not second_factor.is_enrolled(request.user) or not second_factor.session_verified(request):
        return redirect("second-factor-verify")
    codes = second_factor.new_backup_codes(user=request.user)
    return render(request, "partners/backup_codes.html", {"codes": codes, "next": reverse("account-tokens")})


@login_required
def account_tokens(request):
    """The user's own API tokens: when made, until when valid; revoke one or all."""
    if request.method == "POST":
        try:
            if request.POST.get("all"):
                tokens.revoke_all_tokens(user=request.user)
                messages.success(request, _("All your API tokens are revoked."))
            else:
                tokens.revoke_token(user=request.user, digest=request.POST.get("token", ""))
                messages.success(request, _("The API token is revoked."))
        except BusinessError as exc:
            messages.error(request, exc.message)
        return redirect("account-tokens")
    return render(request, "partners/tokens.html", {
        "tokens": tokens.tokens_of(request.user),
        "second_factor_enrolled": second_factor.is_enrolled(request.user),
        "backup_codes_left": second_factor.backup_codes_left(request.user),
    })


@login_required
def security_log(request):
    """The security log for the platform administrator: filter by event, user and period; download as CSV."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = SecurityLogFilter(request.GET or None)
    events = SecurityEvent.objects.select_related("user").order_by("-at", "-id")
    if form.is_valid():
        events = form.apply(events)
    elif form.is_bound:
        events = events.none()
    if request.GET.get("format") == "csv":
        rows = [[_("When"), _("Event"), _("User"), _("Address"), _("Object"), _("Before"), _("After"),
                 _("Detail")]]
        rows += [
            [event.at, event.get_kind_display(), event.username, event.ip_address or "",
             " ".join(filter(None, [event.object_type, event.object_id, event.object_repr])),
             json.dumps(event.before, ensure_ascii=False) if event.before is not None else "",
             json.dumps(event.after, ensure_ascii=False) if event.after is not None else "",
             json.dumps(event.detail, ensure_ascii=False) if event.detail else ""]
            for event in events[:SECURITY_LOG_EXPORT_LIMIT]
        ]
        security.record(security.Kind.EXPORTED, request=request, detail={"filters": request.GET.dict()})
        return csv_response("beveiligingslog.csv", rows)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "partners/security_log.html", {
        "form": form, "page": page, "query": query.urlencode(),
    }, status=400 if form.is_bound and not form.is_valid() else 200)
