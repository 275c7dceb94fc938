"""Escalations, notifications, the access log and the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Notification
from tests.factories import CaseFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def test_escalations_scoped_and_filtered(api, region):
    opened = timezone.now() - timedelta(days=40)
    case = CaseFactory(corporation=region.corporation, opened_at=opened)
    other = CaseFactory(corporation=region.other_corporation, opened_at=opened)
    assert services.escalate_overdue() >= 2
    # Managers only, like the escalations page (policy.may_oversee).
    assert api.as_user(region.consultant).get("/api/v1/escalations/").status_code == 403
    manager = api.as_user(region.corporation_manager)
    body = manager.get("/api/v1/escalations/").json()
    assert set(body) == {"next", "previous", "results"}
    assert body["results"] and {e["case"] for e in body["results"]} == {case.pk}
    escalation = body["results"][0]
    assert set(escalation) >= {"id", "case", "deadline_kind", "action", "deadline_at", "escalated_at",
                               "from_organisation", "to_organisation"}
    assert escalation["from_organisation"]["id"] == region.corporation.pk
    assert manager.get(f"/api/v1/escalations/?case={other.pk}").json()["results"] == []
    assert len(manager.get(f"/api/v1/escalations/?case={case.pk}").json()["results"]) == len(body["results"])
    assert manager.get("/api/v1/escalations/?case=abc").status_code == 400
    assert api.as_user(region.welfare_manager).get("/api/v1/escalations/").json()["results"] == []


def test_notifications_own_unread_and_mark_read(api, region, open_case):
    case = open_case(region.consultant)
    api.post(f"/api/v1/cases/{case['id']}/handover/", {"summary": "Niet bereikt", "tenant_consent": True},
             format="json")
    NotificationFactory(user=region.welfare_worker, subject="Niet voor de coach")
    coach = api.as_user(region.debt_coach)
    listed = coach.get("/api/v1/notifications/").json()["results"]
    assert len(listed) == 1 and listed[0]["case"] == case["id"] and listed[0]["read_at"] is None
    NotificationFactory(user=region.debt_coach, subject="Tweede")
    assert len(coach.get("/api/v1/notifications/?unread=true").json()["results"]) == 2

    response = coach.post("/api/v1/notifications/read/", {"ids": [listed[0]["id"]]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    unread = coach.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["subject"] for n in unread] == ["Tweede"]
    assert coach.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert coach.get("/api/v1/notifications/?unread=true").json()["results"] == []
    # Someone else's notification cannot be marked.
    foreign = Notification.objects.get(user=region.welfare_worker)
    assert coach.post("/api/v1/notifications/read/", {"ids": [foreign.pk]}, format="json").json() == {"marked": 0}
    assert coach.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json").status_code == 400


def test_access_log_for_managers_only(api, region, open_case):
    case = open_case(region.consultant)
    api.get(f"/api/v1/cases/{case['id']}/")
    api.get(f"/api/v1/cases/{case['id']}/timeline/")
    for user in (region.consultant, region.debt_coach):
        assert api.as_user(user).get("/api/v1/access-log/").status_code == 403
    manager = api.as_user(region.corporation_manager)
    entries = manager.get("/api/v1/access-log/").json()["results"]
    assert [(e["user"], e["what"], e["case"]) for e in entries] == [
        ("consulent", "timeline", case["id"]),
        ("consulent", "detail", case["id"]),
    ]
    assert entries[0]["organisation"]["id"] == region.corporation.pk
    assert [e["what"] for e in manager.get("/api/v1/access-log/?what=detail").json()["results"]] == ["detail"]
    assert manager.get("/api/v1/access-log/?what=peek").status_code == 400
    # Another organisation's manager sees none of it.
    assert api.as_user(region.welfare_manager).get("/api/v1/access-log/").json()["results"] == []


def test_schema_describes_the_api(api, region):
    assert api.get("/api/schema/?format=json").status_code == 401  # for signed-in users and systems only
    response = api.as_user(region.consultant).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/", "/api/v1/organisations/", "/api/v1/users/", "/api/v1/convenants/",
        "/api/v1/convenants/{id}/", "/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/timeline/",
        "/api/v1/cases/{id}/export/", "/api/v1/cases/{id}/contact-attempts/", "/api/v1/cases/{id}/arrangements/",
        "/api/v1/cases/{id}/missed-installment/", "/api/v1/cases/{id}/notes/", "/api/v1/cases/{id}/close/",
        "/api/v1/cases/{id}/handover/", "/api/v1/handovers/", "/api/v1/handovers/{id}/",
        "/api/v1/handovers/{id}/accept/", "/api/v1/handovers/{id}/decline/", "/api/v1/handovers/{id}/withdraw/",
        "/api/v1/cases/{id}/joint-visits/", "/api/v1/joint-visits/", "/api/v1/joint-visits/{id}/outcome/",
        "/api/v1/escalations/", "/api/v1/cases/{id}/eviction-proposal/", "/api/v1/eviction-proposals/{id}/",
        "/api/v1/eviction-proposals/{id}/votes/", "/api/v1/notifications/", "/api/v1/notifications/read/",
        "/api/v1/access-log/",
    ):
        assert path in paths, path
    case_list = paths["/api/v1/cases/"]["get"]
    assert {p["name"] for p in case_list["parameters"]} >= {"status", "holder", "overdue", "deadline_before", "q",
                                                            "cursor"}
    assert "post" in paths["/api/v1/cases/"]
    schemas = response.json()["components"]["schemas"]
    assert {"id", "status", "tenant", "corporation", "holder", "convenant", "arrears_amount", "months_in_arrears",
            "opened_at", "deadline_kind", "deadline_at", "overdue", "closed_at", "outcome"} <= set(
        schemas["Case"]["properties"]
    )
    assert "put" not in paths["/api/v1/convenants/{id}/"]
