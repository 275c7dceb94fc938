"""Token auth and onboarding (organisations, users, convenants) by the platform administrator."""

import pytest
from django.contrib.auth import get_user_model

from convenants.models import Convenant
from partners.models import Organisation

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")


def test_token_auth(api, region, open_case):
    response = api.post("/api/v1/auth/token/", {"username": "consulent", "password": "geheim-wachtwoord-1"},
                        format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert api.post("/api/v1/auth/token/", {"username": "consulent", "password": "fout"},
                    format="json").status_code == 400
    assert api.post("/api/v1/auth/token/", {}, format="json").status_code == 400

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post("/api/v1/cases/", {
        "tenant": {"name": "Jansen", "house_number": "3", "postcode": "7514BP", "contract_ref": "HC-T"},
        "arrears_amount": "640", "months_in_arrears": 1,
    }, format="json")
    assert response.status_code == 201
    assert response.json()["corporation"]["id"] == region.corporation.pk
    assert api.get("/api/v1/cases/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token ongeldig")
    assert api.get("/api/v1/cases/").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/users/", "/api/v1/convenants/"])
def test_onboarding_is_for_superusers_only(api, region, path):
    for user in (region.consultant, region.corporation_manager, region.regisseur):
        client = api.as_user(user)
        assert client.get(path).status_code == 403
        assert client.post(path, {"name": "X"}, format="json").status_code == 403
    assert api.as_user(region.consultant).get(f"/api/v1/convenants/{region.convenant.pk}/").status_code == 403


def test_onboard_a_region(api, admin):
    client = api.as_user(admin)
    ids = {}
    for name, kind in (("Woonbron", "corporation"), ("Schuldhulp Delft", "debt_assistance"),
                       ("Welzijn Delft", "welfare"), ("Gemeente Delft", "municipality")):
        response = client.post("/api/v1/organisations/", {"name": name, "kind": kind, "municipality": "Delft"},
                               format="json")
        assert response.status_code == 201, response.content
        ids[kind] = response.json()["id"]
    assert Organisation.objects.get(pk=ids["corporation"]).group.name == "org:Woonbron"
    listed = client.get("/api/v1/organisations/").json()
    assert {o["name"] for o in listed["results"]} >= {"Woonbron", "Welzijn Delft"}

    response = client.post("/api/v1/users/", {"username": "anna", "password": "een-lang-wachtwoord-9",
                                              "email": "anna@woonbron.example", "organisation": ids["corporation"],
                                              "role": "caseworker"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == ids["corporation"]
    assert "password" not in response.json()
    anna = User.objects.get(username="anna")
    assert anna.check_password("een-lang-wachtwoord-9")
    assert anna.groups.filter(pk=Organisation.objects.get(pk=ids["corporation"]).group_id).exists()
    assert any(u["username"] == "anna" and u["role"] == "caseworker"
               for u in client.get("/api/v1/users/").json()["results"])

    body = {
        "name": "Convenant Delft", "municipality": "Delft",
        "parties": list(ids.values()), "chain": [ids["debt_assistance"], ids["welfare"]],
        "deadlines": {"first_contact": 3, "handover": 20}, "policies": {"first_contact": "handover_next"},
        "working_days": True, "retention_months": 36, "valid_from": "2026-01-01",
    }
    response = client.post("/api/v1/convenants/", body, format="json")
    assert response.status_code == 201, response.content
    convenant = response.json()
    assert convenant["chain"] == [ids["debt_assistance"], ids["welfare"]]
    assert convenant["deadlines"]["first_contact"] == 3
    assert convenant["deadlines"]["pickup"] == 5  # the default
    assert convenant["policies"]["first_contact"] == "handover_next"
    assert convenant["policies"]["handover"] == "handover_next"
    assert convenant["valid_from"] == "2026-01-01"
    assert convenant["valid_until"] is None

    response = client.patch(f"/api/v1/convenants/{convenant['id']}/",
                            {"deadlines": {"pickup": 7}, "chain": [ids["welfare"]], "valid_until": "2027-12-31"},
                            format="json")
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["deadlines"]["pickup"] == 7
    assert changed["deadlines"]["first_contact"] == 3
    assert changed["chain"] == [ids["welfare"]]
    assert changed["valid_until"] == "2027-12-31"
    assert changed["name"] == "Convenant Delft"
    assert client.get(f"/api/v1/convenants/{convenant['id']}/").json() == changed
    assert client.put(f"/api/v1/convenants/{convenant['id']}/", body, format="json").status_code == 405

    # The new caseworker opens a case under it.
    response = api.as_user(anna).post("/api/v1/cases/", {
        "tenant": {"name": "Bakker", "house_number": "1", "postcode": "2611AA", "contract_ref": "WB-1"},
        "arrears_amount": "700", "months_in_arrears": 1}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["convenant"]["id"] == convenant["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "kind": "bank", "municipality": "Delft"}, "kind"),
        ({"name": "", "kind": "welfare", "municipality": "Delft"}, "name"),
        ({"name": "X", "kind": "welfare"}, "municipality"),
        ({"name": "Domijn", "kind": "welfare", "municipality": "Delft"}, "name"),
    ],
)
def test_organisation_bad_input(api, admin, region, body, field):
    response = api.as_user(admin).post("/api/v1/organisations/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"organisation": 999999}, "organisation"),
        ({"organisation": "abc"}, "organisation"),
        ({"role": "director"}, "role"),
        ({"password": "123"}, "password"),
        ({"username": "consulent"}, "username"),
        ({"email": "geen"}, "email"),
    ],
)
def test_user_bad_input(api, admin, region, overrides, field):
    body = {"username": "nieuw", "password": "een-lang-wachtwoord-9", "organisation": region.corporation.pk,
            "role": "caseworker", **overrides}
    response = api.as_user(admin).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not User.objects.filter(username="nieuw").exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"parties": [999999]}, "parties"),
        ({"chain": [999999]}, "chain"),
        ({"chain": "x"}, "chain"),
        ({"deadlines": {"first_contact": 0}}, "deadlines"),
        ({"deadlines": {"coffee": 5}}, "deadlines"),
        ({"deadlines": {"pickup": "vijf"}}, "deadlines"),
        ({"policies": {"pickup": "panic"}}, "policies"),
        ({"policies": {"coffee": "notify"}}, "policies"),
        ({"retention_months": 0}, "retention_months"),
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"name": ""}, "name"),
    ],
)
def test_convenant_bad_input(api, admin, region, overrides, field):
    body = {"name": "Nieuw", "municipality": "Enschede", "parties": [region.corporation.pk, region.welfare.pk],
            "chain": [region.welfare.pk], **overrides}
    response = api.as_user(admin).post("/api/v1/convenants/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Convenant.objects.filter(name="Nieuw").exists()


def test_convenant_chain_must_be_parties(api, admin, region):
    body = {"name": "Nieuw", "municipality": "Enschede", "parties": [region.corporation.pk],
            "chain": [region.welfare.pk]}
    response = api.as_user(admin).post("/api/v1/convenants/", body, format="json")
    assert response.status_code == 400
    assert "chain" in response.json()
    response = api.as_user(admin).patch(f"/api/v1/convenants/{region.convenant.pk}/",
                                        {"chain": [region.corporation.pk]}, format="json")
    assert response.status_code == 400
    assert "chain" in response.json()
    assert api.as_user(admin).get("/api/v1/convenants/999999/").status_code == 404


def test_names_and_retention_beyond_their_limits_are_a_400_not_a_500(api, admin, region):
    client = api.as_user(admin)
    response = client.post("/api/v1/organisations/", {"name": "W" * 190, "kind": "welfare", "municipality": "Delft"},
                           format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert not Organisation.objects.filter(name="W" * 190).exists()
    response = client.post("/api/v1/convenants/", {
        "name": "Lange bewaring", "municipality": "Enschede", "retention_months": 3_000_000_000,
        "parties": [region.corporation.pk, region.debt_assistance.pk], "chain": [region.debt_assistance.pk],
    }, format="json")
    assert response.status_code == 400 and "retention_months" in response.json()
    assert not Convenant.objects.filter(name="Lange bewaring").exists()
