"""Web UI of the warm handover: the panel on the case page (offer, withdraw, plan a joint visit), the partner's
inbox with the frozen dossier (accept/decline in place with HTMX, a plain POST without JavaScript),
"Mijn casussen" and the joint home visits. Thin: the rules live in cases.services, the reads in cases.selectors."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.errors import BusinessError, ForbiddenAction
from partners.models import Organisation

from .. import selectors, services
from ..models import OPEN_STATUSES, AccessLog, AttemptOutcome, Case, HandoverStatus
from ..services.access import record_access_many
from ..templatetags.handover_tags import case_url

PAGE_SIZE = 50
INBOX_LIMIT = 200


# --- forms -------------------------------------------------------------------------------------------------


class OfferForm(forms.Form):
    to_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=gettext_lazy("Hand over to"), empty_label=None
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary for the partner"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Write a summary for the chain partner.")},
    )
    tenant_consent = forms.BooleanField(
        label=gettext_lazy("The tenant consents to sharing the case file with the partner"),
        error_messages={"required": gettext_lazy("Without the tenant's consent the dossier cannot be shared.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = (
            Organisation.objects.filter(chain_links__convenant_id=case.convenant_id)
            .exclude(pk__in=[case.holder_id, case.corporation_id])
            .annotate(chain_position=F("chain_links__position"))
            .order_by("chain_position")
        )
        if not self.is_bound:
            following = services.next_in_chain(case)
            if following is not None:
                self.fields["to_organisation"].initial = following.pk


class JointVisitForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=gettext_lazy("Together with"))
    planned_at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    address = forms.CharField(label=gettext_lazy("Address"), required=False, max_length=300)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = case.convenant.parties.exclude(pk=case.holder_id).order_by("name")
        if not self.is_bound:
            self.fields["address"].initial = case.tenant.address


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does your organisation not pick up this case?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Give a reason for declining the case.")},
    )


class RecordVisitForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=AttemptOutcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _add_error(form, error: BusinessError) -> int:
    """Put a service's refusal on the form (beside its field when the form has it); the HTTP status to answer."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))
    if isinstance(error, ForbiddenAction):
        return 403
    return 409 if error.conflict else 400


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _organisation_id(user):
    membership = getattr(user, "membership", None)
    return membership.organisation_id if membership else None


def _case_or_404(user, pk) -> Case:
    try:
        return selectors.case_detail(user, pk)
    except Case.DoesNotExist:
        raise Http404 from None


# --- the panel on the case page ------------------------------------------------------------------------------


def panel_data(user, case, *, offer_form=None, visit_form=None) -> dict:
    """Everything `templates/cases/_handover_panel.html` shows for `user` on `case`."""
    organisation_id = _organisation_id(user)
    allowed = services.allowed_actions(user, case)
    is_holder = allowed["is_holder"]
    handovers = list(case.handovers.select_related("from_organisation", "to_organisation", "offered_by"))
    open_offer = next((h for h in handovers if h.status == HandoverStatus.OFFERED), None)
    can_offer = allowed["offer"] and open_offer is None
    return {
        "case": case,
        "is_holder": is_holder,
        "can_offer": can_offer,
        "offer_form": offer_form or (OfferForm(case=case) if can_offer else None),
        "open_offer": open_offer,
        "can_withdraw": open_offer is not None and open_offer.from_organisation_id == organisation_id,
        "handovers": handovers,
        "can_plan_visit": allowed["plan_visit"],
        "visit_form": visit_form or (JointVisitForm(case=case) if allowed["plan_visit"] else None),
        "joint_visits": list(case.joint_visits.select_related("partner", "organisation").order_by("planned_at")),
    }


def handover_panel_context(request, case) -> dict:
    """The case page's view (cases.views.casework, PANEL_CONTEXT_HELPERS) adds this to its context. Optional:
    the panel computes the same itself when a view does not pass it."""
    return {"handover_data": panel_data(request.user, case)}


def _render_panel_page(request, case, *, status=200, **forms_):
    context = {"case": case, "handover_data": panel_data(request.user, case, **forms_)}
    return render(request, "cases/handover_page.html", context, status=status)


@login_required
@require_GET
def case_handover(request, pk):
    """The handover panel on a page of its own (also the fallback that shows a form's errors)."""
    case = _case_or_404(request.user, pk)
    services.record_access(request.user, case, AccessLog.What.DOSSIER)
    return _render_panel_page(request, case)


@login_required
@require_POST
def offer(request, pk):
    case = _case_or_404(request.user, pk)
    form = OfferForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        try:
            handover = services.offer_handover(
                request.user,
                case,
                to_organisation=form.cleaned_data["to_organisation"],
                summary=form.cleaned_data["summary"],
                tenant_consent=form.cleaned_data["tenant_consent"],
            )
        except BusinessError as error:
            status = _add_error(form, error)
        else:
            messages.success(
                request, _("The case was offered to %(org)s.") % {"org": handover.to_organisation.name}
            )
            return redirect(case_url(case))
    return _render_panel_page(request, case, status=status, offer_form=form)


