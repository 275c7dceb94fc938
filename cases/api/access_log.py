"""REST: the access log (AVG) for managers: who read which case's personal data, when, and what."""

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, permissions, serializers
from rest_framework.pagination import CursorPagination

from config.validators import supported_dates

from .. import filters, selectors
from ..filters import SelectorFilterBackend, filter_values
from ..models import AccessLog
from ..services.access import narrow_access_log
from .base import APIMixin
from .permissions import oversight
from .serializers import AccessLogSerializer


class AccessLogFilter(filters.AccessLogFilter):
    user = django_filters.NumberFilter(help_text=_("Id of the user who read."))
    person = django_filters.CharFilter(help_text=_("User name, or part of the full name, of the user who read."))
    from_ = django_filters.DateFilter(
        field_name="at", help_text=_("First day (inclusive, Dutch time)."), validators=supported_dates
    )
    to = django_filters.DateFilter(
        field_name="at", help_text=_("Last day (inclusive, Dutch time)."), validators=supported_dates
    )

    class Meta(filters.AccessLogFilter.Meta):
        pass


# `from` is a keyword: declared as from_, named as the dashboard's parameter.
AccessLogFilter.base_filters["from"] = AccessLogFilter.base_filters.pop("from_")


class AccessLogEntrySerializer(AccessLogSerializer):
    user_id = serializers.IntegerField(read_only=True)
    user_name = serializers.SerializerMethodField(help_text="the user's full name, or the user name without one")

    class Meta(AccessLogSerializer.Meta):
        fields = [*AccessLogSerializer.Meta.fields, "user_id", "user_name"]
        read_only_fields = fields

    def get_user_name(self, entry) -> str:
        return entry.user.get_full_name() or entry.user.get_username()


class AccessLogPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-at", "-id")


class AccessLogList(APIMixin, generics.ListAPIView):
    """Reads of the cases in the manager's scope, newest first (cursor pagination); one row per user, case, kind
    of read and hour."""

    serializer_class = AccessLogEntrySerializer
    permission_classes = [permissions.IsAuthenticated, oversight(_("Only managers may read the access log."))]
    pagination_class = AccessLogPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = AccessLogFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLog.objects.none()
        values = filter_values(AccessLogFilter, self.request)
        logs = selectors.access_log_for(self.request.user, date_from=values.get("from"), date_to=values.get("to"))
        return narrow_access_log(
            logs,
            case=int(values["case"]) if "case" in values else None,
            user=int(values["user"]) if "user" in values else None,
            person=values.get("person"),
            what=values.get("what"),
        )


urlpatterns = [
    path("access-log/", AccessLogList.as_view(), name="api-access-log"),
]
