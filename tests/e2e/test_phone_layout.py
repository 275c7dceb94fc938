"""Issue 16: the product on a 390×844 phone. On every page a caseworker uses: the header is one row (a menu
button opens the navigation), every tap target is at least 44 px tall, nothing scrolls sideways; the whole case
card opens the case; a rejected form brings its first error into view with the cursor in it; the message after a
successful action is in view."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from tests.browser import log_in
from tests.factories import CaseFactory

HEADER_MAX = 72  # px: one row (brand, menu button, language)
TAP_MIN = 44

TAP_TARGETS = """(minimum) => {
  const selector = 'a, button, select, summary, textarea, input:not([type=checkbox]):not([type=radio]):not([type=hidden])';
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === 'hidden') continue;
    if (box.height < minimum - 0.5) small.push(`${element.outerHTML.slice(0, 90)} → ${Math.round(box.height)} px`);
  }
  return small;
}"""


def check_layout(page, what):
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= HEADER_MAX, f"{what}: the header is {header['height']} px tall"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{what}: the page is {width} px wide, it scrolls sideways"
    small = page.evaluate(TAP_TARGETS, TAP_MIN)
    assert not small, f"{what}: tap targets under {TAP_MIN} px: {small}"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_caseworker_page_fits_a_phone(region, live_server, phone_page):
    case = CaseFactory(
        corporation=region.corporation,
        tenant={"name": "Maria Magdalena van den Heuvel-Oosterbroek", "contract_ref": "HC-2026-0099",
                "street": "Burgemeester van Veenlaan", "house_number": "112", "postcode": "7514 BP",
                "city": "Enschede", "phone": "06-12345678",
                "email": "maria.magdalena.vandenheuvel-oosterbroek@voorbeeldprovider.example.nl"},
    )
    for _ in range(3):
        CaseFactory(corporation=region.corporation)
    services.plan_joint_visit(region.consultant, case, partner=region.debt_assistance,
                              planned_at=timezone.now() + timedelta(days=2))
    page = phone_page
    log_in(page, live_server, region.consultant.username)

    pages = {
        "worklist": "/",
        "case page": f"/casussen/{case.pk}/",
        "my cases": "/mijn-casussen/?team=1",
        "joint visits": "/huisbezoeken/",
        "new case": "/casussen/nieuw/",
        "contact attempt": f"/casussen/{case.pk}/contactpoging/",
    }
    for what, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        check_layout(page, what)
        # Every <details> opened, its contents count too.
        page.evaluate("() => document.querySelectorAll('.content details').forEach(d => d.open = true)")
        check_layout(page, f"{what}, every section open")

    # The menu button opens the navigation; its links are big enough.
    page.goto(f"{live_server.url}/")
    toggle = page.get_by_test_id("menu-toggle")
    expect(page.locator("#site-menu")).to_be_hidden()
    toggle.click()
    expect(page.locator("#site-menu")).to_be_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    check_layout(page, "worklist with the menu open")
    page.locator("#site-menu").get_by_role("link", name="Mijn casussen").click()
    page.wait_for_url("**/mijn-casussen/")

    # The whole card opens the case: tap its arrears, not the name.
    page.goto(f"{live_server.url}/?q=HC-2026-0099")
    # (A tap where the arrears are: the card's link covers the whole card, so it is what receives the tap.)
    box = page.locator(f'tr.case-row[data-case="{case.pk}"] td[data-label="Achterstand"]').bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/casussen/{case.pk}/")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_vroegsignalering_pages_fit_a_phone(region, live_server, phone_page):
    from tests.signals.test_signal_case_pages import outreach_case

    signal_case = outreach_case(region, kinds=("rent", "energy", "water", "cak_own_contribution"), crisis=True,
                                warm_handover=True, deadline_days=-1)
    outreach_case(region, house_number="112-3hoog", case_type="single", kinds=("health_insurance",))
    page = phone_page
    log_in(page, live_server, region.regisseur.username)  # the municipality does the outreach itself here
    for what, path in {"vroegsignalering": "/signalen/vroegsignalering/",
                       "vroegsignaal case": f"/signalen/vroegsignalering/{signal_case.pk}/"}.items():
        page.goto(f"{live_server.url}{path}")
        check_layout(page, what)
        page.evaluate("() => document.querySelectorAll('.content details').forEach(d => d.open = true)")
        check_layout(page, f"{what}, every section open")
    # The whole card opens the case: a tap on its attempts count, not on the address.
    page.goto(f"{live_server.url}/signalen/vroegsignalering/")
    cell = page.locator(f'tr.case-row[data-signal-case="{signal_case.pk}"] td').last
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/signalen/vroegsignalering/{signal_case.pk}/")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_errors_and_messages_are_in_view_on_a_phone(region, live_server, phone_page):
    case = CaseFactory(corporation=region.corporation)
    page = phone_page
    log_in(page, live_server, region.consultant.username)

    # A rejected new-case form: all its errors at once, the first one in view with the cursor in its field.
    page.goto(f"{live_server.url}/casussen/nieuw/")
    page.fill("#id_name", "A. Jansen")
    page.fill("#id_contract_ref", "HC-2026-7777")
    page.fill("#id_house_number", "3")
    page.fill("#id_postcode", "ABCD 12")
    page.fill("#id_arrears_amount", "-640")
    page.fill("#id_months_in_arrears", "-2")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    errors = page.locator(".field.has-error")
    assert errors.count() >= 3
    focused = page.evaluate("() => document.activeElement && document.activeElement.id")
    assert focused == page.locator(".field.has-error input").first.get_attribute("id")
    box = page.locator(".field.has-error").first.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844

    # A successful contact attempt: its message is in view on the page it lands on.
    page.goto(f"{live_server.url}/casussen/{case.pk}/contactpoging/")
    page.locator('label:has(input[name="channel"][value="phone"])').click()
    page.locator('label:has(input[name="outcome"][value="not_reached"])').click()
    page.locator("button[type=submit].big").click()
    page.wait_for_url(f"**/casussen/{case.pk}/*")
    message = page.locator(".messages .message.success").first
    expect(message).to_be_visible()
    box = message.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, box
    assert message.locator("button.dismiss").bounding_box()["height"] >= TAP_MIN
    message.locator("button.dismiss").click()
    expect(page.locator(".messages .message.success")).to_have_count(0)
