"""Follow-up tasks on the pages: the case page's tasks panel (templates/cases/_tasks_panel.html) with its add
form and done / reopen buttons, and the worklist's top section of the user's own tasks (templates/cases/
_my_tasks.html). What shows is asked of cases.policy (ADD_TASK, COMPLETE_TASK, reads_task via selectors.tasks_for);
every change goes through cases.services.followups."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.errors import BusinessError, ForbiddenAction, NotVisible
from partners.selectors import members_of

from .. import policy, selectors, services
from ..forms import DateInput
from ..models import AccessLog
from ..services.access import record_access_many
from ..services.followups import default_assignee
from . import forbidden

DEFAULT_TIME = time(9, 0)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class TaskForm(forms.Form):
    text = forms.CharField(label=_lazy("Task"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": _lazy("e.g. call back, ask for payslips")}))
    due_date = forms.DateField(label=_lazy("Date"), widget=DateInput())
    due_time = forms.TimeField(label=_lazy("Time"), required=False, widget=TimeInput(),
                               help_text=_lazy("Empty: 09:00."))
    assigned_to = forms.IntegerField(label=_lazy("For"), required=False)

    def due_at(self):
        data = self.cleaned_data
        return timezone.make_aware(datetime.combine(data["due_date"], data.get("due_time") or DEFAULT_TIME))


def tasks_panel_context(request, case, allowed, form=None) -> dict:
    """The tasks panel: the case's tasks the user reads, open ones first; the add form when ADD_TASK is
    permitted (with the holder's people to choose from); done / reopen where COMPLETE_TASK allows it."""
    now = timezone.now()
    tasks = sorted(selectors.tasks_for(request.user, case=case), key=lambda task: (task.is_done, task.due_at, task.pk))
    rows = [{"task": task, "state": task.state(now), "can_change": policy.may_change_task(allowed, case, task)}
            for task in tasks]
    context = {"task_rows": rows, "task_form": form}
    if policy.Action.ADD_TASK in allowed:
        default = default_assignee(case, policy.actor_of(request.user))
        context.update(task_form=form or TaskForm(), task_members=list(members_of(case.holder_id)),
                       task_default=(form.data.get("assigned_to") if form is not None and form.is_bound else None)
                       or (default.pk if default else None))
    return context


def _set_done(request, pk, done):
    task = selectors.tasks_for(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    try:
        (services.complete_task if done else services.reopen_task)(request.user, task)
    except NotVisible:
        raise Http404 from None
    except ForbiddenAction as error:
        return forbidden(request, error.message)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Task done.") if done else _("Task opened again."))
    return redirect(reverse("cases:detail", kwargs={"pk": task.case_id}) + "#tasks")


@login_required
@require_POST
def done(request, pk):
    return _set_done(request, pk, True)


@login_required
@require_POST
def undone(request, pk):
    return _set_done(request, pk, False)


def my_tasks_context(request) -> dict:
    """The worklist's and "Mijn casussen"'s top section: the user's overdue and due-today tasks."""
    now = timezone.now()
    tasks = selectors.my_tasks_due(request.user, now=now)
    record_access_many(request.user, sorted({task.case_id for task in tasks}), AccessLog.What.LIST)
    return {"my_tasks": [{"task": task, "state": task.state(now)} for task in tasks]}


urlpatterns = [
    path("taken/<int:pk>/klaar/", done, name="task_done"),
    path("taken/<int:pk>/heropenen/", undone, name="task_undone"),
]
