"""GET /api/v1/dashboard/: who may see which figures, and bad input answers 400, never 500."""

import pytest

from convenants.models import Convenant
from tests.factories import ConvenantFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/dashboard/"
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


def test_without_credentials_401(api):
    assert api.get(URL).status_code == 401


@pytest.mark.parametrize("who", ["consultant", "debt_coach", "welfare_worker", "unrelated_worker"])
def test_caseworkers_get_403(api, region, who):
    response = api.as_user(getattr(region, who)).get(URL, PERIOD)
    assert response.status_code == 403
    assert "detail" in response.json()
    # Not a manager: 403 before any filter is looked at.
    assert api.get(URL, {"from": "not-a-date"}).status_code == 403


def test_manager_gets_its_own_figures(api, region, dataset):
    response = api.as_user(region.corporation_manager).get(URL, PERIOD)
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert data["scope"]["organisation"] == {"id": region.corporation.pk, "name": "Domijn"}
    assert data["first_contact"]["opened"] == 9
    assert data["evictions"]["executed"] == [0, 0, 1]
    assert data["resolution"]["cases"] == 3
    # Own organisation named explicitly is the same answer.
    again = api.get(URL, {**PERIOD, "organisation": region.corporation.pk}).json()
    assert again["first_contact"] == data["first_contact"]


def test_manager_never_gets_another_organisations_figures(api, region, dataset):
    client = api.as_user(region.corporation_manager)
    assert client.get(URL, {**PERIOD, "organisation": region.other_corporation.pk}).status_code == 403
    assert client.get(URL, {**PERIOD, "organisation": region.debt_assistance.pk}).status_code == 403
    # Ons Huis's €5000 case X is never in Domijn's figures.
    data = client.get(URL, PERIOD).json()
    assert data["arrears"]["total"] == "8900.00"
    assert all(b["key"] != "gte_2500" or b["count"] == 2 for b in data["arrears"]["buckets"])


def test_convenant_filter_only_own_convenants(api, region, dataset):
    foreign = ConvenantFactory(name="Convenant Hengelo", municipality="Hengelo", parties=[region.unrelated])
    client = api.as_user(region.corporation_manager)
    assert client.get(URL, {**PERIOD, "convenant": foreign.pk}).status_code == 403
    own = client.get(URL, {**PERIOD, "convenant": region.convenant.pk})
    assert own.status_code == 200
    assert own.json()["scope"]["convenant"]["id"] == region.convenant.pk
    assert Convenant.objects.count() == 2


def test_municipality_manager_gets_no_personal_data(api, region, dataset):
    response = api.as_user(region.regisseur).get(URL, PERIOD)
    assert response.status_code == 200
    data = response.json()
    assert data["links"] is None
    assert data["scope"]["personal_data"] is False
    body = response.content.decode()
    for case in dataset.cases.values():
        assert case.tenant.name not in body
        assert case.tenant.contract_ref not in body
        assert case.tenant.postcode not in body
    # A party of its convenant: allowed; an organisation outside its municipality: 403.
    assert api.get(URL, {**PERIOD, "organisation": region.other_corporation.pk}).status_code == 200
    assert api.get(URL, {**PERIOD, "organisation": region.unrelated.pk}).status_code == 403


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "gisteren"}, "to"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from"),
        ({"from": "2010-01-01", "to": "2026-03-01"}, "from"),
        ({"organisation": "abc"}, "organisation"),
        ({"convenant": "-1"}, "convenant"),
    ],
)
def test_bad_filters_answer_400_with_the_field(api, region, params, field):
    response = api.as_user(region.corporation_manager).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_schema_describes_the_dashboard():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=[path("api/v1/", include("cases.api.dashboard"))]).get_schema(public=True)
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "organisation", "convenant"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][response.rsplit("/", 1)[1]]["properties"]
    assert {"open_cases", "arrears", "first_contact", "pickup_by_partner", "escalations", "evictions", "resolution",
            "households_several_kinds"} <= properties.keys()


def test_figures_are_a_snapshot_that_says_when(api, region, settings):
    from tests.factories import CaseFactory

    client = api.as_user(region.corporation_manager)
    first = client.get(URL).json()
    CaseFactory(corporation=region.corporation)
    again = client.get(URL).json()
    assert again["computed_at"] == first["computed_at"]
    assert again["open_cases"]["total"] == first["open_cases"]["total"] == 0
    settings.DASHBOARD_SNAPSHOT_SECONDS = 0
    fresh = client.get(URL).json()
    assert fresh["open_cases"]["total"] == 1
    assert fresh["computed_at"] > first["computed_at"]
