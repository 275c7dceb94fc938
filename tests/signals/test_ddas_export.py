"""The DDAS report (GET /api/v1/ddas/, the download on the figures page): an Uitwisselmodel that validates against
VNG Realisatie's v1.2 schema (tests/data/ddas, with its source), holds what happened, names households by
postcode and house number only, and is for the municipality's own managers only."""

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker

from convenants.models import Convenant
from tests.factories import ConvenantFactory, OrganisationFactory, UserFactory

from .vroeg_data import CBS_ENSCHEDE, HOUSEHOLD_NAME, QUARTER, build, hengelo_signal

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "ddas" / "json_schema_Uitwisselmodel.json")
                    .read_text(encoding="utf-8"))
API = "/api/v1/ddas/"
PERIOD = {"from": QUARTER[0].isoformat(), "to": QUARTER[1].isoformat()}

checker = FormatChecker()  # date and email as jsonschema checks them; date-time strictly as DDAS writes it


@checker.checks("date-time", raises=ValueError)
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", value):
        return False
    datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    return True


def validate(report):
    errors = sorted(Draft202012Validator(SCHEMA, format_checker=checker).iter_errors(report), key=str)
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors)


def get_report(api, user, params=PERIOD):
    return api.as_user(user).get(API, params)


@pytest.fixture
def cbs_code(region):
    Convenant.objects.filter(pk=region.convenant.pk).update(cbs_municipality_code=CBS_ENSCHEDE)


def test_the_schema_copy_is_a_valid_2020_12_schema_and_the_checker_checks_dates():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"].endswith("/v1.2/json_schema_Uitwisselmodel.json")
    validator = Draft202012Validator(SCHEMA, format_checker=checker)
    good = {"startdatumLevering": "2026-07-01", "einddatumLevering": "2026-09-30",
            "aanleverdatumEnTijd": "2026-10-01T08:00:00Z", "codeGegevensleverancier": "X"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "startdatumLevering": "2026-02-30"})
    assert not validator.is_valid({**good, "aanleverdatumEnTijd": "2026-10-01 08:00"})
    assert not validator.is_valid({**good, "aanleverdatumEnTijd": "2026-13-01T08:00:00Z"})


def test_an_empty_period_is_a_valid_delivery(api, region, cbs_code):
    response = get_report(api, region.regisseur)
    assert response.status_code == 200, response.content
    report = response.json()
    validate(report)
    assert report["startdatumLevering"] == "2026-07-01" and report["einddatumLevering"] == "2026-09-30"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["aanleverdatumEnTijd"])
    assert report["codeGegevensleverancier"]
    [delivery] = report["leveringen"]
    assert delivery["teller"] == 1 and delivery["gemeentecode"] == "0153"
    assert delivery["aanleverendeOrganisatie"]["naam"] == "Gemeente Enschede"
    assert {"naam": "regisseur", "email": "regisseur@example.org", "functietitel": "Manager"} in (
        delivery["aanleverendeOrganisatie"]["contactpersonen"])
    assert delivery["vroegsignalen"] == [] and delivery["vroegsignaalzaken"] == []


