"""REST: cases, their timeline and export, and the casework actions (API.md § Cases)."""

from django.db.models import prefetch_related_objects
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from config.errors import NotVisible
from config.pagination import CaseCursorPagination

from .. import policy, selectors, services
from ..filters import CaseFilter, SelectorFilterBackend, filter_values
from ..models import AccessLog, Case, CaseEvent
from ..services.access import record_access_many
from ..services.export import case_signals
from .base import APIMixin, service_errors
from .serializers import (
    AssignInputSerializer,
    CaseCreateSerializer,
    CaseExportSerializer,
    CaseSerializer,
    CloseInputSerializer,
    ContactAttemptInputSerializer,
    ContactAttemptSerializer,
    EventSerializer,
    MissedInstallmentInputSerializer,
    NoteInputSerializer,
    PauseInputSerializer,
    SignalSummarySerializer,
    case_export,
)


def visible_case(request, pk, *, related=True) -> Case:
    """The case read through the user's scope (the permission rows, which cases.policy grants); NotVisible (404)
    otherwise, before any input is judged, so that its existence does not leak. What the user may do to it is not
    decided here: the service's policy.check answers that (403 / 400 / 409 through config.exceptions)."""
    try:
        return selectors.case_detail(request.user, pk, related=related)
    except Case.DoesNotExist:
        raise NotVisible(_("This case does not exist or is not visible to you.")) from None


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def case_answer(request, pk, code=status.HTTP_200_OK):
    case = visible_case(request, pk)
    return Response(CaseSerializer(case, context={"request": request}).data, status=code)


class TimelinePagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = selectors.TIMELINE_ORDER

    def paginate_queryset(self, queryset, request, view=None):
        """The first page (no cursor) is the case's first events from selectors.timeline_start, what DRF's own
        first page holds, without building the page's query again for every request; other pages are DRF's."""
        case = getattr(view, "case", None)
        if case is None or self.cursor_query_param in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = None
        results = selectors.timeline_start(case, self.page_size + 1)
        self.page = results[: self.page_size]
        self.has_previous = False
        self.has_next = len(results) > len(self.page)
        if self.has_next:
            self.next_position = self._get_position_from_instance(results[-1], self.ordering)
        if self.has_next and self.template is not None:
            self.display_page_controls = True
        return self.page


