"""Web UI of the cases app; each module owns its urlpatterns (cases/urls.py). What every module shares is here:
the case of a request with what its user may do to it (`case_or_404`), the refusal page, the landing redirect and
the deadline countdown of the pages."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import policy, selectors
from ..models import Case, DeadlineState


def case_or_404(user, pk, *, related=True) -> tuple[Case, frozenset]:
    """The case `pk` and the actions `user` may take on it (policy.permitted, asked once per request). A case
    outside the user's scope, or one the policy no longer lets them see (a partner that declined, saw its offer
    withdrawn or handed the case on), answers 404: nothing of it is shown."""
    try:
        case = selectors.case_detail(user, pk, related=related)
    except Case.DoesNotExist:
        raise Http404 from None
    allowed = policy.permitted(user, case)
    if policy.Action.VIEW not in allowed:
        raise Http404
    return case, allowed


def forbidden(request, message):
    """The refusal page (403) with the reason."""
    return render(request, "403.html", {"message": message}, status=403)


def to_landing(request):
    """Send the user to the page their role works from (policy.landing_for); 403 without an organisation."""
    name = policy.landing_for(request.user)
    if name is None:
        return forbidden(request, _("You are not linked to an organisation."))
    return redirect(name)


def deadline_status(case, now=None):
    """How the case's deadline stands, for badges and countdowns: None without a deadline, else a dict with `at`,
    `state` (Case.deadline_state: "overdue", "due-soon" or "ok"), `days` (whole calendar days left, negative when
    late) and `text` ("nog 3 dagen", "vandaag", "2 dagen te laat")."""
    now = now or timezone.now()
    state = case.deadline_state(now)
    if state is None:
        return None
    days = (timezone.localdate(case.deadline_at) - timezone.localdate(now)).days
    if state == DeadlineState.OVERDUE:
        late = max(-days, 1)
        text = ngettext("%(count)s day late", "%(count)s days late", late) % {"count": late}
    elif days <= 0:
        text = _("today")
    else:
        text = ngettext("%(count)s day left", "%(count)s days left", days) % {"count": days}
    return {"at": case.deadline_at, "state": str(state), "days": days, "text": text}
