"""REST: escalations of the cases the user can see, for managers (like the escalations page)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, permissions

from .. import selectors
from ..filters import EscalationFilter, SelectorFilterBackend, filter_values
from ..models import Escalation
from .base import APIMixin
from .permissions import oversight
from .serializers import EscalationSerializer


class EscalationList(APIMixin, generics.ListAPIView):
    """Escalations of the cases the manager's organisation can see, newest first; `case` narrows to one case.
    Managers only (policy.may_oversee); caseworkers get 403."""

    serializer_class = EscalationSerializer
    permission_classes = [permissions.IsAuthenticated, oversight(_("Only managers see the escalations."))]
    filter_backends = [SelectorFilterBackend]
    filterset_class = EscalationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Escalation.objects.none()
        values = filter_values(EscalationFilter, self.request)
        case = int(values["case"]) if "case" in values else None
        return selectors.escalations_for(self.request.user, case=case)


urlpatterns = [
    path("escalations/", EscalationList.as_view(), name="api-escalation-list"),
]
