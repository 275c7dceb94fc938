"""Web UI of the warm handover: the panel on the case page (the tenant's consent, offer, withdraw, plan a joint
visit), the partner's
inbox with the frozen dossier (accept/decline in place with HTMX, a plain POST without JavaScript),
"Mijn casussen" and the joint home visits. Thin: what a page offers comes from cases.policy, the rules live in
cases.services, the reads in cases.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import BusinessError, ForbiddenAction, NotVisible
from config.webhelpers import form_error, is_htmx

from .. import policy, selectors, services
from ..calendar import calendar_response
from ..forms import (
    CancelVisitForm,
    ConsentForm,
    DeclineForm,
    JointVisitForm,
    MoveVisitForm,
    OfferForm,
    RecordVisitForm,
)
from ..models import OPEN_STATUSES, AccessLog, HandoverStatus, JointVisitStatus
from ..relations import relations_of
from ..services.access import record_access_many
from ..services.handover import consent_line, current_consent
from . import case_or_404, forbidden, to_landing
from .tasks import my_tasks_context

PAGE_SIZE = 50
INBOX_LIMIT = 200

Action = policy.Action


def _case_url(case_id) -> str:
    return reverse("cases:detail", args=[case_id])


def _organisation_id(user):
    membership = getattr(user, "membership", None)
    return membership.organisation_id if membership else None


# --- the panel on the case page ------------------------------------------------------------------------------


def panel_data(user, case, allowed, *, offer_form=None, visit_form=None, consent_form=None) -> dict:
    """Everything `templates/cases/_handover_panel.html` shows for `user` on `case`; `allowed` is
    policy.permitted(user, case). An offer is possible only from the statuses without an open offer (the policy's
    OFFER rule), so OFFER in `allowed` is the whole answer."""
    handovers = list(case.handovers.select_related("from_organisation", "to_organisation", "offered_by", "responded_by"))
    open_offer = next((h for h in handovers if h.status == HandoverStatus.OFFERED), None)
    can_offer = Action.OFFER in allowed
    can_plan_visit = Action.PLAN_VISIT in allowed
    # Errors of a submitted form whose section is not shown (the case changed meanwhile, or the reader may not).
    hidden_errors = [
        str(message)
        for form, shown in ((offer_form, can_offer), (visit_form, can_plan_visit),
                            (consent_form, Action.RECORD_CONSENT in allowed))
        if form is not None and form.is_bound and not shown
        for messages_ in form.errors.values()
        for message in messages_
    ]
    consent = consent_line(current_consent(case))
    return {
        "case": case,
        "allowed": allowed,
        "hidden_errors": hidden_errors,
        "consent": consent,
        "consent_in_force": consent["given"],
        "consent_form": consent_form or (ConsentForm() if Action.RECORD_CONSENT in allowed else None),
        # Whether to explain why no offer form shows: an explanation for the holder, not a permission.
        "is_holder": case.is_open and case.holder_id == _organisation_id(user),
        "offer_form": offer_form or (OfferForm(case=case) if can_offer else None),
        "open_offer": open_offer,
        "handovers": handovers,
        "visit_form": visit_form or (JointVisitForm(case=case) if can_plan_visit else None),
        "joint_visits": list(case.joint_visits.select_related("partner", "organisation").order_by("planned_at")),
    }


def handover_panel_context(request, case, allowed, **forms_) -> dict:
    """What the case page (cases.views.casework) and the handover page add to their context for the panel."""
    return {"handover_data": panel_data(request.user, case, allowed, **forms_)}


def _render_panel_page(request, case, allowed, *, status=200, **forms_):
    context = {"case": case, "allowed": allowed, **handover_panel_context(request, case, allowed, **forms_)}
    return render(request, "cases/handover_page.html", context, status=status)


@login_required
@require_GET
def case_handover(request, pk):
    """The handover panel on a page of its own (also the fallback that shows a form's errors)."""
    case, allowed = case_or_404(request.user, pk)
    services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return _render_panel_page(request, case, allowed)


def _after_refusal(request, pk):
    """The case and what may be done now, after a service refused (the case may have changed meanwhile); the
    page that shows the form's errors logs the read."""
    case, allowed = case_or_404(request.user, pk)
    services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return case, allowed


@login_required
@require_POST
def offer(request, pk):
    case, allowed = case_or_404(request.user, pk)
    form = OfferForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        try:
            handover = services.offer_handover(
                request.user,
                case,
                to_organisation=form.cleaned_data["to_organisation"],
                summary=form.cleaned_data["summary"],
            )
        except BusinessError as error:
            status = form_error(form, error)
            case, allowed = _after_refusal(request, pk)
        else:
            messages.success(
                request, _("The case was offered to %(org)s.") % {"org": handover.to_organisation.name}
            )
            return redirect(_case_url(case.pk))
    else:
        services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return _render_panel_page(request, case, allowed, status=status, offer_form=form)


@login_required
@require_POST
def record_consent(request, pk):
    case, allowed = case_or_404(request.user, pk)
    form = ConsentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            consent = services.record_consent(
                request.user, case, given=form.cleaned_data["given"], how=form.cleaned_data["how"],
                at=form.cleaned_data["at"],
            )
        except BusinessError as error:
            status = form_error(form, error)
            case, allowed = _after_refusal(request, pk)
        else:
            messages.success(request, _("The tenant's consent was recorded.") if consent.given
                             else _("Recorded: the tenant does not consent."))
            return redirect(_case_url(case.pk) + "#consent")
    else:
        services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return _render_panel_page(request, case, allowed, status=status, consent_form=form)


@login_required
@require_POST
def withdraw_consent(request, pk):
    case, _allowed = case_or_404(request.user, pk)
    try:
        services.withdraw_consent(request.user, case)
    except (NotVisible, ForbiddenAction) as error:
        if isinstance(error, NotVisible):
            raise Http404 from None
        return forbidden(request, error.message)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The consent was withdrawn: the chain partners now see contact data and "
                                    "arrears only."))
    return redirect(_case_url(case.pk) + "#consent")


