"""REST API of the signals app: submit signals, upload a CSV, list one's own imports. Thin: the services decide."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import APIMixin, ModelSerializer

from . import selectors, services, uploads
from .models import SignalImport, SignalKind


class SignalSerializer(serializers.Serializer):
    """One signal as sent (documentation of the body; validation is in signals/parsing.py)."""

    external_id = serializers.CharField(
        max_length=100, help_text="Unique per source; re-sending it is a duplicate."
    )
    kind = serializers.ChoiceField(
        choices=SignalKind.choices, required=False, help_text="Default for a corporation: rent."
    )
    contract_ref = serializers.CharField(max_length=64, required=False, help_text="Required for rent.")
    name = serializers.CharField(max_length=200)
    postcode = serializers.CharField(help_text="Dutch postcode, e.g. 1234 AB.")
    house_number = serializers.CharField(help_text="With addition, e.g. 12A.")
    street = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    months_in_arrears = serializers.IntegerField(min_value=0, max_value=120)
    reference_date = serializers.DateField(help_text="Not in the future.")


class SignalBatchSerializer(serializers.Serializer):
    signals = SignalSerializer(many=True)


REJECTED = dict(
    name="RejectedSignal",
    fields={
        "index": serializers.IntegerField(required=False, help_text="0-based position in the list (API)."),
        "row": serializers.IntegerField(
            required=False, help_text="Row number in the file; the header is row 1."
        ),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class IngestSummarySerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = inline_serializer(**REJECTED, many=True)
    cases_opened = serializers.IntegerField()
    cases_updated = serializers.IntegerField()


class ImportSummarySerializer(IngestSummarySerializer):
    id = serializers.IntegerField(help_text="The signal import's id.")


class SignalImportSerializer(ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SignalImport
        fields = [
            "id",
            "file_name",
            "file_hash",
            "uploaded_at",
            "uploaded_by",
            "rows",
            "accepted",
            "duplicates",
            "rejected",
            "cases_opened",
            "cases_updated",
        ]


class SignalImportDetailSerializer(SignalImportSerializer):
    class Meta(SignalImportSerializer.Meta):
        fields = [*SignalImportSerializer.Meta.fields, "report"]


class SignalSubmit(APIMixin, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="SignalSubmission",
            serializers=[SignalSerializer, SignalBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={201: IngestSummarySerializer},
        summary='Submit one signal or {"signals": [...]}',
        examples=[
            OpenApiExample(
                "One energy signal",
                request_only=True,
                value={
                    "external_id": "E-2025-0001",
                    "kind": "energy",
                    "name": "J. Jansen",
                    "postcode": "7514 BP",
                    "house_number": "12A",
                    "amount": "312.40",
                    "months_in_arrears": 2,
                    "reference_date": "2025-03-01",
                },
            )
        ],
    )
    def post(self, request):
        data = request.data
        records = data.get("signals") if isinstance(data, dict) and "signals" in data else data
        result = services.submit_signals(request.user, records)
        return Response(result.summary(), status=status.HTTP_201_CREATED)


class SignalImportList(APIMixin, generics.ListAPIView):
    serializer_class = SignalImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.imports_for(self.request.user)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("SignalImportUpload", {"file": serializers.FileField()})
        },
        responses={201: ImportSummarySerializer},
        summary="Upload a CSV of signals",
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if uploads.refused(request):
            raise services.file_too_large()
        if upload is None:
            raise serializers.ValidationError({"file": [_("Choose a CSV file to upload.")]})
        if upload.size > services.max_bytes():
            raise services.file_too_large()
        result = services.import_csv(request.user, upload.read(), file_name=upload.name)
        return Response({"id": result.signal_import.pk, **result.summary()}, status=status.HTTP_201_CREATED)


class SignalImportDetail(APIMixin, generics.RetrieveAPIView):
    serializer_class = SignalImportDetailSerializer

    def get_queryset(self):
        return selectors.imports_for(self.request.user)
