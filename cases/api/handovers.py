"""REST: warm handover (offer, inbox, dossier, accept/decline/withdraw), the tenant's consent to sharing the
dossier, and joint home visits."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .. import policy, selectors, services
from ..calendar import calendar_response
from ..filters import HandoverFilter, SelectorFilterBackend, filter_values
from ..models import AccessLog, Case, Handover, JointVisit
from ..services.handover import consent_line, current_consent
from .base import APIMixin, service_errors
from .cases import validated, visible_case
from .serializers import (
    ConsentInputSerializer,
    ConsentSerializer,
    DeclineInputSerializer,
    HandoverDetailSerializer,
    HandoverInputSerializer,
    HandoverSerializer,
    JointVisitCancelInputSerializer,
    JointVisitInputSerializer,
    JointVisitMoveInputSerializer,
    JointVisitOutcomeInputSerializer,
    JointVisitSerializer,
    WithdrawInputSerializer,
)


def _handover(request, pk) -> Handover:
    """A handover of a case the user may see (its dossier, or to be answered: accept, decline, withdraw); 404
    otherwise, so that an organisation without a part in the case (one that declined, saw its offer withdrawn, or
    never had one) does not learn it exists. Who may read or answer it is the policy's: 403 for the wrong side,
    400/409 when the offer is no longer open."""
    try:
        return selectors.handovers_of_visible_cases(request.user).get(pk=pk)
    except Handover.DoesNotExist:
        raise NotFound() from None


def _answer(request, handover, code=status.HTTP_200_OK):
    """The handover after the answer. The one who declined no longer sees the case: the answer then carries
    no tenant data (HandoverSerializer blanks it for a case outside the user's scope)."""
    handover = Handover.objects.select_related("case__tenant", "from_organisation", "to_organisation", "responded_by").get(
        pk=handover.pk
    )
    context = {"request": request, "visible": selectors.cases_for(request.user).filter(pk=handover.case_id).exists()}
    return Response(HandoverSerializer(handover, context=context).data, status=code)


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
        return _answer(request, handover, status.HTTP_201_CREATED)


def _consent_answer(case, code=status.HTTP_200_OK):
    return Response(ConsentSerializer(consent_line(current_consent(case))).data, status=code)


class CaseConsent(APIMixin, generics.GenericAPIView):
    """The tenant's current consent to sharing the case file with chain partners (`given`: in force now)."""

    queryset = Case.objects.none()

    @extend_schema(request=None, responses={200: ConsentSerializer})
    def get(self, request, pk):
        return _consent_answer(visible_case(request, pk))

    @extend_schema(
        request=ConsentInputSerializer,
        responses={201: ConsentSerializer},
        description="The corporation records the tenant's answer: given or not, how, when (default: now). Given "
        "while an offer waits that was made without it, that partner gets the full dossier.",
    )
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(ConsentInputSerializer, request)
        with service_errors():
            services.record_consent(request.user, case, **data)
        return _consent_answer(case, status.HTTP_201_CREATED)


class WithdrawConsent(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(
        request=None,
        responses={200: ConsentSerializer},
        description="The tenant withdrew the consent: every dossier shared with it is cut down to contact data "
        "and arrears at once.",
    )
    def post(self, request, pk):
        case = visible_case(request, pk)
        with service_errors():
            services.withdraw_consent(request.user, case)
        return _consent_answer(case)


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
    """One handover of a case the user may see, with its dossier when the policy lets the user read it (the case's
    corporation and holder, the organisation the offer waits for; others who see the case get 403); the read is
    written to the access log."""

    serializer_class = HandoverDetailSerializer
    queryset = Handover.objects.none()

    def get_object(self):
        handover = _handover(self.request, self.kwargs["pk"])
        policy.check(self.request.user, handover.case, policy.Action.READ_DOSSIER)
        services.record_access(self.request.user, handover.case, AccessLog.What.DOSSIER)
        return handover


class AcceptHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=None, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk)
        services.accept_handover(request.user, handover)
        return _answer(request, handover)


class DeclineHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=DeclineInputSerializer, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk)
        data = validated(DeclineInputSerializer, request)
        services.decline_handover(request.user, handover, **data)
        return _answer(request, handover)


