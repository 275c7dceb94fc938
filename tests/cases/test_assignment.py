"""Issue 16, assignment: who of the holder works a case (policy ASSIGN, services.assign_case, API and pages)."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, EventKind, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TENANT = {"name": "J. de Vries", "contract_ref": "HC-9001", "postcode": "1012AB", "house_number": "1"}


def opened(region, user=None, ref="HC-9001"):
    return services.open_case(user or region.consultant, tenant={**TENANT, "contract_ref": ref},
                              arrears_amount="640.00", months_in_arrears=2)


def assign_url(case):
    return reverse("api-case-assign", args=[case.pk])


def test_opener_is_assigned_and_accept_assigns_the_coach(region, api):
    case = opened(region)
    assert case.assigned_to == region.consultant
    answer = api.as_user(region.consultant).get(reverse("api-case-detail", args=[case.pk]))
    assert answer.json()["assigned_to"]["id"] == region.consultant.pk
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    services.withdraw_handover(region.consultant, handover)
    case.refresh_from_db()
    assert case.assigned_to == region.consultant  # kept: the holder did not change
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    services.accept_handover(region.debt_coach, handover)
    case.refresh_from_db()
    assert case.assigned_to == region.debt_coach


def test_manager_reassigns_with_event_and_notification(region, api):
    case = opened(region)
    colleague = UserFactory(organisation=region.corporation)
    answer = api.as_user(region.corporation_manager).post(assign_url(case), {"user": colleague.pk}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["assigned_to"]["id"] == colleague.pk
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ASSIGNED).exists()
    assert Notification.objects.filter(user=colleague, case=case).exists()


def test_caseworker_takes_over_but_cannot_assign_a_colleague(region, api):
    case = opened(region, region.corporation_manager)
    colleague = UserFactory(organisation=region.corporation)
    client = api.as_user(region.consultant)
    assert client.post(assign_url(case), {"user": colleague.pk}, format="json").status_code == 403
    answer = client.post(assign_url(case), {"user": region.consultant.pk}, format="json")
    assert answer.status_code == 200
    assert answer.json()["assigned_to"]["id"] == region.consultant.pk


def test_assigning_someone_outside_the_holder_is_400(region, api):
    case = opened(region)
    answer = api.as_user(region.corporation_manager).post(assign_url(case), {"user": region.debt_coach.pk},
                                                         format="json")
    assert answer.status_code == 400
    assert "user" in str(answer.json())
    answer = api.as_user(region.corporation_manager).post(assign_url(case), {"user": 999999}, format="json")
    assert answer.status_code == 400


def test_api_filters_by_person_and_me(region, api):
    mine = opened(region)
    theirs = opened(region, region.corporation_manager, ref="HC-9002")
    client = api.as_user(region.consultant)
    ids = [row["id"] for row in client.get(reverse("api-case-list"), {"assigned_to": "me"}).json()["results"]]
    assert ids == [mine.pk]
    ids = [row["id"] for row in client.get(reverse("api-case-list"),
                                           {"assigned_to": region.corporation_manager.pk}).json()["results"]]
    assert ids == [theirs.pk]
    assert client.get(reverse("api-case-list"), {"assigned_to": "x"}).status_code == 400


def test_case_page_shows_the_assign_form(region, client):
    case = opened(region)
    client.force_login(region.consultant)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:assign", args=[case.pk]) in html
    client.force_login(region.corporation_manager)
    colleague = UserFactory(organisation=region.corporation)
    answer = client.post(reverse("cases:assign", args=[case.pk]), {"user": colleague.pk})
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == colleague


def test_my_cases_shows_only_mine_and_the_team_view_all(region, client):
    mine = opened(region)
    theirs = opened(region, region.corporation_manager, ref="HC-9002")
    client.force_login(region.consultant)
    html = client.get(reverse("cases:my_cases")).content.decode()
    assert f'data-case="{mine.pk}"' in html and f'data-case="{theirs.pk}"' not in html
    html = client.get(reverse("cases:my_cases"), {"team": "1"}).content.decode()
    assert f'data-case="{mine.pk}"' in html and f'data-case="{theirs.pk}"' in html


def test_worklist_filters_by_person(region, client):
    mine = opened(region)
    theirs = opened(region, region.corporation_manager, ref="HC-9002")
    client.force_login(region.consultant)
    worklist = reverse("cases:worklist")
    html = client.get(worklist).content.decode()
    assert f'data-case="{mine.pk}"' in html and f'data-case="{theirs.pk}"' in html
    html = client.get(worklist, {"assigned_to": "me"}).content.decode()
    assert f'data-case="{mine.pk}"' in html and f'data-case="{theirs.pk}"' not in html
    html = client.get(worklist, {"assigned_to": region.corporation_manager.pk}).content.decode()
    assert f'data-case="{theirs.pk}"' in html and f'data-case="{mine.pk}"' not in html
    # Only the organisation's people are offered; anyone else is a form error beside the field, not a filter.
    outsider = region.debt_coach
    answer = client.get(worklist, {"assigned_to": outsider.pk})
    assert answer.status_code == 200
    assert answer.context["form"].errors["assigned_to"]
    assert f'value="{outsider.pk}"' not in answer.content.decode()