@login_required
@require_POST
def withdraw(request, pk):
    # The withdraw button is on open offers the user's organisation sent; any other handover is not found.
    handover = (
        selectors.handovers_for(request.user, status=HandoverStatus.OFFERED, visible_only=True)
        .filter(from_organisation_id=_organisation_id(request.user), pk=pk)
        .first()
    )
    if handover is None:
        raise Http404
    try:
        services.withdraw_handover(request.user, handover, reason=request.POST.get("reason", ""))
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The offer to %(org)s was withdrawn.") % {"org": handover.to_organisation.name})
    return redirect(_case_url(handover.case_id))


@login_required
@require_POST
def plan_visit(request, pk):
    case, allowed = case_or_404(request.user, pk)
    form = JointVisitForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        try:
            visit = services.plan_joint_visit(
                request.user,
                case,
                partner=form.cleaned_data["partner"],
                planned_at=form.cleaned_data["planned_at"],
                address=form.cleaned_data["address"],
            )
        except BusinessError as error:
            status = form_error(form, error)
            case, allowed = _after_refusal(request, pk)
        else:
            messages.success(
                request,
                _("Joint home visit with %(org)s planned for %(when)s.")
                % {"org": visit.partner.name, "when": timezone.localtime(visit.planned_at).strftime("%d-%m-%Y %H:%M")},
            )
            return redirect(_case_url(case.pk))
    else:
        services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return _render_panel_page(request, case, allowed, status=status, visit_form=form)


# --- the partner's inbox -------------------------------------------------------------------------------------


def _open_offer_or_404(user, pk):
    """The handover `pk` while it is offered to the user's organisation and the user may see its case; anything
    else (declined, withdrawn, accepted, another organisation's) is not found, and nothing of the case shows."""
    handover = selectors.inbox_for(user).filter(pk=pk).first()
    if handover is None or Action.VIEW not in policy.permitted(user, handover.case):
        raise Http404
    return handover


def _inbox_only(request):
    """Organisations that receive no offers have no inbox: they go to their own page."""
    return None if policy.may_use(request.user, "inbox") else to_landing(request)


def _render_row(request, handover, *, state=None, decline_form=None, error=None, status=200):
    """One inbox row (the HTMX answer). The open offer with its dossier is a read of the dossier (logged); the
    answered states show no dossier."""
    if state is None:
        services.record_access(request.user, handover.case, AccessLog.What.DOSSIER)
    context = {
        "offer": handover,
        "state": state,
        "decline_form": decline_form or DeclineForm(),
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "cases/inbox_row.html", context, status=status)


