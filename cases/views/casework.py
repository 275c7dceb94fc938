"""The corporation's first month in the web UI: the worklist, the case page and its forms.

Views are thin: reads go through cases.selectors (a case outside one's scope answers 404), what the page offers
comes from cases.policy (asked once per request: `allowed`), every change goes through cases.services; a
service's refusal is shown beside the field it names (config.webhelpers.form_error)."""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import BusinessError
from config.webhelpers import form_error, is_htmx

from .. import policy, selectors, services
from ..forms import (
    ArrangementForm,
    CloseCaseForm,
    ContactAttemptForm,
    MissedInstallmentForm,
    NoteForm,
    OpenCaseForm,
    WorklistFilterForm,
)
from ..models import AccessLog, AttemptOutcome, Channel, EventKind
from ..services.access import record_access_many
from . import case_or_404, deadline_status, forbidden, to_landing
from .eviction import eviction_panel_context
from .handovers import handover_panel_context

PAGE_SIZE = 50


# --- worklist ---------------------------------------------------------------------------------------------------


@login_required
def worklist(request):
    """The root page: the caseworkers' worklist; every other role is sent to the page it works from."""
    if not policy.may_use(request.user, "worklist"):
        return to_landing(request)
    membership = request.user.membership
    form = WorklistFilterForm(request.GET or None, organisation=membership.organisation)
    if form.is_bound:
        form.is_valid()  # invalid filters show their error and are left out
    # A case that came back from a partner needs action first, whatever its deadline.
    cases = selectors.case_list(request.user, **form.selector_kwargs()).order_by(
        F("returned_at").desc(nulls_last=True), F("deadline_at").asc(nulls_last=True), "pk"
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    returned = selectors.why_returned(page.object_list)
    for case in page.object_list:
        case.returned_from = returned.get(case.pk)
    now = timezone.now()
    rows = [(case, deadline_status(case, now)) for case in page.object_list]
    record_access_many(request.user, [case.pk for case, _status in rows], AccessLog.What.LIST)
    context = {
        "form": form,
        "more_filters": any(request.GET.get(name) for name in WorklistFilterForm.MORE_FILTERS),
        "page": page,
        "rows": rows,
        "can_open_case": policy.may_open(request.user),
    }
    return render(request, "cases/_worklist_results.html" if is_htmx(request) else "cases/worklist.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    if not policy.may_open(request.user):
        return forbidden(request, policy.TABLE[policy.Action.OPEN].forbidden)
    status = 200
    if request.method == "POST":
        form = OpenCaseForm(request.POST)
        if form.is_valid():
            try:
                case = services.open_case(request.user, **form.service_kwargs())
            except BusinessError as error:
                status = form_error(form, error, prefix="tenant.")
            else:
                messages.success(request, _("Case opened."))
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    else:
        form = OpenCaseForm()
    return render(request, "cases/case_new.html", {"form": form}, status=status)


# --- case page --------------------------------------------------------------------------------------------------


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def _timeline_rows(case, reduced_for):
    """The timeline, oldest first; a contact attempt is labelled from its data, in the reader's language."""
    rows = []
    for event in selectors.timeline(case, reduced_for=reduced_for):
        text = event.description
        if event.kind == EventKind.CONTACT_ATTEMPT and event.data.get("channel"):
            text = f"{_label(Channel, event.data['channel'])}: {_label(AttemptOutcome, event.data.get('outcome'))}"
        rows.append({"event": event, "text": text, "notes": event.data.get("notes", "")})
    return rows


# Which action shows which form of the case page.
FORM_SHOWN_BY = {
    "attempt_form": policy.Action.LOG_ATTEMPT,
    "arrangement_form": policy.Action.ARRANGE,
    "missed_form": policy.Action.RECORD_MISSED,
    "note_form": policy.Action.ADD_NOTE,
    "close_form": policy.Action.CLOSE,
}


def _top_errors(forms, allowed):
    """Errors to show at the top of the page: the submitted form's general errors, and all its errors when its
    section is not shown (e.g. the case was closed meanwhile)."""
    errors = []
    for name, form in forms.items():
        if not form.is_bound:
            continue
        if FORM_SHOWN_BY.get(name) in allowed:
            errors.extend(form.non_field_errors())
        else:
            errors.extend(message for messages_ in form.errors.values() for message in messages_)
    return errors


def _render_case(request, case, allowed, *, status=200, **forms):
    services.record_access(request.user, case, AccessLog.What.DETAIL)
    reduced_for = selectors.history_reader(request.user, case, allowed)
    arrangements = case.arrangements.all()
    if reduced_for is not None:
        arrangements = arrangements.filter(organisation=reduced_for)
    context = {
        "case": case,
        "tenant": case.tenant,
        "allowed": allowed,
        "may_export_tenant": policy.may_export_tenant(request.user, case.tenant) is not None,
        "deadline": deadline_status(case),
        "returned_from": selectors.why_returned([case]).get(case.pk),
        "timeline": _timeline_rows(case, reduced_for),
        "history_reduced": reduced_for is not None,
        "arrangements": list(arrangements),
        "attempt_form": forms.get("attempt_form") or ContactAttemptForm(),
        "arrangement_form": forms.get("arrangement_form") or ArrangementForm(),
        "missed_form": forms.get("missed_form") or MissedInstallmentForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "close_form": forms.get("close_form") or CloseCaseForm(),
        "top_errors": _top_errors(forms, allowed),
        **handover_panel_context(request, case, allowed),
        **eviction_panel_context(request, case, allowed),
        **_assign_panel_context(request, case, allowed, forms.get("assign_form")),
    }
    return render(request, "cases/detail.html", context, status=status)


class AssignForm(django_forms.Form):
    user = django_forms.IntegerField(label=_lazy("Caseworker"))


def _assign_panel_context(request, case, allowed, form):
    """The assign panel (templates/cases/_assign_panel.html): managers choose any member of the holder, a
    caseworker can take the case over; shown exactly when policy.permitted includes ASSIGN."""
    if "assign" not in allowed:
        return {"assign_form": form}
    members = []
    actor = policy.actor_of(request.user)
    if actor.is_manager:
        members = list(get_user_model().objects.filter(membership__organisation_id=case.holder_id, is_active=True)
                       .order_by("first_name", "last_name", "username"))
    return {"assign_form": form or AssignForm(), "assign_members": members, "assign_self": request.user.pk}


@login_required
@require_POST
def assign(request, pk):
    return _case_action(
        request,
        pk,
        AssignForm,
        "assign_form",
        lambda case, data, form: services.assign_case(request.user, case, assignee=data["user"]),
        _("Caseworker assigned."),
    )


@login_required
def case_detail(request, pk):
    return _render_case(request, *case_or_404(request.user, pk))


def _case_action(request, pk, form_class, form_name, call, success_message, *, attempt_page=False):
    """POST one form of the case page: valid input goes to the service; its error goes beside the field and the
    page is shown again (nothing written); success redirects to the case page (POST-redirect-GET)."""
    case, allowed = case_or_404(request.user, pk)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            call(case, form.cleaned_data, form)
        except BusinessError as error:
            status = form_error(form, error)
            # The refusal may come from a change made meanwhile: the page shows what is allowed now.
            case, allowed = case_or_404(request.user, pk)
        else:
            messages.success(request, success_message)
            return redirect(reverse("cases:detail", kwargs={"pk": case.pk}) + "#timeline")
    if attempt_page:
        return _render_attempt_page(request, case, allowed, form, status=status)
    return _render_case(request, case, allowed, status=status, **{form_name: form})


def _render_attempt_page(request, case, allowed, form, *, status=200):
    services.record_access(request.user, case, AccessLog.What.DETAIL)
    context = {"case": case, "tenant": case.tenant, "form": form, "allowed": allowed}
    return render(request, "cases/contact_attempt.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_attempt(request, pk):
    """One phone-sized screen for a contact attempt (also used during a home visit)."""
    if request.method == "GET":
        case, allowed = case_or_404(request.user, pk)
        return _render_attempt_page(request, case, allowed, ContactAttemptForm())
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
    path("casussen/<int:pk>/toewijzen/", assign, name="assign"),
]
