"""The municipality's vroegsignalering figures per month as the Divosa monitor counts them (GET
/api/v1/signal-figures/, the page /signalen/cijfers/): counts by partner type, cases and their shares, the
small-number suppression of the dashboard, Dutch on the page, the municipality's managers only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory

from .vroeg_data import QUARTER, build

pytestmark = pytest.mark.django_db

API = "/api/v1/signal-figures/"
PERIOD = {"from": QUARTER[0].isoformat(), "to": QUARTER[1].isoformat()}


def figures(api, user, params=PERIOD):
    response = api.as_user(user).get(API, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_counts_and_shares_per_month(api, region, settings):
    settings.SMALL_GROUP_THRESHOLD = 1  # nothing suppressed
    build(region)
    result = figures(api, region.regisseur)
    assert [month["month"] for month in result["months"]] == ["2026-07", "2026-08", "2026-09"]
    july, august, september = result["months"]
    assert july["signals"]["total"] == 1 and july["signals"]["by_partner_type"]["Huur"] == 1
    assert july["cases"] == 1 and july["single"] == 1 and july["share_single"] == 1.0
    assert july["share_contacted"] == 0.0 and july["share_accepting_help"] == 0.0
    assert august["signals"]["total"] == 3
    assert august["signals"]["by_partner_type"]["Energie"] == 2 and august["signals"]["by_partner_type"]["Zorg"] == 1
    assert august["below_minimum"] == 1  # the € 74.50 energy signal
    assert august["cases"] == 1 and august["multiple"] == 1 and august["share_multiple"] == 1.0
    assert august["share_contacted"] == 1.0 and august["share_reached"] == 1.0
    assert august["share_accepting_help"] == 1.0
    assert september["signals"]["total"] == 0 and september["cases"] == 0 and september["share_single"] is None
    totals = result["totals"]
    assert totals["signals"]["total"] == 4 and totals["below_minimum"] == 1 and totals["cases"] == 2
    assert totals["share_single"] == 0.5 and totals["share_multiple"] == 0.5 and totals["share_consecutive"] == 0.0
    assert totals["share_contacted"] == 0.5 and totals["share_reached"] == 0.5
    assert totals["share_accepting_help"] == 0.5
    assert result["suppressed"] == []
    assert set(result["partner_types"]) >= {"Huur", "Energie", "Zorg", "Water", "Overige"}


def test_small_numbers_are_blanked_and_listed(api, region, settings):
    settings.SMALL_GROUP_THRESHOLD = 3
    build(region)
    result = figures(api, region.regisseur)
    july, august, september = result["months"]
    assert result["small_groups"] == {"threshold": 3, "applied": True}
    assert july["signals"]["total"] is None and july["signals"]["by_partner_type"]["Huur"] is None
    assert july["cases"] is None and july["share_single"] is None and july["share_contacted"] is None
    # Not small, but July's 1 would follow from the period's total (4) and August's 3: August's goes too.
    assert august["signals"]["total"] is None
    assert august["signals"]["by_partner_type"]["Energie"] is None  # 2 < 3
    assert august["below_minimum"] is None
    assert september["signals"]["total"] == 0  # nothing is not a small group
    assert result["totals"]["signals"]["total"] == 4 and result["totals"]["cases"] is None
    assert result["totals"]["share_single"] is None  # its base (2 cases) is small
    for path in ("months.0.signals.total", "months.0.cases", "months.1.signals.by_partner_type.Energie",
                 "months.0.share_single", "totals.cases", "months.1.signals.total"):
        assert path in result["suppressed"]


def test_a_single_blanked_cell_takes_the_smallest_other_with_it(api, region, settings):
    settings.SMALL_GROUP_THRESHOLD = 2
    build(region)
    august = figures(api, region.regisseur)["months"][1]
    # Zorg (1) is small; with the total (3) shown it would follow from Energie (2): both go. (The total goes too:
    # July's 1 would follow from it and the period's 4.)
    assert august["signals"]["total"] is None
    assert august["signals"]["by_partner_type"]["Zorg"] is None
    assert august["signals"]["by_partner_type"]["Energie"] is None


def test_no_blanked_month_follows_from_the_period_total(api, region, settings):
    """Every figure that adds up over the months: where one month's is blanked, the period's total and the other
    months' shown figures never give it back."""
    settings.SMALL_GROUP_THRESHOLD = 3
    build(region)
    result = figures(api, region.regisseur)
    months, totals = result["months"], result["totals"]
    keys = [("signals", "total"), ("below_minimum",), ("cases",), ("single",), ("multiple",), ("contacted",)]
    keys += [("signals", "by_partner_type", partner_type) for partner_type in result["partner_types"]]

    def at(row, key):
        for part in key:
            row = row[part]
        return row

    for key in keys:
        blanked = [row for row in months if at(row, key) is None]
        if at(totals, key) is not None and blanked:
            assert len(blanked) != 1 or at(totals, key) == 0, key


