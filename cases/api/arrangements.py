"""REST: payment arrangements of a case, their schedule, paid instalments, new terms and stops (API.md version 1.1;
docs/api-additions.md "Payment arrangements (v1.1)"). The rules are cases.services.arrangements'; who may do what
is the policy's (RECORD_PAID, CHANGE_ARRANGEMENT, STOP_ARRANGEMENT through policy.check_arrangement)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from config.errors import NotVisible

from .. import policy, selectors, services
from ..models import AccessLog, Arrangement
from .base import APIMixin, service_errors
from .cases import validated, visible_case
from .serializers import ArrangementInputSerializer, ArrangementSerializer


class ArrangementChangeSerializer(serializers.Serializer):
    monthly_amount = serializers.DecimalField(max_digits=8, decimal_places=2, required=False)
    months = serializers.IntegerField(required=False)
    start_date = serializers.DateField(required=False)
    confirm_below_arrears = serializers.BooleanField(required=False, default=False)


class InstalmentPaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)


class ArrangementStopSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


def arrangements_read(arrangements):
    return arrangements.select_related("organisation", "replaced_by").prefetch_related("instalments").order_by(
        "created_at", "id"
    )


def visible_arrangement(request, pk) -> Arrangement:
    """The arrangement to change, when its case is visible to the user (NotVisible, 404, otherwise); whether the
    user may change it is the service's policy check (403 for whoever sees the case but does not hold it). Its
    answer shows the arrangement only after a change the holder made."""
    arrangement = Arrangement.objects.filter(pk=pk).first()
    if arrangement is None:
        raise NotVisible(_("This payment arrangement does not exist or is not visible to you."))
    visible_case(request, arrangement.case_id, related=False)
    return arrangement


def arrangement_answer(arrangement, code=status.HTTP_200_OK):
    return Response(ArrangementSerializer(arrangements_read(Arrangement.objects.filter(pk=arrangement.pk)).get()).data,
                    status=code)


class CaseArrangements(APIMixin, generics.ListAPIView):
    """GET: the case's arrangements (every version), oldest first, each with its schedule. POST: agree one."""

    serializer_class = ArrangementSerializer
    queryset = Arrangement.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Arrangement.objects.none()
        case = visible_case(self.request, self.kwargs["pk"], related=False)
        reduced_for = selectors.history_reader(self.request.user, case, policy.permitted(self.request.user, case))
        services.record_access(self.request.user, case, AccessLog.What.TIMELINE)
        arrangements = case.arrangements.all()
        if reduced_for is not None:
            arrangements = arrangements.filter(organisation=reduced_for)
        return arrangements_read(arrangements)

    @extend_schema(
        request=ArrangementInputSerializer,
        responses={201: ArrangementSerializer},
        description="Agree a payment arrangement with its schedule. When its total (monthly_amount × months) is "
        "below the case's arrears: 400 on `confirm_below_arrears` naming both amounts, unless it is true.",
    )
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(ArrangementInputSerializer, request)
        with service_errors():
            arrangement = services.agree_arrangement(request.user, case, **data)
        return arrangement_answer(arrangement, status.HTTP_201_CREATED)


class ArrangementDetail(APIMixin, generics.GenericAPIView):
    serializer_class = ArrangementSerializer
    queryset = Arrangement.objects.none()

    @extend_schema(
        request=ArrangementChangeSerializer,
        responses={200: ArrangementSerializer},
        description="New terms: a new version replaces the running arrangement (answered); the old one is kept "
        "with status `changed` and its paid instalments. Unset terms: the old amount, the number of unpaid "
        "instalments, the first unpaid due date. Below the arrears: as POST /cases/{id}/arrangements/.",
    )
    def patch(self, request, pk):
        arrangement = visible_arrangement(request, pk)
        data = validated(ArrangementChangeSerializer, request)
        with service_errors():
            new = services.change_arrangement(request.user, arrangement, **data)
        return arrangement_answer(new)


class InstalmentPaid(APIMixin, generics.GenericAPIView):
    serializer_class = ArrangementSerializer
    queryset = Arrangement.objects.none()

    @extend_schema(
        request=InstalmentPaidSerializer,
        responses={200: ArrangementSerializer},
        description="The instalment is paid (`paid_on`, default today; not in the future); the last due one "
        "paid completes the arrangement (status `completed`). An instalment already recorded: 409.",
    )
    def post(self, request, pk, number):
        arrangement = visible_arrangement(request, pk)
        data = validated(InstalmentPaidSerializer, request)
        with service_errors():
            arrangement = services.record_instalment_paid(request.user, arrangement, number, **data)
        return arrangement_answer(arrangement)


class ArrangementStop(APIMixin, generics.GenericAPIView):
    serializer_class = ArrangementSerializer
    queryset = Arrangement.objects.none()

    @extend_schema(
        request=ArrangementStopSerializer,
        responses={200: ArrangementSerializer},
        description="Stop the running arrangement with a `reason` (required): status `stopped`, `end_date` "
        "today, `end_reason`. The case goes back to contacting.",
    )
    def post(self, request, pk):
        arrangement = visible_arrangement(request, pk)
        data = validated(ArrangementStopSerializer, request)
        with service_errors():
            arrangement = services.stop_arrangement(request.user, arrangement, **data)
        return arrangement_answer(arrangement)


urlpatterns = [
    path("cases/<api_id:pk>/arrangements/", CaseArrangements.as_view(), name="api-case-arrangements"),
    path("arrangements/<api_id:pk>/", ArrangementDetail.as_view(), name="api-arrangement-detail"),
    path("arrangements/<api_id:pk>/instalments/<api_id:number>/paid/", InstalmentPaid.as_view(),
         name="api-arrangement-instalment-paid"),
    path("arrangements/<api_id:pk>/stop/", ArrangementStop.as_view(), name="api-arrangement-stop"),
]
