"""The corporation's first month in the web UI: the worklist, the case page and its forms.

Views are thin: reads go through cases.selectors (a case outside one's scope answers 404), what the page offers
comes from cases.policy (asked once per request: `allowed`), every change goes through cases.services; a
service's refusal is shown beside the field it names (config.webhelpers.form_error)."""

from datetime import timedelta

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import BusinessError
from config.webhelpers import form_error, is_htmx
from partners.selectors import members_of

from .. import policy, selectors, services
from ..forms import (
    ArrangementChangeForm,
    ArrangementForm,
    ArrangementStopForm,
    CloseCaseForm,
    ContactAttemptForm,
    InstalmentPaidForm,
    MissedInstallmentForm,
    NoteForm,
    OpenCaseForm,
    WorklistFilterForm,
)
from ..models import AccessLog, Arrangement, AttemptOutcome, Channel, EventKind
from ..services.access import record_access_many
from . import case_or_404, deadline_status, forbidden, to_landing
from .arrangements import PANEL_FORMS, arrangement_panel_context
from .eviction import eviction_panel_context
from .handovers import handover_panel_context
from .tasks import TaskForm, my_tasks_context, tasks_panel_context

PAGE_SIZE = 50


# --- worklist ---------------------------------------------------------------------------------------------------


@login_required
def worklist(request):
    """The root page: the caseworkers' worklist; every other role is sent to the page it works from."""
    if not policy.may_use(request.user, "worklist"):
        return to_landing(request)
    membership = request.user.membership
    form = WorklistFilterForm(request.GET or None, organisation=membership.organisation, user=request.user)
    if form.is_bound:
        form.is_valid()  # invalid filters show their error and are left out
    filters = form.selector_kwargs()
    if filters.get("q") and not request.GET.getlist("status"):
        filters.pop("status", None)  # a search reaches closed cases too, unless statuses were chosen
    # A case that came back from a partner needs action first, whatever its deadline.
    cases = selectors.case_list(request.user, **filters).select_related("assigned_to").order_by(
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
        **({} if is_htmx(request) else my_tasks_context(request)),
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
        text = event.text
        if event.kind == EventKind.CONTACT_ATTEMPT and event.data.get("channel"):
            text = f"{_label(Channel, event.data['channel'])}: {_label(AttemptOutcome, event.data.get('outcome'))}"
        rows.append({"event": event, "text": text, "notes": event.data.get("notes", "")})
    return rows


# Which action shows which form of the case page.
FORM_SHOWN_BY = {
    "attempt_form": policy.Action.LOG_ATTEMPT,
    "arrangement_form": policy.Action.ARRANGE,
    "missed_form": policy.Action.RECORD_MISSED,
    **PANEL_FORMS,
    "note_form": policy.Action.ADD_NOTE,
    "close_form": policy.Action.CLOSE,
    "task_form": policy.Action.ADD_TASK,
    "pause_form": policy.Action.PAUSE,
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
    context = {
        "case": case,
        "tenant": case.tenant,
        "allowed": allowed,
        "may_export_tenant": policy.may_export_tenant(request.user, case.tenant) is not None,
        "deadline": deadline_status(case),
        "returned_from": selectors.why_returned([case]).get(case.pk),
        "timeline": _timeline_rows(case, reduced_for),
        "history_reduced": reduced_for is not None,
        "attempt_form": forms.get("attempt_form") or ContactAttemptForm(),
        **arrangement_panel_context(case, allowed, reduced_for, forms),
        "note_form": forms.get("note_form") or NoteForm(),
        "close_form": forms.get("close_form") or CloseCaseForm(),
        "top_errors": _top_errors(forms, allowed),
        **handover_panel_context(request, case, allowed),
        **eviction_panel_context(request, case, allowed),
        **_assign_panel_context(request, case, allowed, forms.get("assign_form")),
        **tasks_panel_context(request, case, allowed, forms.get("task_form")),
        **_pause_panel_context(case, allowed, forms.get("pause_form")),
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
        members = list(members_of(case.holder_id))
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


class PauseForm(django_forms.Form):
    reason = django_forms.CharField(label=_lazy("Reason"), required=False)
    until = django_forms.DateField(label=_lazy("Paused until"), required=False)


class ResumeForm(django_forms.Form):
    pass


def _pause_panel_context(case, allowed, form):
    """The pause panel (templates/cases/_pause_panel.html): the pause form while policy.permitted includes PAUSE,
    the resume button while it includes RESUME."""
    context = {"pause_form": form or PauseForm()}
    if "pause" in allowed:
        today = timezone.localdate()
        context["pause_reasons"] = case.convenant.pause_reason_choices()
        context["pause_min"] = today + timedelta(days=1)
        context["pause_max"] = today + timedelta(days=case.convenant.max_pause_days)
    return context


@login_required
@require_POST
def pause(request, pk):
    return _case_action(
        request,
        pk,
        PauseForm,
        "pause_form",
        lambda case, data, form: services.pause_case(
            request.user, case, reason=data["reason"], until=data["until"] or ""
        ),
        _("The clock is paused."),
    )


@login_required
@require_POST
def resume(request, pk):
    return _case_action(
        request,
        pk,
        ResumeForm,
        "pause_form",
        lambda case, data, form: services.resume_case(request.user, case),
        _("The clock runs again."),
    )


@login_required
@require_POST
def task_add(request, pk):
    """A follow-up task from the case page's tasks panel (cases/views/tasks.py)."""

    def call(case, data, form):
        try:
            services.add_task(request.user, case, text=data["text"], due_at=form.due_at(),
                              assigned_to=data.get("assigned_to"))
        except BusinessError as error:
            if error.field == "due_at":
                error.field = "due_date"
            raise

    return _case_action(request, pk, TaskForm, "task_form", call, _("Task saved."))


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
        lambda case, data, form: services.record_missed_installment(
            request.user, case, note=data["note"], number=data.get("number")
        ),
        _("Missed instalment recorded; the arrangement is broken."),
    )


# --- the payment arrangement panel (.arrangements): an instalment paid, new terms, a stop -----------------------


def _arrangement_action(request, pk, form_class, form_name, call, message):
    arrangement = get_object_or_404(Arrangement, pk=pk)
    return _case_action(
        request, arrangement.case_id, form_class, form_name,
        lambda case, data, form: call(arrangement, data, form), message,
    )


@login_required
@require_POST
def instalment_paid(request, pk):
    return _arrangement_action(
        request, pk, InstalmentPaidForm, "instalment_form",
        lambda arrangement, data, form: services.record_instalment_paid(
            request.user, arrangement, data["number"], paid_on=data.get("paid_on")
        ),
        _("Instalment recorded as paid."),
    )


@login_required
@require_POST
def arrangement_change(request, pk):
    return _arrangement_action(
        request, pk, ArrangementChangeForm, "arrangement_change_form",
        lambda arrangement, data, form: services.change_arrangement(request.user, arrangement, **form.service_kwargs()),
        _("New terms saved as a new version of the arrangement."),
    )


@login_required
@require_POST
def arrangement_stop(request, pk):
    return _arrangement_action(
        request, pk, ArrangementStopForm, "arrangement_stop_form",
        lambda arrangement, data, form: services.stop_arrangement(request.user, arrangement, reason=data["reason"]),
        _("Payment arrangement stopped; the case is back in contact."),
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
    path("casussen/<int:pk>/taken/", task_add, name="task_add"),
    path("regelingen/<int:pk>/betaald/", instalment_paid, name="instalment_paid"),
    path("regelingen/<int:pk>/wijzigen/", arrangement_change, name="arrangement_change"),
    path("regelingen/<int:pk>/stoppen/", arrangement_stop, name="arrangement_stop"),
    path("casussen/<int:pk>/pauzeren/", pause, name="pause"),
    path("casussen/<int:pk>/hervatten/", resume, name="resume"),
]
