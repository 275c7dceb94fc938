"""The shared API base lives in config.api (every app's API imports it from there); re-exported for the case API."""

from config.api import (  # noqa: F401
    APIMixin,
    IsSuperuser,
    service_errors,
)
