"""Figures that identify no one: a municipality's (convenant-wide) figure over fewer than SMALL_GROUP_THRESHOLD
(5) households is suppressed: "< 5" on the page, null with its path in `suppressed` in the API, a blank cell in the
CSV; sums and medians over such a group too. A corporation's own figures about its own cases stay exact."""

import csv
import html
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.dashboard import _snapshot_key, dashboard_scope, default_period, warm_snapshots
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/dashboard/"
MIDDLE = 1  # arrears.buckets.1: € 500 to € 1,000


def open_cases(region, n, amount="640.00", *, contacted=False):
    cases = [
        CaseFactory(corporation=region.corporation, convenant=region.convenant, arrears_amount=Decimal(amount))
        for _ in range(n)
    ]
    if contacted:
        for case in cases:
            services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached")
    return cases


def regisseur_api(api, region, **params):
    response = api.as_user(region.regisseur).get(URL, params)
    assert response.status_code == 200
    return response.json()


def test_one_case_of_a_party_shows_no_arrears_total_to_the_municipality(api, region):
    """The known defect: ?organisation= gave the regisseur the arrears of exactly one case."""
    open_cases(region, 1, "2070.00")
    data = regisseur_api(api, region, organisation=region.corporation.pk)
    assert data["arrears"]["total"] is None
    assert data["arrears"]["cases"] is None
    assert data["open_cases"]["total"] is None
    assert "2070" not in str(data)
    assert {"arrears.total", "arrears.cases", "open_cases.total"} <= set(data["suppressed"])
    assert data["small_groups"] == {"threshold": 5, "applied": True}


def test_a_group_of_four_is_suppressed_with_its_sum_and_median(api, region):
    open_cases(region, 4, contacted=True)
    data = regisseur_api(api, region)
    bucket = data["arrears"]["buckets"][MIDDLE]
    assert bucket["count"] is None and bucket["amount"] is None
    assert data["arrears"]["total"] is None
    assert data["first_contact"]["contacted"] is None
    assert data["first_contact"]["median_days"] is None
    assert data["first_contact"]["share_within_deadline"] is None
    for path in (f"arrears.buckets.{MIDDLE}.count", f"arrears.buckets.{MIDDLE}.amount", "arrears.total",
                 "first_contact.median_days", "first_contact.share_within_deadline"):
        assert path in data["suppressed"]
    # Empty groups identify no one: zeros stay.
    assert data["arrears"]["buckets"][0]["count"] == 0 and data["arrears"]["buckets"][0]["amount"] == "0.00"


def test_a_group_of_five_is_shown(api, region):
    open_cases(region, 5, contacted=True)
    data = regisseur_api(api, region)
    bucket = data["arrears"]["buckets"][MIDDLE]
    assert bucket["count"] == 5 and bucket["amount"] == "3200.00"
    assert data["arrears"]["total"] == "3200.00"
    assert data["first_contact"]["contacted"] == 5
    assert data["first_contact"]["median_days"] is not None
    assert not any(path.startswith(("arrears", "first_contact.median")) for path in data["suppressed"])


def test_a_single_small_cell_beside_a_shown_total_takes_the_next_smallest_with_it(api, region):
    """Otherwise total minus the other cells gives the hidden one back."""
    open_cases(region, 5, "640.00")
    open_cases(region, 1, "3000.00")
    data = regisseur_api(api, region)
    assert data["arrears"]["cases"] == 6 and data["arrears"]["total"] == "6200.00"
    buckets = data["arrears"]["buckets"]
    assert buckets[3]["count"] is None and buckets[3]["amount"] is None
    assert buckets[MIDDLE]["count"] is None and buckets[MIDDLE]["amount"] is None


def test_a_corporation_sees_its_own_small_figures_exactly(api, region):
    open_cases(region, 1, "2070.00")
    response = api.as_user(region.corporation_manager).get(URL)
    data = response.json()
    assert data["arrears"]["total"] == "2070.00"
    assert data["suppressed"] == []
    assert data["small_groups"]["applied"] is False


def test_the_page_shows_less_than_five_and_draws_no_number(client, region):
    open_cases(region, 4)
    client.force_login(region.regisseur)
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "€ < 5" in page  # the arrears total
    assert "< 5" in page
    assert "2.560" not in page and "2560" not in page
    chart = response.context["chart_data"]
    assert chart["arrears"]["counts"][MIDDLE] is None
    assert chart["arrears"]["labels"][MIDDLE].endswith("(< 5)")


def test_the_csv_leaves_a_suppressed_figure_blank(client, region):
    open_cases(region, 4)
    client.force_login(region.regisseur)
    response = client.get(reverse("cases:dashboard_export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    values = {(row[0], row[1]): row[3] for row in rows[1:]}
    assert values[("arrears", "total")] == ""
    assert values[("arrears", "500_1000.count")] == ""
    assert values[("arrears", "500_1000.amount")] == ""
    assert values[("arrears", "lt_500.count")] == "0"


def test_the_threshold_is_a_setting(api, region, settings):
    open_cases(region, 4)
    settings.SMALL_GROUP_THRESHOLD = 4
    data = regisseur_api(api, region)
    assert data["arrears"]["total"] == "2560.00"
    assert data["small_groups"]["threshold"] == 4


@override_settings(DASHBOARD_SNAPSHOT_SECONDS=300)
def test_cached_snapshots_hold_the_suppressed_figures(region):
    open_cases(region, 4)
    assert warm_snapshots() >= 1
    date_from, date_to = default_period()
    stored = cache.get(_snapshot_key(dashboard_scope(region.regisseur), date_from, date_to))
    assert stored is not None
    assert stored["arrears"]["total"] is None
    assert "arrears.total" in stored["suppressed"]
