"""Scenario 10, the consultant's Monday (../shared/SCENARIOS.md), through the API and through the web UI:
only her own cases and today's follow-ups; she pauses one case for 14 days (tenant in hospital), moves a joint
visit to Thursday, records an instalment received, changes an arrangement's terms after the tenant's income
dropped, and a search on the street name finds last year's closed case of the same tenant."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Arrangement, Case, CaseStatus, JointVisit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STREET = "Pathmossingel"


def tenant(name, ref, number):
    return {"name": name, "contract_ref": ref, "street": STREET, "house_number": number, "postcode": "7513CT",
            "city": "Enschede", "phone": "0612345678"}


def thursday_at_ten():
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != 3:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


@pytest.fixture
def monday(region):
    """Her caseload: a case in hospital, one with a joint visit, one with an arrangement; a colleague's case; and
    last year's closed case of the tenant now in hospital (the same contract, the same street)."""
    consultant = region.consultant
    colleague = UserFactory(username="collega", organisation=region.corporation)
    old = services.open_case(consultant, tenant=tenant("Henk Nijhof", "HC-10-1", "4"), arrears_amount="900",
                             months_in_arrears=3)
    services.close_case(consultant, old, outcome="resolved", notes="Betaald na regeling")
    year_ago = timezone.now() - timedelta(days=365)
    Case.objects.filter(pk=old.pk).update(opened_at=year_ago - timedelta(days=60), closed_at=year_ago)
    hospital = services.open_case(consultant, tenant=tenant("Henk Nijhof", "HC-10-1", "4"), arrears_amount="640",
                                  months_in_arrears=2)
    visiting = services.open_case(consultant, tenant=tenant("Ayse Kaya", "HC-10-2", "6"), arrears_amount="500",
                                  months_in_arrears=1)
    visit = services.plan_joint_visit(consultant, visiting, partner=region.debt_assistance,
                                      planned_at=timezone.now() + timedelta(days=1))
    paying = services.open_case(consultant, tenant=tenant("Piet Bos", "HC-10-3", "8"), arrears_amount="640",
                                months_in_arrears=2)
    arrangement = services.agree_arrangement(consultant, paying, monthly_amount="80.00",
                                             start_date=timezone.localdate(), months=8)
    theirs = services.open_case(colleague, tenant=tenant("Kees Smit", "HC-10-4", "10"), arrears_amount="300",
                                months_in_arrears=1)
    return {"old": old, "hospital": hospital, "visiting": visiting, "visit": visit, "paying": paying,
            "arrangement": arrangement, "theirs": theirs}


def test_scenario_10_through_the_api(region, api, monday):
    client = api.as_user(region.consultant)
    today_ten = timezone.make_aware(datetime.combine(timezone.localdate(), time(10, 0)))
    answer = client.post(reverse("api-case-tasks", args=[monday["hospital"].pk]),
                         {"text": "terugbellen om 10:00", "due_at": max(today_ten, timezone.now()).isoformat()},
                         format="json")
    assert answer.status_code == 201, answer.json()

    # Only her cases, and her follow-ups of today.
    mine = {row["id"] for row in client.get(reverse("api-case-list"), {"assigned_to": "me"}).json()["results"]
            if row["closed_at"] is None}
    assert mine == {monday["hospital"].pk, monday["visiting"].pk, monday["paying"].pk}
    tasks = client.get(reverse("api-task-list"), {"assigned_to": "me", "due": "today"}).json()["results"]
    assert [task["text"] for task in tasks] == ["terugbellen om 10:00"]

    # The tenant is in hospital: the clock stops for 14 days.
    until = timezone.localdate() + timedelta(days=14)
    answer = client.post(reverse("api-case-pause", args=[monday["hospital"].pk]),
                         {"reason": "opname", "until": until.isoformat()}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["paused_until"] == until.isoformat() and answer.json()["deadline_at"] is None

    # The joint visit moves to Thursday.
    answer = client.post(reverse("api-joint-visit-move", args=[monday["visit"].pk]),
                         {"planned_at": thursday_at_ten().isoformat()}, format="json")
    assert answer.status_code == 200, answer.json()
    assert JointVisit.objects.get(pk=monday["visit"].pk).planned_at == thursday_at_ten()

    # An instalment came in; then the tenant's income dropped: € 40 a month for 16 months, a new version.
    arrangement = monday["arrangement"]
    answer = client.post(reverse("api-arrangement-instalment-paid", args=[arrangement.pk, 1]), {}, format="json")
    assert answer.status_code == 200, answer.json()
    answer = client.patch(reverse("api-arrangement-detail", args=[arrangement.pk]),
                          {"monthly_amount": "40.00", "months": 16}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["id"] != arrangement.pk
    versions = list(Arrangement.objects.filter(case=monday["paying"]).order_by("pk"))
    assert len(versions) == 2 and versions[0].status != "active" and versions[1].status == "active"
    assert versions[0].instalments.get(number=1).status == "paid"
    monday["paying"].refresh_from_db()
    assert monday["paying"].status == CaseStatus.ARRANGEMENT

    # The street finds last year's closed case of the same tenant too.
    found = {row["id"] for row in client.get(reverse("api-case-list"), {"q": STREET}).json()["results"]}
    assert {monday["old"].pk, monday["hospital"].pk} <= found


def test_scenario_10_through_the_web(region, client, monday):
    client.force_login(region.consultant)
    hospital = monday["hospital"]
    answer = client.post(reverse("cases:task_add", args=[hospital.pk]), {
        "text": "terugbellen om 10:00", "due_date": timezone.localdate().isoformat(),
        "due_time": max(timezone.localtime(), timezone.localtime().replace(hour=10, minute=0)).strftime("%H:%M"),
    })
    assert answer.status_code == 302

    # Mijn casussen: her three cases, the colleague's not; today's follow-up at the top.
    page = client.get(reverse("cases:my_cases")).content.decode()
    for case in (hospital, monday["visiting"], monday["paying"]):
        assert f'data-case="{case.pk}"' in page
    assert f'data-case="{monday["theirs"].pk}"' not in page
    assert "terugbellen om 10:00" in page

    until = timezone.localdate() + timedelta(days=14)
    answer = client.post(reverse("cases:pause", args=[hospital.pk]), {"reason": "opname", "until": until.isoformat()})
    assert answer.status_code == 302
    hospital.refresh_from_db()
    assert hospital.paused_until == until and hospital.deadline_at is None

    answer = client.post(reverse("cases:joint_visit_move", args=[monday["visit"].pk]),
                         {"planned_at": timezone.localtime(thursday_at_ten()).strftime("%Y-%m-%dT%H:%M")})
    assert answer.status_code == 302
    assert JointVisit.objects.get(pk=monday["visit"].pk).planned_at == thursday_at_ten()

    arrangement = monday["arrangement"]
    answer = client.post(reverse("cases:instalment_paid", args=[arrangement.pk]), {"number": 1})
    assert answer.status_code == 302
    answer = client.post(reverse("cases:arrangement_change", args=[arrangement.pk]),
                         {"monthly_amount": "40,00", "months": "16"})
    assert answer.status_code == 302
    versions = list(Arrangement.objects.filter(case=monday["paying"]).order_by("pk"))
    assert [v.monthly_amount for v in versions] == [80, 40] and versions[0].instalments.get(number=1).status == "paid"

    page = client.get(reverse("cases:worklist"), {"q": STREET})
    shown = {case.pk for case, _deadline in page.context["rows"]}
    assert {monday["old"].pk, hospital.pk} <= shown
