"""API tokens (django-rest-knox, stored as hashes): personal tokens asked for with a password, service tokens for
an organisation's system, revoking, and the authentication that reads them."""

import binascii
from datetime import timedelta
from hmac import compare_digest

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from config.errors import BusinessError

from . import second_factor, security
from .models import ApiToken, Organisation, Role

User = get_user_model()


class TokenError(BusinessError):
    pass


def personal_token_ttl() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


@transaction.atomic
def issue_personal_token(*, user, second_factor: bool = False) -> tuple[ApiToken, str]:
    """A new token for a user who has just proved who they are; the key is shown once and stored only as a hash.
    Expired tokens of the user go; beyond the limit per user, the oldest live ones go too."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expiry__lt=now).delete()
    live = ApiToken.objects.filter(user=user, organisation__isnull=True).order_by("-created")
    surplus = list(live.values_list("digest", flat=True)[settings.API_TOKEN_LIMIT_PER_USER - 1:])
    if surplus:
        ApiToken.objects.filter(digest__in=surplus).delete()
    token, key = ApiToken.objects.create(user=user, expiry=personal_token_ttl(), second_factor=second_factor)
    security.record(security.Kind.TOKEN_CREATED, user=user, obj=token,
                    detail={"expiry": token.expiry.isoformat(), "second_factor": second_factor})
    return token, key


@transaction.atomic
def revoke_current(token: ApiToken) -> None:
    """Logout: the token of the request, personal or service, stops working at once."""
    security.record(security.Kind.TOKEN_REVOKED, user=token.user, obj=token, detail={"by": "logout"})
    ApiToken.objects.filter(digest=token.digest).delete()


@transaction.atomic
def revoke_token(*, user, digest: str) -> None:
    """A user revokes one of their own personal tokens (another's, or a service token, is not theirs to revoke)."""
    token = ApiToken.objects.filter(user=user, digest=digest, organisation__isnull=True).first()
    if token is None:
        raise TokenError(_("This token does not exist or is not yours."), field="token")
    security.record(security.Kind.TOKEN_REVOKED, user=user, obj=token)
    token.delete()


@transaction.atomic
def revoke_all_tokens(*, user) -> int:
    deleted, _rows = ApiToken.objects.filter(user=user, organisation__isnull=True).delete()
    security.record(security.Kind.TOKEN_REVOKED, user=user, detail={"all": True, "count": deleted})
    return deleted


def tokens_of(user):
    return ApiToken.objects.filter(user=user, organisation__isnull=True, expiry__gt=timezone.now())


@transaction.atomic
def create_service_token(*, name: str, organisation: Organisation, days: int | None = None) -> tuple[ApiToken, str]:
    """A named token for an organisation's system. It signs in as the organisation's service account (a
    caseworker member without a password, so never on the web), created with the first token."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the service token a name."), field="name")
    if ApiToken.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise TokenError(_("This organisation already has a service token with this name."), field="name")
    days = settings.SERVICE_TOKEN_TTL_DAYS if days is None else days
    if not 1 <= days <= settings.SERVICE_TOKEN_MAX_DAYS:
        raise TokenError(
            _("A service token is valid for 1 to %(max)d days.") % {"max": settings.SERVICE_TOKEN_MAX_DAYS},
            field="days",
        )
    account = _service_account(organisation)
    token, key = ApiToken.objects.create(user=account, expiry=timedelta(days=days), name=name,
                                         organisation=organisation)
    security.record(security.Kind.TOKEN_CREATED, obj=token,
                    detail={"service": True, "organisation": organisation.pk, "expiry": token.expiry.isoformat()})
    return token, key


def _service_account(organisation: Organisation):
    from .services import set_membership

    username = f"system-{organisation.pk}-{slugify(organisation.name)}"[:150]
    account = User.objects.filter(username=username).first()
    if account is None:
        account = User(username=username, first_name=str(_("System")), last_name=organisation.name[:150])
        account.set_unusable_password()
        account.save()
        set_membership(user=account, organisation=organisation, role=Role.CASEWORKER)
    return account


@transaction.atomic
def revoke_service_token(*, digest: str) -> None:
    token = ApiToken.objects.filter(digest=digest, organisation__isnull=False).first()
    if token is None:
        raise TokenError(_("This service token does not exist."), field="token")
    security.record(security.Kind.TOKEN_REVOKED, obj=token, detail={"service": True})
    token.delete()


def purge_expired_tokens() -> int:
    deleted, _rows = ApiToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`: one query finds the token by its prefix with the user, membership and
    organisation that almost every request needs; the key's hash must match and the token must not have expired.
    Unlike knox's own class it deletes nothing on the request path (a daily task purges expired tokens)."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        now = timezone.now()
        candidates = ApiToken.objects.select_related("user__membership__organisation").filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], expiry__gt=now
        )
        for token in candidates:
            try:
                digest = hash_token(key)
            except (TypeError, ValueError, binascii.Error):
                break
            if compare_digest(digest, token.digest):
                if not token.user.is_active:
                    raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
                if not token.second_factor and second_factor.required_for(token.user):
                    raise exceptions.PermissionDenied(SECOND_FACTOR_MISSING)
                return token.user, token
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def authenticate_header(self, request):
        return self.keyword


SECOND_FACTOR_MISSING = _("Your role needs a second factor: ask for a token with a code (otp).")


class SecondFactorSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (with its CSRF check), refusing a signed-in user whose role needs a second
    factor not given in this session: no API answer with case data before the second step."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not second_factor.passed(request._request):
            raise exceptions.PermissionDenied(_("Your role needs a second factor: complete the second step first."))
        return result
