"""A debt coach opens the inbox, reads the dossier, accepts in place (HTMX), and finds the case under
"Mijn casussen". Selectors use ids and data attributes, so the test holds in Dutch and English."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from tests.browser import log_in
from tests.factories import CaseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_debt_coach_reads_the_dossier_and_accepts(live_server, desktop_page, region):
    now = timezone.now()
    case = CaseFactory(
        corporation=region.corporation,
        convenant=region.convenant,
        opened_at=now - timedelta(days=6),
        tenant={"name": "Fam. Yilmaz", "contract_ref": "DJ-9001", "street": "Oldenzaalsestraat",
                "house_number": "40", "postcode": "7511 DZ", "city": "Enschede", "phone": "0687654321"},
    )
    for days_ago, channel in ((5, "phone"), (4, "whatsapp"), (3, "home_visit")):
        services.log_contact_attempt(region.consultant, case, channel=channel, outcome="not_reached",
                                     at=now - timedelta(days=days_ago), notes=f"Poging via {channel}")
    handover = services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt.", tenant_consent=True)

    page = desktop_page
    log_in(page, live_server, region.debt_coach.username)
    page.goto(f"{live_server.url}/inbox/")
    row = page.locator(f"#offer-{handover.pk}")
    row.wait_for()
    assert "Fam. Yilmaz" in row.inner_text()
    assert page.locator('[data-testid="unread-count"]').inner_text().strip() == "1"

    row.locator("details > summary").click()
    dossier = row.locator('[data-testid="dossier"]')
    dossier.wait_for(state="visible")
    assert row.locator('[data-testid="dossier-attempt"]').count() == 3
    assert "Poging via whatsapp" in dossier.inner_text()
    assert "0687654321" in dossier.inner_text()

    row.locator('[data-testid="accept"]').click()
    page.locator('[data-testid="offer-accepted"]').wait_for()
    assert page.url.endswith("/inbox/")  # swapped in place, no page load

    page.goto(f"{live_server.url}/mijn-casussen/")
    table = page.locator('[data-testid="my-cases"]')
    table.wait_for()
    assert table.locator(f'tr[data-case="{case.pk}"]').count() == 1
    assert "Fam. Yilmaz" in table.inner_text()
