"""The joint eviction decision in the web UI: the panel on the case page (propose, votes so far, vote, the
decision), the proposal page /ontruiming/voorstellen/<case>/ and the vote page /ontruiming/<proposal>/.

Thin: who may propose or vote comes from cases.policy (asked once per request), when the decision falls is
cases.services.eviction's; a case outside the viewer's scope answers 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from config.errors import BusinessError
from config.webhelpers import form_error

from .. import policy, services
from ..models import AccessLog, EvictionProposal, ProposalStatus
from . import case_or_404, to_landing


class ProposeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why propose eviction?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": gettext_lazy("Give the reason for the proposal.")},
    )


class VoteForm(forms.Form):
    AGREE, DISAGREE = "agree", "disagree"
    agree = forms.TypedChoiceField(
        label=gettext_lazy("Your organisation's vote"),
        choices=[(AGREE, gettext_lazy("Agree with eviction")), (DISAGREE, gettext_lazy("Disagree: the case goes back"))],
        coerce=lambda value: value == VoteForm.AGREE,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose agree or disagree.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": gettext_lazy("Give the reason for your vote.")},
    )


def _proposal_rows(proposal):
    """The voting parties in order (corporation first), each with its vote or None while waiting."""
    votes = {vote.organisation_id: vote for vote in proposal.votes.all()}
    voters = sorted(proposal.voters.all(), key=lambda org: (org.pk != proposal.organisation_id, org.name))
    return [{"organisation": organisation, "vote": votes.get(organisation.pk)} for organisation in voters]


def panel_data(user, case, allowed, *, propose_form=None, vote_form=None) -> dict:
    """Everything the eviction panel shows for `user` on `case`; `allowed` is policy.permitted(user, case). A
    proposal is possible only while none is open, a vote only on the open one (the policy's statuses)."""
    proposals = list(
        EvictionProposal.objects.filter(case=case)
        .select_related("organisation", "proposed_by")
        .prefetch_related("voters", "votes__organisation", "votes__user")
        .order_by("-proposed_at", "-pk")
    )
    open_proposal = next((p for p in proposals if p.status == ProposalStatus.OPEN), None)
    can_propose = policy.Action.PROPOSE_EVICTION in allowed
    can_vote = open_proposal is not None and policy.Action.VOTE in allowed
    propose_form = propose_form or ProposeForm()
    vote_form = vote_form or VoteForm()
    # Errors of a submitted form whose section is no longer shown (voted already, decided meanwhile).
    hidden_errors = [
        str(message)
        for form, shown in ((propose_form, can_propose), (vote_form, can_vote))
        if form.is_bound and not shown
        for messages_ in form.errors.values()
        for message in messages_
    ]
    return {
        "case": case,
        "hidden_errors": hidden_errors,
        "open_proposal": open_proposal,
        "open_rows": _proposal_rows(open_proposal) if open_proposal else [],
        "decided": [
            {"proposal": p, "rows": _proposal_rows(p)} for p in proposals if p.status != ProposalStatus.OPEN
        ],
        "can_propose": can_propose,
        "can_vote": can_vote,
        "propose_form": propose_form,
        "vote_form": vote_form,
    }


def eviction_panel_context(request, case, allowed) -> dict:
    """Added to the case page's context by cases.views.casework."""
    return {"eviction_data": panel_data(request.user, case, allowed)}


def _proposal_or_404(user, pk):
    """The proposal, its case and what the user may do to the case; 404 when the case is outside their scope."""
    case_id = EvictionProposal.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    case, allowed = case_or_404(user, case_id)
    return EvictionProposal.objects.get(pk=pk), case, allowed


def _next_url(request, default):
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, case_id):
    case, allowed = case_or_404(request.user, case_id)
    form = ProposeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                proposal = services.propose_eviction(request.user, case, reason=form.cleaned_data["reason"])
            except BusinessError as error:
                status = form_error(form, error)
                case, allowed = case_or_404(request.user, case_id)
            else:
                messages.success(request, _("Eviction proposed. The corporation and every chain partner now vote."))
                return redirect(_next_url(request, reverse("cases:eviction_vote", args=[proposal.pk])))
    services.record_access(request.user, case, AccessLog.What.DETAIL)
    context = {"case": case, "eviction_data": panel_data(request.user, case, allowed, propose_form=form)}
    return render(request, "cases/eviction_propose.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, proposal_id):
    proposal, case, allowed = _proposal_or_404(request.user, proposal_id)
    form = VoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.vote_on_eviction(
                    request.user, proposal, agree=form.cleaned_data["agree"], reason=form.cleaned_data["reason"]
                )
            except BusinessError as error:
                status = form_error(form, error)
            else:
                proposal.refresh_from_db()
                if proposal.status == ProposalStatus.AGREED:
                    messages.success(request, _("Your vote is recorded. Everyone agreed: eviction decided jointly."))
                elif proposal.status == ProposalStatus.REJECTED:
                    messages.success(request, _("Your vote is recorded. The proposal is rejected: the case goes back."))
                else:
                    messages.success(request, _("Your vote is recorded."))
                try:
                    case_or_404(request.user, proposal.case_id, related=False)
                except Http404:
                    # The decision ended the manager's view of the case (a partner's vote): back to their page.
                    return to_landing(request)
                return redirect(_next_url(request, reverse("cases:eviction_vote", args=[proposal.pk])))
        case, allowed = case_or_404(request.user, proposal.case_id)
    services.record_access(request.user, case, AccessLog.What.DETAIL)
    context = {
        "case": case,
        "proposal": proposal,
        "eviction_data": panel_data(request.user, case, allowed, vote_form=form),
    }
    return render(request, "cases/eviction_vote.html", context, status=status)


urlpatterns = [
    path("ontruiming/voorstellen/<int:case_id>/", propose, name="eviction_propose"),
    path("ontruiming/<int:proposal_id>/", vote, name="eviction_vote"),
]
