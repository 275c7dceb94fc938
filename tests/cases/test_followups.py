"""Issue 16, follow-up tasks: set on a case, done and reopened, listed by due state, at the top of the worklist,
in one morning digest per person, on the timeline; only the holder's people set and finish them, and whoever may
not read the case's history (a partner without consent, a partner that left the case) sees none of them."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from cases import services, tasks
from cases.models import CaseEvent, EventKind, FollowUp, Notification, TaskDigest
from cases.services.followups import send_task_digests
from cases.services.privacy import anonymise, months_before
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
# A Thursday morning, Dutch time: the fixed "now" of every test.
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=AMS)
TENANT = {"name": "J. de Vries", "contract_ref": "HC-7001", "postcode": "7511AA", "house_number": "3"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Every timezone.now() (services, views, selectors, serializers) answers NOW."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


def at(day_offset, hour, minute=0):
    return (NOW + timedelta(days=day_offset)).replace(hour=hour, minute=minute)


def opened(region, user=None, ref="HC-7001", name="J. de Vries"):
    return services.open_case(user or region.consultant, tenant={**TENANT, "contract_ref": ref, "name": name},
                              arrears_amount="640.00", months_in_arrears=2, now=NOW - timedelta(days=2))


def task(region, case, text="Terugbellen", due=None, user=None, assigned_to=None, now=None):
    return services.add_task(user or region.consultant, case, text=text, due_at=due or at(0, 10),
                             assigned_to=assigned_to, now=now or NOW)


def with_partner(region, case, *, consent=True):
    handover = services.offer_handover(region.consultant, case, summary="Graag overnemen.", tenant_consent=consent,
                                       now=NOW - timedelta(days=1))
    services.accept_handover(region.debt_coach, handover, now=NOW - timedelta(hours=20))
    case.refresh_from_db()
    return case


def listed(api, user, **query):
    answer = api.as_user(user).get(reverse("api-task-list"), query)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


# --- the API ------------------------------------------------------------------------------------------------


def test_a_task_defaults_to_the_caseworker_who_is_told_and_it_shows_on_the_timeline(region, api):
    case = opened(region)  # the consultant opened it: the assigned caseworker
    answer = api.as_user(region.corporation_manager).post(
        reverse("api-case-tasks", args=[case.pk]),
        {"text": "Terugbellen op donderdag 10:00", "due_at": at(0, 10).isoformat()}, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["assigned_to"]["id"] == region.consultant.pk
    assert data["created_by"]["id"] == region.corporation_manager.pk
    assert (data["case"], data["text"], data["state"], data["done_at"]) == (
        case.pk, "Terugbellen op donderdag 10:00", "today", None)
    assert data["organisation"]["id"] == region.corporation.pk
    told = Notification.objects.get(user=region.consultant, case=case)
    assert "Terugbellen" not in told.subject + told.body  # a notification carries no free text
    timeline = api.as_user(region.consultant).get(reverse("api-case-timeline", args=[case.pk])).json()["results"]
    added = [event for event in timeline if event["kind"] == EventKind.TASK_ADDED]
    assert [event["description"] for event in added] == ["Terugbellen op donderdag 10:00"]


def test_without_a_caseworker_the_task_is_the_creators_and_nobody_is_told(region, api):
    case = opened(region)
    case.assigned_to = None
    case.save(update_fields=["assigned_to"])
    answer = api.as_user(region.corporation_manager).post(
        reverse("api-case-tasks", args=[case.pk]), {"text": "Loonstroken opvragen", "due_at": at(1, 9).isoformat()},
        format="json")
    assert answer.status_code == 201
    assert answer.json()["assigned_to"]["id"] == region.corporation_manager.pk
    assert answer.json()["state"] == "upcoming"
    assert not Notification.objects.filter(case=case).exists()


def test_the_assignee_must_be_a_member_of_the_holder(region, api):
    case = opened(region)
    url = reverse("api-case-tasks", args=[case.pk])
    client = api.as_user(region.consultant)
    for outsider in (region.debt_coach.pk, 999999):
        answer = client.post(url, {"text": "Bellen", "due_at": at(0, 10).isoformat(), "assigned_to": outsider},
                             format="json")
        assert answer.status_code == 400
        assert "assigned_to" in answer.json()
    colleague = UserFactory(organisation=region.corporation)
    answer = client.post(url, {"text": "Bellen", "due_at": at(0, 10).isoformat(), "assigned_to": colleague.pk},
                         format="json")
    assert answer.status_code == 201 and answer.json()["assigned_to"]["id"] == colleague.pk
    assert FollowUp.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TASK_ADDED).count() == 1


def test_bad_input_is_400_on_its_field(region, api):
    case = opened(region)
    url = reverse("api-case-tasks", args=[case.pk])
    client = api.as_user(region.consultant)
    assert "text" in client.post(url, {"text": " ", "due_at": at(0, 10).isoformat()}, format="json").json()
    answer = client.post(url, {"text": "Bellen", "due_at": at(-1, 10).isoformat()}, format="json")
    assert answer.status_code == 400 and "due_at" in answer.json()
    answer = client.post(url, {"text": "Bellen", "due_at": "2026-12-04T10:00:00-22:42"}, format="json")
    assert answer.status_code in (201, 400)  # never a 500
    assert client.post(url, {"text": "Bellen"}, format="json").status_code == 400
    assert FollowUp.objects.filter(due_at__lt=NOW).count() == 0


def test_the_list_by_due_state_and_assignee(region, api):
    case = opened(region)
    other = opened(region, ref="HC-7002", name="P. Jansen")
    yesterday = task(region, case, "Gisteren bellen", due=at(-1, 10), now=at(-1, 8))
    early = task(region, case, "Vanochtend mailen", due=at(0, 7, 30), now=at(0, 7))
    later_today = task(region, case, "Middag bellen", due=at(0, 15))
    tomorrow = task(region, other, "Morgen stukken", due=at(1, 9))
    done = task(region, other, "Al gedaan", due=at(0, 11))
    services.complete_task(region.consultant, done, now=NOW)
    colleague = UserFactory(organisation=region.corporation)
    theirs = task(region, case, "Collega belt", due=at(0, 12), assigned_to=colleague.pk)

    def ids(**query):
        return [row["id"] for row in listed(api, region.consultant, **query)]

    assert ids(due="today") == [early.pk, theirs.pk, later_today.pk]  # open and due today, soonest first
    assert ids(due="today", assigned_to="me") == [early.pk, later_today.pk]
    assert ids(due="overdue") == [yesterday.pk, early.pk]
    assert ids(due="open", assigned_to="me") == [yesterday.pk, early.pk, later_today.pk, tomorrow.pk]
    assert ids(due="done") == [done.pk]
    assert ids(assigned_to=colleague.pk) == [theirs.pk]
    states = {row["id"]: row["state"] for row in listed(api, region.consultant)}
    assert states == {yesterday.pk: "overdue", early.pk: "overdue", later_today.pk: "today", done.pk: "done",
                      theirs.pk: "today", tomorrow.pk: "upcoming"}
    page = api.as_user(region.consultant).get(reverse("api-task-list"), {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    assert api.as_user(region.consultant).get(reverse("api-task-list"), {"due": "soon"}).status_code == 400
    assert api.as_user(region.consultant).get(reverse("api-task-list"), {"assigned_to": "x"}).status_code == 400


def test_done_and_undone(region, api):
    case = opened(region)
    first = task(region, case)
    client = api.as_user(region.consultant)
    answer = client.post(reverse("api-task-done", args=[first.pk]))
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "done" and answer.json()["done_by"]["id"] == region.consultant.pk
    assert client.post(reverse("api-task-done", args=[first.pk])).status_code == 409
    answer = client.post(reverse("api-task-undone", args=[first.pk]))
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["done_at"], answer.json()["done_by"]) == ("today", None, None)
    assert client.post(reverse("api-task-undone", args=[first.pk])).status_code == 409
    kinds = list(CaseEvent.objects.filter(case=case, kind__startswith="task_").values_list("kind", flat=True))
    assert kinds == [EventKind.TASK_ADDED, EventKind.TASK_DONE, EventKind.TASK_REOPENED]
    assert client.post(reverse("api-task-done", args=[999999])).status_code == 404


def test_only_the_holder_sets_and_finishes_tasks(region, api):
    case = opened(region)
    mine = task(region, case)
    # Outside the case: 404, nothing of it.
    for user in (region.unrelated_worker, region.other_consultant, region.debt_coach):
        assert api.as_user(user).post(reverse("api-case-tasks", args=[case.pk]),
                                      {"text": "x", "due_at": at(0, 10).isoformat()}, format="json").status_code == 404
        assert api.as_user(user).post(reverse("api-task-done", args=[mine.pk])).status_code == 404
        assert listed(api, user) == []
    # A partner holds it now: the corporation reads the tasks, sets and finishes none.
    with_partner(region, case)
    corporation = api.as_user(region.consultant)
    assert corporation.post(reverse("api-case-tasks", args=[case.pk]),
                            {"text": "x", "due_at": at(0, 10).isoformat()}, format="json").status_code == 403
    assert corporation.post(reverse("api-task-done", args=[mine.pk])).status_code == 403
    partners = task(region, case, "Intake plannen", user=region.debt_coach)
    assert corporation.post(reverse("api-task-done", args=[partners.pk])).status_code == 403
    assert {row["id"] for row in listed(api, region.consultant)} == {mine.pk, partners.pk}
    # The partner (with consent) reads the corporation's task but does not finish it: it is not its own.
    assert {row["id"] for row in listed(api, region.debt_coach)} == {mine.pk, partners.pk}
    assert api.as_user(region.debt_coach).post(reverse("api-task-done", args=[mine.pk])).status_code == 403
    assert api.as_user(region.debt_coach).post(reverse("api-task-done", args=[partners.pk])).status_code == 200
    # Closed: read-only.
    services.close_case(region.debt_coach, case, outcome="resolved", notes="")
    assert api.as_user(region.debt_coach).post(reverse("api-task-undone", args=[partners.pk])).status_code == 400


def test_a_partner_without_consent_reads_only_its_own_tasks(region, api, client):
    case = opened(region)
    corporations = task(region, case, "Huurder belt over kwijtschelding")
    with_partner(region, case, consent=False)
    partners = task(region, case, "Intake plannen", user=region.debt_coach)
    assert [row["id"] for row in listed(api, region.debt_coach)] == [partners.pk]
    assert api.as_user(region.debt_coach).post(reverse("api-task-done", args=[corporations.pk])).status_code == 404
    timeline = api.as_user(region.debt_coach).get(reverse("api-case-timeline", args=[case.pk])).json()["results"]
    assert [event["description"] for event in timeline if event["kind"] == EventKind.TASK_ADDED] == ["Intake plannen"]
    client.force_login(region.debt_coach)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Intake plannen" in html and "kwijtschelding" not in html


def test_a_partner_that_declined_or_handed_on_sees_nothing_of_the_tasks(region, api, client):
    case = opened(region)
    corporations = task(region, case, "Huurder terugbellen")
    handover = services.offer_handover(region.consultant, case, summary="Graag.", tenant_consent=True,
                                       now=NOW - timedelta(hours=2))
    assert [row["id"] for row in listed(api, region.debt_coach)] == [corporations.pk]  # offered, with consent
    services.decline_handover(region.debt_coach, handover, reason="Geen capaciteit.", now=NOW - timedelta(hours=1))
    assert listed(api, region.debt_coach) == []
    assert api.as_user(region.debt_coach).post(reverse("api-task-done", args=[corporations.pk])).status_code == 404

    # Handed on: the former holder's own tasks go from its list, its worklist and its digest.
    other = opened(region, ref="HC-7003", name="K. Smit")
    with_partner(region, other)
    own = task(region, other, "Budgetplan maken", user=region.debt_coach, due=at(0, 14))
    onward = services.offer_handover(region.debt_coach, other, to_organisation=region.welfare, summary="Welzijn.",
                                     tenant_consent=True, now=NOW)
    services.accept_handover(region.welfare_worker, onward, now=NOW)
    assert listed(api, region.debt_coach) == []
    assert api.as_user(region.debt_coach).post(reverse("api-task-done", args=[own.pk])).status_code == 404
    client.force_login(region.debt_coach)
    assert "Budgetplan" not in client.get(reverse("cases:worklist")).content.decode()
    assert send_task_digests(now=NOW) == 1  # the consultant's task of today; nothing for the former holder
    assert not Notification.objects.filter(user=region.debt_coach, case__isnull=True).exists()


# --- the morning digest ---------------------------------------------------------------------------------------


def digests(user):
    return list(Notification.objects.filter(user=user, case__isnull=True))


def line_of(line):
    """(time, case id) of a digest line: "10:00 casus #12: /casussen/12/" (the word is the catalogue's)."""
    match = re.fullmatch(r"(\d\d:\d\d) \S+ #(\d+): /casussen/(\d+)/", line)
    assert match and match.group(2) == match.group(3), line
    return match.group(1), int(match.group(2))


def test_one_digest_per_person_with_the_tasks_of_the_day_once(region):
    case = opened(region)
    other = opened(region, ref="HC-7002", name="P. Jansen")
    task(region, case, "Bellen", due=at(0, 10))
    task(region, other, "Mailen", due=at(0, 16, 30))
    task(region, other, "Morgen", due=at(1, 9))  # not today's
    task(region, case, "Gisteren", due=at(-1, 9), now=at(-1, 8))  # not today's either
    finished = task(region, case, "Gedaan", due=at(0, 11))
    services.complete_task(region.consultant, finished, now=NOW)
    task(region, case, "Teamleider", due=at(0, 12), user=region.corporation_manager,
         assigned_to=region.corporation_manager.pk)

    assert send_task_digests(now=at(0, 7)) == 2
    [mine] = digests(region.consultant)
    assert [line_of(line) for line in mine.body.splitlines()] == [("10:00", case.pk), ("16:30", other.pk)]
    assert "2" in mine.subject and "Bellen" not in mine.body
    assert len(digests(region.corporation_manager)) == 1
    assert digests(region.debt_coach) == [] and digests(region.welfare_worker) == []

    # Again the same day (the beat twice, or the Celery task by hand): nothing more.
    assert send_task_digests(now=at(0, 9)) == 0
    assert tasks.send_task_digests(as_of=at(0, 10).isoformat()) == 0
    assert len(digests(region.consultant)) == 1
    assert TaskDigest.objects.filter(user=region.consultant).count() == 1
    # The next day: tomorrow's task.
    assert send_task_digests(now=at(1, 7)) == 1
    assert [line_of(line) for line in digests(region.consultant)[0].body.splitlines()] == [("09:00", other.pk)]


def test_the_digest_is_on_the_beat_schedule():
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
                 if entry["task"] == "cases.tasks.send_task_digests")
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_case_page_sets_finishes_and_reopens_tasks(region, client):
    case = opened(region)
    colleague = UserFactory(organisation=region.corporation, first_name="Anna", last_name="Bakker")
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="tasks-panel"' in page and reverse("cases:task_add", args=[case.pk]) in page
    assert "Anna Bakker" in page  # the holder's people to choose from
    answer = client.post(reverse("cases:task_add", args=[case.pk]), {
        "text": "Loonstroken opvragen", "due_date": "2026-12-04", "due_time": "10:00", "assigned_to": colleague.pk})
    assert answer.status_code == 302
    created = FollowUp.objects.get(case=case)
    assert (created.assigned_to, created.due_at) == (colleague, datetime(2026, 12, 4, 10, 0, tzinfo=AMS))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Loonstroken opvragen" in page and reverse("cases:task_done", args=[created.pk]) in page

    assert client.post(reverse("cases:task_done", args=[created.pk])).status_code == 302
    created.refresh_from_db()
    assert created.done_at == NOW
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:task_undone", args=[created.pk]) in page
    assert client.post(reverse("cases:task_undone", args=[created.pk])).status_code == 302
    created.refresh_from_db()
    assert created.done_at is None

    # Refusals beside their field, nothing written.
    answer = client.post(reverse("cases:task_add", args=[case.pk]), {
        "text": "Bellen", "due_date": "2026-12-04", "assigned_to": region.debt_coach.pk})
    assert answer.status_code == 400
    assert answer.context["task_form"].errors["assigned_to"]
    answer = client.post(reverse("cases:task_add", args=[case.pk]), {"text": "Bellen", "due_date": "2026-12-01"})
    assert answer.status_code == 400 and answer.context["task_form"].errors["due_date"]
    assert FollowUp.objects.filter(case=case).count() == 1


