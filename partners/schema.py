"""How the OpenAPI schema (drf-spectacular) describes our authentication classes: a `Token` header and the
session cookie, as for DRF's own classes."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class ApiTokenScheme(TokenScheme):
    target_class = "partners.tokens.ApiTokenAuthentication"


class SecondFactorSessionScheme(SessionScheme):
    target_class = "partners.tokens.SecondFactorSessionAuthentication"
