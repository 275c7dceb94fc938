"""The manager's morning (scenario 7) in Chromium: the charts are drawn from the page's data with the vendored
Chart.js, and the tables are there for a phone."""

import pytest

from tests.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
QUERY = "/dashboard/?from=2026-01-01&to=2026-03-31"


def test_manager_sees_the_charts(live_server, desktop_page, region, dataset):
    page = desktop_page
    log_in(page, live_server, region.corporation_manager.username)
    page.goto(live_server.url + QUERY)
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-evictions'))")
    evictions = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-evictions')).data.datasets.map(d => d.data)"
    )
    assert evictions == [[0, 1, 2], [0, 0, 1], [0, 1, 0]]
    labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-pickup')).data.labels")
    assert labels == ["Alifa Welzijn", "Schuldhulp Enschede"]
    for chart in ("chart-status", "chart-arrears", "chart-escalations"):
        assert page.evaluate(f"() => !!Chart.getChart(document.getElementById('{chart}'))")
    # A figure links to the worklist behind it.
    page.click("#kpi-open .kpi-value a")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == live_server.url


def test_tables_fit_a_phone(live_server, phone_page, region, dataset):
    page = phone_page
    log_in(page, live_server, region.corporation_manager.username)
    page.goto(live_server.url + QUERY)
    assert page.locator("#evictions table").is_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1
