"""REST API of the municipality's vroegsignalering (API.md "Vroegsignalering (municipality)"; docs/api-additions.md
"Vroegsignalering"): the worklist of vroegsignaal cases, one case with its signals, attempts and the rent-case
line, and the three actions (pick up, contact attempt, close). Thin: reads through signals.selectors (a case
outside one's scope answers 404), changes through signals.outreach (which asks cases.policy)."""

import re

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cases import policy
from cases.api.serializers import BlankAsNullChoiceField, RefSerializer
from cases.filters import SelectorFilterBackend, filter_values
from cases.models import CaseStatus
from config.api import APIMixin, DateTimeField, ModelSerializer, service_errors

from . import outreach, selectors
from .models import (
    DDAS_PARTNER_TYPE,
    ArrearsSignal,
    ContactKind,
    EndResult,
    PartOfDay,
    SignalCase,
    SignalCaseType,
    SignalContactAttempt,
    SignalKind,
    SignalStatus,
)

ACTIONS = [str(action) for action in policy.SignalCaseAction]


# --- answers --------------------------------------------------------------------------------------------------


class SignalCaseSignalSerializer(serializers.ModelSerializer):
    """One signal of the case: what the creditor reported, never a BSN; the household's name only to the
    organisation doing the outreach (null to a referred team)."""

    partner_type = serializers.SerializerMethodField(help_text="The DDAS signal partner type (EnumSignaalpartner).")
    kind = serializers.ChoiceField(choices=SignalKind.choices, read_only=True)
    source = serializers.CharField(source="source.name", read_only=True, help_text="The creditor's name.")
    name = serializers.SerializerMethodField(help_text="The household's name; null unless the caller does the "
                                                       "outreach.")

    class Meta:
        model = ArrearsSignal
        fields = ["id", "partner_type", "kind", "amount", "reference_date", "arrears_since", "crisis",
                  "warm_handover", "source", "name"]
        read_only_fields = fields
        extra_kwargs = {"arrears_since": {"allow_null": True}}

    @extend_schema_field(serializers.ChoiceField(choices=sorted(set(DDAS_PARTNER_TYPE.values()))))
    def get_partner_type(self, signal) -> str:
        return DDAS_PARTNER_TYPE[SignalKind(signal.kind)]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_name(self, signal):
        return signal.name if self.context.get("show_names") else None


class SignalContactAttemptSerializer(ModelSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, read_only=True)
    part_of_day = BlankAsNullChoiceField(PartOfDay.choices)

    class Meta:
        model = SignalContactAttempt
        fields = ["id", "signal_case", "kind", "reached", "date", "part_of_day", "recorded_at"]
        read_only_fields = fields


class RentCaseLineSerializer(serializers.Serializer):
    """That the household has a rent case, who holds it and its status; nothing else of that case."""

    exists = serializers.BooleanField()
    holder = serializers.CharField(help_text="The organisation that works the rent case now.")
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField(help_text="The status in the caller's language.")


class SignalCaseSerializer(ModelSerializer):
    type = serializers.ChoiceField(source="case_type", choices=SignalCaseType.choices, read_only=True)
    status = serializers.ChoiceField(choices=SignalStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    period = serializers.SerializerMethodField(help_text="The matching period's first month, YYYY-MM.")
    owner = RefSerializer(read_only=True, help_text="The organisation doing the outreach.")
    referred_to = RefSerializer(read_only=True, allow_null=True,
                                help_text="The debt-assistance team the household was referred to.")
    result = BlankAsNullChoiceField(EndResult.choices)
    deadline_at = DateTimeField(read_only=True, allow_null=True)
    escalated_at = DateTimeField(read_only=True, allow_null=True)
    closed_at = DateTimeField(read_only=True, allow_null=True)
    attempt_count = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = SignalCase
        fields = ["id", "municipality", "owner", "type", "status", "status_label", "period", "period_start",
                  "period_end", "matched_on", "crisis", "warm_handover", "picked_up_on", "result", "referred_to",
                  "deadline_at", "escalated_at", "closed_at", "attempt_count", "allowed_actions"]
        read_only_fields = fields
        extra_kwargs = {"picked_up_on": {"allow_null": True}}

    def get_period(self, signal_case) -> str:
        return signal_case.period_start.strftime("%Y-%m")

    def get_attempt_count(self, signal_case) -> int:
        count = getattr(signal_case, "attempt_count", None)
        return count if count is not None else signal_case.attempts.count()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_allowed_actions(self, signal_case):
        allowed = policy.permitted_signal_case(self.context["request"].user, signal_case)
        return sorted(str(action) for action in allowed)


class SignalCaseDetailSerializer(SignalCaseSerializer):
    signals = serializers.SerializerMethodField()
    attempts = SignalContactAttemptSerializer(many=True, read_only=True)
    rent_case = serializers.SerializerMethodField(
        help_text="null when the household has no rent case; never its notes, attempts or dossier."
    )

    class Meta(SignalCaseSerializer.Meta):
        fields = [*SignalCaseSerializer.Meta.fields, "signals", "attempts", "rent_case"]
        read_only_fields = fields

    @extend_schema_field(SignalCaseSignalSerializer(many=True))
    def get_signals(self, signal_case):
        show_names = policy.sees_household_names(self.context["request"].user, signal_case)
        context = {**self.context, "show_names": show_names}
        return SignalCaseSignalSerializer(signal_case.signals.all(), many=True, context=context).data

    @extend_schema_field(RentCaseLineSerializer(allow_null=True))
    def get_rent_case(self, signal_case):
        line = selectors.rent_case_of(signal_case)
        return RentCaseLineSerializer(line).data if line is not None else None


# --- input ----------------------------------------------------------------------------------------------------


class SignalCaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SignalStatus.choices, help_text=_("A DDAS signal status."))
    type = django_filters.ChoiceFilter(choices=SignalCaseType.choices, help_text=_("single, multiple or consecutive."))
    period = django_filters.CharFilter(
        help_text=_("The matching period: its month (YYYY-MM) or a date inside it (YYYY-MM-DD)."),
        validators=[RegexValidator(re.compile(r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"),
                                   message=_("Give a month as YYYY-MM or a date as YYYY-MM-DD."))],
    )
    picked_up = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")],
                                            help_text=_("true: picked up; false: not picked up yet."))

    class Meta:
        model = SignalCase
        fields = []


class SignalContactAttemptInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, help_text="The DDAS contact kind (EnumContactsoort).")
    reached = serializers.BooleanField()
    date = serializers.DateField(help_text="Not in the future, not before the matching period.")
    part_of_day = serializers.ChoiceField(choices=PartOfDay.choices, required=False, allow_blank=True, default="")


class SignalCaseCloseInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=EndResult.choices, help_text="The DDAS end result (EnumEindresultaat).")
    refer = serializers.BooleanField(
        required=False, default=False,
        help_text="Only with \"Vervolghulp en/of verwijzing financieel\": refer the household to the covenant's "
        "debt-assistance team.",
    )


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- views ----------------------------------------------------------------------------------------------------


def _detail_queryset():
    return SignalCase.objects.prefetch_related(
        Prefetch("signals", queryset=ArrearsSignal.objects.select_related("source").order_by("reference_date", "pk")),
        "attempts",
    )


def signal_case_answer(request, pk, code=status.HTTP_200_OK):
    signal_case = selectors.signal_case_for(request.user, pk)
    signal_case = _detail_queryset().select_related("owner", "referred_to").get(pk=signal_case.pk)
    return Response(SignalCaseDetailSerializer(signal_case, context={"request": request}).data, status=code)


class SignalCaseList(APIMixin, generics.ListAPIView):
    """The vroegsignaal cases of the caller's organisation (it does the outreach, or was referred the household):
    open crisis cases first, then the nearest contact deadline, then the newest."""

    serializer_class = SignalCaseSerializer
    filter_backends = [SelectorFilterBackend]
    filterset_class = SignalCaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SignalCase.objects.none()
        values = filter_values(SignalCaseFilter, self.request)
        if "period" in values:
            try:
                values["period"] = selectors.period_day(values["period"])
            except ValueError:
                raise ValidationError({"period": [_("This is not a valid month or date.")]}) from None
        if "picked_up" in values:
            values["picked_up"] = values["picked_up"] == "true"
        if "type" in values:
            values["case_type"] = values.pop("type")
        return selectors.signal_cases_for(self.request.user, **values)


class SignalCaseDetail(APIMixin, generics.RetrieveAPIView):
    """One vroegsignaal case with its signals, contact attempts and whether the household has a rent case."""

    serializer_class = SignalCaseDetailSerializer
    queryset = SignalCase.objects.none()

    def retrieve(self, request, *args, **kwargs):
        return signal_case_answer(request, kwargs["pk"])


class SignalCasePickUp(APIMixin, generics.GenericAPIView):
    queryset = SignalCase.objects.none()

    @extend_schema(request=None, responses={200: SignalCaseDetailSerializer},
                   description="Pick the case up (status Opgepakt, today). 409 when it was picked up already.")
    def post(self, request, pk):
        selectors.signal_case_for(request.user, pk)
        with service_errors():
            outreach.pick_up(request.user, pk)
        return signal_case_answer(request, pk)


class SignalCaseContactAttempts(APIMixin, generics.GenericAPIView):
    queryset = SignalCase.objects.none()

    @extend_schema(request=SignalContactAttemptInputSerializer, responses={201: SignalContactAttemptSerializer},
                   description="Log a contact attempt. The first one picks the case up (when it was not yet) and "
                   "meets the contact term (the deadline is cleared).")
    def post(self, request, pk):
        selectors.signal_case_for(request.user, pk)
        data = validated(SignalContactAttemptInputSerializer, request)
        with service_errors():
            attempt = outreach.log_contact_attempt(request.user, pk, **data)
        return Response(SignalContactAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


class SignalCaseClose(APIMixin, generics.GenericAPIView):
    queryset = SignalCase.objects.none()

    @extend_schema(request=SignalCaseCloseInputSerializer, responses={200: SignalCaseDetailSerializer},
                   description="Close the case with a DDAS end result; `refer` (only with \"Vervolghulp en/of "
                   "verwijzing financieel\") refers the household to the covenant's debt-assistance team.")
    def post(self, request, pk):
        selectors.signal_case_for(request.user, pk)
        data = validated(SignalCaseCloseInputSerializer, request)
        with service_errors():
            outreach.close(request.user, pk, **data)
        return signal_case_answer(request, pk)


urlpatterns = [
    path("signal-cases/", SignalCaseList.as_view(), name="api-signal-case-list"),
    path("signal-cases/<api_id:pk>/", SignalCaseDetail.as_view(), name="api-signal-case-detail"),
    path("signal-cases/<api_id:pk>/pick-up/", SignalCasePickUp.as_view(), name="api-signal-case-pick-up"),
    path("signal-cases/<api_id:pk>/contact-attempts/", SignalCaseContactAttempts.as_view(),
         name="api-signal-case-contact-attempts"),
    path("signal-cases/<api_id:pk>/close/", SignalCaseClose.as_view(), name="api-signal-case-close"),
]
