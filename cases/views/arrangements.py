"""The payment arrangement panel of the case page (templates/cases/_arrangement_panel.html): the schedules, an
instalment paid or missed, new terms, a stop. Thin: the rules are cases.services.arrangements', what is offered
is the policy's (policy.permitted, policy.arrangement_actions). The panel's views are in .casework (they post
like the case page's other forms)."""

from .. import policy
from ..forms import (
    ArrangementChangeForm,
    ArrangementForm,
    ArrangementStopForm,
    InstalmentPaidForm,
    MissedInstallmentForm,
)

# The panel's forms (the case page's form names) and the action that shows each.
PANEL_FORMS = {
    "instalment_form": policy.Action.RECORD_PAID,
    "arrangement_change_form": policy.Action.CHANGE_ARRANGEMENT,
    "arrangement_stop_form": policy.Action.STOP_ARRANGEMENT,
}


def arrangement_panel_context(case, allowed, reduced_for, forms) -> dict:
    """What the panel shows: every arrangement (a partner without the tenant's consent: its own organisation's
    only), the running one with what may be done to it now, and the forms (bound after a refusal)."""
    arrangements = case.arrangements.select_related("replaced_by").prefetch_related("instalments")
    if reduced_for is not None:
        arrangements = arrangements.filter(organisation=reduced_for)
    arrangements = list(arrangements.order_by("created_at", "id"))
    running = next((a for a in arrangements if a.is_active), None)
    arrangement_form = forms.get("arrangement_form") or ArrangementForm()
    change_form = forms.get("arrangement_change_form") or ArrangementChangeForm()
    return {
        "arrangements": list(reversed(arrangements)),  # the newest version first
        "running_arrangement": running,
        "arrangement_actions": policy.arrangement_actions(allowed, running),
        "arrangement_form": arrangement_form,
        "arrangement_confirm": _confirm_shown(arrangement_form),
        "arrangement_change_form": change_form,
        "arrangement_change_confirm": _confirm_shown(change_form),
        "arrangement_stop_form": forms.get("arrangement_stop_form") or ArrangementStopForm(),
        "instalment_form": forms.get("instalment_form") or InstalmentPaidForm(),
        "missed_form": forms.get("missed_form") or MissedInstallmentForm(),
    }


def _confirm_shown(form) -> bool:
    """The confirm checkbox shows with the below-arrears warning (and stays once ticked)."""
    return form.is_bound and ("confirm_below_arrears" in form.errors or form.data.get("confirm_below_arrears"))
