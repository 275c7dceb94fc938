"""The tenant's data export (AVG right of access, API.md GET /api/v1/tenants/{id}/export/): across all of a tenant's
cases and the household's signals. The corporation's managers get their corporation's cases with the signals it
sent; the household's other creditors' signals go to the municipality (Wgs), never to the landlord; everyone else
gets 404. Each export is written to the access log; the page prints in Dutch and offers the JSON download."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import AccessLog, Tenant
from partners.models import SecurityEvent
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNALS = "/api/v1/signals/"
CASE_NOTE = "Huurder vertelde over schulden bij familie."
ATTEMPT_NOTE = "Voicemail ingesproken, terugbelverzoek."
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def url(tenant):
    return f"/api/v1/tenants/{tenant.pk}/export/"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def household(region, api):
    """A tenant of Domijn with a closed and an open case, Domijn's rent signal, an Eneco and a Menzis signal."""
    tenant_fields = {"name": "Fatima el Amrani", "contract_ref": "HO-000001", "street": "Lasondersingel",
                     "house_number": "12A", "postcode": "7514 BP", "city": "Enschede", "phone": "0612345678"}
    first = services.open_case(region.consultant, tenant=tenant_fields, arrears_amount="640.00", months_in_arrears=1)
    services.log_contact_attempt(region.consultant, first, channel="phone", outcome="not_reached", notes=ATTEMPT_NOTE)
    services.add_note(region.consultant, first, text=CASE_NOTE)
    services.close_case(region.consultant, first, outcome="resolved")
    second = services.open_case(region.consultant, tenant=tenant_fields, arrears_amount="910.00", months_in_arrears=2)
    eneco = OrganisationFactory(name="Eneco", kind="utility", municipality="Enschede")
    menzis = OrganisationFactory(name="Menzis", kind="health_insurer", municipality="Enschede")
    body = {"postcode": "7514bp", "house_number": "12 a", "name": "F. el Amrani", "contract_ref": "",
            "reference_date": "2025-03-01", "months_in_arrears": 3}
    for worker, signal in (
        (region.consultant, {**body, "external_id": "DOM-1", "kind": "rent", "contract_ref": "HO-000001",
                             "amount": "910.00", "months_in_arrears": 2}),
        (UserFactory(username="eneco", organisation=eneco), {**body, "external_id": "EN-77", "kind": "energy",
                                                             "amount": "412.50"}),
        (UserFactory(username="menzis", organisation=menzis), {**body, "external_id": "ZV-9",
                                                               "kind": "health_insurance", "amount": "366.00"}),
    ):
        answer = api.as_user(worker).post(SIGNALS, signal, format="json")
        assert answer.status_code == 201 and answer.json()["accepted"] == 1, answer.content
    api.force_authenticate(user=None)
    tenant = Tenant.objects.get(contract_ref="HO-000001")
    assert tenant.signals.count() == 3
    return tenant, first, second


def exports(user, what=AccessLog.What.EXPORT):
    return sorted(AccessLog.objects.filter(user=user, what=what).values_list("case_id", flat=True))


def test_the_corporation_manager_exports_every_case_with_the_signals_it_sent(api, region, household):
    tenant, first, second = household
    answer = api.as_user(region.corporation_manager).get(url(tenant))
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["scope"] == "full" and data["organisation"] == "Domijn"
    assert data["tenant"]["name"] == "Fatima el Amrani" and data["tenant"]["phone"] == "0612345678"
    assert [block["case"]["id"] for block in data["cases"]] == [first.pk, second.pk]
    closed = data["cases"][0]
    assert [attempt["notes"] for attempt in closed["contact_attempts"]] == [ATTEMPT_NOTE]
    assert CASE_NOTE in [event["description"] for event in closed["timeline"]]
    # The signals its corporation sent; the energy company's and the insurer's are the municipality's (Wgs).
    assert [(s["source"], s["kind"], s["amount"]) for s in data["signals"]] == [("Domijn", "rent", "910.00")]
    assert "Eneco" not in answer.content.decode() and "Menzis" not in answer.content.decode()
    assert exports(region.corporation_manager) == sorted([first.pk, second.pk])


