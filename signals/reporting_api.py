"""REST API of the municipality's vroegsignalering reporting: the DDAS v1.2 report and the monitor's figures.
Thin: signals.ddas and signals.figures decide (a municipality's managers only: 403 for anyone else, checked
before the period is read; a bad period 400 with the field)."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.dashboard import _Period as DashboardPeriod
from cases.api.dashboard import _SmallGroups as DashboardSmallGroups
from config.api import APIMixin
from config.validators import supported_dates

from . import ddas, figures


class ReportPeriodSerializer(serializers.Serializer):
    """?from=&to=: both required, both inclusive (from ≤ to and at most one year: the services check)."""

    from_ = serializers.DateField(validators=supported_dates, help_text="First day of the period (YYYY-MM-DD).")
    to = serializers.DateField(validators=supported_dates, help_text="Last day of the period (YYYY-MM-DD).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def period_of(request):
    query = ReportPeriodSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["from"], query.validated_data["to"]


PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="first day of the period"),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="last day of the period (at most a "
                                                                          "year after `from`)"),
]


class DdasUitwisselmodelSerializer(serializers.Serializer):
    """The DDAS Uitwisselmodel (VNG Realisatie ddas-vroegsignalering v1.2, json_schema_Uitwisselmodel.json); its
    deliveries are described by that schema, not repeated here."""

    startdatumLevering = serializers.DateField()  # noqa: N815 (DDAS's own names)
    einddatumLevering = serializers.DateField()  # noqa: N815
    aanleverdatumEnTijd = serializers.CharField(help_text="UTC, YYYY-MM-DDTHH:MM:SSZ")  # noqa: N815
    codeGegevensleverancier = serializers.CharField(help_text="settings.DDAS_SUPPLIER_CODE")  # noqa: N815
    leveringen = serializers.ListField(
        child=serializers.DictField(),
        help_text="one delivery: teller, gemeentecode (CBS), aanleverendeOrganisatie, vroegsignalen, "
        "vroegsignaalzaken",
    )


class DdasReportView(APIMixin, APIView):
    @extend_schema(
        operation_id="ddas_report",
        summary="The DDAS v1.2 Uitwisselmodel of the municipality for a period",
        parameters=PERIOD_PARAMETERS,
        responses={200: DdasUitwisselmodelSerializer},
    )
    def get(self, request):
        ddas.reporting_organisation(request.user)
        date_from, date_to = period_of(request)
        return Response(ddas.build_uitwisselmodel(request.user, date_from, date_to))


class _Signals(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True)
    by_partner_type = serializers.DictField(child=serializers.IntegerField(allow_null=True),
                                            help_text="DDAS signal partner type → count")


class _FigureRow(serializers.Serializer):
    signals = _Signals()
    below_minimum = serializers.IntegerField(allow_null=True)
    cases = serializers.IntegerField(allow_null=True)
    single = serializers.IntegerField(allow_null=True)
    multiple = serializers.IntegerField(allow_null=True)
    consecutive = serializers.IntegerField(allow_null=True)
    contacted = serializers.IntegerField(allow_null=True)
    reached = serializers.IntegerField(allow_null=True)
    accepting_help = serializers.IntegerField(allow_null=True)
    share_single = serializers.FloatField(allow_null=True)
    share_multiple = serializers.FloatField(allow_null=True)
    share_consecutive = serializers.FloatField(allow_null=True)
    share_contacted = serializers.FloatField(allow_null=True)
    share_reached = serializers.FloatField(allow_null=True)
    share_accepting_help = serializers.FloatField(allow_null=True)


class _MonthRow(_FigureRow):
    month = serializers.CharField(help_text="YYYY-MM")


class SignalFiguresSerializer(serializers.Serializer):
    period = DashboardPeriod()
    municipality = serializers.CharField()
    partner_types = serializers.ListField(child=serializers.CharField())
    months = _MonthRow(many=True)
    totals = _FigureRow()
    definitions = serializers.DictField(child=serializers.CharField())
    small_groups = DashboardSmallGroups()
    suppressed = serializers.ListField(
        child=serializers.CharField(),
        help_text="dotted paths of the figures that are null because they are over fewer households than the "
        "threshold, e.g. `months.0.signals.by_partner_type.Huur`",
    )


class SignalFiguresView(APIMixin, APIView):
    @extend_schema(
        operation_id="signal_figures",
        summary="The municipality's vroegsignalering figures per month (Divosa monitor)",
        parameters=PERIOD_PARAMETERS,
        responses={200: SignalFiguresSerializer},
    )
    def get(self, request):
        ddas.reporting_organisation(request.user)
        date_from, date_to = period_of(request)
        return Response(figures.monitor_figures(request.user, date_from, date_to))


urlpatterns = [
    path("ddas/", DdasReportView.as_view(), name="api-ddas"),
    path("signal-figures/", SignalFiguresView.as_view(), name="api-signal-figures"),
]
