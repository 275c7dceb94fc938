"""The Content-Security-Policy holds in Chromium: every page of the product, the API docs and the admin load and
work with no violation reported (a `securitypolicyviolation` event or Chrome's console line), and nothing is
fetched from another origin. The production build runs the same check against gunicorn with DEBUG off
(tests/e2e/test_production_build.py)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import DESKTOP, log_in, wait_for_charts
from tests.factories import CaseFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# Reports every violation to the test, across navigations (the function is bound to the browser context).
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation([event.violatedDirective, event.blockedURI, event.sourceFile + ":" + event.lineNumber,
                       event.sample, location.pathname].join(" | "));
});
"""


class Watched:
    def __init__(self, browser, live_server):
        self.origin = live_server.url
        self.violations = []
        self.foreign = []
        self.errors = []
        self.context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", **DESKTOP)
        self.context.expose_function("cspViolation", lambda text: self.violations.append(text))
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.page.on("request", self._request)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"console on {self.page.url}: {message.text}")

    def _request(self, request):
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.foreign.append(request.url)

    def sign_in_as(self, user):
        client = Client()
        client.force_login(user)
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
              "url": self.origin}]
        )

    def visit(self, path):
        response = self.page.goto(self.origin + path)
        self.page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers

    def assert_clean(self):
        assert not self.violations, "CSP violations:\n" + "\n".join(self.violations)
        assert not self.foreign, "requests to another origin:\n" + "\n".join(self.foreign)
        assert not self.errors, "script errors:\n" + "\n".join(self.errors)


@pytest.fixture
def watched(browser, live_server):
    watched = Watched(browser, live_server)
    yield watched
    watched.context.close()


def charts_drawn(page):
    wait_for_charts(page)


def test_product_pages_keep_the_policy(region, live_server, watched):
    from cases import services

    case = CaseFactory(corporation=region.corporation)
    for accept in (True, False):  # an accepted handover (the dashboard's pickup chart), one still in the inbox
        handover = services.offer_handover(region.consultant, CaseFactory(corporation=region.corporation),
                                           to_organisation=region.debt_assistance, summary="Niet bereikt",
                                           tenant_consent=True)
        if accept:
            services.accept_handover(region.debt_coach, handover)
    page = watched.page

    # The login form itself, posted as a person does (form-action 'self').
    log_in(page, live_server, region.consultant.username)
    assert "/accounts/login/" not in page.url
    assert page.locator("#worklist-results tr.case-row").count() >= 2
    # The worklist's live filter (htmx, no eval): typing narrows the list.
    page.fill("#id_q", case.tenant.contract_ref)
    page.wait_for_function("() => document.querySelectorAll('#worklist-results tr.case-row').length === 1")
    watched.visit(f"/casussen/{case.pk}/")
    assert page.locator("#timeline li").count() > 0
    # The language choice sends its form from static/js/app.js, not from an inline handler.
    # The change posts the form and the page reloads: wait for the reloaded page, not for the network to rest.
    page.select_option("select[name=language]", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.select_option("select[name=language]", "nl")
    page.wait_for_function("() => document.documentElement.lang === 'nl'")

    watched.sign_in_as(region.corporation_manager)
    watched.visit("/dashboard/")
    charts_drawn(page)

    watched.sign_in_as(region.debt_coach)
    watched.visit("/inbox/")
    assert page.locator("[data-testid=inbox]").count() == 1
    watched.assert_clean()


def test_api_docs_render_under_the_policy(region, live_server, watched):
    watched.sign_in_as(region.consultant)
    page = watched.page
    watched.visit("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Huurachterstand API")

    watched.visit("/api/redoc/")
    page.wait_for_selector("#redoc-container [data-section-id]", timeout=30_000)
    assert "Huurachterstand API" in page.inner_text("#redoc-container")
    page.fill("#redoc-container input[placeholder]", "signal")  # the search runs in Redoc's worker
    page.wait_for_selector("#redoc-container [role=search] li, #redoc-container [data-role='search:results'] li",
                           timeout=15_000)
    watched.assert_clean()


def test_admin_works_under_the_policy(region, live_server, watched):
    admin = UserFactory(username="beheerder", organisation=region.municipality, is_staff=True, is_superuser=True)
    watched.sign_in_as(admin)
    page = watched.page
    watched.visit("/admin/")
    watched.visit("/admin/partners/organisation/")
    assert page.locator("#result_list tbody tr").count() >= 5
    # The change list's actions (admin/js/actions.js): ticking a row enables the action bar.
    page.locator("#result_list tbody input.action-select").first.check()
    assert "selected" in (page.locator("#result_list tbody tr").first.get_attribute("class") or "")
    watched.visit(f"/admin/partners/organisation/{region.corporation.pk}/change/")
    assert page.locator("#organisation_form").count() == 1
    watched.visit(f"/admin/convenants/convenant/{region.convenant.pk}/change/")
    watched.assert_clean()
