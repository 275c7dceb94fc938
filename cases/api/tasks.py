"""REST: follow-up tasks (API.md version 1.1 § Cases; docs/api-additions.md "Follow-up tasks")."""

import django_filters
from django.core.validators import RegexValidator
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from config.errors import NotVisible

from .. import selectors, services
from ..filters import SelectorFilterBackend, filter_values
from ..models import FollowUp
from .base import APIMixin, service_errors
from .cases import validated, visible_case
from .serializers import TaskInputSerializer, TaskSerializer


class TaskFilter(django_filters.FilterSet):
    assigned_to = django_filters.CharFilter(
        help_text=_("Id of the assignee, or me."), validators=[RegexValidator(r"^(me|[0-9]{1,18})$")]
    )
    due = django_filters.ChoiceFilter(
        choices=[("today", "today"), ("overdue", "overdue"), ("open", "open"), ("done", "done")],
        help_text=_("today: open and due today; overdue: open and its time has passed; open: not done; done."),
    )

    class Meta:
        model = FollowUp
        fields = []


class TaskPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("due_at", "id")


def visible_task(request, pk) -> FollowUp:
    """The task read through the user's scope (selectors.tasks_for); NotVisible (404) otherwise."""
    task = selectors.tasks_for(request.user).filter(pk=pk).first()
    if task is None:
        raise NotVisible(_("This task does not exist or is not visible to you."))
    return task


def task_answer(request, task, code=status.HTTP_200_OK):
    task = FollowUp.objects.select_related("organisation", "assigned_to", "created_by", "done_by").get(pk=task.pk)
    return Response(TaskSerializer(task, context={"request": request}).data, status=code)


class TaskList(APIMixin, generics.ListAPIView):
    """The follow-up tasks the user may read, soonest first (cursor pagination)."""

    serializer_class = TaskSerializer
    pagination_class = TaskPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        values = filter_values(TaskFilter, self.request)
        assigned_to = values.get("assigned_to")
        if assigned_to == "me":
            assigned_to = self.request.user.pk
        elif assigned_to:
            assigned_to = int(assigned_to)
        return selectors.tasks_for(self.request.user, assigned_to=assigned_to, due=values.get("due"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class CaseTasks(APIMixin, generics.GenericAPIView):
    queryset = FollowUp.objects.none()

    @extend_schema(
        request=TaskInputSerializer,
        responses={201: TaskSerializer},
        description="Set a follow-up task on the case (policy action `add_task`: the holder, open cases). "
        "`assigned_to` must be a member of the holder (400 on that field).",
    )
    def post(self, request, pk):
        case = visible_case(request, pk, related=False)
        data = validated(TaskInputSerializer, request)
        with service_errors():
            task = services.add_task(request.user, case, text=data["text"], due_at=data["due_at"],
                                     assigned_to=data.get("assigned_to"))
        return task_answer(request, task, status.HTTP_201_CREATED)


class TaskDone(APIMixin, generics.GenericAPIView):
    queryset = FollowUp.objects.none()
    done = True

    @extend_schema(request=None, responses={200: TaskSerializer})
    def post(self, request, pk):
        task = visible_task(request, pk)
        with service_errors():
            task = (services.complete_task if self.done else services.reopen_task)(request.user, task)
        return task_answer(request, task)


class TaskUndone(TaskDone):
    done = False


urlpatterns = [
    path("cases/<api_id:pk>/tasks/", CaseTasks.as_view(), name="api-case-tasks"),
    path("tasks/", TaskList.as_view(), name="api-task-list"),
    path("tasks/<api_id:pk>/done/", TaskDone.as_view(), name="api-task-done"),
    path("tasks/<api_id:pk>/undone/", TaskUndone.as_view(), name="api-task-undone"),
]
