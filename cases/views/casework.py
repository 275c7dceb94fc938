"""The corporation's first month in the web UI: the worklist, the case page and its forms.

Views are thin: reads go through cases.selectors (a case outside one's scope answers 404), every change through
cases.services; a service's BusinessError is shown beside the field it names, a ForbiddenAction answers 403."""

import importlib
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import BusinessError, ForbiddenAction

from .. import selectors, services
from ..forms import (
    ArrangementForm,
    CloseCaseForm,
    ContactAttemptForm,
    MissedInstallmentForm,
    NoteForm,
    OpenCaseForm,
    WorklistFilterForm,
    apply_business_error,
)
from ..models import AttemptOutcome, Case, Channel, EventKind

PAGE_SIZE = 50
DUE_SOON = timedelta(days=2)

# Partials other modules own; the case page includes the first that exists, else an empty placeholder.
HANDOVER_PANEL = ("cases/_handover_panel.html", "cases/_no_panel.html")
EVICTION_PANEL = ("cases/_eviction_panel.html", "cases/_no_panel.html")
# Optional context helpers of those modules: (module, function(request, case) -> dict).
PANEL_CONTEXT_HELPERS = (
    ("cases.views.handovers", "handover_panel_context"),
    ("cases.views.eviction", "eviction_panel_context"),
)


def deadline_status(deadline_at, now=None):
    """How a deadline stands, for badges and countdowns: None without a deadline, else a dict with `at`,
    `state` ("overdue", "due-soon" (within two days) or "ok"), `days` (whole calendar days left, negative when
    late) and `text` ("nog 3 dagen", "vandaag", "2 dagen te laat")."""
    if deadline_at is None:
        return None
    now = now or timezone.now()
    days = (timezone.localdate(deadline_at) - timezone.localdate(now)).days
    if deadline_at < now:
        late = max(days * -1, 1)
        state, text = "overdue", ngettext("%(count)s day late", "%(count)s days late", late) % {"count": late}
    else:
        state = "due-soon" if deadline_at - now <= DUE_SOON else "ok"
        if days <= 0:
            text = _("today")
        else:
            text = ngettext("%(count)s day left", "%(count)s days left", days) % {"count": days}
    return {"at": deadline_at, "state": state, "days": days, "text": text}


def _membership(user):
    return getattr(user, "membership", None)


def _case_or_404(user, pk):
    try:
        return selectors.case_detail(user, pk)
    except Case.DoesNotExist:
        raise Http404 from None


def _forbidden(request, message):
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


# --- worklist ---------------------------------------------------------------------------------------------------


