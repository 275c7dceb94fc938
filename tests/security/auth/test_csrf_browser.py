"""In Chromium: the CSRF cookie is out of reach of scripts, and an htmx POST passes CSRF on the token the page
gives htmx (hx-headers on <body>), also without the form's hidden token field."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.models import HandoverStatus
from tests.browser import log_in
from tests.factories import CaseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_htmx_accept_passes_csrf_with_an_httponly_cookie(live_server, desktop_page, region):
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant,
                       opened_at=timezone.now() - timedelta(days=6))
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt.", tenant_consent=True)

    page = desktop_page
    log_in(page, live_server, region.debt_coach.username)
    page.goto(f"{live_server.url}/inbox/")
    row = page.locator(f"#offer-{handover.pk}")
    row.wait_for()

    cookie = next(c for c in page.context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME)
    assert cookie["httpOnly"]
    assert settings.CSRF_COOKIE_NAME not in page.evaluate("document.cookie")

    # Only the header can carry the token now.
    page.evaluate("document.querySelectorAll('input[name=csrfmiddlewaretoken]').forEach(e => e.remove())")
    with page.expect_response(lambda r: r.request.method == "POST" and "/accepteren/" in r.url) as answer:
        row.locator('[data-testid="accept"]').click()
    assert answer.value.status == 200
    assert answer.value.request.headers["x-csrftoken"]
    page.locator('[data-testid="offer-accepted"]').wait_for()
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED
