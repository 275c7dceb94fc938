"""Every figure of the dashboard on the hand-built data set of conftest.py, worked out by hand."""

import pytest

from cases.dashboard import dashboard_figures, dashboard_scope

from .conftest import NOW, PERIOD

pytestmark = pytest.mark.django_db


def figures_for(user, **filters):
    return dashboard_figures(dashboard_scope(user, **filters), *PERIOD, now=NOW)


def by_status(figures):
    return {item["status"]: item["count"] for item in figures["open_cases"]["by_status"]}


def test_corporation_manager_figures(region, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        figures = figures_for(region.corporation_manager)

    assert figures["months"] == ["2026-01", "2026-02", "2026-03"]
    # Open now: D open; H contacting; A arrangement; C handed over; E, F, I with a partner. B, G, R* closed.
    assert by_status(figures) == {
        "open": 1, "contacting": 1, "arrangement": 1, "handed_over": 1, "with_partner": 3, "eviction_proposed": 0,
    }
    assert figures["open_cases"]["total"] == 7
    # Overdue on 1 April: C (pickup 10 Mar), D (first contact 30 Mar), H (inactivity 23 Mar), I (partner 22 Feb).
    assert figures["open_cases"]["overdue"] == 4

    # 400 + 1500 + 3000 + 600 + 2500 + 200 + 700
    assert figures["arrears"]["total"] == "8900.00"
    buckets = {b["key"]: (b["count"], b["amount"]) for b in figures["arrears"]["buckets"]}
    assert buckets == {
        "lt_500": (2, "600.00"),  # A 400, H 200
        "500_1000": (2, "1300.00"),  # E 600, I 700
        "1000_2500": (1, "1500.00"),  # C 1500 (G's 1000 is evicted, so not open)
        "gte_2500": (2, "5500.00"),  # D 3000, F 2500 (the bound belongs to the upper band)
    }

    first = figures["first_contact"]
    assert first["opened"] == 9  # A–I
    assert first["settled"] == 7  # not D (deadline running, not escalated), not I (no attempt, not escalated)
    assert first["within_deadline"] == 6  # all contacted ones but C (escalated)
    assert first["share_within_deadline"] == round(6 / 7, 4)
    assert first["contacted"] == 7
    # days: A 1, B 3, C 9, E 1, F 1/12, G 1, H 1/24 → sorted 0.04, 0.08, 1, 1, 1, 3, 9 → 1
    assert first["median_days"] == 1.0

    # E: 2 days, I: 6 days to debt assistance (median 4); F: 4 days to welfare. X is Ons Huis's case.
    assert figures["pickup_by_partner"] == [
        {"organisation": {"id": region.welfare.pk, "name": "Alifa Welzijn"}, "handovers": 1, "median_days": 4.0},
        {"organisation": {"id": region.debt_assistance.pk, "name": "Schuldhulp Enschede"}, "handovers": 2,
         "median_days": 4.0},
    ]

    escalations = {s["kind"]: s["counts"] for s in figures["escalations"]["by_kind"]}
    assert escalations == {
        "first_contact": [0, 1, 0],  # C, 10 Feb
        "handover": [0, 0, 1],  # C, 5 Mar
        "pickup": [0, 0, 0],
        "partner_contact": [0, 1, 0],  # E, 3 Feb
        "inactivity": [0, 0, 0],
    }
    assert figures["escalations"]["total"] == 3

    # H proposed 20 Feb, rejected 21 Feb (H not evicted: prevented). G proposed 2 Mar (rejected 3 Mar, but G was
    # evicted later: not prevented) and 10 Mar, decided jointly 11 Mar.
    assert figures["evictions"] == {"proposed": [0, 1, 2], "executed": [0, 0, 1], "prevented": [0, 1, 0]}

    # Cohort March 2025: R1 (resolved Sep 2025), R2 (moved), R3 (resolved after the period). R4 is February.
    assert figures["resolution"] == {
        "cohort_from": "2025-03-01", "cohort_to": "2025-03-31", "cases": 3, "resolved": 1,
        "share": round(1 / 3, 4), "reference_share": 0.5,
    }
    # Domijn's tenants: A (energy + health insurance). D one kind; E energy twice; H's first signal is older.
    assert figures["households_several_kinds"] == 1

    links = figures["links"]
    assert links["overdue"] == "/?overdue=true"
    assert links["by_status"]["with_partner"] == "/?status=with_partner"
    assert links["resolution_cohort"] == "/?status=resolved&opened_from=2025-03-01&opened_to=2025-03-31"


def test_partner_manager_sees_the_cases_it_handled(region, dataset):
    figures = figures_for(region.debt_manager)
    # Accepted by debt assistance: E, I (Domijn) and X (Ons Huis). C is only offered to it.
    assert figures["open_cases"]["total"] == 3
    assert by_status(figures)["with_partner"] == 3
    assert figures["arrears"]["total"] == "6300.00"
    # E 2 days, I 6 days, X 1 day → median 2
    assert figures["pickup_by_partner"] == [
        {"organisation": {"id": region.debt_assistance.pk, "name": "Schuldhulp Enschede"}, "handovers": 3,
         "median_days": 2.0},
    ]
    assert figures["first_contact"]["opened"] == 3
    assert figures["first_contact"]["settled"] == 1  # E only
    assert figures["escalations"]["total"] == 1  # E's partner_contact
    assert figures["evictions"] == {"proposed": [0, 0, 0], "executed": [0, 0, 0], "prevented": [0, 0, 0]}
    assert figures["households_several_kinds"] == 1  # X's tenant (energy + water)


def test_municipality_manager_sees_the_convenant_without_links(region, dataset, settings):
    settings.SMALL_GROUP_THRESHOLD = 1  # the definitions; small groups: tests/dashboard/test_suppression.py
    figures = figures_for(region.regisseur)
    assert figures["open_cases"]["total"] == 8  # Domijn's 7 and X
    assert figures["arrears"]["total"] == "13900.00"
    assert figures["links"] is None
    assert figures["scope"]["case_links"] is False
    debt = next(p for p in figures["pickup_by_partner"] if p["organisation"]["id"] == region.debt_assistance.pk)
    assert debt == {"organisation": {"id": region.debt_assistance.pk, "name": "Schuldhulp Enschede"},
                    "handovers": 3, "median_days": 2.0}
    # A's, X's tenant and the household known only from signals.
    assert figures["households_several_kinds"] == 3


def test_municipality_manager_narrows_to_one_party(region, dataset):
    figures = figures_for(region.regisseur, organisation=region.other_corporation.pk)
    # One case, one household: the municipality sees none of its figures.
    assert figures["open_cases"]["total"] is None
    assert figures["arrears"]["total"] is None
    assert figures["households_several_kinds"] is None
    assert {"open_cases.total", "arrears.total", "households_several_kinds"} <= set(figures["suppressed"])


def test_period_outside_the_data_is_empty(region, dataset):
    from datetime import date

    figures = dashboard_figures(dashboard_scope(region.corporation_manager), date(2024, 1, 1), date(2024, 1, 31),
                                now=NOW)
    assert figures["first_contact"]["opened"] == 0
    assert figures["first_contact"]["share_within_deadline"] is None
    assert figures["first_contact"]["median_days"] is None
    assert figures["pickup_by_partner"] == []
    assert figures["resolution"]["cases"] == 0 and figures["resolution"]["share"] is None
    # Open cases are a snapshot of now, whatever the period.
    assert figures["open_cases"]["total"] == 7


def test_worklist_selector_lists_the_cases_behind_the_cohort_figures(region, dataset):
    from datetime import date

    from cases import selectors

    manager = region.corporation_manager
    opened = selectors.case_list(manager, opened_from=date(2026, 1, 1), opened_to=date(2026, 3, 31))
    assert sorted(c.tenant.contract_ref for c in opened) == [f"DASH-{k}" for k in "ABCDEFGHI"]
    cohort = selectors.case_list(manager, status="resolved", opened_from=date(2025, 3, 1), opened_to=date(2025, 3, 31))
    # The list shows the status of today: R3 was resolved after the period's end, so the figure counts only R1.
    assert sorted(c.tenant.contract_ref for c in cohort) == ["DASH-R1", "DASH-R3"]
