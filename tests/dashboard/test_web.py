"""The dashboard page and its CSV export: same figures as the API, tables without JavaScript, scoped links."""

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture
def browser_client(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_page_shows_every_figure_as_a_table_with_links(browser_client, region, dataset):
    response = browser_client(region.corporation_manager).get(reverse("cases:dashboard"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("open-by-status", "arrears-buckets", "pickup", "escalations", "evictions", "kpi-resolution",
                    "kpi-households", "kpi-first-contact"):
        assert f'id="{section}"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/dashboard.js" in html
    assert 'id="dashboard-data"' in html
    assert 'href="/?overdue=true"' in html
    assert 'href="/?status=with_partner"' in html
    assert "Schuldhulp Enschede" in html and "Alifa Welzijn" in html
    assert "2026-03" in html
    assert "86%" in html  # 6 of 7 contacted within the deadline
    assert "33%" in html  # 1 of 3 of March 2025 resolved
    # definitions as captions
    assert "percentile" not in html
    assert str(response.context["figures"]["definitions"]["first_contact"]) in html


def test_municipality_page_has_no_case_links(browser_client, region, dataset):
    response = browser_client(region.regisseur).get(reverse("cases:dashboard"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/?overdue" not in html and "/?status" not in html
    assert "Huurder A" not in html
    assert "Ons Huis" in html  # the party filter


def test_caseworker_gets_403_page(browser_client, region):
    response = browser_client(region.consultant).get(reverse("cases:dashboard"))
    assert response.status_code == 403
    assert browser_client(region.consultant).get(reverse("cases:dashboard_export")).status_code == 403


def test_bad_dates_show_on_the_form(browser_client, region):
    response = browser_client(region.corporation_manager).get(
        reverse("cases:dashboard"), {"from": "2026-05-01", "to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_csv_export_has_the_same_figures(browser_client, region, dataset):
    response = browser_client(region.corporation_manager).get(reverse("cases:dashboard_export"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "dashboard-2026-01-01-2026-03-31.csv" in response["Content-Disposition"]
    # Dutch Excel's CSV (config/csvexport.py): UTF-8 with a byte-order mark, `;` between cells, decimal comma.
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == ["section", "key", "label", "value"]
    values = {(row[0], row[1]): row[3] for row in rows[1:]}
    assert values[("arrears", "total")] == "8900,00"
    # The page counts overdue against the real clock: every deadline of this early-2026 data set has passed.
    assert values[("open_cases", "overdue")] == "7"
    assert values[("first_contact", "within_deadline")] == "6"
    assert values[("evictions", "2026-03.executed")] == "1"
    assert values[("evictions", "2026-02.prevented")] == "1"
    assert values[("escalations", "2026-02.first_contact")] == "1"
    assert values[("resolution", "resolved")] == "1"
    assert values[("households", "several_kinds")] == "1"
    assert values[("pickup", f"{region.debt_assistance.pk}.median_days")] == "4,0"


def test_csv_export_bad_filter_400(browser_client, region):
    response = browser_client(region.corporation_manager).get(reverse("cases:dashboard_export"), {"to": "x"})
    assert response.status_code == 400
