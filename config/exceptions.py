import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.errors import BusinessError, ForbiddenAction, NotVisible


def api_exception_handler(exc, context):
    """The one mapping of business errors to HTTP (API.md "Errors"): NotVisible 404 (the case is outside the
    caller's scope; its existence does not leak), ForbiddenAction 403 (a visible case, an action the caller's
    relation or role may not take), any other BusinessError 400 with the field and reason, or 409 when the case
    changed under the caller (`conflict`); model validation errors 400."""
    if isinstance(exc, NotVisible):
        return Response({"detail": str(exc.message)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, ForbiddenAction):
        return Response({"detail": str(exc.message)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, BusinessError):
        code = status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST
        return Response(exc.as_dict(), status=code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


# --- the error answers in the OpenAPI schema (API.md "Errors") ---------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error without a field: authentication, permission, a case not visible, a rule refused.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": 'The input refused: the field (or "detail", "non_field_errors") with its reasons; a nested '
                   'field as an object of the same shape, e.g. {"tenant": {"postcode": ["…"]}}.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object", "additionalProperties": {}},
                  {"type": "string"}],
    },
}
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The web server (gunicorn, like a proxy in front of it) refuses a request line over its limit (4094 bytes) before
# the application sees it, with a page of its own.
URI_TOO_LONG = {
    "content": {"text/html": {"schema": {"type": "string"}}},
    "description": "The address with its query is longer than the server accepts (answered by the web server).",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with the error answers every endpoint can give (config.exceptions): 400 with the
    field errors for input (a body or query parameters), 401 and 403 for an endpoint behind authentication, 404
    for an object addressed by id (or a page cursor that does not exist), 409 when a case changed under a write,
    and the web server's 414 where the caller's input goes into the address (path or query parameters). A view
    adds its own with `error_answers = {"403": "why"}` (an Error body)."""

    def _resolve_path_parameters(self, variables):
        """An `<api_id:pk>` (config.api.ObjectIdConverter) is an integer id to the caller, as `<int:pk>` was."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter.get("schema", {}).get("pattern") == "^[^/]+$":
                parameter["schema"] = {"type": "integer"}
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return operation
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        codes = []
        if self.method in UNSAFE_METHODS or any(p.get("in") == "query" for p in parameters):
            codes.append(("400", "FieldErrors", FIELD_ERRORS_SCHEMA, "The input is refused (field errors)."))
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            codes.append(("401", "Error", ERROR_SCHEMA, "No valid credentials."))
            codes.append(("403", "Error", ERROR_SCHEMA, "The caller's role or relation to the case does not allow this."))
        if any(p.get("in") == "path" for p in parameters) or (self.method == "GET" and self._is_list_view()):
            codes.append(("404", "Error", ERROR_SCHEMA, "Not found, or not visible to the caller."))
        if self.method in UNSAFE_METHODS:
            codes.append(("409", "FieldErrors", FIELD_ERRORS_SCHEMA, "The case changed under the request."))
        # A view's own error answers beyond these, e.g. the token endpoint's 403 (locked out, second factor).
        for code, description in getattr(self.view, "error_answers", {}).items():
            codes.insert(0, (code, "Error", ERROR_SCHEMA, description))
        for code, name, schema, description in codes:
            if code in responses:
                continue
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
            self.registry.register_on_missing(component)
            responses[code] = {
                "content": {"application/json": {"schema": component.ref}},
                "description": description,
            }
        if parameters:
            responses.setdefault("414", copy.deepcopy(URI_TOO_LONG))
        return operation