def test_the_case_page_offers_no_task_form_to_the_corporation_once_a_partner_holds_it(region, client):
    case = with_partner(region, opened(region))
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:task_add", args=[case.pk]) not in page
    assert client.post(reverse("cases:task_add", args=[case.pk]),
                       {"text": "Bellen", "due_date": "2026-12-04"}).status_code == 403


def test_my_overdue_and_due_today_tasks_top_the_worklist_and_my_cases(region, client):
    case = opened(region)
    other = opened(region, ref="HC-7002", name="P. Jansen")
    overdue = task(region, case, "Gisteren terugbellen", due=at(-1, 10), now=at(-1, 8))
    today = task(region, other, "Vandaag mailen", due=at(0, 15))
    task(region, other, "Morgen stukken", due=at(1, 9))
    colleague = UserFactory(organisation=region.corporation)
    task(region, case, "Collega belt", due=at(0, 9), assigned_to=colleague.pk)
    done = task(region, case, "Gedaan", due=at(0, 9))
    services.complete_task(region.consultant, done, now=NOW)
    client.force_login(region.consultant)
    for name in ("cases:worklist", "cases:my_cases"):
        html = client.get(reverse(name)).content.decode()
        top = html[html.index('data-testid="my-tasks"'):]
        top = top[: top.index("</section>")]
        assert top.index("Gisteren terugbellen") < top.index("Vandaag mailen"), name
        assert f'href="/casussen/{case.pk}/#tasks"' in top and f'href="/casussen/{other.pk}/#tasks"' in top
        assert f'data-task="{overdue.pk}" data-state="overdue"' in top
        assert f'data-task="{today.pk}" data-state="today"' in top
        for absent in ("Morgen stukken", "Collega belt", "Gedaan"):
            assert absent not in top, (name, absent)
        results = 'id="worklist-results"' if name == "cases:worklist" else 'data-testid="my-cases"'
        assert html.index('data-testid="my-tasks"') < html.index(results), name
    # Once the case is with a partner, its task leaves the corporation's worklist.
    with_partner(region, case)
    html = client.get(reverse("cases:worklist")).content.decode()
    assert "Gisteren terugbellen" not in html and "Vandaag mailen" in html


