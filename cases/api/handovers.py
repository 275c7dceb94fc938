"""REST: warm handover (offer, inbox, dossier, accept/decline/withdraw) and joint home visits."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .. import selectors, services
from ..filters import HandoverFilter, SelectorFilterBackend, filter_values
from ..models import AccessLog, Case, Handover, JointVisit
from .base import APIMixin, service_errors
from .cases import validated, visible_case
from .serializers import (
    DeclineInputSerializer,
    HandoverDetailSerializer,
    HandoverInputSerializer,
    HandoverSerializer,
    JointVisitInputSerializer,
    JointVisitOutcomeInputSerializer,
    JointVisitSerializer,
    WithdrawInputSerializer,
)


def _organisation_id(user):
    membership = getattr(user, "membership", None)
    return membership.organisation_id if membership else None


def _handover(request, pk, *, side=None) -> Handover:
    """A handover in the user's inbox scope; `side` "to"/"from" narrows it to offers received / sent.
    Anything else is 404: an organisation that was not offered the case does not learn it exists."""
    handovers = selectors.handovers_for(request.user)
    if side == "to":
        handovers = handovers.filter(to_organisation_id=_organisation_id(request.user))
    elif side == "from":
        handovers = handovers.filter(from_organisation_id=_organisation_id(request.user))
    try:
        return handovers.get(pk=pk)
    except Handover.DoesNotExist:
        raise NotFound() from None


def _answer(handover, code=status.HTTP_200_OK):
    handover = Handover.objects.select_related("case__tenant", "from_organisation", "to_organisation").get(
        pk=handover.pk
    )
    return Response(HandoverSerializer(handover).data, status=code)


class OfferHandover(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(
        request=HandoverInputSerializer,
        responses={201: HandoverSerializer},
        description="Offer the case with its dossier to a chain partner (default: the next in the chain).",
    )
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(HandoverInputSerializer, request)
        with service_errors():
            handover = services.offer_handover(request.user, case, **data)
        return _answer(handover, status.HTTP_201_CREATED)


class HandoverList(APIMixin, generics.ListAPIView):
    """Offers to the user's organisation and the ones it sent, newest first, while the user may see the case."""

    serializer_class = HandoverSerializer
    filter_backends = [SelectorFilterBackend]
    filterset_class = HandoverFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Handover.objects.none()
        return selectors.handovers_for(
            self.request.user, visible_only=True, **filter_values(HandoverFilter, self.request)
        )


class HandoverDetail(APIMixin, generics.RetrieveAPIView):
    """One handover with its dossier, while the user may see the case; the read is written to the access log."""

    serializer_class = HandoverDetailSerializer
    queryset = Handover.objects.none()

    def get_object(self):
        handovers = selectors.handovers_for(self.request.user, visible_only=True)
        try:
            handover = handovers.get(pk=self.kwargs["pk"])
        except Handover.DoesNotExist:
            raise NotFound() from None
        services.record_access(self.request.user, handover.case, AccessLog.What.DOSSIER)
        return handover


class AcceptHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=None, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk, side="to")
        services.accept_handover(request.user, handover)
        return _answer(handover)


class DeclineHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=DeclineInputSerializer, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk, side="to")
        data = validated(DeclineInputSerializer, request)
        services.decline_handover(request.user, handover, **data)
        return _answer(handover)


class WithdrawHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=WithdrawInputSerializer, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk, side="from")
        data = validated(WithdrawInputSerializer, request)
        services.withdraw_handover(request.user, handover, **data)
        return _answer(handover)


class PlanJointVisit(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(request=JointVisitInputSerializer, responses={201: JointVisitSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(JointVisitInputSerializer, request)
        with service_errors():
            visit = services.plan_joint_visit(request.user, case, **data)
        visit = JointVisit.objects.select_related("case__tenant", "organisation", "partner").get(pk=visit.pk)
        return Response(JointVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class JointVisitList(APIMixin, generics.ListAPIView):
    """Planned joint visits of the user's organisation, as planner or as partner."""

    serializer_class = JointVisitSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JointVisit.objects.none()
        return selectors.joint_visits_for(self.request.user)


class JointVisitOutcome(APIMixin, generics.GenericAPIView):
    queryset = JointVisit.objects.none()

    @extend_schema(
        request=JointVisitOutcomeInputSerializer,
        responses={200: JointVisitSerializer},
        description="The visit took place: its outcome is logged on the case as a joint home visit attempt.",
    )
    def post(self, request, pk):
        try:
            visit = selectors.joint_visits_for(request.user).get(pk=pk)
        except JointVisit.DoesNotExist:
            raise NotFound() from None
        data = validated(JointVisitOutcomeInputSerializer, request)
        with service_errors():
            services.record_joint_visit(request.user, visit, **data)
        visit = JointVisit.objects.select_related("case__tenant", "organisation", "partner").get(pk=visit.pk)
        return Response(JointVisitSerializer(visit).data)


urlpatterns = [
    path("cases/<int:pk>/handover/", OfferHandover.as_view(), name="api-case-handover"),
    path("handovers/", HandoverList.as_view(), name="api-handover-list"),
    path("handovers/<int:pk>/", HandoverDetail.as_view(), name="api-handover-detail"),
    path("handovers/<int:pk>/accept/", AcceptHandover.as_view(), name="api-handover-accept"),
    path("handovers/<int:pk>/decline/", DeclineHandover.as_view(), name="api-handover-decline"),
    path("handovers/<int:pk>/withdraw/", WithdrawHandover.as_view(), name="api-handover-withdraw"),
    path("cases/<int:pk>/joint-visits/", PlanJointVisit.as_view(), name="api-case-joint-visits"),
    path("joint-visits/", JointVisitList.as_view(), name="api-joint-visit-list"),
    path("joint-visits/<int:pk>/outcome/", JointVisitOutcome.as_view(), name="api-joint-visit-outcome"),
]