@login_required
@require_GET
def inbox(request):
    if (elsewhere := _inbox_only(request)) is not None:
        return elsewhere
    offers = list(selectors.inbox_for(request.user)[:INBOX_LIMIT])
    record_access_many(request.user, [offer.case_id for offer in offers], AccessLog.What.DOSSIER)
    return render(
        request,
        "cases/inbox.html",
        {"offers": offers, "decline_form": DeclineForm(), "now": timezone.now()},
    )


def _render_offer_page(request, handover, *, decline_form=None, status=200):
    services.record_access(request.user, handover.case, AccessLog.What.DOSSIER)
    context = {"offer": handover, "decline_form": decline_form or DeclineForm(), "now": timezone.now()}
    return render(request, "cases/inbox_detail.html", context, status=status)


@login_required
@require_GET
def inbox_detail(request, pk):
    return _render_offer_page(request, _open_offer_or_404(request.user, pk))


def _refused(request, error):
    """A service refused an answer to an offer that was open a moment ago (answered or withdrawn meanwhile):
    the message alone, nothing of the case."""
    if is_htmx(request):
        return _render_row_error(request, error)
    messages.error(request, str(error.message))
    return redirect("cases:inbox")


def _render_row_error(request, error):
    return render(request, "cases/inbox_row.html", {"state": "error", "error": str(error.message)})


def _visible_visits(user, visits):
    """(visit, relations of the user's organisation to its case) for the visits the policy lets the user see."""
    organisation = user.membership.organisation
    relations = relations_of(organisation, [visit.case for visit in visits])
    return [
        (visit, relations[visit.case_id])
        for visit in visits
        if policy.visit_visible(user, visit, relations=relations[visit.case_id])
    ]


@login_required
@require_POST
def accept(request, pk):
    handover = _open_offer_or_404(request.user, pk)
    try:
        handover = services.accept_handover(request.user, handover)
    except BusinessError as error:
        return _refused(request, error)
    if is_htmx(request):
        return _render_row(request, handover, state="accepted")
    messages.success(request, _("You picked up the case of %(tenant)s.") % {"tenant": handover.case.tenant.name})
    return redirect(_case_url(handover.case_id))


