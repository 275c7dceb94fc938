"""The API keeps its contract (issue 13): no 500 on any input, OPTIONS on every endpoint, the answers as the
served schema declares them."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _api_routes(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            yield route


def test_options_answers_on_every_endpoint(api, region):
    case = CaseFactory(corporation=region.corporation)
    client = api.as_user(region.consultant)
    routes = list(_api_routes())
    assert "api/v1/notifications/read/" in routes and "api/v1/handovers/<int:pk>/accept/" in routes
    failures = []
    for route in routes:
        url = "/" + re.sub(r"<(?:int:)?\w+>", str(case.pk), route)
        try:
            response = client.options(url)
        except Exception as exc:  # the test client re-raises what a server would answer 500 to
            failures.append((url, repr(exc)))
            continue
        # 403 for an endpoint the caseworker may not use (platform administration, managers only) is an answer.
        if response.status_code not in (200, 403):
            failures.append((url, response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", [
    "3126-05-16T18:08:48.64-22:42",  # an offset beyond ±18 h
    "3126-05-16T18:08:48",  # a year PostgreSQL's timestamptz range holds, but beyond the supported dates
    "0001-01-01T00:00:00+14:00",
])
def test_deadline_before_out_of_range_is_a_field_error(api, region, value):
    response = api.as_user(region.consultant).get("/api/v1/cases/", {"deadline_before": value})
    assert response.status_code == 400, response.content
    assert "deadline_before" in response.json()
