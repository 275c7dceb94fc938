"""REST: convenants (platform administrator only). Rules live in convenants.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from config.api import APIMixin, DateTimeField, IsSuperuser, ModelSerializer
from partners.models import Organisation

from . import services
from .models import Convenant, DeadlineKind, EscalationPolicy


class ConvenantSerializer(ModelSerializer):
    parties = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True)
    chain = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True, help_text="Organisation ids in handover order."
    )
    deadlines = serializers.DictField(
        child=serializers.IntegerField(), required=False,
        help_text="{kind: days} for " + ", ".join(DeadlineKind.values) + "; missing kinds take the defaults.",
    )
    policies = serializers.DictField(
        child=serializers.ChoiceField(choices=EscalationPolicy.choices), required=False,
        help_text="{kind: notify|handover_next}: what happens when that deadline passes.",
    )
    working_days = serializers.BooleanField(required=False, default=True)
    retention_months = serializers.IntegerField(required=False, default=24)
    signal_retention_months = serializers.IntegerField(
        required=False, default=6, help_text="Months after its reference date that a signal which led to no case is kept."
    )
    # Vroegsignalering (DESIGN.md): the DDAS report's municipality code, who reaches out, how signals are matched.
    cbs_municipality_code = serializers.CharField(
        required=False, allow_blank=True, max_length=4, help_text="Four digits (CBS), e.g. 0153; in the DDAS report."
    )
    outreach_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True,
        help_text="The party that reaches out to matched households; null: the municipality itself.",
    )
    matching_period_months = serializers.IntegerField(
        required=False, default=1, help_text="Signals of one household in one period of this many months (1, 2, 3, "
        "6 or 12; aligned to January) become one vroegsignaal case.",
    )
    signal_minimums = serializers.DictField(
        child=serializers.IntegerField(), required=False,
        help_text="{kind: whole euros}: a signal below its kind's minimum is stored and counted, not matched.",
    )
    postcode_areas = serializers.ListField(
        child=serializers.CharField(max_length=9), required=False, max_length=500,
        help_text="The municipality's four-digit postcodes or ranges (\"7511\", \"7513-7548\"): a signal for a "
        "household there belongs to this municipality's vroegsignalering, whoever sends it.",
    )
    outreach_contact_days = serializers.IntegerField(
        required=False, default=20, help_text="Contact with a matched household within this many days."
    )
    outreach_crisis_days = serializers.IntegerField(
        required=False, default=3, help_text="The same for a crisis signal (eviction or disconnection threatens)."
    )

    class Meta:
        model = Convenant
        fields = ["id", "name", "municipality", "parties", "chain", "deadlines", "policies", "working_days",
                  "retention_months", "signal_retention_months", "valid_from", "valid_until", "pause_reasons",
                  "max_pause_days", "cbs_municipality_code", "outreach_organisation", "matching_period_months",
                  "signal_minimums", "outreach_contact_days", "outreach_crisis_days", "postcode_areas", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "pause_reasons", "max_pause_days", "created_at", "updated_at"]

    def to_representation(self, convenant):
        rules = sorted(convenant.deadline_rules.all(), key=lambda rule: rule.kind)
        return {
            "id": convenant.pk,
            "name": convenant.name,
            "municipality": convenant.municipality,
            "parties": sorted(party.pk for party in convenant.parties.all()),
            "chain": [link.organisation_id for link in sorted(convenant.chain_links.all(), key=lambda x: x.position)],
            "deadlines": {rule.kind: rule.days for rule in rules},
            "policies": {rule.kind: rule.policy for rule in rules},
            "working_days": convenant.working_days,
            "retention_months": convenant.retention_months,
            "signal_retention_months": convenant.signal_retention_months,
            "valid_from": convenant.valid_from.isoformat() if convenant.valid_from else None,
            "valid_until": convenant.valid_until.isoformat() if convenant.valid_until else None,
            # Pausing the clock: the reasons a holder may give (label in the active language) and the maximum.
            "pause_reasons": [{"code": code, "label": label} for code, label in convenant.pause_reason_choices()],
            "max_pause_days": convenant.max_pause_days,
            "cbs_municipality_code": convenant.cbs_municipality_code,
            "outreach_organisation": convenant.outreach_organisation_id,
            "matching_period_months": convenant.matching_period_months,
            "signal_minimums": convenant.signal_minimums or {},
            "postcode_areas": convenant.postcode_areas or [],
            "outreach_contact_days": convenant.outreach_contact_days,
            "outreach_crisis_days": convenant.outreach_crisis_days,
            "created_at": DateTimeField().to_representation(convenant.created_at),
            "updated_at": DateTimeField().to_representation(convenant.updated_at),
        }


def _convenants():
    return Convenant.objects.prefetch_related("parties", "chain_links", "deadline_rules").order_by(
        "municipality", "name"
    )


def _answer(convenant, code=status.HTTP_200_OK):
    return Response(ConvenantSerializer(_convenants().get(pk=convenant.pk)).data, status=code)


class ConvenantList(APIMixin, generics.ListCreateAPIView):
    """Convenants with their parties, chain, deadlines and escalation policies."""

    serializer_class = ConvenantSerializer
    permission_classes = [IsSuperuser]

    def get_queryset(self):
        return _convenants()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        convenant = services.create_convenant(**serializer.validated_data)
        return _answer(convenant, status.HTTP_201_CREATED)


@extend_schema(methods=["PUT"], exclude=True)
class ConvenantDetail(APIMixin, generics.RetrieveUpdateAPIView):
    """One convenant; PATCH changes it (deadlines already running keep their date)."""

    serializer_class = ConvenantSerializer
    permission_classes = [IsSuperuser]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return _convenants()

    def update(self, request, *args, **kwargs):
        convenant = self.get_object()
        serializer = self.get_serializer(convenant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {field: value for field, value in serializer.validated_data.items() if field in request.data}
        convenant = services.update_convenant(convenant, **changes)
        return _answer(convenant)
