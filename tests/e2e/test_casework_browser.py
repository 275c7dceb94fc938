"""A tenant consultant on a phone during a home visit: find the case in the Werkvoorraad, open it, log the visit."""

import pytest
from playwright.sync_api import expect

from cases.models import ContactAttempt
from tests.browser import log_in
from tests.factories import CaseFactory


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_consultant_logs_a_home_visit_on_a_phone(region, live_server, phone_page):
    case = CaseFactory(
        corporation=region.corporation,
        tenant={
            "name": "Fatima el Amrani",
            "contract_ref": "HC-2026-0042",
            "street": "Lasondersingel",
            "house_number": "12",
            "postcode": "7514 BP",
            "city": "Enschede",
        },
    )
    CaseFactory(corporation=region.corporation)  # another case, filtered out by the search
    page = phone_page
    log_in(page, live_server, region.consultant.username)

    # The worklist is the start page after logging in; search by contract number.
    page.fill("#id_q", "HC-2026-0042")
    page.press("#id_q", "Enter")
    page.wait_for_url(lambda url: "q=HC-2026-0042" in url)
    results = page.locator("#worklist-results")
    expect(results.locator("tr.case-row")).to_have_count(1)
    results.get_by_role("link", name="Fatima el Amrani").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")

    page.locator(f'a[href="/casussen/{case.pk}/contactpoging/"]').first.click()
    page.wait_for_url(f"**/casussen/{case.pk}/contactpoging/")
    # Big touch targets: the whole label is the target.
    page.locator('label:has(input[name="channel"][value="home_visit"])').click()
    page.locator('label:has(input[name="outcome"][value="reached"])').click()
    assert page.locator('input[name="channel"][value="home_visit"]').is_checked()
    assert page.locator('input[name="outcome"][value="reached"]').is_checked()
    page.fill("#id_notes", "Huurder thuis getroffen, baan kwijt")
    page.locator("button[type=submit].big").click()
    page.wait_for_url(f"**/casussen/{case.pk}/*")

    timeline = page.locator("#timeline .event-contact_attempt")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("Huurder thuis getroffen, baan kwijt")
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.channel, attempt.outcome, attempt.user_id) == ("home_visit", "reached", region.consultant.pk)