@login_required
@require_POST
def withdraw(request, pk):
    organisation_id = _organisation_id(request.user)
    handover = (
        selectors.handovers_for(request.user, status=HandoverStatus.OFFERED)
        .filter(from_organisation_id=organisation_id)
        .filter(pk=pk)
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
    return redirect(case_url(handover.case_id))


@login_required
@require_POST
def plan_visit(request, pk):
    case = _case_or_404(request.user, pk)
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
            status = _add_error(form, error)
        else:
            messages.success(
                request,
                _("Joint home visit with %(org)s planned for %(when)s.")
                % {"org": visit.partner.name, "when": timezone.localtime(visit.planned_at).strftime("%d-%m-%Y %H:%M")},
            )
            return redirect(case_url(case))
    return _render_panel_page(request, case, status=status, visit_form=form)


# --- the partner's inbox -------------------------------------------------------------------------------------


def _received(user):
    """Offers made to the user's organisation (any state); others' offers are not found (404)."""
    return selectors.handovers_for(user).filter(to_organisation_id=_organisation_id(user))


def _render_row(request, handover, *, state=None, decline_form=None, error=None):
    context = {
        "offer": handover,
        "state": state,
        "decline_form": decline_form or DeclineForm(),
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "cases/inbox_row.html", context)


@login_required
@require_GET
def inbox(request):
    offers = list(selectors.inbox_for(request.user)[:INBOX_LIMIT])
    record_access_many(request.user, [offer.case_id for offer in offers], AccessLog.What.DOSSIER)
    return render(
        request,
        "cases/inbox.html",
        {"offers": offers, "decline_form": DeclineForm(), "now": timezone.now()},
    )


def _render_offer_page(request, handover, *, decline_form=None, status=200):
    context = {"offer": handover, "decline_form": decline_form or DeclineForm(), "now": timezone.now()}
    return render(request, "cases/inbox_detail.html", context, status=status)


@login_required
@require_GET
def inbox_detail(request, pk):
    handover = selectors.inbox_for(request.user).filter(pk=pk).first()
    if handover is None:
        raise Http404
    services.record_access(request.user, handover.case, AccessLog.What.DOSSIER)
    return _render_offer_page(request, handover)


@login_required
@require_POST
def accept(request, pk):
    handover = _received(request.user).filter(pk=pk).first()
    if handover is None:
        raise Http404
    try:
        handover = services.accept_handover(request.user, handover)
    except BusinessError as error:
        if _is_htmx(request):
            return _render_row(request, handover, state="error", error=str(error.message))
        messages.error(request, str(error.message))
        return redirect("cases:inbox")
    if _is_htmx(request):
        return _render_row(request, handover, state="accepted")
    messages.success(request, _("You picked up the case of %(tenant)s.") % {"tenant": handover.case.tenant.name})
    return redirect(case_url(handover.case_id))


@login_required
@require_POST
def decline(request, pk):
    handover = _received(request.user).filter(pk=pk).first()
    if handover is None:
        raise Http404
    form = DeclineForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            handover = services.decline_handover(request.user, handover, reason=form.cleaned_data["reason"])
        except BusinessError as error:
            status = _add_error(form, error)
        else:
            if _is_htmx(request):
                return _render_row(request, handover, state="declined")
            messages.success(request, _("You declined the case of %(tenant)s.") % {"tenant": handover.case.tenant.name})
            return redirect("cases:inbox")
    if _is_htmx(request):
        # htmx swaps 2xx answers only: the row comes back with the error beside the reason field.
        return _render_row(request, handover, decline_form=form)
    if handover.status != HandoverStatus.OFFERED:
        messages.error(request, " ".join(form.non_field_errors()) or _("This offer is no longer open."))
        return redirect("cases:inbox")
    return _render_offer_page(request, handover, decline_form=form, status=status)


# --- my cases and joint visits -------------------------------------------------------------------------------


@login_required
@require_GET
def my_cases(request):
    organisation_id = _organisation_id(request.user)
    cases = Case.objects.none()
    if organisation_id is not None:
        cases = (
            selectors.case_list(request.user, holder=organisation_id)
            .filter(status__in=OPEN_STATUSES)
            .order_by(F("deadline_at").asc(nulls_last=True), "id")
        )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/my_cases.html", {"page": page, "cases": page.object_list, "now": timezone.now()})


def _render_visits(request, *, bound=None, status=200):
    """The planned visits; `bound` = (visit id, form with errors) to show beside that visit."""
    organisation_id = _organisation_id(request.user)
    visits = list(selectors.joint_visits_for(request.user).select_related("case__holder"))
    rows = []
    for visit in visits:
        can_record = visit.case.is_open and visit.case.holder_id == organisation_id
        form = bound[1] if bound and bound[0] == visit.pk else (RecordVisitForm() if can_record else None)
        rows.append({"visit": visit, "can_record": can_record, "form": form})
    record_access_many(request.user, [visit.case_id for visit in visits], AccessLog.What.DETAIL)
    return render(request, "cases/joint_visits.html", {"rows": rows}, status=status)


@login_required
@require_GET
def joint_visits(request):
    return _render_visits(request)


@login_required
@require_POST
def record_visit(request, pk):
    visit = selectors.joint_visits_for(request.user).filter(pk=pk).first()
    if visit is None:
        raise Http404
    form = RecordVisitForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.record_joint_visit(
                request.user, visit, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"]
            )
        except BusinessError as error:
            status = _add_error(form, error)
        else:
            messages.success(request, _("The outcome of the visit was recorded on the case."))
            return redirect("cases:joint_visits")
    return _render_visits(request, bound=(visit.pk, form), status=status)


urlpatterns = [
    path("casussen/<int:pk>/overdracht/", case_handover, name="handover_panel"),
    path("casussen/<int:pk>/overdragen/", offer, name="handover_offer"),
    path("casussen/<int:pk>/huisbezoek/", plan_visit, name="joint_visit_plan"),
    path("overdrachten/<int:pk>/intrekken/", withdraw, name="handover_withdraw"),
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/accepteren/", accept, name="handover_accept"),
    path("inbox/<int:pk>/afwijzen/", decline, name="handover_decline"),
    path("mijn-casussen/", my_cases, name="my_cases"),
    path("huisbezoeken/", joint_visits, name="joint_visits"),
    path("huisbezoeken/<int:pk>/verslag/", record_visit, name="joint_visit_record"),
]
