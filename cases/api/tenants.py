"""REST: a tenant's data export across all their cases and the household's signals (API.md § Handovers and
visits: GET /api/v1/tenants/{id}/export/), in the scope cases.policy.may_export_tenant gives the caller."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from config.api import DateTimeField

from .. import policy
from ..models import Tenant
from ..services.export import export_tenant
from .base import APIMixin
from .serializers import (
    AccessSummarySerializer,
    ArrangementSerializer,
    CaseSerializer,
    ContactAttemptSerializer,
    EscalationSerializer,
    EventSerializer,
    EvictionProposalSerializer,
    HandoverDetailSerializer,
    JointVisitSerializer,
    TaskSerializer,
)


class ExportTenantSerializer(serializers.Serializer):
    """The tenant row. A signals-only export carries the household's name and address alone (what the signals
    hold); the corporation's contact data stays with the corporation."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    house_number = serializers.CharField()
    postcode = serializers.CharField()
    street = serializers.CharField(required=False, help_text=_("Not in a signals-only export."))
    city = serializers.CharField(required=False, help_text=_("Not in a signals-only export."))
    phone = serializers.CharField(required=False, help_text=_("Not in a signals-only export."))
    email = serializers.CharField(required=False, help_text=_("Not in a signals-only export."))
    contract_ref = serializers.CharField(required=False, help_text=_("Not in a signals-only export."))


SIGNALS_ONLY_TENANT_FIELDS = ("id", "name", "house_number", "postcode")


class ConsentRecordSerializer(serializers.Serializer):
    """One recorded answer of the tenant to sharing the case file (every record, superseded ones included)."""

    given = serializers.BooleanField()
    how = serializers.CharField(allow_blank=True)
    at = DateTimeField()
    organisation = serializers.CharField(source="organisation.name", allow_null=True, default=None)
    recorded_by = serializers.CharField(source="recorded_by.get_username", allow_null=True, default=None)
    recorded_at = DateTimeField()
    withdrawn_at = DateTimeField(allow_null=True)
    superseded_at = DateTimeField(allow_null=True)


class ExportSignalSerializer(serializers.Serializer):
    """A creditor's signal as stored: what the creditor reported about the household."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.CharField(source="source.name")
    external_id = serializers.CharField()
    contract_ref = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    postcode = serializers.CharField()
    house_number = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    months_in_arrears = serializers.IntegerField()
    reference_date = serializers.DateField()
    municipality = serializers.CharField(allow_blank=True)
    received_at = DateTimeField()
    case = serializers.IntegerField(source="case_id", allow_null=True)


class ExportCaseSerializer(serializers.Serializer):
    case = CaseSerializer()
    contact_attempts = ContactAttemptSerializer(many=True)
    arrangements = ArrangementSerializer(many=True)
    handovers = HandoverDetailSerializer(many=True)
    consents = ConsentRecordSerializer(many=True)
    joint_visits = JointVisitSerializer(many=True)
    escalations = EscalationSerializer(many=True)
    eviction_proposals = EvictionProposalSerializer(many=True)
    tasks = TaskSerializer(many=True, help_text=_("Follow-up tasks on the case."))
    timeline = EventSerializer(many=True)
    accessed = AccessSummarySerializer(many=True, help_text=_("Which organisations read this case's data, when."))


class TenantExportSerializer(serializers.Serializer):
    exported_at = DateTimeField()
    scope = serializers.ChoiceField(
        choices=[scope.value for scope in policy.ExportScope],
        help_text=_('"full": the corporation\'s cases of the tenant with the signals it sent; "signals": the '
                    "household's signals in the municipality, without the case files."),
    )
    organisation = serializers.CharField(source="organisation.name", help_text=_("Who made the export."))
    tenant = serializers.SerializerMethodField()
    cases = ExportCaseSerializer(many=True)
    signals = ExportSignalSerializer(many=True)

    @extend_schema_field(ExportTenantSerializer)
    def get_tenant(self, data) -> dict:
        names = ExportTenantSerializer().fields if data.includes_cases else SIGNALS_ONLY_TENANT_FIELDS
        return {name: getattr(data.tenant, name) for name in names}


class DownloadQuerySerializer(serializers.Serializer):
    download = serializers.BooleanField(required=False, default=False)


class TenantExport(APIMixin, generics.GenericAPIView):
    queryset = Tenant.objects.none()

    @extend_schema(
        responses=TenantExportSerializer,
        parameters=[
            OpenApiParameter(
                "download", OpenApiTypes.BOOL,
                description="true: answered as a file to save (Content-Disposition: attachment)",
            )
        ],
        description="The tenant's data across all cases and the household's signals (AVG right of access). The "
        "corporation's managers get every case of their corporation's tenant with the signals their corporation "
        "sent; a municipality's managers get the household's signals of their convenants' municipalities, no "
        "case file. Anyone else: 404. Every export is written to the access log.",
    )
    def get(self, request, pk):
        query = DownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = export_tenant(request.user, pk)
        response = Response(TenantExportSerializer(data, context={**self.get_serializer_context(), "export": True}).data)
        if query.validated_data["download"]:
            response["Content-Disposition"] = f'attachment; filename="huurder-{data.tenant.pk}-inzage.json"'
        return response


urlpatterns = [
    path("tenants/<api_id:pk>/export/", TenantExport.as_view(), name="api-tenant-export"),
]
