"""The case-work web UI through the Django test client: scenario 1 of SCENARIOS.md, bad input on every form,
scope and filters of the worklist, and a query count that does not grow with the rows."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cases import services
from cases.models import (
    AccessLog,
    Arrangement,
    AttemptOutcome,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    ContactAttempt,
    Escalation,
    Tenant,
)
from cases.views import deadline_status
from convenants.models import DeadlineKind
from convenants.services import deadline_for
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def detail_url(case):
    return reverse("cases:detail", kwargs={"pk": case.pk})


def action_url(name, case):
    return reverse(f"cases:{name}", kwargs={"pk": case.pk})


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


NEW_CASE = {
    "name": "Fatima el Amrani",
    "contract_ref": "HC-2026-0042",
    "street": "Lasondersingel",
    "house_number": "12 a",
    "postcode": "7514bp",
    "city": "Enschede",
    "phone": "0612345678",
    "email": "fatima@example.org",
    "arrears_amount": "640,00",
    "months_in_arrears": "1",
    "monthly_rent": "640",
}


# --- scenario 1 -------------------------------------------------------------------------------------------------


def test_scenario_one_first_month_through_the_web_ui(region, client_as):
    client = client_as(region.consultant)

    response = client.get(reverse("cases:worklist"))
    assert response.status_code == 200
    assert reverse("cases:case_new").encode() in response.content  # "New case" for corporation members

    response = client.post(reverse("cases:case_new"), NEW_CASE)
    case = Case.objects.get(tenant__contract_ref="HC-2026-0042")
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert case.arrears_amount == Decimal("640.00")
    assert case.tenant.postcode == "7514 BP" and case.tenant.house_number == "12A"
    assert case.deadline_kind == DeadlineKind.FIRST_CONTACT

    for channel, outcome in (("phone", "not_reached"), ("whatsapp", "not_reached"), ("home_visit", "reached")):
        response = client.post(
            action_url("contact_attempt", case),
            {"channel": channel, "outcome": outcome, "at": "", "notes": f"{channel} geprobeerd"},
            follow=True,
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith(detail_url(case))
        assert b"Contact attempt saved." in response.content

    start = timezone.localdate() + timedelta(days=14)
    response = client.post(
        action_url("arrangement", case),
        {"monthly_amount": "80,00", "start_date": start.isoformat(), "months": "8"},
        follow=True,
    )
    assert b"Payment arrangement saved." in response.content

    case.refresh_from_db()
    assert case.status == CaseStatus.ARRANGEMENT
    arrangement = Arrangement.objects.get(case=case)
    assert (arrangement.monthly_amount, arrangement.months, arrangement.start_date) == (Decimal("80.00"), 8, start)
    assert list(ContactAttempt.objects.filter(case=case).values_list("channel", "outcome")) == [
        ("phone", "not_reached"),
        ("whatsapp", "not_reached"),
        ("home_visit", "reached"),
    ]
    # The first-contact deadline was met and nothing escalated.
    assert case.first_contact_at <= deadline_for(case.convenant, DeadlineKind.FIRST_CONTACT, case.opened_at)
    assert not Escalation.objects.filter(case=case).exists()

    response = client.get(detail_url(case))
    assert response.status_code == 200
    kinds = [row["event"].kind for row in response.context["timeline"]]
    assert kinds == ["opened", "contact_attempt", "contact_attempt", "contact_attempt", "arrangement"]
    html = response.content.decode()
    assert html.count('class="event event-contact_attempt"') == 3
    with translation.override("en"):
        for channel, outcome in (("phone", "not_reached"), ("whatsapp", "not_reached"), ("home_visit", "reached")):
            assert f"{Channel(channel).label}: {AttemptOutcome(outcome).label}" in html
        deadline_date = date_format(timezone.localtime(case.deadline_at), "l j F Y")
        countdown = deadline_status(case)["text"]
    # Oldest first: the phone call comes before the home visit on the page.
    assert html.index("phone geprobeerd") < html.index("whatsapp geprobeerd") < html.index("home_visit geprobeerd")
    assert case.deadline_kind == DeadlineKind.INACTIVITY
    assert deadline_date in html and countdown in html
    assert "€ 80.00" in html and "€ 640.00" in html
    assert "Fatima el Amrani" in html and "0612345678" in html and "HC-2026-0042" in html
    # The holder may not make a second arrangement now, and the contact attempt form stays available.
    assert "arrange" not in response.context["allowed"]
    assert "log_attempt" in response.context["allowed"]


def test_contact_attempt_page_is_one_phone_form_with_big_choices(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    response = client_as(region.consultant).get(action_url("contact_attempt", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="radio" name="channel"') == len(Channel.values) == 7
    assert html.count('type="radio" name="outcome"') == len(AttemptOutcome.values) == 3
    assert 'type="datetime-local" name="at"' in html
    assert 'class="primary big"' in html
    assert AccessLog.objects.filter(case=case, user=region.consultant, what="detail").exists()


def test_attempt_with_a_time_in_the_past_is_dated_then(region, client_as):
    case = CaseFactory(corporation=region.corporation, opened_at=timezone.now() - timedelta(days=3))
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(days=1, hours=2)
    response = client_as(region.consultant).post(
        action_url("contact_attempt", case), {"channel": "home_visit", "outcome": "appointment", "at": local_input(moment)}
    )
    assert response.status_code == 302
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.at == moment
    case.refresh_from_db()
    assert case.first_contact_at == moment


# --- the case page ----------------------------------------------------------------------------------------------


def test_detail_writes_the_access_log_and_is_404_outside_scope(region, client):
    case = CaseFactory(corporation=region.corporation)
    client.force_login(region.consultant)
    assert client.get(detail_url(case)).status_code == 200
    assert AccessLog.objects.filter(case=case, user=region.consultant, what="detail").count() == 1
    for outsider in (region.debt_coach, region.welfare_worker, region.other_consultant, region.unrelated_worker):
        client.force_login(outsider)
        assert client.get(detail_url(case)).status_code == 404
        assert client.get(action_url("contact_attempt", case)).status_code == 404
        response = client.post(action_url("contact_attempt", case), {"channel": "phone", "outcome": "reached"})
        assert response.status_code == 404
        response = client.post(action_url("note", case), {"text": "kijken"})
        assert response.status_code == 404
    assert not ContactAttempt.objects.filter(case=case).exists()
    assert AccessLog.objects.filter(case=case).count() == 1


def test_login_required(region, client):
    case = CaseFactory(corporation=region.corporation)
    for url in (reverse("cases:worklist"), detail_url(case), reverse("cases:case_new")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_closed_case_is_read_only(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    services.close_case(region.consultant, case, outcome="resolved", notes="Betaald")
    client = client_as(region.consultant)
    response = client.get(detail_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<form" not in html.split('<main class="content">', 1)[1].split("</main>")[0]
    assert "This case is closed and can no longer be changed." in html
    assert response.context["deadline"] is None


def test_buttons_follow_holder_and_corporation(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    # Offered: the partner can view to decide, but not work the case.
    response = client_as(region.debt_coach).get(detail_url(case))
    assert response.status_code == 200
    # The page offers what cases.policy.permitted allows (`allowed`, asked once per request).
    assert not {"log_attempt", "arrange", "add_note", "close"} & response.context["allowed"]
    services.accept_handover(region.debt_coach, handover)
    response = client_as(region.debt_coach).get(detail_url(case))
    assert {"log_attempt", "add_note"} <= response.context["allowed"]
    # The corporation keeps seeing the case; it may note and close, but the holder logs attempts.
    response = client_as(region.consultant).get(detail_url(case))
    assert response.status_code == 200
    assert not {"log_attempt", "arrange"} & response.context["allowed"]
    assert {"add_note", "close"} <= response.context["allowed"]
    assert action_url("contact_attempt", case).encode() not in response.content


def test_forbidden_action_answers_403_with_the_message_and_writes_nothing(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    services.accept_handover(region.debt_coach, handover)
    events = CaseEvent.objects.filter(case=case).count()
    response = client_as(region.consultant).post(
        action_url("contact_attempt", case), {"channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 403
    assert response.context["form"].non_field_errors()
    assert response.context["form"].non_field_errors()[0] in response.content.decode()
    assert not ContactAttempt.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case).count() == events


def test_note_missed_instalment_and_close(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    client = client_as(region.consultant)
    assert client.post(action_url("note", case), {"text": "Buren zeggen: met vakantie"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="note", description="Buren zeggen: met vakantie").exists()
    start = timezone.localdate() + timedelta(days=3)
    # 50 × 4 is below the arrears: confirmed (version 1.1's warning).
    client.post(action_url("arrangement", case), {"monthly_amount": "50", "start_date": start, "months": "4",
                                                  "confirm_below_arrears": "on"})
    response = client.get(detail_url(case))
    assert "record_missed" in response.context["allowed"]
    response = client.post(action_url("missed_installment", case), {"note": "Niet betaald"}, follow=True)
    assert b"Missed instalment recorded" in response.content
    case.refresh_from_db()
    assert case.status == CaseStatus.CONTACTING
    assert Arrangement.objects.get(case=case).status == "broken"
    response = client.post(action_url("close", case), {"outcome": "moved", "notes": "Verhuisd naar Hengelo"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "moved")


# --- bad input: an error beside the field, nothing written, never a 500 ------------------------------------------


def _snapshot(case):
    return (
        ContactAttempt.objects.filter(case=case).count(),
        Arrangement.objects.filter(case=case).count(),
        CaseEvent.objects.filter(case=case).count(),
        Case.objects.filter(pk=case.pk).values_list("status", "deadline_at", "last_activity_at").get(),
    )


@pytest.mark.parametrize(
    ("action", "form_name", "data", "field"),
    [
        ("arrangement", "arrangement_form", {"monthly_amount": "-80", "months": "8"}, "monthly_amount"),
        ("arrangement", "arrangement_form", {"monthly_amount": "tachtig", "months": "8"}, "monthly_amount"),
        ("arrangement", "arrangement_form", {"monthly_amount": "80,001", "months": "8"}, "monthly_amount"),
        ("arrangement", "arrangement_form", {"monthly_amount": "0", "months": "8"}, "monthly_amount"),
        ("arrangement", "arrangement_form", {"monthly_amount": "80", "months": "0"}, "months"),
        ("arrangement", "arrangement_form", {"monthly_amount": "80", "months": "acht"}, "months"),
        ("arrangement", "arrangement_form", {"monthly_amount": "80", "months": "8", "start_date": "31-02-2026"}, "start_date"),
        ("arrangement", "arrangement_form", {"monthly_amount": "80", "months": "8", "start_date": "2001-01-01"}, "start_date"),
        ("note", "note_form", {"text": "   "}, "text"),
        ("close", "close_form", {"outcome": ""}, "outcome"),
        ("close", "close_form", {"outcome": "evicted"}, "outcome"),
    ],
)
def test_bad_input_on_the_case_page_shows_the_error_and_writes_nothing(region, client_as, action, form_name, data, field):
    case = CaseFactory(corporation=region.corporation)
    data = {"start_date": (timezone.localdate() + timedelta(days=7)).isoformat(), **data}
    before = _snapshot(case)
    response = client_as(region.consultant).post(action_url(action, case), data)
    assert response.status_code == 400
    form = response.context[form_name]
    assert field in form.errors
    assert str(form.errors[field][0]) in response.content.decode()
    assert _snapshot(case) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channel": "pigeon", "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "maybe"}, "outcome"),
        ({"channel": "", "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "reached", "at": "gisteren"}, "at"),
    ],
)
def test_bad_contact_attempt_shows_the_error_beside_the_field(region, client_as, data, field):
    case = CaseFactory(corporation=region.corporation)
    before = _snapshot(case)
    response = client_as(region.consultant).post(action_url("contact_attempt", case), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert _snapshot(case) == before


def test_contact_attempt_in_the_future_is_refused_by_the_service(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    before = _snapshot(case)
    future = timezone.now() + timedelta(hours=3)
    response = client_as(region.consultant).post(
        action_url("contact_attempt", case), {"channel": "phone", "outcome": "reached", "at": local_input(future)}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["at"]
    assert errors and errors[0] in response.content.decode()
    assert _snapshot(case) == before


def test_contact_attempt_on_a_closed_case_shows_the_error_and_writes_nothing(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    services.close_case(region.consultant, case, outcome="resolved")
    before = _snapshot(case)
    response = client_as(region.consultant).post(
        action_url("contact_attempt", case), {"channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 400
    message = response.context["form"].non_field_errors()[0]
    assert message in response.content.decode()
    assert _snapshot(case) == before
    # The same on the case page's own forms: the error is shown at the top although the form is hidden.
    response = client_as(region.consultant).post(action_url("note", case), {"text": "te laat"})
    assert response.status_code == 400
    assert response.context["top_errors"] and response.context["top_errors"][0] in response.content.decode()
    assert _snapshot(case) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postcode": "ABCD 12"}, "postcode"),
        ({"arrears_amount": "-640"}, "arrears_amount"),
        ({"arrears_amount": "zeshonderd"}, "arrears_amount"),
        ({"monthly_rent": "-1"}, "monthly_rent"),
        ({"months_in_arrears": "-2"}, "months_in_arrears"),
        ({"months_in_arrears": "een"}, "months_in_arrears"),
        ({"name": ""}, "name"),
        ({"contract_ref": "   "}, "contract_ref"),
        ({"email": "geen-adres"}, "email"),
    ],
)
def test_bad_input_when_opening_a_case(region, client_as, change, field):
    response = client_as(region.consultant).post(reverse("cases:case_new"), {**NEW_CASE, **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert str(response.context["form"].errors[field][0]) in response.content.decode()
    assert not Case.objects.exists() and not Tenant.objects.exists()


def test_a_rejected_new_case_form_shows_every_error_at_once(region, client_as):
    """Issue 16: the service checks every input before it refuses, so one submit names every wrong field."""
    bad = {"postcode": "ABCD 12", "arrears_amount": "-640", "monthly_rent": "-1", "months_in_arrears": "-2"}
    response = client_as(region.consultant).post(reverse("cases:case_new"), {**NEW_CASE, **bad})
    assert response.status_code == 400
    assert set(bad) <= set(response.context["form"].errors)
    assert not Case.objects.exists() and not Tenant.objects.exists()


def test_a_second_open_case_for_the_same_contract_is_refused_on_the_form(region, client_as):
    client = client_as(region.consultant)
    assert client.post(reverse("cases:case_new"), NEW_CASE).status_code == 302
    response = client.post(reverse("cases:case_new"), NEW_CASE)
    assert response.status_code == 400
    assert "contract_ref" in response.context["form"].errors
    assert Case.objects.count() == 1


def test_only_corporation_members_open_cases(region, client_as):
    client = client_as(region.debt_coach)
    assert reverse("cases:case_new").encode() not in client.get(reverse("cases:worklist")).content
    assert client.get(reverse("cases:case_new")).status_code == 403
    assert client.post(reverse("cases:case_new"), NEW_CASE).status_code == 403
    assert not Case.objects.exists()


# --- worklist ---------------------------------------------------------------------------------------------------


def _worklist(client, **params):
    response = client.get(reverse("cases:worklist"), params)
    assert response.status_code == 200
    return [case.pk for case, _deadline in response.context["rows"]]


def test_worklist_shows_only_scoped_cases_sorted_by_deadline(region, client_as):
    now = timezone.now()
    late = CaseFactory(corporation=region.corporation, opened_at=now - timedelta(days=10), tenant={
        "name": "Jan Jansen", "contract_ref": "HC-1", "house_number": "1", "postcode": "7514 BP"})
    soon = CaseFactory(corporation=region.corporation, opened_at=now - timedelta(days=4))
    fresh = CaseFactory(corporation=region.corporation, opened_at=now)
    other = CaseFactory(corporation=region.other_corporation)
    client = client_as(region.consultant)
    assert _worklist(client) == [late.pk, soon.pk, fresh.pk]
    html = client.get(reverse("cases:worklist")).content.decode()
    assert "Jan Jansen" in html and other.tenant.name not in html
    row = re.search(rf'data-case="{late.pk}".*?</tr>', html, re.S).group(0)
    assert 'badge overdue' in row
    assert 'badge due-soon' in re.search(rf'data-case="{soon.pk}".*?</tr>', html, re.S).group(0)
    assert 'badge ok' in re.search(rf'data-case="{fresh.pk}".*?</tr>', html, re.S).group(0)
    assert _worklist(client_as(region.other_consultant)) == [other.pk]
    assert _worklist(client_as(region.welfare_worker)) == []


def test_worklist_filters_and_search(region, client_as):
    now = timezone.now()
    late = CaseFactory(corporation=region.corporation, opened_at=now - timedelta(days=10), tenant={
        "name": "Jan Jansen", "contract_ref": "HC-100", "house_number": "1", "postcode": "7514 BP"})
    handed = CaseFactory(corporation=region.corporation, tenant={
        "name": "Piet de Vries", "contract_ref": "HC-200", "house_number": "2", "postcode": "7514 BP"})
    handover = services.offer_handover(region.consultant, handed, summary="Niet bereikt", tenant_consent=True)
    services.accept_handover(region.debt_coach, handover)
    fresh = CaseFactory(corporation=region.corporation)
    closed = CaseFactory(corporation=region.corporation)
    services.close_case(region.consultant, closed, outcome="resolved")
    client = client_as(region.consultant)

    assert set(_worklist(client)) == {late.pk, handed.pk, fresh.pk}  # open cases by default
    assert _worklist(client, status="with_partner") == [handed.pk]
    assert _worklist(client, status="resolved") == [closed.pk]
    assert set(_worklist(client, status="all")) == {late.pk, handed.pk, fresh.pk, closed.pk}
    assert _worklist(client, overdue="true") == [late.pk]
    assert _worklist(client, overdue="1") == [late.pk]
    assert late.pk not in _worklist(client, overdue="false")
    assert _worklist(client, holder=region.debt_assistance.pk) == [handed.pk]
    assert set(_worklist(client, holder=region.corporation.pk)) == {late.pk, fresh.pk}
    cutoff = timezone.localdate(now)  # deadlines before today: only the overdue one
    assert _worklist(client, deadline_before=cutoff.isoformat()) == [late.pk]
    today = timezone.localdate(now)
    assert _worklist(client, opened_to=(today - timedelta(days=5)).isoformat()) == [late.pk]
    assert set(_worklist(client, opened_from=today.isoformat())) == {handed.pk, fresh.pk}
    assert _worklist(client, opened_from=today.isoformat(), opened_to=today.isoformat(), q="HC-200") == [handed.pk]
    assert _worklist(client, q="jansen") == [late.pk]
    assert _worklist(client, q="HC-200") == [handed.pk]
    assert _worklist(client, q="nobody") == []
    assert _worklist(client, q="piet", holder=region.corporation.pk) == []


@pytest.mark.parametrize(
    "params",
    [{"overdue": "misschien"}, {"holder": "abc"}, {"holder": "999999"}, {"deadline_before": "gisteren"},
     {"status": "lost"}, {"opened_from": "31-02-2026"}, {"page": "x"}, {"page": "999"}],
)
def test_worklist_bad_filters_never_500(region, client_as, params):
    CaseFactory(corporation=region.corporation)
    response = client_as(region.consultant).get(reverse("cases:worklist"), params)
    assert response.status_code == 200
    if "page" not in params:
        assert response.context["form"].errors
        assert 'class="errorlist"' in response.content.decode()


def test_worklist_htmx_answers_the_results_only(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    response = client_as(region.consultant).get(reverse("cases:worklist"), {"q": case.tenant.name}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="worklist-results"' in html and case.tenant.name in html


def test_worklist_paginates_by_50_and_keeps_the_filters(region, client_as):
    for _ in range(52):
        CaseFactory(corporation=region.corporation)
    client = client_as(region.consultant)
    response = client.get(reverse("cases:worklist"), {"overdue": "false"})
    assert len(response.context["rows"]) == 50
    assert "?overdue=false&amp;page=2" in response.content.decode()
    response = client.get(reverse("cases:worklist"), {"overdue": "false", "page": 2})
    assert len(response.context["rows"]) == 2


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:worklist"))
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


def test_worklist_query_count_does_not_grow_with_rows(region, client_as):
    client = client_as(region.consultant)
    for _ in range(5):
        CaseFactory(corporation=region.corporation)
    few, rows = _count_queries(client)
    assert rows == 5
    for _ in range(25):
        CaseFactory(corporation=region.corporation)
    many, rows = _count_queries(client)
    assert rows == 30
    assert many == few
    # 8, the one insert of the page's list reads into the access log, the signed-in user's overdue and
    # due-today follow-up tasks (the top section: cases.selectors.my_tasks_due, one query) and the people of the
    # organisation for the "Behandelaar" filter (one query)
    assert few <= 11


def test_deadline_countdown_texts():
    now = timezone.make_aware(timezone.datetime(2026, 3, 4, 10, 0))
    end_of = lambda day: timezone.make_aware(timezone.datetime(2026, 3, day, 23, 59, 59))  # noqa: E731
    due = lambda at: Case(deadline_at=at)  # noqa: E731  (the state is Case.deadline_state: one definition)
    with translation.override("en"):
        assert deadline_status(due(end_of(7)), now) == {"at": end_of(7), "state": "ok", "days": 3, "text": "3 days left"}
        assert deadline_status(due(end_of(5)), now)["state"] == "due-soon"
        assert deadline_status(due(end_of(5)), now)["text"] == "1 day left"
        assert deadline_status(due(end_of(4)), now)["text"] == "today"
        assert deadline_status(due(end_of(2)), now) == {"at": end_of(2), "state": "overdue", "days": -2,
                                                        "text": "2 days late"}
        assert deadline_status(due(now - timedelta(minutes=5)), now)["text"] == "1 day late"
    assert deadline_status(due(None), now) is None


def test_attempt_without_a_time_is_dated_now_after_the_opening(region, client_as):
    case = CaseFactory(corporation=region.corporation)
    client = client_as(region.consultant)
    assert 'value=' not in re.search(r'<input[^>]*name="at"[^>]*>', client.get(action_url("contact_attempt", case)).content.decode()).group(0)
    client.post(action_url("contact_attempt", case), {"channel": "sms", "outcome": "not_reached", "at": ""})
    attempt = ContactAttempt.objects.get(case=case)
    assert attempt.at >= case.opened_at
    kinds = [row["event"].kind for row in client.get(detail_url(case)).context["timeline"]]
    assert kinds == ["opened", "contact_attempt"]
