from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
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
