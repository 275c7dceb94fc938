"""Shared helpers of the server-rendered pages: a business error on a form, HTMX requests, and the product's own
error pages (also with DEBUG on: a user never sees Django's debug page)."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.exceptions import NotFound

from .errors import ForbiddenAction, NotVisible


def form_error(form, error, *, prefix="") -> int:
    """Put a service's refusal (a BusinessError) beside the field it names, else on the form, and return the HTTP
    status to answer: 403 for a ForbiddenAction, 409 for a conflict, else 400. A NotVisible raises Http404: the
    page then shows nothing of the case. `prefix` strips a dotted prefix of the service's field names
    ("tenant.postcode" → "postcode")."""
    if isinstance(error, NotVisible):
        raise Http404
    for field, message in (error.errors if len(error.errors) > 1 else {error.field: error.message}).items():
        field = field or None
        if field and prefix and field.startswith(prefix):
            field = field[len(prefix) :]
        if field not in form.fields:
            field = None
        form.add_error(field, str(message))
    if isinstance(error, ForbiddenAction):
        return 403
    return 409 if error.conflict else 400


def is_htmx(request) -> bool:
    """An HTMX request that swaps part of a page (not a history restore, which wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


# --- error pages ------------------------------------------------------------------------------------------------


def page_not_found(request, exception=None):
    """An address under /api/ that matches no route answers as the API's own 404s do (API.md "Errors")."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception, template_name="404.html")


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("The request could not be handled."))}, status=400)
    return defaults.bad_request(request, exception, template_name="400.html")


def permission_denied(request, exception=None):
    return defaults.permission_denied(request, exception, template_name="403.html")


def server_error(request):
    return defaults.server_error(request, template_name="500.html")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the product's 403 page instead of Django's CSRF page (which lists its settings)."""
    return render(request, "403.html", {"message": _("The form had expired. Go back, reload the page and try again.")},
                  status=403)


class ProductErrorPages:
    """With DEBUG on, Django answers a 404 with its technical page (URL patterns, settings); this middleware
    answers with the product's own 404 page instead, for a view's Http404 and for an address that matches no
    route. Responses a view made itself (the API's JSON 404s) pass unchanged. Place it last in MIDDLEWARE, so that
    the user and the language are known when the page renders. With DEBUG off Django's handlers (config/urls.py)
    render the same templates."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