class CaseListCreate(APIMixin, generics.ListCreateAPIView):
    """GET: the cases the user may see, filtered, newest first (cursor pagination). POST: open a case."""

    serializer_class = CaseSerializer
    pagination_class = CaseCursorPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        values = filter_values(CaseFilter, self.request)
        if "holder" in values:
            values["holder"] = int(values["holder"])
        if values.get("assigned_to") == "me":
            values["assigned_to"] = self.request.user.pk
        elif values.get("assigned_to"):
            values["assigned_to"] = int(values["assigned_to"])
        return selectors.case_list(self.request.user, prefetch_relations=True, **values)

    def list(self, request, *args, **kwargs):
        page = selectors.with_relations(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        prefetch_related_objects([case for case in page if case.assigned_to_id], "assigned_to")
        context = self.get_serializer_context()
        # The page's allowed actions at once: the relations of the user's organisation to the page's cases are
        # read in a fixed number of queries (none when it is the corporation or holder of all of them).
        context["allowed_actions"] = policy.permitted_many(request.user, page)
        record_access_many(request.user, [case.pk for case in page], AccessLog.What.LIST)
        return self.get_paginated_response(CaseSerializer(page, many=True, context=context).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request, *args, **kwargs):
        data = validated(CaseCreateSerializer, request)
        with service_errors():
            case = services.open_case(request.user, **data)
        return case_answer(request, case.pk, status.HTTP_201_CREATED)


class CaseDetail(APIMixin, generics.RetrieveAPIView):
    """One case; the read is written to the access log."""

    serializer_class = CaseSerializer
    queryset = Case.objects.none()

    def get_object(self):
        case = visible_case(self.request, self.kwargs["pk"])
        services.record_access(self.request.user, case, AccessLog.What.DETAIL)
        return case


class CaseTimeline(APIMixin, generics.ListAPIView):
    """The case's events, oldest first; the read is written to the access log."""

    serializer_class = EventSerializer
    pagination_class = TimelinePagination
    queryset = CaseEvent.objects.none()

    def list(self, request, *args, **kwargs):
        case = visible_case(request, kwargs["pk"], related=False)
        reduced_for = selectors.history_reader(request.user, case, policy.permitted(request.user, case))
        # The first page's compiled read serves the whole history only.
        self.case = case if reduced_for is None else None
        services.record_access(request.user, case, AccessLog.What.TIMELINE)
        page = self.paginate_queryset(selectors.timeline(case, reduced_for=reduced_for))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CaseExport(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(
        responses=CaseExportSerializer,
        description="The case's personal data and full history (AVG right of access), for its corporation and "
        "holder (policy action `export`; others who see the case get 403); written to the access log. `signals`: "
        "the case's own and the household's signals the caller's organisation sent; the tenant's data across all "
        "cases is GET /api/v1/tenants/{id}/export/.",
    )
    def get(self, request, pk):
        case = visible_case(request, pk)
        policy.check(request.user, case, policy.Action.EXPORT)
        services.record_access(request.user, case, AccessLog.What.EXPORT)
        data = case_export(case, context=self.get_serializer_context())
        data["signals"] = SignalSummarySerializer(case_signals(request.user, case), many=True).data
        return Response(data)


class ContactAttempts(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(request=ContactAttemptInputSerializer, responses={201: ContactAttemptSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(ContactAttemptInputSerializer, request)
        with service_errors():
            attempt = services.log_contact_attempt(request.user, case, **data)
        return Response(ContactAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


# GET/POST cases/{id}/arrangements/ and the arrangement's own endpoints: cases.api.arrangements.


class MissedInstallment(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(
        request=MissedInstallmentInputSerializer,
        responses={200: CaseSerializer},
        description="The tenant missed a payment: the instalment `number` (default: the earliest due one) is "
        "missed, the arrangement is broken, the case goes back to contacting.",
    )
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(MissedInstallmentInputSerializer, request)
        with service_errors():
            services.record_missed_installment(request.user, case, **data)
        return case_answer(request, pk)


class Notes(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(request=NoteInputSerializer, responses={201: EventSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(NoteInputSerializer, request)
        with service_errors():
            event = services.add_note(request.user, case, **data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class Close(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(request=CloseInputSerializer, responses={200: CaseSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(CloseInputSerializer, request)
        with service_errors():
            services.close_case(request.user, case, **data)
        return case_answer(request, pk)


class Assign(APIMixin, generics.GenericAPIView):
    """Who of the holder works the case (policy ASSIGN: managers any member, caseworkers themselves)."""

    queryset = Case.objects.none()

    @extend_schema(request=AssignInputSerializer, responses={200: CaseSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(AssignInputSerializer, request)
        with service_errors():
            services.assign_case(request.user, case, assignee=data["user"])
        return case_answer(request, pk)


class Pause(APIMixin, generics.GenericAPIView):
    """Pause the clock of the case's active deadline (policy PAUSE: the holder; not a pickup deadline)."""

    queryset = Case.objects.none()

    @extend_schema(request=PauseInputSerializer, responses={200: CaseSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(PauseInputSerializer, request)
        with service_errors():
            services.pause_case(request.user, case, reason=data["reason"], until=data["until"])
        return case_answer(request, pk)


class Resume(APIMixin, generics.GenericAPIView):
    """Start the clock again (policy RESUME: the holder, while paused); the deadline moves on by the pause."""

    queryset = Case.objects.none()

    @extend_schema(request=None, responses={200: CaseSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        with service_errors():
            services.resume_case(request.user, case)
        return case_answer(request, pk)


urlpatterns = [
    path("cases/", CaseListCreate.as_view(), name="api-case-list"),
    path("cases/<api_id:pk>/", CaseDetail.as_view(), name="api-case-detail"),
    path("cases/<api_id:pk>/timeline/", CaseTimeline.as_view(), name="api-case-timeline"),
    path("cases/<api_id:pk>/export/", CaseExport.as_view(), name="api-case-export"),
    path("cases/<api_id:pk>/contact-attempts/", ContactAttempts.as_view(), name="api-case-contact-attempts"),
    path("cases/<api_id:pk>/missed-installment/", MissedInstallment.as_view(), name="api-case-missed-installment"),
    path("cases/<api_id:pk>/notes/", Notes.as_view(), name="api-case-notes"),
    path("cases/<api_id:pk>/close/", Close.as_view(), name="api-case-close"),
    path("cases/<api_id:pk>/assign/", Assign.as_view(), name="api-case-assign"),
    path("cases/<api_id:pk>/pause/", Pause.as_view(), name="api-case-pause"),
    path("cases/<api_id:pk>/resume/", Resume.as_view(), name="api-case-resume"),
]