class WithdrawHandover(APIMixin, generics.GenericAPIView):
    queryset = Handover.objects.none()

    @extend_schema(request=WithdrawInputSerializer, responses={200: HandoverSerializer})
    def post(self, request, pk):
        handover = _handover(request, pk)
        data = validated(WithdrawInputSerializer, request)
        services.withdraw_handover(request.user, handover, **data)
        return _answer(request, handover)


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
    """Planned joint visits the user may see: its organisation's own, while it sees the case, and the ones it is
    invited to as a chain partner of the case's convenant (selectors.joint_visits_for)."""

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
        # The visit as it shows to the user (in any status); whether the user may record its outcome now is the
        # service's policy.check (403 for the invited partner or a side that no longer holds the case, 400 when
        # the visit is not due or no longer planned).
        try:
            visit = selectors.joint_visits_for(request.user, status=None).get(pk=pk)
        except JointVisit.DoesNotExist:
            raise NotFound() from None
        data = validated(JointVisitOutcomeInputSerializer, request)
        with service_errors():
            services.record_joint_visit(request.user, visit, **data)
        visit = JointVisit.objects.select_related("case__tenant", "organisation", "partner").get(pk=visit.pk)
        return Response(JointVisitSerializer(visit).data)


def _visit(request, pk) -> JointVisit:
    """A visit as it shows to the user (planner or invited partner, any status); 404 otherwise. Whether the user
    may change it is the service's policy.check_visit (403 for the partner, 409 once it is no longer planned)."""
    try:
        return selectors.joint_visits_for(request.user, status=None).get(pk=pk)
    except JointVisit.DoesNotExist:
        raise NotFound() from None


def _visit_answer(visit):
    visit = JointVisit.objects.select_related("case__tenant", "organisation", "partner").get(pk=visit.pk)
    return Response(JointVisitSerializer(visit).data)


class MoveJointVisit(APIMixin, generics.GenericAPIView):
    queryset = JointVisit.objects.none()

    @extend_schema(request=JointVisitMoveInputSerializer, responses={200: JointVisitSerializer},
                   description="The planner moves a planned visit to another time; both sides are told.")
    def post(self, request, pk):
        visit = _visit(request, pk)
        data = validated(JointVisitMoveInputSerializer, request)
        with service_errors():
            services.move_joint_visit(request.user, visit, **data)
        return _visit_answer(visit)


class CancelJointVisit(APIMixin, generics.GenericAPIView):
    queryset = JointVisit.objects.none()

    @extend_schema(request=JointVisitCancelInputSerializer, responses={200: JointVisitSerializer},
                   description="The planner cancels a planned visit; both sides are told.")
    def post(self, request, pk):
        visit = _visit(request, pk)
        data = validated(JointVisitCancelInputSerializer, request)
        with service_errors():
            services.cancel_joint_visit(request.user, visit, **data)
        return _visit_answer(visit)


class JointVisitCalendar(APIMixin, generics.GenericAPIView):
    queryset = JointVisit.objects.none()

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR},
                   description="The visit as an iCalendar file (planner or invited partner); logged as a read.")
    def get(self, request, pk):
        visit = _visit(request, pk)
        return calendar_response(request, visit)


urlpatterns = [
    path("cases/<api_id:pk>/handover/", OfferHandover.as_view(), name="api-case-handover"),
    path("cases/<api_id:pk>/consent/", CaseConsent.as_view(), name="api-case-consent"),
    path("cases/<api_id:pk>/consent/withdraw/", WithdrawConsent.as_view(), name="api-case-consent-withdraw"),
    path("handovers/", HandoverList.as_view(), name="api-handover-list"),
    path("handovers/<api_id:pk>/", HandoverDetail.as_view(), name="api-handover-detail"),
    path("handovers/<api_id:pk>/accept/", AcceptHandover.as_view(), name="api-handover-accept"),
    path("handovers/<api_id:pk>/decline/", DeclineHandover.as_view(), name="api-handover-decline"),
    path("handovers/<api_id:pk>/withdraw/", WithdrawHandover.as_view(), name="api-handover-withdraw"),
    path("cases/<api_id:pk>/joint-visits/", PlanJointVisit.as_view(), name="api-case-joint-visits"),
    path("joint-visits/", JointVisitList.as_view(), name="api-joint-visit-list"),
    path("joint-visits/<api_id:pk>/outcome/", JointVisitOutcome.as_view(), name="api-joint-visit-outcome"),
    path("joint-visits/<api_id:pk>/move/", MoveJointVisit.as_view(), name="api-joint-visit-move"),
    path("joint-visits/<api_id:pk>/cancel/", CancelJointVisit.as_view(), name="api-joint-visit-cancel"),
    path("joint-visits/<api_id:pk>/ics/", JointVisitCalendar.as_view(), name="api-joint-visit-ics"),
]
