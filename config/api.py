"""What every REST view of the project shares: the superuser permission, the business errors
of a service call. In config (DESIGN.md "Apps"), so that every app's API can import it without importing cases."""

from contextlib import contextmanager
from datetime import UTC

from django.db import models
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.settings import ISO_8601, api_settings

from config.errors import BusinessError, ForbiddenAction, NotVisible


class IsSuperuser(permissions.BasePermission):
    message = _("Only the platform administrator may do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class ActionMetadata(SimpleMetadata):
    """DRF's OPTIONS answer. An action view (POST /cases/{id}/notes/, /handovers/{id}/accept/, …) validates its
    input with a serializer of its own and has no `serializer_class`: DRF's metadata would fail on it (500); it
    then answers without the "actions" description, as for a view without a serializer."""

    def determine_actions(self, request, view):
        try:
            view.get_serializer_class()
        except AssertionError:
            return {}
        return super().determine_actions(request, view)


class APIMixin:
    """Mix into every APIView of the project."""

    permission_classes = [permissions.IsAuthenticated]
    metadata_class = ActionMetadata


@contextmanager
def service_errors():
    """Run a service call; a business error about a nested field ("tenant.postcode") comes back nested, like
    DRF's own nested errors: {"tenant": {"postcode": ["…"]}}. Other business errors pass to the handler."""
    try:
        yield
    except (ForbiddenAction, NotVisible):  # 403 / 404 from the handler, never a field error
        raise
    except BusinessError as exc:
        if exc.conflict or not exc.field or "." not in exc.field:
            raise
        outer, inner = exc.field.split(".", 1)
        raise ValidationError({outer: {inner: [str(exc.message)]}}) from exc


class DateTimeField(serializers.DateTimeField):
    """DRF's date-time in the project's time zone, except where that zone had an offset of seconds (Amsterdam
    before 1937: +00:19:32), which RFC 3339 date-times cannot carry: such a moment is rendered in UTC."""

    def to_representation(self, value):
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if not value or isinstance(value, str) or not output_format or output_format.lower() != ISO_8601:
            return super().to_representation(value)
        value = self.enforce_timezone(value)
        offset = value.utcoffset()
        if offset is not None and offset.seconds % 60:
            value = value.astimezone(UTC)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with the project's DateTimeField for model date-times."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: DateTimeField}



class ObjectIdConverter:
    """`<api_id:pk>` in API paths: any one path segment. A segment that is no id the database can hold
    ("null,null", "-1", 2**70) becomes 0, which no object has, so the view answers the documented JSON 404
    rather than the resolver the site's HTML 404 page."""

    regex = "[^/]+"
    MAX = 2**63 - 1

    def to_python(self, value):
        return int(value) if value.isascii() and value.isdigit() and int(value) <= self.MAX else 0

    def to_url(self, value):
        return str(value)


register_converter(ObjectIdConverter, "api_id")
