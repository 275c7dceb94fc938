"""Scenario 6 through the API: eviction only together."""

import pytest

from cases.models import Case

pytestmark = pytest.mark.django_db


def propose(api, region, case_id, reason="Weigert al maanden alle hulp"):
    return api.as_user(region.corporation_manager).post(
        f"/api/v1/cases/{case_id}/eviction-proposal/", {"reason": reason}, format="json"
    )


def vote(api, user, proposal_id, agree, reason):
    return api.as_user(user).post(f"/api/v1/eviction-proposals/{proposal_id}/votes/",
                                  {"agree": agree, "reason": reason}, format="json")


def test_scenario_six_one_disagrees_then_all_agree(api, region, open_case):
    case = open_case(region.consultant)
    url = f"/api/v1/cases/{case['id']}/"
    api.post(url + "contact-attempts/", {"channel": "home_visit", "outcome": "reached",
                                         "notes": "Wil geen hulp"}, format="json")

    response = propose(api, region, case["id"])
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert proposal["status"] == "open"
    assert {v["id"] for v in proposal["voters"]} == {
        region.corporation.pk, region.debt_assistance.pk, region.welfare.pk
    }
    assert api.get(url).json()["status"] == "eviction_proposed"
    # The chain partners' managers can see the case and the proposal now; their caseworkers cannot.
    assert api.as_user(region.welfare_manager).get(url).status_code == 200
    assert api.as_user(region.welfare_worker).get(url).status_code == 404
    assert api.as_user(region.welfare_worker).get(f"/api/v1/eviction-proposals/{proposal['id']}/").status_code == 404
    assert vote(api, region.welfare_worker, proposal["id"], True, "x").status_code == 404

    assert vote(api, region.corporation_manager, proposal["id"], True, "Alle hulp geweigerd").status_code == 201
    response = vote(api, region.debt_manager, proposal["id"], False, "Nog één gesprek proberen")
    assert response.status_code == 201
    assert response.json()["agree"] is False
    rejected = api.as_user(region.corporation_manager).get(f"/api/v1/eviction-proposals/{proposal['id']}/").json()
    assert rejected["status"] == "rejected"
    assert api.get(url).json()["status"] == "contacting"
    # Decided: nobody votes any more (the policy: no open proposal, no voter); the partners' managers lost sight
    # of the case again.
    assert vote(api, region.corporation_manager, proposal["id"], True, "Te laat").status_code == 403
    assert vote(api, region.welfare_manager, proposal["id"], True, "Te laat").status_code == 404

    proposal = propose(api, region, case["id"], reason="Opnieuw: geen enkel contact meer").json()
    reasons = {
        region.corporation_manager: "Alle hulp geweigerd",
        region.debt_manager: "Gesprek zonder resultaat",
        region.welfare_manager: "Geen ingang gevonden",
    }
    for manager, reason in reasons.items():
        response = vote(api, manager, proposal["id"], True, reason)
        assert response.status_code == 201, response.content
    decided = api.as_user(region.corporation_manager).get(f"/api/v1/eviction-proposals/{proposal['id']}/").json()
    assert decided["status"] == "agreed"
    assert decided["decided_at"] is not None
    assert {(v["organisation"]["id"], v["agree"], v["reason"]) for v in decided["votes"]} == {
        (region.corporation.pk, True, "Alle hulp geweigerd"),
        (region.debt_assistance.pk, True, "Gesprek zonder resultaat"),
        (region.welfare.pk, True, "Geen ingang gevonden"),
    }
    final = api.get(url).json()
    assert final["status"] == "evicted"
    assert final["outcome"] == "evicted"
    timeline = api.get(url + "timeline/").json()["results"]
    decided_event = [e for e in timeline if e["kind"] == "eviction_decided"]
    assert len(decided_event) == 1
    assert len(decided_event[0]["data"]["votes"]) == 3


def test_vote_rules(api, region, open_case):
    case = open_case(region.consultant)
    proposal = propose(api, region, case["id"]).json()
    # A caseworker of the corporation can see the case but may not vote.
    assert vote(api, region.consultant, proposal["id"], True, "x").status_code == 403
    for body, field in (({"reason": "x"}, "agree"), ({"agree": True}, "reason"), ({"agree": "ja", "reason": "x"},
                                                                                 "agree"),
                        ({"agree": True, "reason": ""}, "reason")):
        response = api.as_user(region.debt_manager).post(
            f"/api/v1/eviction-proposals/{proposal['id']}/votes/", body, format="json"
        )
        assert response.status_code == 400, body
        assert field in response.json()
    assert vote(api, region.debt_manager, proposal["id"], True, "Eens").status_code == 201
    assert vote(api, region.debt_manager, proposal["id"], True, "Nog eens").status_code == 409
    assert Case.objects.get(pk=case["id"]).status == "eviction_proposed"


def test_proposal_bad_input_and_roles(api, region, open_case):
    case = open_case(region.consultant)
    response = api.as_user(region.corporation_manager).post(
        f"/api/v1/cases/{case['id']}/eviction-proposal/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    response = api.as_user(region.other_consultant).post(
        f"/api/v1/cases/{case['id']}/eviction-proposal/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert api.as_user(region.corporation_manager).get("/api/v1/eviction-proposals/999999/").status_code == 404


def test_may_vote_matches_what_the_vote_service_allows(api, region, open_case):
    """The panel's 'may vote' and vote_on_eviction apply one rule: voting parties' managers, once, while open."""
    from cases import services
    from cases.models import EvictionProposal

    case = open_case(region.consultant)
    proposal_id = propose(api, region, case["id"]).json()["id"]

    def may(user):
        return services.may_vote(user, EvictionProposal.objects.get(pk=proposal_id))

    assert may(region.corporation_manager) and may(region.debt_manager) and may(region.welfare_manager)
    assert not may(region.consultant)  # a caseworker of a voting party
    assert not may(region.regisseur)  # a manager outside the chain
    assert vote(api, region.regisseur, proposal_id, True, "x").status_code in (403, 404)
    assert vote(api, region.corporation_manager, proposal_id, True, "Alle hulp geweigerd").status_code == 201
    assert not may(region.corporation_manager)  # voted already
    assert vote(api, region.corporation_manager, proposal_id, True, "nog eens").status_code == 409
    assert vote(api, region.debt_manager, proposal_id, False, "Nog één gesprek").status_code == 201
    assert not may(region.welfare_manager)  # decided: rejected
