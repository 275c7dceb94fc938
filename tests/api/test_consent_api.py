"""The tenant's consent through the API (API.md 1.1: a handover carries `consent`): recorded with the offer or
on the case, the reduced dossier without it, the withdrawal, bad input as 400 with the field, and version 1's
`tenant_consent` as before."""

import pytest

from cases.models import CaseEvent, Consent, EventKind, Handover

pytestmark = pytest.mark.django_db

REDUCED_KEYS = {"variant", "assembled_at", "case", "tenant_consent", "consent", "tenant", "arrears"}
CONSENT_KEYS = {"given", "recorded", "at", "how", "how_label", "recorded_by", "organisation", "withdrawn_at",
                "withdrawn_by"}


@pytest.fixture
def worked_case(api, region, open_case):
    """A case with an attempt whose notes need consent."""
    case = open_case(region.consultant)
    response = api.as_user(region.consultant).post(
        f"/api/v1/cases/{case['id']}/contact-attempts/",
        {"channel": "phone", "outcome": "not_reached", "notes": "Buurman: huurder ligt in het ziekenhuis"},
        format="json",
    )
    assert response.status_code == 201
    return case


def offer(api, user, case, **body):
    return api.as_user(user).post(f"/api/v1/cases/{case['id']}/handover/",
                                  {"summary": "Niet bereikt.", **body}, format="json")


