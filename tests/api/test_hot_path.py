"""The case list, detail and timeline are the hot paths (bench/case_api.py). Their serializers skip DRF's generic
walk (HotPathReadMixin) and token authentication reads the membership with the user: the answers must stay exactly
what DRF's own serializers give, and the query counts small."""

from datetime import date

import pytest
from rest_framework import serializers

from cases import services
from cases.api.serializers import CaseSerializer, EventSerializer
from cases.models import Case, CaseEvent
from partners.tokens import issue_personal_token
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def generic(serializer_class, instance):
    """What DRF's own ModelSerializer walk makes of `instance`."""
    return serializers.ModelSerializer.to_representation(serializer_class(instance), instance)


@pytest.fixture
def cases_in_every_shape(region):
    fresh = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    worked = CaseFactory(corporation=region.corporation, convenant=region.convenant, arrears_amount="1234.5")
    services.log_contact_attempt(region.consultant, worked, channel="home_visit", outcome="reached", notes="Thuis.")
    services.agree_arrangement(region.consultant, worked, monthly_amount="50.00", start_date=date(2026, 12, 1), months=12,
                               confirm_below_arrears=True)  # 600 below the arrears of 1234.50 (version 1.1)
    services.add_note(region.consultant, worked, text="Belt terug.")
    closed = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    services.close_case(region.consultant, closed, outcome="resolved", notes="Betaald.")
    return Case.objects.filter(pk__in=[fresh.pk, worked.pk, closed.pk]).select_related(
        "tenant", "corporation", "holder", "convenant"
    )


def test_case_answers_equal_drfs_generic_walk(cases_in_every_shape):
    for case in cases_in_every_shape:
        assert CaseSerializer(case).data == generic(CaseSerializer, case)
    many = CaseSerializer(cases_in_every_shape, many=True).data
    assert many == [generic(CaseSerializer, case) for case in cases_in_every_shape]
    closed = next(row for row in many if row["status"] == "resolved")
    assert closed["deadline_at"] is None and closed["closed_at"] and closed["status_label"]


def test_event_answers_equal_drfs_generic_walk(cases_in_every_shape):
    events = CaseEvent.objects.filter(case__in=cases_in_every_shape).select_related("actor", "organisation")
    assert {event.actor_id is None for event in events} == {True, False}, "system and personal events"
    for event in events:
        assert EventSerializer(event).data == generic(EventSerializer, event)


def test_a_token_request_reads_user_membership_and_organisation_at_once(
    api, region, cases_in_every_shape, django_assert_num_queries
):
    case = cases_in_every_shape[0]
    _token, key = issue_personal_token(user=region.consultant)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get(f"/api/v1/cases/{case.pk}/")  # warm up the permission id and content type caches
    # the token with its user, membership and organisation; the case; the access log row
    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.json()["tenant"]["name"] == case.tenant.name
    # timeline: the token, the case (without its relations), the access log row, the events
    with django_assert_num_queries(4):
        assert api.get(f"/api/v1/cases/{case.pk}/timeline/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token ongeldig")
    response = api.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 401
