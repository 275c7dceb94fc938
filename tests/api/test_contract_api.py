"""The API keeps its contract (issue 13): no 500 on any input, OPTIONS on every endpoint, the answers as the
served schema declares them."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from cases.models import Case
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
    assert "api/v1/notifications/read/" in routes and "api/v1/handovers/<api_id:pk>/accept/" in routes
    failures = []
    for route in routes:
        url = "/" + re.sub(r"<(?:\w+:)?\w+>", str(case.pk), route)
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


def test_blank_outcome_and_deadline_kind_answer_null(api, region, open_case):
    body = open_case(region.consultant)
    assert body["outcome"] is None
    closed = api.post(f"/api/v1/cases/{body['id']}/close/", {"outcome": "resolved"}, format="json").json()
    assert closed["outcome"] == "resolved" and closed["deadline_kind"] is None and closed["deadline_at"] is None
    listed = api.get("/api/v1/cases/").json()["results"][0]
    assert listed["id"] == body["id"] and listed["deadline_kind"] is None


def test_schema_declares_the_blank_enums_nullable_and_no_email_format_on_tenants(api, region):
    schema = api.as_user(region.consultant).get("/api/schema/?format=json").json()
    case = schema["components"]["schemas"]["Case"]["properties"]
    assert case["outcome"]["nullable"] is True and case["deadline_kind"]["nullable"] is True
    assert "format" not in schema["components"]["schemas"]["Tenant"]["properties"]["email"]


def test_date_times_carry_whole_minute_offsets(api, region):
    """Amsterdam's offset before 1937 was +00:19:32; RFC 3339 has no seconds in an offset: such moments in UTC."""
    old = datetime(1920, 3, 1, 10, 0, tzinfo=UTC)
    case = CaseFactory(corporation=region.corporation, opened_at=old)
    body = api.as_user(region.consultant).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["opened_at"] == "1920-03-01T10:00:00Z"
    assert re.search(r"[+-]\d\d:\d\d$|Z$", body["last_activity_at"])
    recent = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=recent)
    body = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["opened_at"] == "2026-06-01T12:00:00+02:00"  # the project's time zone, as before


def test_schema_documents_the_error_answers(api, region):
    schema = api.as_user(region.consultant).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, (method, path)
            if method != "get" or any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert "400" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch"):
                assert "409" in codes, (method, path)
    accept = paths["/api/v1/handovers/{id}/accept/"]["post"]["responses"]
    assert set(accept) == {"200", "400", "401", "403", "404", "409", "414"}
    assert accept["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    assert accept["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_error_answers_have_the_documented_shape(api, region):
    client = api.as_user(region.consultant)
    assert set(client.get("/api/v1/handovers/999999/").json()) == {"detail"}  # 404
    body = client.post("/api/v1/cases/", {"tenant": {"name": ""}}, format="json").json()  # 400, nested
    assert isinstance(body["tenant"], dict) and isinstance(body["arrears_amount"], list)
    api.force_authenticate(user=None)
    assert set(api.get("/api/v1/cases/").json()) == {"detail"}  # 401


def test_schema_declares_a_system_event_without_actor(api, region):
    schema = api.as_user(region.consultant).get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Event"]["properties"]["actor"]["nullable"] is True


@pytest.mark.parametrize("segment", ["null,null", "-1", "1.5", str(2**70), "%C3%A9"])
def test_an_id_that_is_no_id_is_the_documented_json_404(api, region, segment):
    client = api.as_user(region.consultant)
    routes = [route for route in _api_routes() if "<int:" not in route and "<" in route]
    assert routes == [route for route in _api_routes() if "<" in route]  # every id in an API path is an <api_id:pk>
    assert {"api/v1/cases/<api_id:pk>/", "api/v1/handovers/<api_id:pk>/accept/", "api/v1/convenants/<api_id:pk>/",
            "api/v1/signal-imports/<api_id:pk>/"} <= set(routes)
    for route in routes:
        url = "/" + route.replace("<api_id:pk>", segment)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {}, format="json") if method == "post" else client.get(url)
            assert response["Content-Type"] == "application/json", (method, url, response.status_code)
            # 403 where the caseworker may not use the endpoint at all (convenants: the platform administrator).
            expected = (403, 405) if route.startswith("api/v1/convenants/") else (404, 405)
            assert response.status_code in expected, (method, url, response.status_code)


@pytest.mark.parametrize("segment", ["null,null", "-1", str(2**70)])
def test_a_superuser_gets_the_json_404_for_a_convenant_id_that_is_no_id(api, segment):
    superuser = get_user_model().objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")
    response = api.as_user(superuser).get(f"/api/v1/convenants/{segment}/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("path", ["/api/", "/api/v1/", "/api/v1/nothing/", "/api/v2/cases/", "/api/v1/cases/1/x/"])
def test_an_unknown_api_address_is_a_json_404(api, region, settings, path):
    client = api.as_user(region.consultant)
    for debug in (False, True):
        settings.DEBUG = debug
        response = client.get(path)
        assert response.status_code == 404, (debug, path)
        assert response["Content-Type"] == "application/json", (debug, path)
        assert set(response.json()) == {"detail"}


def test_an_unknown_page_address_stays_the_html_404(client):
    response = client.get("/niet-bestaand/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_schema_documents_the_web_servers_414_where_input_goes_into_the_address(api, region):
    paths = api.as_user(region.consultant).get("/api/schema/?format=json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if operation.get("parameters"):
                assert operation["responses"]["414"]["content"] == {"text/html": {"schema": {"type": "string"}}}
            else:
                assert "414" not in operation["responses"], (method, path)
    assert "414" in paths["/api/v1/convenants/"]["get"]["responses"]


def test_the_token_endpoints_lockout_is_a_documented_403(api, region):
    """Schemathesis sent wrong passwords for a username that does not exist: the fifth got an undocumented 403."""
    codes = [api.post("/api/v1/auth/token/", {"username": "0", "password": "00"}, format="json").status_code
             for _ in range(5)]
    assert codes == [400] * 4 + [403]
    body = api.post("/api/v1/auth/token/", {"username": "0", "password": "00"}, format="json").json()
    assert set(body) == {"detail"}
    schema = api.as_user(region.consultant).get("/api/schema/?format=json").json()
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert responses["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "401" not in responses  # the endpoint asks for no credentials
