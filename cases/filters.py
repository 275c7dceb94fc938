"""Query parameters of the case API's lists. The filtersets only validate and describe (OpenAPI); the values
go to the selectors, which do the scoped filtering (cases/selectors.py)."""

from datetime import UTC, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from config.validators import supported_dates

from . import dashboard
from .models import AccessLog, Case, CaseStatus, Escalation, Handover, HandoverStatus, Notification


class SupportedDateTimeField(forms.DateTimeField):
    """A date-time the database can compare with: taken to UTC (an offset such as -22:42 parses in Python but
    PostgreSQL refuses it: a 500), and within the supported dates (config.validators)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise DjangoValidationError(supported_dates[0].message, code="out_of_range") from None
        for validator in supported_dates:
            validator(value.date())
        return value


class SupportedDateTimeFilter(django_filters.DateTimeFilter):
    field_class = SupportedDateTimeField


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, help_text=_("One or more statuses (repeat the parameter).")
    )
    holder = django_filters.NumberFilter(help_text=_("Id of the organisation that works the case now."))
    overdue = django_filters.BooleanFilter(help_text=_("true: the active deadline has passed; false: it has not."))
    deadline_before = SupportedDateTimeFilter(
        help_text=_("Cases whose active deadline falls before this moment (ISO 8601 date or date-time).")
    )
    q = django_filters.CharFilter(
        max_length=200,
        help_text=_("Search over open and closed cases: part of the tenant's name, street, postcode, house number, "
                    "phone, e-mail or contract number (case, accents, spaces and punctuation do not matter), or "
                    "the case number (#123 or 123)."),
    )
    assigned_to = django_filters.CharFilter(
        help_text=_("Id of the assigned caseworker, or me."), validators=[RegexValidator(r"^(me|[0-9]{1,18})$")]
    )

    class Meta:
        model = Case
        fields = []


class HandoverFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HandoverStatus.choices)

    class Meta:
        model = Handover
        fields = []


class EscalationFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(help_text=_("Id of a case."))

    class Meta:
        model = Escalation
        fields = []


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(help_text=_("true: only the notifications not read yet."))

    class Meta:
        model = Notification
        fields = []


class AccessLogFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(help_text=_("Id of a case."))
    what = django_filters.ChoiceFilter(choices=AccessLog.What.choices)

    class Meta:
        model = AccessLog
        fields = []


class DashboardQuerySerializer(serializers.Serializer):
    """The filters of the dashboard, shared by the API, the page and the CSV export."""

    from_ = serializers.DateField(required=False, validators=supported_dates, help_text=_("First day of the period (default: 11 months back, "
                                                              "first of the month)."))
    to = serializers.DateField(required=False, validators=supported_dates, help_text=_("Last day of the period (default: today)."))
    organisation = serializers.IntegerField(required=False, min_value=1)
    convenant = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        default_from, default_to = dashboard.default_period()
        date_to = attrs.get("to") or default_to
        date_from = attrs.get("from") or (dashboard.default_period(date_to)[0] if "to" in attrs else default_from)
        if date_from > date_to:
            raise serializers.ValidationError({"from": [_("The start of the period lies after its end.")]})
        if date_to - date_from > timedelta(days=31 * dashboard.MAX_MONTHS):
            raise serializers.ValidationError(
                {"from": [_("The period is at most %(months)s months.") % {"months": dashboard.MAX_MONTHS}]}
            )
        attrs["from"], attrs["to"] = date_from, date_to
        return attrs


class SelectorFilterBackend(DjangoFilterBackend):
    """Puts the filterset's parameters in the schema; the filtering itself is done by the view's selector."""

    def filter_queryset(self, request, queryset, view):
        return queryset


def filter_values(filterset_class, request) -> dict:
    """The validated query parameters that were given; 400 with the field on bad ones."""
    filterset = filterset_class(request.query_params, queryset=filterset_class._meta.model.objects.none(),
                                request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return {
        name: value
        for name, value in filterset.form.cleaned_data.items()
        if value is not None and value != "" and value != []
    }
