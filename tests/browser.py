"""Browser-test fixtures (imported by tests/conftest.py): Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

A failing test leaves a screenshot in test-artifacts/ (the `page` fixture takes it)."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium package).")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def _page(browser, request, options):
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def phone_page(browser, request):
    """A phone-sized page (390×844, touch)."""
    yield from _page(browser, request, PHONE)


@pytest.fixture
def desktop_page(browser, request):
    yield from _page(browser, request, DESKTOP)


def log_in(page, live_server, username, password="geheim-wachtwoord-1"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


DASHBOARD_CHARTS = ("chart-status", "chart-arrears", "chart-pickup", "chart-escalations", "chart-evictions")


def wait_for_charts(page, charts=DASHBOARD_CHARTS):
    """Chart.js made each chart on its canvas, and the canvas has pixels drawn on it."""
    for chart in charts:
        page.wait_for_function(
            """(id) => {
                const canvas = document.getElementById(id);
                if (!canvas || !window.Chart || !Chart.getChart(canvas) || !canvas.width) return false;
                const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
                return false;
            }""",
            arg=chart,
        )
