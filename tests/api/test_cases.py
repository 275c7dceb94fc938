"""The case API: scenario 1 end to end, scoping, the access log, the export, filters and query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import AccessLog, Case
from convenants.services import deadline_for
from tests.factories import CaseFactory

from .conftest import case_body

pytestmark = pytest.mark.django_db


def test_scenario_one_first_month_through_the_api(api, region, open_case):
    case = open_case(region.consultant, arrears_amount="640.00")
    assert case["status"] == "open"
    assert case["tenant"]["postcode"] == "7514 BP"
    assert case["corporation"] == {"id": region.corporation.pk, "name": "Domijn"}
    assert case["holder"]["id"] == region.corporation.pk
    assert case["convenant"]["id"] == region.convenant.pk
    assert case["arrears_amount"] == "640.00"
    opened_at = parse_datetime(case["opened_at"])
    first_contact_deadline = deadline_for(region.convenant, "first_contact", opened_at)
    assert case["deadline_kind"] == "first_contact"
    assert parse_datetime(case["deadline_at"]) == first_contact_deadline
    assert case["overdue"] is False

    url = f"/api/v1/cases/{case['id']}/"
    for channel, outcome in (("phone", "not_reached"), ("whatsapp", "not_reached"), ("home_visit", "reached")):
        response = api.post(url + "contact-attempts/", {"channel": channel, "outcome": outcome,
                                                         "notes": "Baan kwijt" if outcome == "reached" else ""},
                            format="json")
        assert response.status_code == 201, response.content
        assert response.json()["channel"] == channel
        assert response.json()["organisation"]["id"] == region.corporation.pk

    after_contact = api.get(url).json()
    assert after_contact["status"] == "contacting"
    assert after_contact["deadline_kind"] == "inactivity"

    start = timezone.localdate() + timedelta(days=10)
    response = api.post(url + "arrangements/", {"monthly_amount": "80.00", "start_date": start.isoformat(),
                                                "months": 8}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["total_amount"] == "640.00"
    assert response.json()["status"] == "active"

    case = api.get(url).json()
    assert case["status"] == "arrangement"
    # The first-contact deadline was met: the first attempt lies before it.
    assert parse_datetime(case["first_contact_at"]) <= first_contact_deadline
    # The next deadline: inactivity, counted from the last activity.
    assert case["deadline_kind"] == "inactivity"
    assert parse_datetime(case["deadline_at"]) == deadline_for(
        region.convenant, "inactivity", parse_datetime(case["last_activity_at"])
    )

    timeline = api.get(url + "timeline/").json()
    kinds = [event["kind"] for event in timeline["results"]]
    assert kinds == ["opened", "contact_attempt", "contact_attempt", "contact_attempt", "arrangement"]
    times = [parse_datetime(event["at"]) for event in timeline["results"]]
    assert times == sorted(times)
    assert timeline["results"][3]["data"]["channel"] == "home_visit"
    assert set(timeline) == {"next", "previous", "results"}


def test_case_outside_scope_is_404_and_reads_are_logged(api, region, open_case):
    case = open_case(region.consultant)
    for user in (region.welfare_worker, region.other_consultant, region.unrelated_worker, region.debt_coach):
        client = api.as_user(user)
        for suffix in ("", "timeline/", "export/"):
            assert client.get(f"/api/v1/cases/{case['id']}/{suffix}").status_code == 404
        assert client.post(f"/api/v1/cases/{case['id']}/notes/", {"text": "x"}, format="json").status_code == 404
        assert client.get("/api/v1/cases/").json()["results"] == []
    assert not AccessLog.objects.exists()

    api.as_user(region.consultant)
    api.get(f"/api/v1/cases/{case['id']}/")
    api.get(f"/api/v1/cases/{case['id']}/timeline/")
    api.get(f"/api/v1/cases/{case['id']}/export/")
    logged = list(AccessLog.objects.order_by("id").values_list("user__username", "organisation", "case", "what"))
    assert logged == [
        ("consulent", region.corporation.pk, case["id"], "detail"),
        ("consulent", region.corporation.pk, case["id"], "timeline"),
        ("consulent", region.corporation.pk, case["id"], "export"),
    ]
    # The list shows names and addresses: a list read of each case on the page.
    api.get("/api/v1/cases/")
    assert AccessLog.objects.count() == 4
    assert AccessLog.objects.filter(case=case["id"], what="list").count() == 1


def test_export_has_personal_data_and_full_history(api, region, open_case):
    case = open_case(region.consultant, n=7)
    url = f"/api/v1/cases/{case['id']}/"
    api.post(url + "contact-attempts/", {"channel": "phone", "outcome": "not_reached"}, format="json")
    api.post(url + "notes/", {"text": "Brief gestuurd"}, format="json")
    api.post(url + "handover/", {"summary": "Niet bereikt", "tenant_consent": True}, format="json")
    export = api.get(url + "export/").json()
    assert export["case"]["tenant"]["email"] == "huurder7@example.org"
    assert export["case"]["tenant"]["contract_ref"] == "HC-API-0007"
    assert [a["channel"] for a in export["contact_attempts"]] == ["phone"]
    assert [h["to_organisation"]["id"] for h in export["handovers"]] == [region.debt_assistance.pk]
    assert export["handovers"][0]["dossier"]["contact_attempts"][0]["channel"] == "phone"
    assert [e["kind"] for e in export["timeline"]] == ["opened", "contact_attempt", "note", "consent_recorded", "handover_offered"]
    assert export["timeline"][2]["description"] == "Brief gestuurd"
    assert {"arrangements", "joint_visits", "escalations", "eviction_proposals", "signals", "accessed"} <= set(export)
    assert export["accessed"][-1]["what"] == "export"


def test_notes_missed_installment_and_close(api, region, open_case):
    case = open_case(region.consultant)
    url = f"/api/v1/cases/{case['id']}/"
    response = api.post(url + "notes/", {"text": "Gebeld met werkgever"}, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert response.json()["actor"] == "consulent"

    # No running arrangement: 400 with the reason.
    response = api.post(url + "missed-installment/", {}, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()

    start = (timezone.localdate() + timedelta(days=5)).isoformat()
    # 50 × 12 is below the arrears: confirmed (version 1.1's warning).
    api.post(url + "arrangements/", {"monthly_amount": "50", "start_date": start, "months": 12,
                                     "confirm_below_arrears": True}, format="json")
    response = api.post(url + "missed-installment/", {"note": "April niet betaald"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "contacting"

    response = api.post(url + "close/", {"outcome": "resolved", "notes": "Alles betaald"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert body["outcome"] == "resolved"
    assert body["closed_at"] is not None
    assert body["deadline_at"] is None and body["deadline_kind"] is None
    # The corporation still sees the closed case.
    assert api.get(url).status_code == 200


def test_roles_on_visible_cases_get_403(api, region, open_case):
    case = open_case(region.consultant)
    url = f"/api/v1/cases/{case['id']}/"
    api.as_user(region.consultant).post(url + "handover/", {"summary": "Niet bereikt", "tenant_consent": True},
                                        format="json")
    # The debt coach can see the offered case, but is not its holder.
    coach = api.as_user(region.debt_coach)
    assert coach.get(url).status_code == 200
    response = coach.post(url + "contact-attempts/", {"channel": "phone", "outcome": "reached"}, format="json")
    assert response.status_code == 403
    # Only a corporation's manager proposes eviction.
    response = api.as_user(region.consultant).post(url + "eviction-proposal/", {"reason": "x"}, format="json")
    assert response.status_code == 403
    # Only corporation members open cases.
    response = api.as_user(region.debt_coach).post("/api/v1/cases/", case_body(2), format="json")
    assert response.status_code == 403


def test_unauthenticated_is_401(api, region):
    case = CaseFactory(corporation=region.corporation)
    for path in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/", "/api/v1/handovers/", "/api/v1/notifications/",
                 "/api/v1/escalations/", "/api/v1/access-log/", "/api/v1/organisations/"):
        assert api.get(path).status_code == 401, path
    assert api.post("/api/v1/cases/", case_body(), format="json").status_code == 401
    assert not Case.objects.exclude(pk=case.pk).exists()


# --- list filters and query count --------------------------------------------------------------------------


def test_list_filters(api, region):
    now = timezone.now()
    late = CaseFactory(corporation=region.corporation, opened_at=now - timedelta(days=8),
                       tenant={"name": "Jansen", "contract_ref": "HC-1", "house_number": "1", "postcode": "7514BP"})
    fresh = CaseFactory(corporation=region.corporation, opened_at=now,
                        tenant={"name": "De Vries", "contract_ref": "HC-2", "house_number": "2", "postcode": "7514BP"})
    CaseFactory(corporation=region.other_corporation)
    client = api.as_user(region.consultant)

    def ids(query=""):
        response = client.get("/api/v1/cases/" + query)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids() == [fresh.pk, late.pk]  # newest first, own corporation only
    assert ids("?overdue=true") == [late.pk]
    assert ids("?overdue=false") == [fresh.pk]
    assert ids("?q=jans") == [late.pk]
    assert ids("?q=HC-2") == [fresh.pk]
    assert ids("?status=open") == [fresh.pk, late.pk]
    assert ids("?status=contacting") == []
    assert ids(f"?holder={region.corporation.pk}") == [fresh.pk, late.pk]
    assert ids(f"?holder={region.debt_assistance.pk}") == []
    before = (now + timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"?deadline_before={before}") == [late.pk]
    assert client.get("/api/v1/cases/?overdue=true").json()["results"][0]["overdue"] is True

    assert client.get("/api/v1/cases/?status=nonsense").status_code == 400
    assert "status" in client.get("/api/v1/cases/?status=nonsense").json()
    assert "deadline_before" in client.get("/api/v1/cases/?deadline_before=gisteren").json()
    assert "holder" in client.get("/api/v1/cases/?holder=abc").json()


def test_cursor_pagination(api, region):
    for _ in range(3):
        CaseFactory(corporation=region.corporation)
    client = api.as_user(region.consultant)
    first = client.get("/api/v1/cases/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {c["id"] for c in first["results"] + second["results"]} == set(
        Case.objects.values_list("pk", flat=True)
    )


def test_list_query_count_does_not_grow_with_page_size(api, region, django_assert_num_queries):
    client = api.as_user(region.consultant)
    for _ in range(5):
        CaseFactory(corporation=region.corporation)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/api/v1/cases/")
    assert len(response.json()["results"]) == 5
    for _ in range(45):
        CaseFactory(corporation=region.corporation)
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get("/api/v1/cases/")
    assert len(response.json()["results"]) == 50


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"arrears_amount": "12,5x"}, "arrears_amount"),
        ({"arrears_amount": "-10.00"}, "arrears_amount"),
        ({"arrears_amount": "1.234"}, "arrears_amount"),
        ({"arrears_amount": None}, "arrears_amount"),
        ({"months_in_arrears": "twee"}, "months_in_arrears"),
        ({"months_in_arrears": -1}, "months_in_arrears"),
        ({"monthly_rent": "-1"}, "monthly_rent"),
        ({"convenant": 999999}, "convenant"),
        ({"tenant": "Jansen"}, "tenant"),
    ],
)
def test_open_case_bad_input_is_400_with_field(api, region, overrides, field):
    response = api.as_user(region.consultant).post("/api/v1/cases/", case_body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Case.objects.exists()


@pytest.mark.parametrize("missing", ["tenant", "arrears_amount", "months_in_arrears"])
def test_open_case_missing_fields(api, region, missing):
    body = case_body()
    del body[missing]
    response = api.as_user(region.consultant).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert missing in response.json()


@pytest.mark.parametrize(
    "tenant_overrides, field",
    [({"postcode": "12345"}, "postcode"), ({"name": ""}, "name"), ({"contract_ref": ""}, "contract_ref"),
     ({"email": "geen-adres"}, "email")],
)
def test_nested_tenant_errors(api, region, tenant_overrides, field):
    body = case_body()
    body["tenant"].update(tenant_overrides)
    response = api.as_user(region.consultant).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["tenant"]


def test_second_open_case_for_same_contract_is_nested_400(api, region, open_case):
    open_case(region.consultant, n=3)
    response = api.post("/api/v1/cases/", case_body(3), format="json")
    assert response.status_code == 400
    assert list(response.json()["tenant"]) == ["contract_ref"]
    assert Case.objects.count() == 1


def test_malformed_json_is_400(api, region):
    response = api.as_user(region.consultant).post("/api/v1/cases/", "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({"channel": "fax", "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "maybe"}, "outcome"),
        ({"outcome": "reached"}, "channel"),
        ({"channel": "phone"}, "outcome"),
        ({"channel": "phone", "outcome": "reached", "at": "gisteren"}, "at"),
    ],
)
def test_contact_attempt_bad_input(api, region, open_case, body, field):
    case = open_case(region.consultant)
    response = api.post(f"/api/v1/cases/{case['id']}/contact-attempts/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert api.get(f"/api/v1/cases/{case['id']}/").json()["status"] == "open"


def test_contact_attempt_in_the_future_is_400(api, region, open_case):
    case = open_case(region.consultant)
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = api.post(f"/api/v1/cases/{case['id']}/contact-attempts/",
                        {"channel": "phone", "outcome": "reached", "at": future}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["at"]


def test_attempt_on_closed_case_is_400_detail(api, region, open_case):
    case = open_case(region.consultant)
    url = f"/api/v1/cases/{case['id']}/"
    assert api.post(url + "close/", {"outcome": "moved"}, format="json").status_code == 200
    response = api.post(url + "contact-attempts/", {"channel": "phone", "outcome": "reached"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert api.post(url + "close/", {"outcome": "moved"}, format="json").status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({"monthly_amount": "abc", "start_date": "2026-01-01", "months": 8}, "monthly_amount"),
        ({"monthly_amount": "-80", "months": 8}, "monthly_amount"),
        ({"monthly_amount": "0", "months": 8}, "monthly_amount"),
        ({"monthly_amount": "80", "start_date": "1-4-2026", "months": 8}, "start_date"),
        ({"monthly_amount": "80", "months": 0}, "months"),
        ({"monthly_amount": "80", "months": "acht"}, "months"),
        ({"monthly_amount": "80"}, "months"),
    ],
)
def test_arrangement_bad_input(api, region, open_case, body, field):
    case = open_case(region.consultant)
    body.setdefault("start_date", (timezone.localdate() + timedelta(days=3)).isoformat())
    response = api.post(f"/api/v1/cases/{case['id']}/arrangements/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("body, field", [({}, "outcome"), ({"outcome": "evicted"}, "outcome"),
                                         ({"outcome": "weg"}, "outcome")])
def test_close_bad_input(api, region, open_case, body, field):
    case = open_case(region.consultant)
    response = api.post(f"/api/v1/cases/{case['id']}/close/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_note_must_have_text(api, region, open_case):
    case = open_case(region.consultant)
    for body in ({}, {"text": ""}):
        response = api.post(f"/api/v1/cases/{case['id']}/notes/", body, format="json")
        assert response.status_code == 400
        assert "text" in response.json()
    response = api.post(f"/api/v1/cases/{case['id']}/notes/", {"text": "   "}, format="json")
    assert response.status_code == 400


def test_money_is_decimal_string(api, region, open_case):
    case = open_case(region.consultant, arrears_amount=512.3)
    assert case["arrears_amount"] == "512.30"
    assert Case.objects.get(pk=case["id"]).arrears_amount == Decimal("512.30")


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/cases/?holder=99999999999999999999999", None),
        ("get", "/api/v1/cases/99999999999999999999999/", None),
        ("get", "/api/v1/escalations/?case=99999999999999999999999", None),
        ("get", "/api/v1/cases/?cursor=bogus", None),
        ("post", "/api/v1/cases/", []),
        ("post", "/api/v1/cases/", {"tenant": None, "arrears_amount": "NaN", "months_in_arrears": 10**12}),
        ("post", "/api/v1/cases/", {**case_body(), "convenant": 99999999999999999999999}),
        ("post", "/api/v1/cases/", {**case_body(), "arrears_amount": "Infinity"}),
        ("post", "/api/v1/cases/", {**case_body(), "arrears_amount": "100000000.00"}),
        ("post", "/api/v1/cases/", {**case_body(), "months_in_arrears": 10**12}),
        ("post", "/api/v1/handovers/99999999999999999999999/accept/", {}),
        ("post", "/api/v1/notifications/read/", {"ids": [99999999999999999999999]}),
    ],
)
def test_odd_input_is_never_a_500(api, region, method, path, body):
    client = api.as_user(region.corporation_manager)  # a manager: the escalations list is managers-only
    response = getattr(client, method)(path, body, format="json") if body is not None else client.get(path)
    assert response.status_code in (200, 400, 404), response.content
    assert not Case.objects.exists()