@login_required
@require_POST
def decline(request, pk):
    handover = _open_offer_or_404(request.user, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline_handover(request.user, handover, reason=form.cleaned_data["reason"])
        except BusinessError as error:
            if error.field != "reason":
                return _refused(request, error)
            form_error(form, error)
        else:
            # Declined: the organisation no longer sees the case, not even the tenant's name.
            if is_htmx(request):
                return _render_row(request, handover, state="declined")
            messages.success(request, _("You declined the case."))
            return redirect("cases:inbox")
    if is_htmx(request):
        # htmx swaps 2xx answers only: the row comes back with the error beside the reason field.
        return _render_row(request, handover, decline_form=form)
    return _render_offer_page(request, handover, decline_form=form, status=400)


# --- my cases and joint visits -------------------------------------------------------------------------------


@login_required
@require_GET
def my_cases(request):
    if not policy.may_use(request.user, "my_cases"):
        return to_landing(request)
    # Mine: the open cases assigned to me; ?team=1: the team view, every open case my organisation holds.
    team = request.GET.get("team") == "1"
    cases = selectors.case_list(
        request.user, holder=request.user.membership.organisation_id, status=list(OPEN_STATUSES),
        assigned_to=None if team else request.user.pk,
    ).order_by(F("deadline_at").asc(nulls_last=True), "id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    record_access_many(request.user, [case.pk for case in page.object_list], AccessLog.What.LIST)
    return render(request, "cases/my_cases.html",
                  {"page": page, "cases": page.object_list, "now": timezone.now(), "team": team,
                   **my_tasks_context(request)})


VISIT_FORMS = {"record": RecordVisitForm, "move": MoveVisitForm, "cancel": CancelVisitForm}


def _visit_rows(request, *, bound=None):
    """The planned visits the user may see, each with the forms the policy lets the user use now: the outcome
    (RECORD_VISIT on the case and the visit's planned time reached), moving and cancelling it (the planner,
    policy.visit_actions). A link to the case where the user may see it. `bound` = (visit id, form name, form
    with errors)."""
    now = timezone.now()
    organisation_id = request.user.membership.organisation_id
    rows = []
    for visit, case_relations in _visible_visits(request.user, list(selectors.joint_visits_for(request.user))):
        allowed = policy.permitted(request.user, visit.case, relations=case_relations)
        holder_side = Action.RECORD_VISIT in allowed
        can_record = holder_side and policy.visit_outcome_due(visit, now)
        visit_actions = policy.visit_actions(allowed, visit, organisation_id)
        offered = {"record": can_record, "move": Action.MOVE_VISIT in visit_actions,
                   "cancel": Action.CANCEL_VISIT in visit_actions}
        forms = {name: VISIT_FORMS[name]() for name, shown in offered.items() if shown}
        if bound and bound[0] == visit.pk:
            forms[bound[1]] = bound[2]
        rows.append({"visit": visit, "can_record": can_record, "not_yet": holder_side and not can_record,
                     "form": forms.get("record"), "move_form": forms.get("move"),
                     "cancel_form": forms.get("cancel"), "case_link": Action.VIEW in allowed})
    return rows


def _render_visits(request, *, bound=None, status=200):
    rows = _visit_rows(request, bound=bound)
    record_access_many(request.user, [row["visit"].case_id for row in rows], AccessLog.What.DETAIL)
    return render(request, "cases/joint_visits.html", {"rows": rows}, status=status)


@login_required
@require_GET
def joint_visits(request):
    if not policy.may_use(request.user, "joint_visits"):
        return to_landing(request)
    return _render_visits(request)


@login_required
@require_POST
def record_visit(request, pk):
    visits = _visible_visits(request.user, list(selectors.joint_visits_for(request.user).filter(pk=pk)))
    if not visits:
        raise Http404
    visit = visits[0][0]
    form = RecordVisitForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.record_joint_visit(
                request.user, visit, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"]
            )
        except BusinessError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("The outcome of the visit was recorded on the case."))
            return redirect("cases:joint_visits")
    return _render_visits(request, bound=(visit.pk, "record", form), status=status)


def _visit_or_404(user, pk, *, status=JointVisitStatus.PLANNED):
    visits = _visible_visits(user, list(selectors.joint_visits_for(user, status=status).filter(pk=pk)))
    if not visits:
        raise Http404
    return visits[0][0]


def _change_visit(request, pk, name, call, success_message):
    visit = _visit_or_404(request.user, pk)
    form = VISIT_FORMS[name](request.POST)
    status = 400
    if form.is_valid():
        try:
            call(visit, form.cleaned_data)
        except BusinessError as error:
            status = form_error(form, error)
        else:
            messages.success(request, success_message)
            return redirect(f"{reverse('cases:joint_visits')}#visit-{visit.pk}")
    return _render_visits(request, bound=(visit.pk, name, form), status=status)


@login_required
@require_POST
def move_visit(request, pk):
    return _change_visit(
        request, pk, "move",
        lambda visit, data: services.move_joint_visit(request.user, visit, planned_at=data["planned_at"]),
        _("The home visit was moved; both organisations have been told."),
    )


@login_required
@require_POST
def cancel_visit(request, pk):
    return _change_visit(
        request, pk, "cancel",
        lambda visit, data: services.cancel_joint_visit(request.user, visit, reason=data["reason"]),
        _("The home visit was cancelled; both organisations have been told."),
    )


@login_required
@require_GET
def visit_calendar(request, pk):
    return calendar_response(request, _visit_or_404(request.user, pk, status=None))


urlpatterns = [
    path("casussen/<int:pk>/overdracht/", case_handover, name="handover_panel"),
    path("casussen/<int:pk>/overdragen/", offer, name="handover_offer"),
    path("casussen/<int:pk>/huisbezoek/", plan_visit, name="joint_visit_plan"),
    path("casussen/<int:pk>/toestemming/", record_consent, name="consent_record"),
    path("casussen/<int:pk>/toestemming/intrekken/", withdraw_consent, name="consent_withdraw"),
    path("overdrachten/<int:pk>/intrekken/", withdraw, name="handover_withdraw"),
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/accepteren/", accept, name="handover_accept"),
    path("inbox/<int:pk>/afwijzen/", decline, name="handover_decline"),
    path("mijn-casussen/", my_cases, name="my_cases"),
    path("huisbezoeken/", joint_visits, name="joint_visits"),
    path("huisbezoeken/<int:pk>/verslag/", record_visit, name="joint_visit_record"),
    path("huisbezoeken/<int:pk>/verplaatsen/", move_visit, name="joint_visit_move"),
    path("huisbezoeken/<int:pk>/annuleren/", cancel_visit, name="joint_visit_cancel"),
    path("huisbezoeken/<int:pk>/agenda.ics", visit_calendar, name="joint_visit_ics"),
]
