"""REST: the user's own notifications."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from .. import selectors, services
from ..filters import NotificationFilter, SelectorFilterBackend, filter_values
from ..models import Notification
from .base import APIMixin
from .cases import validated
from .serializers import MarkReadInputSerializer, MarkReadResultSerializer, NotificationSerializer


class NotificationList(APIMixin, generics.ListAPIView):
    """The user's notifications, newest first; `unread=true` for the unread ones."""

    serializer_class = NotificationSerializer
    filter_backends = [SelectorFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications_for(self.request.user, **filter_values(NotificationFilter, self.request))


class MarkRead(APIMixin, generics.GenericAPIView):
    queryset = Notification.objects.none()

    @extend_schema(
        request=MarkReadInputSerializer,
        responses={200: MarkReadResultSerializer},
        description="Mark the given notifications (or, without `ids`, all) of the user read.",
    )
    def post(self, request):
        data = validated(MarkReadInputSerializer, request)
        marked = services.mark_read(request.user, data.get("ids"))
        return Response({"marked": marked})


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="api-notification-list"),
    path("notifications/read/", MarkRead.as_view(), name="api-notification-read"),
]
