"""Who of the holder works a case: the assigned caseworker.

`Case.assigned_to` is set when a person opens the case (the opener), when a partner accepts a handover (the
accepting user) and by `assign_case`. A withdrawn or declined offer leaves the holder unchanged (the offering
organisation held the case all along), so the assignment is kept: whoever was assigned at the holder before
the offer still is. A case opened by the system (signal import) starts unassigned.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import policy
from ..models import Case, EventKind
from ..policy import Action, CaseError
from ..texts import Text
from ._common import case_change


def _user(assignee):
    if assignee is None or isinstance(assignee, get_user_model()):
        return assignee
    try:
        return get_user_model().objects.get(pk=int(assignee))
    except (TypeError, ValueError, get_user_model().DoesNotExist):
        raise CaseError(_("Choose a member of the organisation that holds the case."), field="user") from None


def assign_case(user, case, *, assignee, now=None) -> Case:
    """Make `assignee` (a user or their id) the case's caseworker; policy.check_assign decides (managers of the
    holder: any member of it; its caseworkers: only themselves). Writes the ASSIGNED event and tells the
    assignee (unless they assigned themself)."""
    target = _user(assignee)
    with case_change(user, case, Action.ASSIGN, now=now) as change:
        policy.check_assign(change.actor, change.case, target, relations=change.relations)
        change.set(assigned_to=target)
        name = target.get_full_name() or target.get_username()
        change.event(EventKind.ASSIGNED, Text(gettext_noop("Assigned to %(name)s"), name=name), user=target.pk)
        if change.actor.user is None or change.actor.user.pk != target.pk:
            change.notify([target], Text(gettext_noop("Case #%(id)s has been assigned to you"), id=change.case.pk))
        return change.case