def test_no_top_section_without_tasks(region, client):
    opened(region)
    client.force_login(region.consultant)
    assert 'data-testid="my-tasks"' not in client.get(reverse("cases:worklist")).content.decode()


# --- privacy ------------------------------------------------------------------------------------------------------


def test_the_tenants_export_lists_the_tasks(region, api, client):
    case = opened(region)
    task(region, case, "Loonstroken opvragen")
    answer = api.as_user(region.corporation_manager).get(reverse("api-tenant-export", args=[case.tenant_id]))
    assert answer.status_code == 200
    [record] = answer.json()["cases"]
    assert [row["text"] for row in record["tasks"]] == ["Loonstroken opvragen"]
    export = api.as_user(region.consultant).get(reverse("api-case-export", args=[case.pk])).json()
    assert [row["text"] for row in export["tasks"]] == ["Loonstroken opvragen"]
    client.force_login(region.corporation_manager)
    assert "Loonstroken opvragen" in client.get(reverse("cases:tenant_export", args=[case.tenant_id])).content.decode()


def test_anonymisation_empties_the_task_text_and_its_events(region):
    case = opened(region)
    kept = task(region, case, "Bellen over Kerkstraat 5, 06-12345678")
    services.complete_task(region.consultant, kept, now=NOW)
    services.close_case(region.consultant, case, outcome="moved", notes="", now=NOW + timedelta(hours=1))
    months = region.convenant.retention_months
    report = anonymise(now=months_before(NOW, -(months + 1)))
    assert [case_id for case_id, _closed in report.cases] == [case.pk]
    kept.refresh_from_db()
    assert kept.text == "" and kept.due_at == at(0, 10) and kept.done_at == NOW
    descriptions = CaseEvent.objects.filter(case=case, kind__startswith="task_").values_list("description", flat=True)
    assert len(descriptions) == 2 and set(descriptions) == {""}


