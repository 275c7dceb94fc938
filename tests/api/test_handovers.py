"""Warm handover through the API: scenario 2, decline/withdraw, the inbox scope, joint visits, concurrency."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import AccessLog, Handover, JointVisit
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def offer(api, user, case_id, **body):
    body = {"summary": "Drie keer niet bereikt; huurder stemt in.", "tenant_consent": True, **body}
    return api.as_user(user).post(f"/api/v1/cases/{case_id}/handover/", body, format="json")


def test_scenario_two_warm_handover(api, region, open_case):
    case = open_case(region.consultant)
    url = f"/api/v1/cases/{case['id']}/"
    for channel in ("phone", "whatsapp", "letter"):
        api.post(url + "contact-attempts/", {"channel": channel, "outcome": "not_reached",
                                             "notes": f"via {channel}"}, format="json")
    response = offer(api, region.consultant, case["id"])
    assert response.status_code == 201, response.content
    handover = response.json()
    assert handover["to_organisation"] == {"id": region.debt_assistance.pk, "name": "Schuldhulp Enschede"}
    assert handover["from_organisation"]["id"] == region.corporation.pk
    assert handover["status"] == "offered"
    assert handover["tenant_consent"] is True
    assert "dossier" not in handover
    assert api.get(url).json()["status"] == "handed_over"
    assert api.get(url).json()["deadline_kind"] == "pickup"

    coach = api.as_user(region.debt_coach)
    inbox = coach.get("/api/v1/handovers/?status=offered").json()
    assert [h["id"] for h in inbox["results"]] == [handover["id"]]
    assert inbox["results"][0]["tenant_name"] == "Huurder 1"
    detail = coach.get(f"/api/v1/handovers/{handover['id']}/").json()
    dossier = detail["dossier"]
    assert [a["channel"] for a in dossier["contact_attempts"]] == ["phone", "whatsapp", "letter"]
    assert all(a["outcome"] == "not_reached" for a in dossier["contact_attempts"])
    assert dossier["tenant"]["phone"] == "0612345678"
    assert dossier["arrears"]["amount"] == "640.00"
    assert dossier["summary"].startswith("Drie keer")
    assert AccessLog.objects.filter(user=region.debt_coach, what="dossier", case_id=case["id"]).count() == 1

    response = coach.post(f"/api/v1/handovers/{handover['id']}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["responded_at"] is not None
    after = coach.get(url).json()
    assert after["status"] == "with_partner"
    assert after["holder"]["id"] == region.debt_assistance.pk
    assert after["deadline_kind"] == "partner_contact"
    # The coach can work the case now.
    response = coach.post(url + "contact-attempts/", {"channel": "phone", "outcome": "reached"}, format="json")
    assert response.status_code == 201

    # The corporation keeps seeing the case; welfare does not, anywhere.
    assert api.as_user(region.consultant).get(url).status_code == 200
    assert case["id"] in [c["id"] for c in api.get("/api/v1/cases/").json()["results"]]
    welfare = api.as_user(region.welfare_worker)
    assert welfare.get(url).status_code == 404
    assert welfare.get(f"/api/v1/handovers/{handover['id']}/").status_code == 404
    assert welfare.get("/api/v1/handovers/").json()["results"] == []
    assert welfare.get("/api/v1/cases/").json()["results"] == []
    assert welfare.post(f"/api/v1/handovers/{handover['id']}/accept/").status_code == 404


def test_only_the_offered_organisation_can_accept(api, region, open_case):
    case = open_case(region.consultant)
    handover = offer(api, region.consultant, case["id"]).json()
    # Organisations that cannot see the case do not learn the offer exists.
    for user in (region.welfare_worker, region.unrelated_worker, region.other_consultant):
        response = api.as_user(user).post(f"/api/v1/handovers/{handover['id']}/accept/")
        assert response.status_code == 404, user
    # The offering corporation sees the case, but the policy lets only the offered side accept.
    assert api.as_user(region.consultant).post(f"/api/v1/handovers/{handover['id']}/accept/").status_code == 403
    assert Handover.objects.get(pk=handover["id"]).status == "offered"


def test_decline_needs_a_reason_and_sends_the_case_back(api, region, open_case):
    case = open_case(region.consultant)
    api.post(f"/api/v1/cases/{case['id']}/contact-attempts/", {"channel": "phone", "outcome": "not_reached"},
             format="json")
    handover = offer(api, region.consultant, case["id"]).json()
    coach = api.as_user(region.debt_coach)
    for body in ({}, {"reason": ""}):
        response = coach.post(f"/api/v1/handovers/{handover['id']}/decline/", body, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
    response = coach.post(f"/api/v1/handovers/{handover['id']}/decline/", {"reason": "Geen capaciteit"},
                          format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["reason"] == "Geen capaciteit"
    # Declined: the coach loses access, the case is back with the corporation in its previous state.
    assert coach.get(f"/api/v1/cases/{case['id']}/").status_code == 404
    assert coach.get(f"/api/v1/handovers/{handover['id']}/").status_code == 404
    back = api.as_user(region.consultant).get(f"/api/v1/cases/{case['id']}/").json()
    assert back["status"] == "contacting"
    # A second answer to the same offer: the coach no longer sees the case, so the offer is not found.
    response = api.as_user(region.debt_coach).post(f"/api/v1/handovers/{handover['id']}/accept/")
    assert response.status_code == 404


def test_withdraw_by_the_offering_organisation(api, region, open_case):
    case = open_case(region.consultant)
    handover = offer(api, region.consultant, case["id"]).json()
    # The offered side sees the case, but only the offering side may withdraw (policy): 403.
    response = api.as_user(region.debt_coach).post(f"/api/v1/handovers/{handover['id']}/withdraw/", {},
                                                   format="json")
    assert response.status_code == 403
    response = api.as_user(region.consultant).post(f"/api/v1/handovers/{handover['id']}/withdraw/",
                                                   {"reason": "Toch bereikt"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert api.get(f"/api/v1/cases/{case['id']}/").json()["status"] == "open"
    assert api.as_user(region.debt_coach).get(f"/api/v1/cases/{case['id']}/").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"summary": "", "tenant_consent": True}, "summary"),
        ({"tenant_consent": True}, "summary"),
        # Without tenant_consent (or with false) the offer is made with the reduced dossier: test_consent_api.py.
        ({"summary": "Niet bereikt", "tenant_consent": "misschien"}, "tenant_consent"),
        ({"summary": "Niet bereikt", "tenant_consent": True, "to_organisation": 999999}, "to_organisation"),
    ],
)
def test_offer_bad_input(api, region, open_case, body, field):
    case = open_case(region.consultant)
    response = api.as_user(region.consultant).post(f"/api/v1/cases/{case['id']}/handover/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Handover.objects.exists()


def test_offer_to_organisation_outside_the_convenant(api, region, open_case):
    case = open_case(region.consultant)
    response = offer(api, region.consultant, case["id"], to_organisation=region.unrelated.pk)
    assert response.status_code == 400
    assert "to_organisation" in response.json()
    response = offer(api, region.consultant, case["id"], to_organisation=region.welfare.pk)
    assert response.status_code == 201
    assert response.json()["to_organisation"]["id"] == region.welfare.pk
    # A second offer while one is open: refused with the reason.
    response = offer(api, region.consultant, case["id"])
    assert response.status_code == 400


def test_joint_visit_plan_list_and_outcome(api, region, open_case):
    case = open_case(region.consultant)
    planned_at = (timezone.now() + timedelta(days=2)).isoformat()
    response = api.as_user(region.consultant).post(
        f"/api/v1/cases/{case['id']}/joint-visits/", {"partner": region.debt_assistance.pk, "planned_at": planned_at},
        format="json",
    )
    assert response.status_code == 201, response.content
    visit = response.json()
    assert visit["address"] == "Lasondersingel 1, 7514 BP Enschede"
    assert visit["status"] == "planned"
    assert [v["id"] for v in api.as_user(region.debt_coach).get("/api/v1/joint-visits/").json()["results"]] == [
        visit["id"]
    ]
    assert api.as_user(region.welfare_worker).get("/api/v1/joint-visits/").json()["results"] == []
    assert api.as_user(region.welfare_worker).post(
        f"/api/v1/joint-visits/{visit['id']}/outcome/", {"outcome": "reached"}, format="json"
    ).status_code == 404

    consultant = api.as_user(region.consultant)
    # Before its planned time the visit has no outcome yet (policy.visit_outcome_due).
    response = consultant.post(f"/api/v1/joint-visits/{visit['id']}/outcome/", {"outcome": "reached"}, format="json")
    assert response.status_code == 400, response.content
    JointVisit.objects.filter(pk=visit["id"]).update(planned_at=timezone.now() - timedelta(hours=1))
    response = consultant.post(f"/api/v1/joint-visits/{visit['id']}/outcome/", {"outcome": "ja"}, format="json")
    assert response.status_code == 400 and "outcome" in response.json()
    response = consultant.post(f"/api/v1/joint-visits/{visit['id']}/outcome/",
                               {"outcome": "reached", "notes": "Samen met coach"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert response.json()["attempt"] is not None
    timeline = consultant.get(f"/api/v1/cases/{case['id']}/timeline/").json()["results"]
    # The attempt is dated at the visit's planned time, an hour before the planning was written.
    assert [e["data"]["channel"] for e in timeline if e["kind"] == "contact_attempt"][-1] == "joint_home_visit"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"planned_at": "morgen"}, "planned_at"),
        ({}, "planned_at"),
        ({"planned_at": "2020-01-01T10:00:00+01:00"}, "planned_at"),
        ({"partner": 999999}, "partner"),
    ],
)
def test_joint_visit_bad_input(api, region, open_case, body, field):
    case = open_case(region.consultant)
    body = {"partner": region.debt_assistance.pk, **body}
    if body.get("planned_at") is None and field != "planned_at":
        body["planned_at"] = (timezone.now() + timedelta(days=1)).isoformat()
    response = api.as_user(region.consultant).post(f"/api/v1/cases/{case['id']}/joint-visits/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_one_wins_one_conflicts(region):
    """Two coaches of the offered organisation accept at the same moment: the service locks the offer, so one
    gets 200 and the other 409, whatever the order."""
    from cases import services
    from tests.factories import UserFactory

    second_coach = UserFactory(username="tweede-coach", organisation=region.debt_assistance)
    case = CaseFactory(corporation=region.corporation)
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    barrier = threading.Barrier(2)
    results = {}

    def accept(user):
        client = APIClient()
        client.force_authenticate(user=user)
        try:
            barrier.wait(timeout=30)
            results[user.username] = client.post(f"/api/v1/handovers/{handover.pk}/accept/").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(user,)) for user in (region.debt_coach, second_coach)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == [200, 409]
    handover.refresh_from_db()
    assert handover.status == "accepted"
    assert handover.case.holder_id == region.debt_assistance.pk
    assert handover.case.events.filter(kind="handover_accepted").count() == 1