def test_the_report_validates_and_holds_what_happened(api, region, settings):
    settings.DDAS_SUPPLIER_CODE = "TEST-LEVERANCIER"
    data = build(region)
    other = hengelo_signal()
    response = get_report(api, region.regisseur)
    assert response.status_code == 200, response.content
    report = response.json()
    validate(report)
    assert report["codeGegevensleverancier"] == "TEST-LEVERANCIER"
    [delivery] = report["leveringen"]
    signals = {signal["ID"]: signal for signal in delivery["vroegsignalen"]}
    s = {key: str(signal.pk) for key, signal in data.signals.items()}
    assert set(signals) == set(s.values())  # Hengelo's signal is not Enschede's
    assert str(other.pk) not in signals

    a_energy = signals[s["a_energy"]]
    assert a_energy == {
        "ID": s["a_energy"], "crisissignaal": True, "warmeOverdracht": False, "bedrag": 312,
        "ontstaansdatum": "2026-06-01", "signaaldatum": "2026-08-05",
        "status": "Opgepakt", "signaalpartner": {"type": "Energie"},
        "client": {"postcode": "7511AA", "huisnummer": "12", "huisnummertoevoeging": "A"},
    }
    a_health = signals[s["a_health"]]
    assert a_health["bedrag"] == 151 and a_health["signaalpartner"] == {"type": "Zorg"}  # 150.50: half up
    assert a_health["client"] == a_energy["client"] and "ontstaansdatum" not in a_health
    b_rent = signals[s["b_rent"]]
    assert b_rent["warmeOverdracht"] is True and b_rent["crisissignaal"] is False
    assert b_rent["status"] == "Nog niet opgepakt" and b_rent["signaalpartner"] == {"type": "Huur"}
    assert b_rent["client"] == {"postcode": "7511BB", "huisnummer": "3"}  # no addition: no key
    c_energy = signals[s["c_energy"]]
    assert c_energy["status"] == "Niet opgepakt: andere reden" and c_energy["bedrag"] == 75  # 74.50 below 75

    cases = {tuple(ref["ID"] for ref in case["vroegsignalen"]): case for case in delivery["vroegsignaalzaken"]}
    assert set(cases) == {tuple(sorted((s["a_energy"], s["a_health"]), key=int)), (s["b_rent"],)}
    a = cases[tuple(sorted((s["a_energy"], s["a_health"]), key=int))]
    case_a = data.cases["a"]
    assert a["resultaat"] == "Vervolghulp en/of verwijzing financieel"
    assert a["startdatumMatchingperiode"] == case_a.period_start.isoformat() == "2026-08-01"
    assert a["einddatumMatchingperiode"] == case_a.period_end.isoformat()
    assert a["matchingsdatum"] == case_a.matched_on.isoformat()
    assert a["datumOpgepakt"] == case_a.picked_up_on.isoformat()
    assert a["contactpogingen"] == [
        {"soort": "Telefoon", "bereikt": False, "datum": "2026-09-01", "dagdeel": "Ochtend"},
        {"soort": "Huisbezoek", "bereikt": True, "datum": "2026-09-03"},
    ]
    b = cases[(s["b_rent"],)]
    assert "resultaat" not in b and "datumOpgepakt" not in b and b["contactpogingen"] == []

    text = json.dumps(report, ensure_ascii=False)
    assert "burgerservicenummer" not in text
    assert not re.search(r"(?<![0-9])[0-9]{9}(?![0-9])", text), "a 9-digit number (a BSN?) in the report"
    assert HOUSEHOLD_NAME not in text and "geslachtsaanduiding" not in text and "geboortedatum" not in text


def test_every_signal_a_case_refers_to_is_in_the_delivery(api, region):
    """A period that ends before a case's later signal (household A's insurer signal of 10 August, a case of the
    period starting 1 August): the signal is delivered too, so no reference points outside the file."""
    build(region)
    report = get_report(api, region.regisseur, {"from": "2026-08-01", "to": "2026-08-07"}).json()
    validate(report)
    [delivery] = report["leveringen"]
    delivered = {signal["ID"] for signal in delivery["vroegsignalen"]}
    referred = {ref["ID"] for case in delivery["vroegsignaalzaken"] for ref in case["vroegsignalen"]}
    assert referred and referred <= delivered
    assert len(referred) == 2


def test_a_case_whose_signals_were_removed_is_left_out(api, region):
    data = build(region)
    data.signals["b_rent"].delete()
    report = get_report(api, region.regisseur).json()
    validate(report)
    [delivery] = report["leveringen"]
    assert len(delivery["vroegsignaalzaken"]) == 1
    assert str(data.signals["b_rent"].pk) not in json.dumps(report)