def dossier_of(api, region, handover_id):
    response = api.as_user(region.debt_coach).get(f"/api/v1/handovers/{handover_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_consent_with_the_offer_shares_the_full_dossier(api, region, worked_case):
    response = offer(api, region.consultant, worked_case, consent={"given": True, "how": "written"})
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["tenant_consent"] is True
    assert set(answer["consent"]) == CONSENT_KEYS
    assert answer["consent"]["given"] is True and answer["consent"]["how"] == "written"
    assert answer["consent"]["recorded_by"] == region.consultant.username and answer["consent"]["at"]

    detail = dossier_of(api, region, answer["id"])
    assert detail["dossier"]["variant"] == "full"
    assert detail["dossier"]["contact_attempts"][0]["notes"] == "Buurman: huurder ligt in het ziekenhuis"
    consent = Consent.objects.get(case_id=worked_case["id"])
    assert (consent.given, consent.how, consent.recorded_by) == (True, "written", region.consultant)


@pytest.mark.parametrize("body", [{"tenant_consent": False}, {}, {"consent": {"given": False}}])
def test_without_consent_the_partner_gets_the_reduced_dossier(api, region, worked_case, body):
    response = offer(api, region.consultant, worked_case, **body)
    assert response.status_code == 201, response.content
    assert response.json()["tenant_consent"] is False and response.json()["consent"]["given"] is False
    detail = dossier_of(api, region, response.json()["id"])
    dossier = detail["dossier"]
    assert set(dossier) == REDUCED_KEYS and dossier["variant"] == "reduced"
    assert dossier["case"] == worked_case["id"]
    assert dossier["tenant"]["name"] == "Huurder 1" and dossier["tenant"]["phone"] == "0612345678"
    assert dossier["tenant"]["email"] == "huurder1@example.org" and "contract_ref" not in dossier["tenant"]
    assert dossier["arrears"] == {"amount": "640.00", "months_in_arrears": 1}
    assert "ziekenhuis" not in str(detail)


def test_version_1_tenant_consent_records_consent_when_none_is_on_record(api, region, worked_case):
    response = offer(api, region.consultant, worked_case, tenant_consent=True)
    assert response.status_code == 201, response.content
    assert response.json()["tenant_consent"] is True
    assert response.json()["consent"]["how"] is None  # version 1 does not say how
    assert dossier_of(api, region, response.json()["id"])["dossier"]["variant"] == "full"
    consent = Consent.objects.get(case_id=worked_case["id"])
    assert consent.given and consent.how == "" and consent.recorded_by == region.consultant


@pytest.mark.parametrize(("body", "errors"), [
    ({"consent": {"given": True}}, {"consent": {"how": ["Geef aan hoe de huurder toestemming gaf."]}}),
    ({"consent": {"given": True, "how": "telepathisch"}}, "consent"),
    ({"consent": {"how": "verbal"}}, "consent"),
    ({"consent": {"given": True, "how": "verbal", "at": "2999-01-01T10:00:00+01:00"}},
     {"consent": {"at": ["Toestemming kan niet in de toekomst gedateerd worden."]}}),
    ({"consent": "ja"}, "consent"),
    ({"tenant_consent": False, "consent": {"given": True, "how": "verbal"}},
     {"tenant_consent": ["Dit komt niet overeen met de gegeven toestemming."]}),
])
def test_bad_consent_input_is_400_with_the_field(api, region, worked_case, body, errors):
    response = offer(api, region.consultant, worked_case, **body)
    assert response.status_code == 400, response.content
    if isinstance(errors, dict):
        assert response.json() == errors
    else:
        assert errors in response.json()
    assert not Handover.objects.exists() and not Consent.objects.exists()


def test_the_case_consent_endpoints(api, region, worked_case):
    url = f"/api/v1/cases/{worked_case['id']}/consent/"
    consultant = api.as_user(region.consultant)
    nothing = consultant.get(url).json()
    assert nothing["given"] is False and nothing["recorded"] is False and nothing["at"] is None

    response = consultant.post(url, {"given": True, "how": "digital"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["given"] is True and response.json()["how_label"] == "Digitaal"
    assert consultant.post(url, {"given": True}, format="json").json() == {
        "how": ["Geef aan hoe de huurder toestemming gaf."]}
    assert consultant.post(url, {"given": "misschien"}, format="json").status_code == 400

    handover = offer(api, region.consultant, worked_case).json()
    assert handover["tenant_consent"] is True

    # A partner may not record or withdraw (403); an organisation outside the case does not see it (404).
    coach = api.as_user(region.debt_coach)
    assert coach.get(url).status_code == 200
    assert coach.post(url, {"given": False}, format="json").status_code == 403
    assert coach.post(url + "withdraw/").status_code == 403
    outsider = api.as_user(region.unrelated_worker)
    assert outsider.get(url).status_code == 404 and outsider.post(url + "withdraw/").status_code == 404

    response = api.as_user(region.corporation_manager).post(url + "withdraw/")
    assert response.status_code == 200, response.content
    assert response.json()["given"] is False and response.json()["withdrawn_at"]
    assert response.json()["withdrawn_by"] == region.corporation_manager.username
    assert api.as_user(region.consultant).post(url + "withdraw/").json() == {
        "detail": "Er is geen toestemming om in te trekken."}

    # The partner sees the reduced dossier at once, in the detail and the list.
    detail = dossier_of(api, region, handover["id"])
    assert detail["tenant_consent"] is False and detail["summary"] == ""
    assert detail["consent"]["given"] is False and detail["consent"]["withdrawn_at"]
    assert set(detail["dossier"]) == REDUCED_KEYS and "ziekenhuis" not in str(detail)
    [row] = api.as_user(region.debt_coach).get("/api/v1/handovers/").json()["results"]
    assert row["tenant_consent"] is False and row["consent"]["withdrawn_at"]
    kinds = [e["kind"] for e in api.as_user(region.consultant).get(
        f"/api/v1/cases/{worked_case['id']}/timeline/").json()["results"]]
    assert kinds.count("consent_recorded") == 1 and kinds.count("consent_withdrawn") == 1
    assert CaseEvent.objects.filter(kind=EventKind.CONSENT_WITHDRAWN, actor=region.corporation_manager).exists()

    # After the withdrawal a version 1 client's tenant_consent=true is refused, not turned into a new consent.
    api.as_user(region.consultant).post(f"/api/v1/handovers/{handover['id']}/withdraw/", {}, format="json")
    response = offer(api, region.consultant, worked_case, tenant_consent=True)
    assert response.status_code == 400
    assert response.json() == {"tenant_consent": [
        "De huurder heeft de toestemming ingetrokken; leg eerst een nieuwe toestemming vast."]}


def test_a_partner_handing_on_cannot_claim_consent_that_is_not_on_record(api, region, worked_case):
    first = offer(api, region.consultant, worked_case, tenant_consent=False).json()
    assert api.as_user(region.debt_coach).post(f"/api/v1/handovers/{first['id']}/accept/").status_code == 200
    onward = offer(api, region.debt_coach, worked_case, to_organisation=region.welfare.pk, tenant_consent=True)
    assert onward.status_code == 400
    assert onward.json() == {"tenant_consent": [
        "Er is geen toestemming van de huurder vastgelegd; de woningcorporatie legt die vast."]}
    consent = offer(api, region.debt_coach, worked_case, to_organisation=region.welfare.pk,
                    consent={"given": True, "how": "verbal"})
    assert consent.status_code == 403
    reduced = offer(api, region.debt_coach, worked_case, to_organisation=region.welfare.pk)
    assert reduced.status_code == 201 and reduced.json()["tenant_consent"] is False
