"""GET /api/v1/dashboard/: the managers' figures (definitions in docs/dashboard.md)."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .base import APIMixin

# The filters and the managers-only rule live below the API and the pages, which both use them (import-linter:
# views never import the api): cases.filters.DashboardQuerySerializer, cases.selectors.dashboard_figures.
figures_for = selectors.dashboard_figures


# Response shape, for the OpenAPI schema.
class _Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _Viewer(_Named):
    kind = serializers.CharField()


class _Scope(serializers.Serializer):
    viewer = _Viewer()
    organisation = _Named(allow_null=True)
    convenant = _Named(allow_null=True)
    convenants = _Named(many=True)
    personal_data = serializers.BooleanField()
    case_links = serializers.BooleanField()


class _StatusCount(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class _OpenCases(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True)
    overdue = serializers.IntegerField(allow_null=True)
    by_status = _StatusCount(many=True)


class _Bucket(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class _Arrears(serializers.Serializer):
    total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    cases = serializers.IntegerField(allow_null=True)
    buckets = _Bucket(many=True)


class _FirstContact(serializers.Serializer):
    opened = serializers.IntegerField(allow_null=True)
    settled = serializers.IntegerField(allow_null=True)
    within_deadline = serializers.IntegerField(allow_null=True)
    share_within_deadline = serializers.FloatField(allow_null=True)
    contacted = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)


class _Pickup(serializers.Serializer):
    organisation = _Named()
    handovers = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)


class _KindSeries(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField(allow_null=True))


class _Escalations(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True)
    by_kind = _KindSeries(many=True)


class _Evictions(serializers.Serializer):
    proposed = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    executed = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    prevented = serializers.ListField(child=serializers.IntegerField(allow_null=True))


class _Resolution(serializers.Serializer):
    cohort_from = serializers.DateField()
    cohort_to = serializers.DateField()
    cases = serializers.IntegerField(allow_null=True)
    resolved = serializers.IntegerField(allow_null=True)
    share = serializers.FloatField(allow_null=True)
    reference_share = serializers.FloatField()


class _SmallGroups(serializers.Serializer):
    threshold = serializers.IntegerField(help_text="settings.SMALL_GROUP_THRESHOLD: fewer households than this")
    applied = serializers.BooleanField(help_text="true for a municipality's (convenant-wide) figures")


class _Period(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class DashboardSerializer(serializers.Serializer):
    period = _Period()
    computed_at = serializers.DateTimeField()
    scope = _Scope()
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, the x axis of every series")
    open_cases = _OpenCases()
    arrears = _Arrears()
    first_contact = _FirstContact()
    pickup_by_partner = _Pickup(many=True)
    escalations = _Escalations()
    evictions = _Evictions()
    resolution = _Resolution()
    households_several_kinds = serializers.IntegerField(allow_null=True)
    definitions = serializers.DictField(child=serializers.CharField())
    links = serializers.DictField(allow_null=True, help_text="worklist URLs behind the figures; null for a municipality")
    small_groups = _SmallGroups()
    suppressed = serializers.ListField(
        child=serializers.CharField(),
        help_text="dotted paths of the figures that are null because they are over fewer households than the "
        "threshold (a count, or a sum, median or share over such a group), e.g. `arrears.buckets.2.amount`",
    )


class DashboardView(APIMixin, APIView):
    @extend_schema(
        operation_id="dashboard",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day of the period"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day of the period"),
            OpenApiParameter("organisation", int, description="own organisation; a municipality: a party's id"),
            OpenApiParameter("convenant", int, description="one convenant the viewer takes part in"),
        ],
        responses={200: DashboardSerializer},
    )
    def get(self, request):
        _scope, figures = figures_for(request.user, request.query_params)
        return Response(figures)


urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
]
