"""What a locked-out login gets (django-axes, AXES_LOCKOUT_CALLABLE): the lockout page on the web and admin
login, a JSON 403 on the API (API.md "Auth and security")."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from ipware.ip import get_client_ip
from rest_framework.exceptions import PermissionDenied


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed attempts, please try again in %(minutes)d minute.",
        "Too many failed attempts, please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=403)
    return render(request, "registration/lockout.html", {"message": lockout_message()},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


def refuse_if_locked_out(request) -> None:
    """For an API login view, after `authenticate(request=request, …)` returned no user: a 403 when axes refused
    the attempt (or this attempt reached the limit). `request` is the one given to authenticate (DRF's Request or
    the HttpRequest; DRF's falls back to the HttpRequest's attributes)."""
    if getattr(request, "axes_locked_out", False):
        raise PermissionDenied(lockout_message())


def client_address(request):
    """AXES_CLIENT_IP_CALLABLE: the address from the declared proxy header (django-ipware, the AXES_IPWARE_*
    settings), else REMOTE_ADDR. ipware answers None for a header that does not match the declared proxies; that
    must not put every such client under one shared address."""
    address, _routable = get_client_ip(
        request,
        proxy_order=settings.AXES_IPWARE_PROXY_ORDER,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        proxy_trusted_ips=getattr(settings, "AXES_IPWARE_PROXY_TRUSTED_IPS", None),
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    return address or request.META.get("REMOTE_ADDR")
