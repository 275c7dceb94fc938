"""REST: the access log (AVG) for managers: who read which case's personal data, when, and what."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, permissions
from rest_framework.pagination import CursorPagination

from .. import selectors
from ..filters import AccessLogFilter, SelectorFilterBackend, filter_values
from ..models import AccessLog
from .base import APIMixin
from .permissions import oversight
from .serializers import AccessLogSerializer


class AccessLogPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-at", "-id")


class AccessLogList(APIMixin, generics.ListAPIView):
    """Reads of the cases in the manager's scope, newest first (cursor pagination)."""

    serializer_class = AccessLogSerializer
    permission_classes = [permissions.IsAuthenticated, oversight(_("Only managers may read the access log."))]
    pagination_class = AccessLogPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = AccessLogFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        values = filter_values(AccessLogFilter, self.request)
        logs = selectors.access_log_for(self.request.user)
        if "case" in values:
            logs = logs.filter(case_id=int(values["case"]))
        if "what" in values:
            logs = logs.filter(what=values["what"])
        return logs


urlpatterns = [
    path("access-log/", AccessLogList.as_view(), name="api-access-log"),
]