@login_required
def worklist(request):
    membership = _membership(request.user)
    form = WorklistFilterForm(request.GET or None, organisation=membership.organisation if membership else None)
    if form.is_bound:
        form.is_valid()  # invalid filters show their error and are left out
    cases = selectors.case_list(request.user, **form.selector_kwargs()).order_by(
        F("deadline_at").asc(nulls_last=True), "pk"
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(case, deadline_status(case.deadline_at, now)) for case in page.object_list]
    context = {
        "form": form,
        "more_filters": any(request.GET.get(name) for name in WorklistFilterForm.MORE_FILTERS),
        "page": page,
        "rows": rows,
        "can_open_case": bool(membership and membership.organisation.is_corporation),
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    return render(request, "cases/_worklist_results.html" if partial else "cases/worklist.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    membership = _membership(request.user)
    if membership is None or not membership.organisation.is_corporation:
        return _forbidden(request, _("Only a housing corporation opens a case."))
    status = 200
    if request.method == "POST":
        form = OpenCaseForm(request.POST)
        if form.is_valid():
            try:
                case = services.open_case(request.user, **form.service_kwargs())
            except BusinessError as error:
                apply_business_error(form, error, prefix="tenant.")
                status = _status_of(error)
            else:
                messages.success(request, _("Case opened."))
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    else:
        form = OpenCaseForm()
    return render(request, "cases/case_new.html", {"form": form}, status=status)


def _status_of(error):
    if isinstance(error, ForbiddenAction):
        return 403
    return 409 if error.conflict else 400


# --- case page --------------------------------------------------------------------------------------------------


def _permissions(user, case):
    """What the page offers (services.allowed_actions; the service still decides). Closed cases are read-only."""
    allowed = services.allowed_actions(user, case)
    can_change = (allowed["is_holder"] or allowed["is_corporation"]) and selectors.can_change(user, case)
    return {
        "is_holder": allowed["is_holder"],
        "is_corporation": allowed["is_corporation"],
        "can_change": can_change,
        "can_log_attempt": can_change and allowed["log_attempt"],
        "can_arrange": can_change and allowed["arrange"],
        "can_record_missed": can_change and allowed["record_missed"],
        "can_note": can_change and allowed["add_note"],
        "can_close": can_change and allowed["close"],
    }


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _timeline_rows(case):
    """The timeline, oldest first; a contact attempt is labelled from its data, in the reader's language."""
    rows = []
    for event in selectors.timeline(case):
        text = event.description
        if event.kind == EventKind.CONTACT_ATTEMPT and event.data.get("channel"):
            text = f"{_label(Channel, event.data['channel'])}: {_label(AttemptOutcome, event.data.get('outcome'))}"
        rows.append({"event": event, "text": text, "notes": event.data.get("notes", "")})
    return rows


def _panel_context(request, case):
    extra = {}
    for module_name, function_name in PANEL_CONTEXT_HELPERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        helper = getattr(module, function_name, None)
        if callable(helper):
            extra.update(helper(request, case) or {})
    return extra


# Which permission shows which form of the case page.
FORM_SHOWN_BY = {
    "attempt_form": "can_log_attempt",
    "arrangement_form": "can_arrange",
    "missed_form": "can_record_missed",
    "note_form": "can_note",
    "close_form": "can_close",
}


def _top_errors(forms, permissions):
    """Errors to show at the top of the page: the submitted form's general errors, and all its errors when its
    section is not shown (e.g. the case was closed meanwhile)."""
    errors = []
    for name, form in forms.items():
        if not form.is_bound:
            continue
        if permissions.get(FORM_SHOWN_BY.get(name)):
            errors.extend(form.non_field_errors())
        else:
            errors.extend(message for messages_ in form.errors.values() for message in messages_)
    return errors


def _render_case(request, case, *, status=200, **forms):
    services.record_access(request.user, case, "detail")
    permissions = _permissions(request.user, case)
    context = {
        "case": case,
        "tenant": case.tenant,
        "deadline": deadline_status(case.deadline_at),
        "timeline": _timeline_rows(case),
        "arrangements": list(case.arrangements.all()),
        "attempt_form": forms.get("attempt_form") or ContactAttemptForm(),
        "arrangement_form": forms.get("arrangement_form") or ArrangementForm(),
        "missed_form": forms.get("missed_form") or MissedInstallmentForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "close_form": forms.get("close_form") or CloseCaseForm(),
        "handover_panel": HANDOVER_PANEL,
        "eviction_panel": EVICTION_PANEL,
        "top_errors": _top_errors(forms, permissions),
        **permissions,
    }
    context.update(_panel_context(request, case))
    return render(request, "cases/detail.html", context, status=status)


@login_required
def case_detail(request, pk):
    return _render_case(request, _case_or_404(request.user, pk))


def _case_action(request, pk, form_class, form_name, call, success_message, *, attempt_page=False):
    """POST one form of the case page: valid input goes to the service; its error goes beside the field and the
    page is shown again (nothing written); success redirects to the case page (POST-redirect-GET)."""
    case = _case_or_404(request.user, pk)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            call(case, form.cleaned_data, form)
        except BusinessError as error:
            apply_business_error(form, error)
            status = _status_of(error)
        else:
            messages.success(request, success_message)
            return redirect(reverse("cases:detail", kwargs={"pk": case.pk}) + "#timeline")
    if attempt_page:
        return _render_attempt_page(request, case, form, status=status)
    return _render_case(request, case, status=status, **{form_name: form})


def _render_attempt_page(request, case, form, *, status=200):
    services.record_access(request.user, case, "detail")
    context = {"case": case, "tenant": case.tenant, "form": form, **_permissions(request.user, case)}
    return render(request, "cases/contact_attempt.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_attempt(request, pk):
    """One phone-sized screen for a contact attempt (also used during a home visit)."""
    if request.method == "GET":
        case = _case_or_404(request.user, pk)
        return _render_attempt_page(request, case, ContactAttemptForm())
    return _case_action(
        request,
        pk,
        ContactAttemptForm,
        "attempt_form",
        lambda case, data, form: services.log_contact_attempt(request.user, case, **form.service_kwargs()),
        _("Contact attempt saved."),
        attempt_page=True,
    )


@login_required
@require_POST
def arrangement(request, pk):
    return _case_action(
        request,
        pk,
        ArrangementForm,
        "arrangement_form",
        lambda case, data, form: services.agree_arrangement(request.user, case, **form.service_kwargs()),
        _("Payment arrangement saved."),
    )


@login_required
@require_POST
def missed_installment(request, pk):
    return _case_action(
        request,
        pk,
        MissedInstallmentForm,
        "missed_form",
        lambda case, data, form: services.record_missed_installment(request.user, case, note=data["note"]),
        _("Missed instalment recorded; the arrangement is broken."),
    )


@login_required
@require_POST
def note(request, pk):
    return _case_action(
        request,
        pk,
        NoteForm,
        "note_form",
        lambda case, data, form: services.add_note(request.user, case, text=data["text"]),
        _("Note saved."),
    )


@login_required
@require_POST
def close(request, pk):
    return _case_action(
        request,
        pk,
        CloseCaseForm,
        "close_form",
        lambda case, data, form: services.close_case(request.user, case, outcome=data["outcome"], notes=data["notes"]),
        _("Case closed."),
    )


urlpatterns = [
    path("", worklist, name="worklist"),
    path("casussen/nieuw/", case_new, name="case_new"),
    path("casussen/<int:pk>/", case_detail, name="detail"),
    path("casussen/<int:pk>/contactpoging/", contact_attempt, name="contact_attempt"),
    path("casussen/<int:pk>/regeling/", arrangement, name="arrangement"),
    path("casussen/<int:pk>/termijn-gemist/", missed_installment, name="missed_installment"),
    path("casussen/<int:pk>/notitie/", note, name="note"),
    path("casussen/<int:pk>/sluiten/", close, name="close"),
]
