"""Issue 16: a joint home visit can be moved and cancelled by its planner (both sides told), downloaded as an
.ics file by either side, and the visit list links to the case where the user may open it."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import AccessLog, CaseEvent, EventKind, JointVisit, Notification
from tests.factories import CaseFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(region):
    tenant = TenantFactory(corporation=region.corporation, name="Ayşe Yılmaz", street="Kerkstraat, achter",
                           house_number="5", postcode="7511AB", city="Enschede")
    case = CaseFactory(corporation=region.corporation, tenant=tenant)
    return services.plan_joint_visit(region.consultant, case, partner=region.debt_assistance,
                                     planned_at=timezone.now() + timedelta(days=2))


def told(user, text):
    return Notification.objects.filter(user=user, subject__icontains=text).exists()


def test_the_planner_moves_the_visit_through_the_api(region, api, visit):
    new_time = (timezone.now() + timedelta(days=4)).replace(microsecond=0)
    answer = api.as_user(region.consultant).post(reverse("api-joint-visit-move", args=[visit.pk]),
                                                 {"planned_at": new_time.isoformat()}, format="json")
    assert answer.status_code == 200, answer.content
    visit.refresh_from_db()
    assert visit.planned_at == new_time and visit.status == "planned"
    event = CaseEvent.objects.get(case=visit.case, kind=EventKind.JOINT_VISIT_MOVED)
    assert event.data["joint_visit"] == visit.pk
    assert told(region.debt_coach, "verplaatst") or told(region.debt_coach, "moved")
    # Into the past, or without a time: 400 on the field, nothing changed.
    past = (timezone.now() - timedelta(days=1)).isoformat()
    answer = api.as_user(region.consultant).post(reverse("api-joint-visit-move", args=[visit.pk]),
                                                 {"planned_at": past}, format="json")
    assert answer.status_code == 400 and "planned_at" in answer.json()
    answer = api.as_user(region.consultant).post(reverse("api-joint-visit-move", args=[visit.pk]), {}, format="json")
    assert answer.status_code == 400 and "planned_at" in answer.json()
    visit.refresh_from_db()
    assert visit.planned_at == new_time


def test_only_the_planner_moves_or_cancels_and_others_do_not_see_it(region, api, visit):
    # The partner sees the visit but not the case (it does not hold it): as for the visit's outcome, the answer
    # is the case's 404, and nothing changes.
    later = (timezone.now() + timedelta(days=5)).isoformat()
    answer = api.as_user(region.debt_coach).post(reverse("api-joint-visit-move", args=[visit.pk]),
                                                 {"planned_at": later}, format="json")
    assert answer.status_code == 404
    answer = api.as_user(region.debt_coach).post(reverse("api-joint-visit-cancel", args=[visit.pk]), {},
                                                 format="json")
    assert answer.status_code == 404
    for outsider in (region.welfare_worker, region.other_consultant):
        assert api.as_user(outsider).post(reverse("api-joint-visit-cancel", args=[visit.pk]), {},
                                          format="json").status_code == 404
        assert api.as_user(outsider).get(reverse("api-joint-visit-ics", args=[visit.pk])).status_code == 404
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_cancel_on_the_page_tells_both_sides_and_the_calendar_says_cancelled(region, client, visit):
    client.force_login(region.consultant)
    page = client.get(reverse("cases:joint_visits")).content.decode()
    assert reverse("cases:joint_visit_cancel", args=[visit.pk]) in page
    assert reverse("cases:joint_visit_move", args=[visit.pk]) in page
    assert reverse("cases:detail", args=[visit.case_id]) in page  # the list links to the case
    answer = client.post(reverse("cases:joint_visit_cancel", args=[visit.pk]), {"reason": "Huurder opgenomen"})
    assert answer.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    event = CaseEvent.objects.get(case=visit.case, kind=EventKind.JOINT_VISIT_CANCELLED)
    assert "Huurder opgenomen" in event.description
    assert told(region.debt_coach, "geannuleerd") or told(region.debt_coach, "cancelled")
    # Once cancelled, it can no longer be moved or cancelled again (409), and leaves the partner's list.
    answer = client.post(reverse("cases:joint_visit_cancel", args=[visit.pk]), {"reason": ""})
    assert answer.status_code == 404
    ics = client.get(reverse("cases:joint_visit_ics", args=[visit.pk]))
    assert ics.status_code == 200 and "STATUS:CANCELLED" in ics.content.decode()


def test_the_partner_sees_no_case_link_but_gets_the_calendar_file(region, client, api, visit):
    client.force_login(region.debt_coach)
    page = client.get(reverse("cases:joint_visits")).content.decode()
    assert f'data-visit="{visit.pk}"' in page
    assert reverse("cases:detail", args=[visit.case_id]) not in page  # it may not open the case
    assert reverse("cases:joint_visit_move", args=[visit.pk]) not in page
    AccessLog.objects.all().delete()
    answer = api.as_user(region.debt_coach).get(reverse("api-joint-visit-ics", args=[visit.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    body = answer.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"UID:joint-visit-{visit.pk}@" in body
    start = timezone.localtime(visit.planned_at).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in body
    assert "Kerkstraat\\, achter 5" in body  # RFC 5545 escapes the comma
    assert "Ayşe Yılmaz" in body.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert AccessLog.objects.filter(user=region.debt_coach, case=visit.case).exists()


def test_a_move_raises_the_calendar_sequence(region, client, visit):
    client.force_login(region.consultant)
    before = client.get(reverse("cases:joint_visit_ics", args=[visit.pk])).content.decode()
    assert "SEQUENCE:0" in before
    answer = client.post(reverse("cases:joint_visit_move", args=[visit.pk]),
                         {"planned_at": (timezone.localtime() + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")})
    assert answer.status_code == 302
    after = client.get(reverse("cases:joint_visit_ics", args=[visit.pk])).content.decode()
    assert "SEQUENCE:1" in after
    # A rejected move shows its error beside the field, with status 400.
    answer = client.post(reverse("cases:joint_visit_move", args=[visit.pk]), {"planned_at": "gisteren"})
    assert answer.status_code == 400
    assert JointVisit.objects.get(pk=visit.pk).status == "planned"