def test_the_outreach_organisation_of_the_convenant_delivers(api, region, cbs_code):
    Convenant.objects.filter(pk=region.convenant.pk).update(outreach_organisation=region.debt_assistance)
    report = get_report(api, region.regisseur).json()
    validate(report)
    assert report["leveringen"][0]["aanleverendeOrganisatie"]["naam"] == "Schuldhulp Enschede"


@pytest.mark.parametrize("who", ["caseworker", "debt_manager", "corporation_manager", "creditor"])
def test_only_the_municipality_manager_gets_the_report(api, region, cbs_code, who):
    user = {
        "caseworker": lambda: UserFactory(username="gemeente-medewerker", organisation=region.municipality),
        "debt_manager": lambda: region.debt_manager,
        "corporation_manager": lambda: region.corporation_manager,
        "creditor": lambda: UserFactory(username="eneco", organisation=OrganisationFactory(
            name="Eneco", kind="utility"), organisation__role="manager"),
    }[who]()
    response = get_report(api, user)
    assert response.status_code == 403
    assert "leveringen" not in response.json()


def test_another_municipality_reports_only_its_own(api, region):
    build(region)
    hengelo = OrganisationFactory(name="Gemeente Hengelo", kind="municipality", municipality="Hengelo")
    ConvenantFactory(name="Convenant Hengelo", municipality="Hengelo", parties=[hengelo])
    Convenant.objects.filter(name="Convenant Hengelo").update(cbs_municipality_code="0164")
    signal = hengelo_signal()
    manager = UserFactory(username="regisseur-hengelo", organisation=hengelo, organisation__role="manager")
    report = get_report(api, manager).json()
    validate(report)
    [delivery] = report["leveringen"]
    assert delivery["gemeentecode"] == "0164"
    assert [s["ID"] for s in delivery["vroegsignalen"]] == [str(signal.pk)]
    assert "regisseur@example.org" not in json.dumps(report)


@pytest.mark.parametrize(("params", "field"), [
    ({"to": "2026-09-30"}, "from"),
    ({"from": "2026-07-01"}, "to"),
    ({"from": "1 juli", "to": "2026-09-30"}, "from"),
    ({"from": "2026-10-01", "to": "2026-09-30"}, "from"),
    ({"from": "2025-07-01", "to": "2026-07-01"}, "to"),  # a day more than a year
    ({"from": "0001-01-01", "to": "2026-09-30"}, "from"),
])
def test_a_bad_period_is_a_400_naming_the_field(api, region, cbs_code, params, field):
    response = get_report(api, region.regisseur, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_full_year_is_allowed(api, region, cbs_code):
    response = get_report(api, region.regisseur, {"from": "2025-07-01", "to": "2026-06-30"})
    assert response.status_code == 200


def test_a_convenant_without_cbs_code_is_a_400_naming_it(api, region):
    response = get_report(api, region.regisseur)
    assert response.status_code == 400
    body = response.json()
    assert "convenant" in body and "Convenant Vroegsignalering Enschede" in body["convenant"][0]


def test_the_download_is_an_attachment_of_the_same_report(client, region):
    build(region)
    client.force_login(region.regisseur)
    response = client.get(reverse("signals:ddas"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="ddas-0153-2026-07-01-2026-09-30.json"'
    report = json.loads(response.content)
    validate(report)
    assert len(report["leveringen"][0]["vroegsignalen"]) == 4


def test_a_refused_download_shows_the_reason_on_the_figures_page(client, region):
    client.force_login(region.regisseur)
    response = client.get(reverse("signals:ddas"), PERIOD)  # the convenant has no CBS code
    assert response.status_code == 400
    assert "Convenant Vroegsignalering Enschede" in response.content.decode()
    response = client.get(reverse("signals:ddas"), {"from": "2026-10-01", "to": "2026-09-30"})
    assert response.status_code == 400
    assert 'data-testid="ddas-form"' in response.content.decode()


def test_the_download_is_refused_to_others(client, region, cbs_code):
    client.force_login(region.corporation_manager)
    response = client.get(reverse("signals:ddas"), PERIOD)
    assert response.status_code == 403
    assert "leveringen" not in response.content.decode()
