"""The API asks the case policy (cases/policy.py, issue 12): `allowed_actions` in every case answer, 404 for a case
outside one's scope and 403 for an action one's role or relation may not take on a visible case, managers-only
oversight, and scoped reads that show a partner nothing once it has no part in the case any more."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import policy, services
from cases.models import Case, Handover
from tests.factories import CaseFactory, JointVisitFactory

pytestmark = pytest.mark.django_db


def names(actions):
    return sorted(str(action) for action in actions)


def offered_case(region, n=1, *, visit_with=None):
    """A case of the corporation with an attempt logged and an open offer to debt assistance; with `visit_with`,
    a joint home visit with that organisation planned before the offer."""
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant,
                       tenant={"name": f"Beleidshuurder {n}", "contract_ref": f"POL-{n:04d}", "house_number": str(n),
                               "postcode": "7514BP"})
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached")
    if visit_with is not None:
        services.plan_joint_visit(region.consultant, case, partner=visit_with,
                                  planned_at=timezone.now() + timedelta(days=3))
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt.", tenant_consent=True)
    return Case.objects.get(pk=case.pk), handover


# --- allowed_actions ---------------------------------------------------------------------------------------


def test_allowed_actions_on_detail_and_list_equal_the_policy(api, region):
    case, _handover = offered_case(region)
    fresh = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    for user in (region.consultant, region.corporation_manager, region.debt_coach, region.debt_manager):
        client = api.as_user(user)
        listed = {row["id"]: row["allowed_actions"] for row in client.get("/api/v1/cases/").json()["results"]}
        for shown in (case, fresh):
            shown = Case.objects.get(pk=shown.pk)
            expected = names(policy.permitted(user, shown))
            if shown.pk not in listed:
                assert expected == [], (user, shown)
                continue
            detail = client.get(f"/api/v1/cases/{shown.pk}/").json()
            assert detail["allowed_actions"] == expected, user
            assert listed[shown.pk] == expected, user
    # What the numbers mean: the corporation may withdraw its offer, the offered coach may accept or decline it.
    consultant = api.as_user(region.consultant).get(f"/api/v1/cases/{case.pk}/").json()["allowed_actions"]
    assert "withdraw" in consultant and "accept" not in consultant
    coach = api.as_user(region.debt_coach).get(f"/api/v1/cases/{case.pk}/").json()["allowed_actions"]
    assert {"accept", "decline", "view"} <= set(coach) and "log_attempt" not in coach
    # The answer to an action carries them too.
    response = api.as_user(region.consultant).post(f"/api/v1/cases/{fresh.pk}/close/", {"outcome": "resolved"},
                                                   format="json")
    assert response.status_code == 200, response.content
    assert response.json()["allowed_actions"] == names(policy.permitted(region.consultant, Case.objects.get(pk=fresh.pk)))


def test_partner_list_query_count_does_not_grow_with_page_size(api, region):
    """The list's allowed actions come from policy.permitted_many: the partner's relations (read from the offers,
    not from the case columns) cost the same few queries for a page of two as for a page of six."""
    for n in range(2):
        offered_case(region, n + 1)
    client = api.as_user(region.debt_coach)
    client.get("/api/v1/cases/")  # warm up the permission id and content type caches
    with CaptureQueriesContext(connection) as two:
        response = client.get("/api/v1/cases/")
    assert len(response.json()["results"]) == 2
    for n in range(2, 6):
        offered_case(region, n + 1)
    with CaptureQueriesContext(connection) as six:
        response = client.get("/api/v1/cases/")
    assert len(response.json()["results"]) == 6
    assert all("accept" in row["allowed_actions"] for row in response.json()["results"])
    assert len(six.captured_queries) == len(two.captured_queries)


def test_schema_describes_allowed_actions_as_an_array_of_action_names(api, region):
    schema = api.as_user(region.consultant).get("/api/schema/?format=json").json()
    prop = schema["components"]["schemas"]["Case"]["properties"]["allowed_actions"]
    assert prop["type"] == "array" and prop.get("readOnly") is True
    items = prop["items"]
    if "$ref" in items:
        items = schema["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert items["type"] == "string"
    assert set(items["enum"]) >= {"view", "log_attempt", "offer", "accept", "decline", "withdraw", "close"}
    assert "open" not in items["enum"] and "escalate" not in items["enum"]
    assert "allowed_actions" in schema["components"]["schemas"]["Case"]["required"]


# --- oversight ---------------------------------------------------------------------------------------------


def test_escalations_are_for_managers(api, region):
    CaseFactory(corporation=region.corporation, convenant=region.convenant,
                opened_at=timezone.now() - timedelta(days=40))
    services.escalate_overdue()
    for user in (region.consultant, region.debt_coach, region.welfare_worker):
        assert api.as_user(user).get("/api/v1/escalations/").status_code == 403, user
    response = api.as_user(region.corporation_manager).get("/api/v1/escalations/")
    assert response.status_code == 200 and response.json()["results"]
    assert api.as_user(region.consultant).get("/api/v1/dashboard/").status_code == 403
    assert api.as_user(region.consultant).get("/api/v1/access-log/").status_code == 403


# --- a partner that declined has no part in the case any more: 404, and absent from every list ---------------


def test_declined_partner_gets_404_and_sees_nothing(api, region):
    case, handover = offered_case(region, visit_with=region.debt_assistance)
    coach = api.as_user(region.debt_coach)
    assert [h["id"] for h in coach.get("/api/v1/handovers/").json()["results"]] == [handover.pk]
    assert len(coach.get("/api/v1/joint-visits/").json()["results"]) == 1

    response = coach.post(f"/api/v1/handovers/{handover.pk}/decline/", {"reason": "Geen capaciteit"}, format="json")
    assert response.status_code == 200, response.content
    # The answer to the decline itself no longer names the tenant.
    assert response.json()["status"] == "declined"
    assert response.json()["tenant_name"] is None
    assert case.tenant.name not in response.content.decode()

    base = f"/api/v1/cases/{case.pk}/"
    for path in (base, base + "timeline/", base + "export/", f"/api/v1/handovers/{handover.pk}/"):
        response = coach.get(path)
        assert response.status_code == 404, path
        assert case.tenant.name not in response.content.decode()
    for path, body in ((f"/api/v1/handovers/{handover.pk}/accept/", {}),
                       (f"/api/v1/handovers/{handover.pk}/decline/", {"reason": "Nogmaals"}),
                       (f"/api/v1/handovers/{handover.pk}/decline/", {}),  # bad input: still 404, nothing judged
                       (base + "contact-attempts/", {"channel": "phone", "outcome": "reached"})):
        response = coach.post(path, body, format="json")
        assert response.status_code == 404, path
        assert case.tenant.name not in response.content.decode()
    for query in ("", "?status=declined"):
        assert coach.get("/api/v1/handovers/" + query).json()["results"] == []
    assert coach.get("/api/v1/cases/").json()["results"] == []
    # The visit with the partner that declined is cancelled by the service; it does not show to the partner.
    assert coach.get("/api/v1/joint-visits/").json()["results"] == []
    assert case.tenant.name not in coach.get("/api/v1/joint-visits/").content.decode()
    # Notifications link to the case by id and name no tenant.
    notifications = coach.get("/api/v1/notifications/")
    assert notifications.json()["results"]
    assert all(isinstance(n["case"], int | None) for n in notifications.json()["results"])
    assert case.tenant.name not in notifications.content.decode()
    # The corporation still has it all.
    consultant = api.as_user(region.consultant)
    assert consultant.get(base).status_code == 200
    assert [h["id"] for h in consultant.get("/api/v1/handovers/").json()["results"]] == [handover.pk]


def test_unrelated_organisations_get_404_on_handover_answers(api, region):
    _case, handover = offered_case(region)
    for user in (region.unrelated_worker, region.other_consultant, region.welfare_worker, region.regisseur):
        client = api.as_user(user)
        assert client.post(f"/api/v1/handovers/{handover.pk}/accept/").status_code == 404, user
        assert client.post(f"/api/v1/handovers/{handover.pk}/decline/", {"reason": "x"},
                           format="json").status_code == 404, user
        assert client.post(f"/api/v1/handovers/{handover.pk}/withdraw/", {}, format="json").status_code == 404, user
    assert Handover.objects.get(pk=handover.pk).status == "offered"


def test_joint_visit_shows_only_to_a_chain_partner(api, region):
    """A visit whose partner is not a chain partner of the case's convenant (the municipality, another
    corporation) does not show to that partner; the planning corporation still sees it."""
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    for partner, user in ((region.municipality, region.regisseur), (region.other_corporation, region.other_consultant)):
        visit = JointVisitFactory(case=case, organisation=region.corporation, partner=partner)
        assert api.as_user(user).get("/api/v1/joint-visits/").json()["results"] == [], partner
        response = api.as_user(user).post(f"/api/v1/joint-visits/{visit.pk}/outcome/", {"outcome": "reached"},
                                          format="json")
        assert response.status_code == 404
    listed = api.as_user(region.consultant).get("/api/v1/joint-visits/").json()["results"]
    assert len(listed) == 2 and {v["tenant_name"] for v in listed} == {case.tenant.name}
    # A chain partner sees a planned visit it is invited to, with what it needs to go there.
    visit = JointVisitFactory(case=case, organisation=region.corporation, partner=region.welfare)
    shown = api.as_user(region.welfare_worker).get("/api/v1/joint-visits/").json()["results"]
    assert [(v["id"], v["tenant_name"]) for v in shown] == [(visit.pk, case.tenant.name)]


# --- a visible case, an action the relation or role may not take: 403 ---------------------------------------


def test_visible_case_forbidden_actions_are_403(api, region):
    case, handover = offered_case(region)
    base = f"/api/v1/cases/{case.pk}/"
    coach = api.as_user(region.debt_coach)
    assert coach.get(base).status_code == 200
    # The offered partner decides on the offer; the holder's work is not its to do.
    assert coach.post(base + "contact-attempts/", {"channel": "phone", "outcome": "reached"},
                      format="json").status_code == 403
    assert coach.post(base + "notes/", {"text": "Gebeld"}, format="json").status_code == 403
    assert coach.post(f"/api/v1/handovers/{handover.pk}/withdraw/", {}, format="json").status_code == 403
    # It reads the dossier to decide, but exporting the tenant's data is for the corporation and the holder.
    assert coach.get(f"/api/v1/handovers/{handover.pk}/").status_code == 200
    assert coach.get(base + "export/").status_code == 403
    # The offering corporation may not answer its own offer.
    consultant = api.as_user(region.consultant)
    assert consultant.post(f"/api/v1/handovers/{handover.pk}/accept/").status_code == 403
    assert consultant.post(f"/api/v1/handovers/{handover.pk}/decline/", {"reason": "x"},
                           format="json").status_code == 403
    # A caseworker may not propose eviction; the corporation's manager may (not while an offer waits: 400).
    fresh = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    response = consultant.post(f"/api/v1/cases/{fresh.pk}/eviction-proposal/", {"reason": "Weigert hulp"},
                               format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    response = api.as_user(region.corporation_manager).post(
        f"/api/v1/cases/{fresh.pk}/eviction-proposal/", {"reason": "Weigert hulp"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Handover.objects.get(pk=handover.pk).status == "offered"
    assert Case.objects.get(pk=case.pk).status == "handed_over"
