"""The shared API base lives in config.api (every app's API imports it from there); re-exported for the case API
and for settings.REST_FRAMEWORK's authentication path."""

from config.api import (  # noqa: F401
    AUTHENTICATION,
    APIMixin,
    IsSuperuser,
    MemberTokenAuthentication,
    service_errors,
)