def test_a_fixed_number_of_statements_whatever_the_period(api, region, settings):
    build(region)
    api.as_user(region.regisseur)
    with CaptureQueriesContext(connection) as one_month:
        assert api.get(API, {"from": "2026-08-01", "to": "2026-08-31"}).status_code == 200
    with CaptureQueriesContext(connection) as a_year:
        assert api.get(API, {"from": "2025-10-01", "to": "2026-09-30"}).status_code == 200
    assert len(a_year) == len(one_month)


@pytest.mark.parametrize(("params", "field"), [
    ({"to": "2026-09-30"}, "from"),
    ({"from": "2026-10-01", "to": "2026-09-30"}, "from"),
    ({"from": "2025-01-01", "to": "2026-09-30"}, "to"),
])
def test_a_bad_period_is_a_400_naming_the_field(api, region, params, field):
    response = api.as_user(region.regisseur).get(API, params)
    assert response.status_code == 400 and field in response.json()


def test_only_the_municipality_manager_sees_the_figures(api, region):
    municipality_worker = UserFactory(username="gemeente-medewerker", organisation=region.municipality)
    for user in (municipality_worker, region.corporation_manager, region.debt_manager, region.consultant):
        assert api.as_user(user).get(API, PERIOD).status_code == 403


def test_the_page_speaks_dutch_for_the_municipality_manager(client, region, settings):
    settings.SMALL_GROUP_THRESHOLD = 1
    build(region)
    client.force_login(region.regisseur)
    response = client.get(reverse("signals:figures"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Totaal" in html and "Van" in html
    assert "50,0%" in html  # half of the period's cases were single: a Dutch decimal comma
    assert 'data-testid="figures-table"' in html and "2026-08" in html
    # The DDAS download form, by default the last full quarter.
    assert 'data-testid="ddas-form"' in html and 'name="from"' in html
    assert 'data-testid="nav-signal-figures"' in html


def test_the_page_defaults_to_the_last_twelve_months(client, region):
    client.force_login(region.regisseur)
    response = client.get(reverse("signals:figures"))
    assert response.status_code == 200
    assert len(response.context["months"]) == 12


def test_suppressed_figures_show_as_less_than_the_threshold(client, region, settings):
    settings.SMALL_GROUP_THRESHOLD = 5
    build(region)
    client.force_login(region.regisseur)
    html = client.get(reverse("signals:figures"), PERIOD).content.decode()
    assert "&lt; 5" in html and 'data-testid="small-groups"' in html


def test_the_page_is_refused_to_others(client, region):
    municipality_worker = UserFactory(username="gemeente-medewerker", organisation=region.municipality)
    for user in (municipality_worker, region.corporation_manager, region.debt_coach):
        client.force_login(user)
        response = client.get(reverse("signals:figures"), PERIOD)
        assert response.status_code == 403
        assert 'data-testid="nav-signal-figures"' not in response.content.decode()


def test_the_dashboard_links_figures_and_ddas_for_municipality_managers_only(client, region):
    client.force_login(region.regisseur)
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert 'data-testid="dashboard-figures-link"' in html and 'data-testid="dashboard-ddas-form"' in html
    assert f'action="{reverse("signals:ddas")}"' in html
    client.force_login(region.corporation_manager)
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="dashboard-ddas"' not in html and reverse("signals:ddas") not in html
