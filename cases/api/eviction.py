"""REST: eviction only together — a proposal by the corporation's manager, a vote by every party's manager."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .. import selectors, services
from ..models import Case, EvictionProposal
from .base import APIMixin, service_errors
from .cases import validated, visible_case
from .serializers import (
    EvictionProposalSerializer,
    ProposalInputSerializer,
    VoteInputSerializer,
    VoteSerializer,
)


def _proposal(request, pk) -> EvictionProposal:
    proposals = (
        selectors.eviction_proposals_for(request.user)
        .select_related("organisation")
        .prefetch_related("voters", "votes__organisation")
    )
    try:
        return proposals.get(pk=pk)
    except EvictionProposal.DoesNotExist:
        raise NotFound() from None


class ProposeEviction(APIMixin, generics.GenericAPIView):
    queryset = Case.objects.none()

    @extend_schema(request=ProposalInputSerializer, responses={201: EvictionProposalSerializer})
    def post(self, request, pk):
        case = visible_case(request, pk)
        data = validated(ProposalInputSerializer, request)
        with service_errors():
            proposal = services.propose_eviction(request.user, case, **data)
        return Response(EvictionProposalSerializer(_proposal(request, proposal.pk)).data,
                        status=status.HTTP_201_CREATED)


class ProposalDetail(APIMixin, generics.RetrieveAPIView):
    """The proposal with the parties that vote and the votes so far (each with its reason)."""

    serializer_class = EvictionProposalSerializer
    queryset = EvictionProposal.objects.none()

    def get_object(self):
        return _proposal(self.request, self.kwargs["pk"])


class Vote(APIMixin, generics.GenericAPIView):
    queryset = EvictionProposal.objects.none()

    @extend_schema(request=VoteInputSerializer, responses={201: VoteSerializer})
    def post(self, request, pk):
        proposal = _proposal(request, pk)
        data = validated(VoteInputSerializer, request)
        with service_errors():
            vote = services.vote_on_eviction(request.user, proposal, **data)
        return Response(VoteSerializer(vote).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("cases/<api_id:pk>/eviction-proposal/", ProposeEviction.as_view(), name="api-case-eviction-proposal"),
    path("eviction-proposals/<api_id:pk>/", ProposalDetail.as_view(), name="api-eviction-proposal-detail"),
    path("eviction-proposals/<api_id:pk>/votes/", Vote.as_view(), name="api-eviction-proposal-votes"),
]
