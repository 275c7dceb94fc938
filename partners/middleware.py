from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import second_factor

# Reachable before the second step: the step itself, signing out, the language switch, static files and health.
# The API answers for itself (partners.tokens: 403 without the second factor).
OPEN_PREFIXES = ("/accounts/second-factor/", "/accounts/logout/", "/accounts/login/", "/i18n/", "/healthz",
                 "/api/", "/admin/login/", "/admin/logout/")


class SecondFactorMiddleware:
    """A signed-in user whose role needs a second factor and who has not given it in this session is sent to
    enrol (no app yet) or to enter a code, from every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = OPEN_PREFIXES + (settings.STATIC_URL,)

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(self.open_prefixes)
            and not second_factor.passed(request)
        ):
            step = "second-factor-verify" if second_factor.is_enrolled(request.user) else "second-factor-setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