# --- a 390 px phone -------------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_tasks_on_a_phone(region, live_server, phone_page, monkeypatch):
    """The worklist's top section and the case page's tasks panel fit a 390 px phone with tap targets of 44 px; a
    task is set, opened from the worklist and marked done by tapping."""
    from tests.browser import log_in
    from tests.e2e.test_phone_layout import check_layout

    monkeypatch.undo()  # the live server runs on the real clock
    case = services.open_case(region.consultant, tenant={**TENANT, "name": "Maria van den Heuvel-Oosterbroek"},
                              arrears_amount="640.00", months_in_arrears=2)
    from django.utils import timezone as real

    added = services.add_task(region.consultant, case, due_at=real.now() + timedelta(minutes=1),
                              text="Terugbellen over de loonstroken en het budgetplan van mei")
    page = phone_page
    log_in(page, live_server, region.consultant.username)
    page.goto(f"{live_server.url}/")
    check_layout(page, "worklist with my tasks")
    page.get_by_test_id("my-tasks").get_by_role("link").first.click()
    page.wait_for_url(f"**/casussen/{case.pk}/#tasks")
    page.evaluate("() => document.querySelectorAll('.content details').forEach(d => d.open = true)")
    check_layout(page, "case page with the tasks panel open")
    page.locator(f'form[action="{reverse("cases:task_done", args=[added.pk])}"] button').click()
    page.wait_for_url(f"**/casussen/{case.pk}/#tasks")
    page.wait_for_load_state("networkidle")
    added.refresh_from_db()
    assert added.done_at is not None