def test_the_municipality_manager_exports_the_households_signals_without_the_case_file(api, region, household):
    tenant, first, second = household
    answer = api.as_user(region.regisseur).get(url(tenant))
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["scope"] == "signals" and data["cases"] == []
    assert sorted((s["source"], s["kind"], s["amount"]) for s in data["signals"]) == [
        ("Domijn", "rent", "910.00"), ("Eneco", "energy", "412.50"), ("Menzis", "health_insurance", "366.00"),
    ]
    assert set(data["tenant"]) == {"id", "name", "house_number", "postcode"}
    text = answer.content.decode()
    for secret in (CASE_NOTE, ATTEMPT_NOTE, "0612345678", "Lasondersingel"):
        assert secret not in text
    # Written down beside the other reads of this household's data.
    assert exports(region.regisseur) == sorted([first.pk, second.pk])
    assert set(AccessLog.objects.filter(user=region.regisseur).values_list("organisation", flat=True)) == {
        region.municipality.pk
    }


def test_a_household_without_a_case_is_exported_to_the_security_log(api, region):
    eneco = OrganisationFactory(name="Eneco", kind="utility", municipality="Enschede")
    worker = UserFactory(username="eneco", organisation=eneco)
    api.as_user(worker).post(SIGNALS, {"external_id": "EN-1", "kind": "energy", "name": "J. Jansen",
                                       "postcode": "7511AA", "house_number": "3", "amount": "200.00",
                                       "months_in_arrears": 2, "reference_date": "2025-03-01"}, format="json")
    household = Tenant.objects.get(corporation__isnull=True)
    answer = api.as_user(region.regisseur).get(url(household))
    assert answer.status_code == 200 and [s["source"] for s in answer.json()["signals"]] == ["Eneco"]
    event = SecurityEvent.objects.get(kind="exported", user=region.regisseur)
    assert event.detail["tenant"] == household.pk and "Jansen" not in str(event.detail) + event.object_repr
    # A corporation has nothing to export of a household that is not its tenant.
    assert api.as_user(region.corporation_manager).get(url(household)).status_code == 404


@pytest.mark.parametrize("who", ["consultant", "other_consultant", "debt_coach", "debt_manager", "welfare_manager",
                                 "unrelated_worker"])
def test_anyone_else_gets_404(api, region, household, who):
    tenant, _first, _second = household
    answer = api.as_user(getattr(region, who)).get(url(tenant))
    assert answer.status_code == 404
    assert "Amrani" not in answer.content.decode()
    assert not AccessLog.objects.filter(user=getattr(region, who), what=AccessLog.What.EXPORT).exists()


def test_another_corporations_manager_and_another_municipality_get_404(api, region, household):
    tenant, _first, _second = household
    other_manager = UserFactory(username="onshuis-manager", organisation=region.other_corporation,
                                organisation__role="manager")
    elsewhere = UserFactory(username="hengelo", organisation=OrganisationFactory(
        name="Gemeente Hengelo", kind="municipality", municipality="Hengelo"), organisation__role="manager")
    assert api.as_user(other_manager).get(url(tenant)).status_code == 404
    assert api.as_user(elsewhere).get(url(tenant)).status_code == 404
    assert api.as_user(region.corporation_manager).get("/api/v1/tenants/999999/export/").status_code == 404
    assert api.as_user(region.corporation_manager).get("/api/v1/tenants/abc/export/").status_code == 404


def test_without_credentials_401(api, household):
    tenant, _first, _second = household
    assert api.get(url(tenant)).status_code == 401


