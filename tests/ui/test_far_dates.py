"""A date at the end of the calendar in a filter is bad input: a clear message, never a 500 (a filter adds a day)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FAR = "9999-12-31"


def test_far_dates_in_page_filters_are_refused_with_a_message(client, region):
    client.force_login(region.corporation_manager)
    for url, params in (
        (reverse("cases:worklist"), {"opened_to": FAR}),
        (reverse("cases:worklist"), {"deadline_before": FAR}),
        (reverse("cases:escalations"), {"end": FAR}),
        (reverse("cases:access_log"), {"date_to": FAR}),
    ):
        response = client.get(url, params)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert "Geef een datum tussen 1900 en 2999 op." in response.content.decode(), url


def test_a_far_date_in_the_dashboard_api_is_a_400_with_the_field(api, region):
    response = api.as_user(region.corporation_manager).get("/api/v1/dashboard/", {"from": "9999-12-01", "to": FAR})
    assert response.status_code == 400
    assert "to" in response.json() or "from" in response.json()
