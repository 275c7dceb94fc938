"""Beat warms every manager organisation's default dashboard; a cache outage never takes the dashboard down."""

import pytest
from django.core.cache import cache

from cases import dashboard
from cases.tasks import warm_dashboard_snapshots

pytestmark = pytest.mark.django_db


def test_warming_fills_the_default_snapshot_of_each_manager_organisation(region, settings):
    settings.DASHBOARD_SNAPSHOT_SECONDS = 600
    cache.clear()
    warmed = warm_dashboard_snapshots.apply().get()
    # corporation, debt assistance, welfare and municipality each have a manager in the region fixture.
    assert warmed == 4
    date_from, date_to = dashboard.default_period()
    scope = dashboard.dashboard_scope(region.corporation_manager)
    from django.utils import translation

    with translation.override("nl"):
        key = dashboard._snapshot_key(scope, date_from, date_to)
    assert cache.get(key) is not None


def test_the_dashboard_is_computed_live_when_the_cache_is_unreachable(region, settings, monkeypatch):
    import redis

    class UnreachableCache:
        def get(self, *args, **kwargs):
            raise redis.exceptions.ConnectionError("Connection refused")

        set = get

    settings.DASHBOARD_SNAPSHOT_SECONDS = 600
    monkeypatch.setattr(dashboard, "cache", UnreachableCache())
    date_from, date_to = dashboard.default_period()
    scope = dashboard.dashboard_scope(region.corporation_manager)
    figures = dashboard.cached_figures(scope, date_from, date_to)
    assert figures["open_cases"]["total"] == 0