def test_the_case_export_keeps_its_shape_and_carries_the_signals_the_reader_sent(api, region, household):
    tenant, first, second = household
    answer = api.as_user(region.consultant).get(f"/api/v1/cases/{first.pk}/export/")
    assert answer.status_code == 200
    data = answer.json()
    assert {"exported_at", "case", "contact_attempts", "arrangements", "handovers", "joint_visits", "escalations",
            "eviction_proposals", "signals", "timeline", "accessed"} <= set(data)
    # The rent signal came after the first case closed: it belongs to the household, and Domijn sent it.
    assert [(s["source"], s["kind"]) for s in data["signals"]] == [("Domijn", "rent")]
    assert AccessLog.objects.filter(user=region.consultant, case=first, what=AccessLog.What.EXPORT).exists()


def test_the_schema_documents_the_tenant_export(api, region):
    schema = api.as_user(region.corporation_manager).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/tenants/{id}/export/"]["get"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
    assert next(p for p in operation["parameters"] if p["name"] == "id")["schema"]["type"] == "integer"


# --- the page -----------------------------------------------------------------------------------------------------


def test_the_corporation_manager_finds_the_tenant_and_prints_the_export_in_dutch(client, region, household):
    tenant, first, second = household
    client.force_login(region.corporation_manager)
    case_page = client.get(reverse("cases:detail", args=[second.pk]))
    export_link = reverse("cases:tenant_export", args=[tenant.pk])
    assert f'href="{export_link}"' in case_page.content.decode()

    for q in ("amrani", "HO-000001", "7514bp"):
        found = client.get(reverse("cases:tenant_search"), {"q": q})
        assert found.status_code == 200 and export_link in found.content.decode(), q

    with translation.override("nl"):
        page = client.get(export_link, HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Persoonsgegevens van" in html and "Contactpogingen" in html and "Tijdlijn" in html
    assert CASE_NOTE in html and ATTEMPT_NOTE in html
    assert html.count('data-testid="export-case"') == 2
    assert "Eneco" not in html
    # Printable under the Content-Security-Policy: no inline style or script; the print rules are in app.css.
    assert not re.search(r"\sstyle=", html) and not re.search(r"<script(?![^>]*\bsrc=)", html)
    css = CSS.read_text()
    assert "@media print" in css and ".no-print" in css.split("@media print", 1)[1]
    assert AccessLog.objects.filter(user=region.corporation_manager, what=AccessLog.What.EXPORT).count() == 2

    # The JSON download from the page, with the session.
    download = re.search(r'data-testid="export-json" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    answer = client.get(download)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert answer["Content-Disposition"].startswith("attachment;")
    assert [block["case"]["id"] for block in answer.json()["cases"]] == [first.pk, second.pk]


def test_the_municipality_page_shows_the_signals_and_no_case_file(client, region, household):
    tenant, first, _second = household
    client.force_login(region.regisseur)
    found = client.get(reverse("cases:tenant_search"), {"q": "7514 BP"})
    assert reverse("cases:tenant_export", args=[tenant.pk]) in found.content.decode()
    with translation.override("nl"):
        page = client.get(reverse("cases:tenant_export", args=[tenant.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    html = page.content.decode()
    assert page.status_code == 200 and "Eneco" in html and "Menzis" in html
    assert CASE_NOTE not in html and ATTEMPT_NOTE not in html and 'data-testid="export-case"' not in html


def test_the_page_is_404_or_403_for_anyone_else(client, region, household):
    tenant, first, _second = household
    for user in (region.consultant, region.other_consultant, region.debt_manager):
        client.force_login(user)
        assert client.get(reverse("cases:tenant_export", args=[tenant.pk])).status_code == 404
        assert client.get(reverse("cases:tenant_search"), {"q": "Amrani"}).status_code == 403
    client.force_login(region.consultant)
    case_page = client.get(reverse("cases:detail", args=[first.pk])).content.decode()
    assert reverse("cases:tenant_export", args=[tenant.pk]) not in case_page
    client.force_login(UserFactory(username="onshuis-manager", organisation=region.other_corporation,
                                   organisation__role="manager"))
    found = client.get(reverse("cases:tenant_search"), {"q": "Amrani"})
    assert found.status_code == 200 and 'data-testid="tenant-results"' not in found.content.decode()
