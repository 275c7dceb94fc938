"""The production build in Chromium: gunicorn with DEBUG off, the static files that bin/build collected with the
manifest storage, the demo data, production security settings. .ci/run starts it and names it by PRODUCTION_URL;
without that variable these tests are deselected (tests/e2e/conftest.py).

The browser talks plain http to gunicorn on loopback and sends `X-Forwarded-Proto: https`, as the TLS-terminating
proxy in front of a real installation does; the server trusts that header (SECURE_PROXY_SSL_HEADER), so HTTPS
redirects, secure cookies and HSTS stay on. Its CSRF_TRUSTED_ORIGINS names the http origin the browser sends.
Any answer of 500 or more, any static file that does not load, any script error and any Content-Security-Policy
violation fails the test.
"""

import base64
import os
import re
import time
import urllib.error
import urllib.request

import pytest
from django_otp.oath import totp

from tests.browser import ARTIFACTS, DESKTOP, wait_for_charts

pytestmark = pytest.mark.e2e

BASE = os.environ.get("PRODUCTION_URL", "").rstrip("/")
PASSWORD = "demo-wachtwoord-2026"  # the demo users of seed_demo (README)
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class Problems(list):
    def watch(self, page):
        page.context.expose_function("cspViolation", lambda text: self.append(f"CSP violation: {text}"))
        page.context.add_init_script(
            """document.addEventListener("securitypolicyviolation", (event) => window.cspViolation(
                 [event.violatedDirective, event.blockedURI, event.sourceFile, location.pathname].join(" | ")));"""
        )
        page.on("console", lambda message: "Content Security Policy" in message.text
                and self.append(f"console on {page.url}: {message.text}"))
        page.on("response", self._response)
        page.on("pageerror", lambda error: self.append(f"script error on {page.url}: {error}"))
        page.on("requestfailed", lambda request: self.append(f"request failed: {request.method} {request.url}"))

    def _response(self, response):
        static = "/static/" in response.url
        if response.status >= 500 or (static and response.status >= 400):
            self.append(f"{response.status} {response.request.method} {response.url}")


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        locale="nl-NL", timezone_id="Europe/Amsterdam", extra_http_headers=PROXY_HEADERS, **DESKTOP
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.problems = Problems()
    page.problems.watch(page)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def visit(page, path):
    response = page.goto(BASE + path)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    return response


# What the authenticator app of each enrolled demo user holds: the key, and the last time step it showed (a code
# is accepted once, so the next sign-in takes the next step's code, which the server accepts one step early).
AUTHENTICATOR = {}


def app_code(username) -> str:
    key, last_step = AUTHENTICATOR[username]
    step = max(int(time.time()) // 30, last_step + 1)
    AUTHENTICATOR[username] = (key, step)
    return f"{totp(key, t0=0, step=30, drift=step - int(time.time()) // 30):06d}"


def second_step(page, username):
    """The second factor where the role needs it: enrol the first time (read the key as a person types it into
    the app), then the app's code."""
    if "/accounts/second-factor/setup/" in page.url:
        secret = page.inner_text("[data-testid=second-factor-secret]").replace(" ", "")
        AUTHENTICATOR[username] = (base64.b32decode(secret), 0)
        page.fill("#id_code", app_code(username))
        page.click("main button.primary")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=backup-codes] li").count() == 10
        page.click("main a.button")
        page.wait_for_load_state("networkidle")
    elif "/accounts/second-factor/" in page.url:
        page.fill("#id_code", app_code(username))
        page.click("main button.primary")
        page.wait_for_load_state("networkidle")
    assert "/accounts/second-factor/" not in page.url, f"{username} did not pass the second step: {page.url}"


def log_in(page, username, *, next_path="/"):
    visit(page, f"/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not log in: {page.url}"
    second_step(page, username)
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]


def no_problems(page):
    assert not page.problems, "\n".join(page.problems)


def test_plain_http_is_redirected_and_static_files_are_hashed():
    request = urllib.request.Request(BASE + "/accounts/login/")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")

    request = urllib.request.Request(BASE + "/accounts/login/", headers=PROXY_HEADERS)
    with urllib.request.urlopen(request, timeout=10) as response:
        html = response.read().decode()
        assert "max-age=" in response.headers["Strict-Transport-Security"]
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the login page does not link the hashed stylesheet of the manifest"
    with urllib.request.urlopen(urllib.request.Request(BASE + stylesheet[1], headers=PROXY_HEADERS)) as css:
        assert css.status == 200
        assert "immutable" in css.headers["Cache-Control"]


def test_caseworker_worklist_and_case_page(page):
    log_in(page, "consulent.domijn")
    assert page.url.rstrip("/") == BASE  # the worklist is the start page
    rows = page.locator("#worklist-results tr.case-row")
    assert rows.count() > 0
    link = rows.first.locator("a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#timeline li").count() > 0
    no_problems(page)


def test_a_manager_reaches_the_dashboard_only_through_the_second_factor(page):
    visit(page, "/accounts/login/?next=/dashboard/")
    page.fill("#id_username", "teamleider.domijn")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/second-factor/" in page.url and "/dashboard/" not in page.url.split("?")[0]
    page.goto(BASE + "/dashboard/")
    assert "/accounts/second-factor/" in page.url, page.url
    assert page.request.get(BASE + "/api/v1/cases/", headers=PROXY_HEADERS).status == 403
    second_step(page, "teamleider.domijn")
    no_problems(page)


def test_manager_dashboard_draws_its_charts(page):
    log_in(page, "teamleider.domijn", next_path="/dashboard/")
    visit(page, "/dashboard/")
    wait_for_charts(page)
    assert "None" not in page.inner_text("main")  # every median and figure computed (PostgreSQL)
    no_problems(page)


def test_partner_inbox(page):
    log_in(page, "schuldhulpcoach")
    visit(page, "/inbox/")
    assert page.locator("[data-testid=inbox]").count() == 1
    no_problems(page)


def test_api_docs_render_under_the_policy(page):
    log_in(page, "consulent.domijn")
    visit(page, "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    visit(page, "/api/redoc/")
    page.wait_for_selector("#redoc-container [data-section-id]", timeout=30_000)
    no_problems(page)
