"""Web UI of the municipality's vroegsignalering: the worklist of vroegsignaal cases and the case page with its
three actions (pick up, log a contact attempt, close with a DDAS result).

Views are thin: reads go through signals.selectors (a case outside one's scope answers 404: NotVisible), what the
page offers comes from cases.policy (asked once per request), every change goes through signals.outreach; a
service's refusal is shown beside the field it names, with what was typed kept."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import policy
from cases.models import DUE_SOON, DeadlineState
from cases.views import deadline_status, to_landing
from config.errors import BusinessError, ForbiddenAction, NotVisible
from config.webhelpers import form_error

from . import outreach, selectors
from .models import ArrearsSignal, SignalCase
from .outreach_forms import SignalCaseCloseForm, SignalCaseFilterForm, SignalContactAttemptForm

PAGE_SIZE = 50
Action = policy.SignalCaseAction

# Which action shows which form of the case page.
FORM_SHOWN_BY = {
    "attempt_form": Action.LOG_CONTACT,
    "close_form": Action.CLOSE,
}


def _signals_prefetch():
    return Prefetch(
        "signals",
        queryset=ArrearsSignal.objects.only(
            "pk", "signal_case_id", "kind", "name", "amount", "reference_date", "arrears_since", "crisis",
            "warm_handover",
        ).order_by("reference_date", "pk"),
    )


def _deadline(signal_case, now):
    """The contact deadline as the case pages show one (cases.views.deadline_status): None once contact was
    made or the case closed."""
    if signal_case.deadline_at is None or signal_case.closed_at is not None:
        return None

    def state(moment):
        if signal_case.deadline_at < moment:
            return DeadlineState.OVERDUE
        return DeadlineState.DUE_SOON if signal_case.deadline_at - moment <= DUE_SOON else DeadlineState.OK

    return deadline_status(SimpleNamespace(deadline_at=signal_case.deadline_at, deadline_state=state), now)


def _row(user, signal_case, now):
    signals = list(signal_case.signals.all())
    kinds = []
    for signal in signals:
        if signal.get_kind_display() not in kinds:
            kinds.append(signal.get_kind_display())
    owner = policy.sees_household_names(user, signal_case)
    names = sorted({signal.name for signal in signals if signal.name}) if owner else []
    return {"case": signal_case, "kinds": kinds, "names": names, "deadline": _deadline(signal_case, now)}


# --- worklist ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def signal_cases(request):
    if not policy.may_use(request.user, "signal_cases"):
        return to_landing(request)
    form = SignalCaseFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # an invalid filter shows its error and is left out
    cases = (
        selectors.signal_cases_for(request.user, **form.selector_kwargs())  # with attempt_count, in order
        .prefetch_related(_signals_prefetch())
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [_row(request.user, signal_case, now) for signal_case in page.object_list]
    return render(request, "signals/signal_cases.html", {"form": form, "page": page, "rows": rows})


# --- the case page ----------------------------------------------------------------------------------------------


def _signal_case_or_404(user, pk) -> tuple[SignalCase, frozenset]:
    try:
        signal_case = selectors.signal_case_for(user, pk)
    except (NotVisible, SignalCase.DoesNotExist):
        raise Http404 from None
    allowed = policy.permitted_signal_case(user, signal_case)
    if Action.VIEW not in allowed:
        raise Http404
    return signal_case, allowed


def _render_detail(request, signal_case, allowed, *, status=200, top_errors=(), **forms):
    forms.setdefault("attempt_form", SignalContactAttemptForm())
    forms.setdefault("close_form", SignalCaseCloseForm())
    for name, action in FORM_SHOWN_BY.items():
        if action not in allowed:
            forms[name] = None
    signals = list(signal_case.signals.all().order_by("reference_date", "pk"))
    context = {
        "signal_case": signal_case,
        "allowed": {str(action) for action in allowed},
        "signals": signals,
        "show_names": policy.sees_household_names(request.user, signal_case),
        "attempts": list(signal_case.attempts.all()),
        "rent_case": selectors.rent_case_of(signal_case),
        "deadline": _deadline(signal_case, timezone.now()),
        "top_errors": list(top_errors),
        **forms,
    }
    return render(request, "signals/signal_case_detail.html", context, status=status)


@login_required
@require_GET
def signal_case_detail(request, pk):
    signal_case, allowed = _signal_case_or_404(request.user, pk)
    return _render_detail(request, signal_case, allowed)


def _refused(request, signal_case_pk, error, form_name, form):
    """Re-render the case page with the service's refusal beside its field (the typed input kept)."""
    if isinstance(error, NotVisible):
        raise Http404
    signal_case, allowed = _signal_case_or_404(request.user, signal_case_pk)
    if form is None:
        status = 403 if isinstance(error, ForbiddenAction) else (409 if error.conflict else 400)
        return _render_detail(request, signal_case, allowed, status=status, top_errors=[str(error.message)])
    status = form_error(form, error)
    top = [] if form.errors else [str(error.message)]
    if Action.VIEW in allowed and FORM_SHOWN_BY[form_name] not in allowed:
        # The action is no longer open (the case closed meanwhile): say why at the top.
        top = [str(error.message)]
    return _render_detail(request, signal_case, allowed, status=status, top_errors=top, **{form_name: form})


@login_required
@require_POST
def signal_case_pick_up(request, pk):
    _signal_case_or_404(request.user, pk)
    try:
        outreach.pick_up(request.user, pk)
    except BusinessError as error:
        return _refused(request, pk, error, None, None)
    messages.success(request, _("Vroegsignaal case picked up."))
    return redirect("signals:signal-case", pk=pk)


@login_required
@require_POST
def signal_case_attempt(request, pk):
    signal_case, allowed = _signal_case_or_404(request.user, pk)
    form = SignalContactAttemptForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, signal_case, allowed, status=400, attempt_form=form)
    try:
        outreach.log_contact_attempt(request.user, pk, **form.service_kwargs())
    except BusinessError as error:
        return _refused(request, pk, error, "attempt_form", form)
    messages.success(request, _("Contact attempt saved."))
    return redirect("signals:signal-case", pk=pk)


@login_required
@require_POST
def signal_case_close(request, pk):
    signal_case, allowed = _signal_case_or_404(request.user, pk)
    form = SignalCaseCloseForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, signal_case, allowed, status=400, close_form=form)
    try:
        outreach.close(request.user, pk, **form.service_kwargs())
    except BusinessError as error:
        return _refused(request, pk, error, "close_form", form)
    messages.success(request, _("Vroegsignaal case closed."))
    return redirect("signals:signal-case", pk=pk)


urlpatterns = [
    path("vroegsignalering/", signal_cases, name="signal-cases"),
    path("vroegsignalering/<int:pk>/", signal_case_detail, name="signal-case"),
    path("vroegsignalering/<int:pk>/oppakken/", signal_case_pick_up, name="signal-case-pick-up"),
    path("vroegsignalering/<int:pk>/contactpoging/", signal_case_attempt, name="signal-case-attempt"),
    path("vroegsignalering/<int:pk>/afsluiten/", signal_case_close, name="signal-case-close"),
]
