"""Scenario 11 through the UI (SCENARIOS.md): in one month the energy company, the water company and the
corporation send signals for the same address. The outreach team (the convenant's debt-assistance team) sees one
vroegsignaal case marked "Meervoudig" that shows the rent case's holder and status, not its notes; they pick it
up, send a letter, phone twice (not reached, then reached in the afternoon) and close it with "Vervolghulp en/of
verwijzing financieel". On a 390 px phone nothing scrolls sideways."""

import json
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from convenants.services import update_convenant
from signals import services as signal_services
from signals.models import SignalCase
from tests.browser import log_in
from tests.e2e.test_phone_layout import check_layout
from tests.factories import OrganisationFactory, UserFactory
from tests.signals.test_ddas_export import validate

SECRET_NOTE = "Huurder vertelde over zijn gokschulden"
TENANT = {"name": "Fam. Kartosen", "contract_ref": "HC-2026-1111", "street": "Lasondersingel",
          "house_number": "31", "postcode": "7514 BP", "city": "Enschede"}


def send(user, external_id, kind, amount, **extra):
    today = timezone.localdate()
    signal_services.submit_signals(user, {
        "external_id": external_id, "kind": kind, "name": "M. Kartosen", "street": TENANT["street"],
        "house_number": TENANT["house_number"], "postcode": TENANT["postcode"], "city": "Enschede",
        "amount": amount, "months_in_arrears": 2, "reference_date": today.isoformat(), **extra,
    })


def scenario_eleven(region):
    """The set-up through the services, as the senders and the corporation would do it."""
    update_convenant(region.convenant, outreach_organisation=region.debt_assistance, cbs_municipality_code="0153",
                     signal_minimums={"energy": 75, "water": 75})
    case = services.open_case(region.consultant, tenant=TENANT, arrears_amount="1280.00", months_in_arrears=2)
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached", notes=SECRET_NOTE)
    energy = UserFactory(username="signalen.energie", organisation=OrganisationFactory(
        name="Eneco Energie", kind="utility"))
    water = UserFactory(username="signalen.water", organisation=OrganisationFactory(
        name="Vitens Water", kind="utility"))
    send(energy, "ENECO-1", "energy", "312.00")
    send(water, "VITENS-1", "water", "148.00")
    send(region.consultant, "DOMIJN-1", "rent", "1280.00", contract_ref=TENANT["contract_ref"])
    case.refresh_from_db()
    return case


def open_menu_item(page, name):
    toggle = page.get_by_test_id("menu-toggle")
    if toggle.is_visible():
        toggle.click()
    page.locator("#site-menu").get_by_role("link", name=name).click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_scenario_eleven_outreach_on_a_phone(region, live_server, phone_page):
    case = scenario_eleven(region)
    signal_case = SignalCase.objects.get()
    page = phone_page
    log_in(page, live_server, region.debt_coach.username)

    open_menu_item(page, "Vroegsignalering")
    page.wait_for_url("**/vroegsignalering/")
    rows = page.locator("tr.case-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Meervoudig")
    expect(rows.first).to_contain_text("7514 BP 31")
    check_layout(page, "vroegsignalering worklist")

    # The whole card opens the case.
    rows.first.locator("a.case-link").click()
    page.wait_for_url(f"**/vroegsignalering/{signal_case.pk}/")
    check_layout(page, "vroegsignaal case")
    rent = page.get_by_test_id("rent-case")
    expect(rent).to_contain_text("Er loopt een huurachterstandsdossier bij Domijn")
    expect(rent).to_contain_text(case.get_status_display())
    expect(page.locator("main")).not_to_contain_text(SECRET_NOTE)
    expect(page.get_by_test_id("signal")).to_have_count(3)

    page.get_by_test_id("pick-up").click()
    page.wait_for_url(f"**/vroegsignalering/{signal_case.pk}/")
    expect(page.get_by_test_id("messages")).to_contain_text("Vroegsignaalzaak opgepakt.")
    expect(page.get_by_test_id("signal-case-status")).to_have_text("Opgepakt")

    for kind, reached, part in (("Brief", "no", None), ("Telefoon", "no", None), ("Telefoon", "yes", "Middag")):
        page.locator("#attempt > summary").click()
        page.select_option("#id_kind", kind)
        page.locator(f'label:has(input[name="reached"][value="{reached}"])').click()
        if part:
            page.select_option("#id_part_of_day", part)
        page.get_by_test_id("save-attempt").click()
        page.wait_for_url(f"**/vroegsignalering/{signal_case.pk}/")
        expect(page.get_by_test_id("messages")).to_contain_text("Contactpoging")
    attempts = page.get_by_test_id("signal-attempt")
    expect(attempts).to_have_count(3)
    expect(attempts.nth(0)).to_contain_text("Brief")
    expect(attempts.nth(1)).to_contain_text("niet bereikt")
    expect(attempts.nth(2)).to_contain_text("Middag")

    page.locator("#close > summary").click()
    page.select_option("#id_result", label="Vervolghulp en/of verwijzing financieel")
    page.locator("#id_refer").check()
    page.get_by_test_id("close-signal-case").click()
    page.wait_for_url(f"**/vroegsignalering/{signal_case.pk}/")
    expect(page.get_by_test_id("messages")).to_contain_text("Vroegsignaalzaak afgesloten.")
    expect(page.get_by_test_id("signal-case-result")).to_have_text("Vervolghulp en/of verwijzing financieel")
    expect(page.get_by_test_id("signal-case-status")).to_have_text("Opgepakt")
    expect(page.locator("#attempt")).to_have_count(0)
    check_layout(page, "closed vroegsignaal case")

    signal_case.refresh_from_db()
    assert signal_case.result == "Vervolghulp en/of verwijzing financieel" and signal_case.closed_at is not None
    assert list(signal_case.attempts.values_list("kind", "reached", "part_of_day")) == [
        ("Brief", False, ""), ("Telefoon", False, ""), ("Telefoon", True, "Middag")]

    # The end of the quarter: the regisseur downloads the DDAS report of the quarter from the figures page.
    page.context.clear_cookies()
    log_in(page, live_server, region.regisseur.username)
    open_menu_item(page, "Cijfers vroegsignalering")
    page.wait_for_url("**/signalen/cijfers/**")
    today = timezone.localdate()
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    form = page.get_by_test_id("ddas-form")
    form.locator("#ddas_from").fill(quarter.isoformat())
    form.locator("#ddas_to").fill(today.isoformat())
    with page.expect_download() as download:
        form.get_by_role("button").click()
    assert download.value.suggested_filename == f"ddas-0153-{quarter.isoformat()}-{today.isoformat()}.json"
    report = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    validate(report)  # against VNG Realisatie's v1.2 schema (tests/data/ddas)
    [delivery] = report["leveringen"]
    [zaak] = delivery["vroegsignaalzaken"]
    assert zaak["resultaat"] == "Vervolghulp en/of verwijzing financieel"
    assert [attempt["soort"] for attempt in zaak["contactpogingen"]] == ["Brief", "Telefoon", "Telefoon"]
    assert len(delivery["vroegsignalen"]) == 3 and "Kartosen" not in json.dumps(report)
