"""Issue 16, pausing the clock: the holder pauses the active deadline with a reason until a date (at most the
convenant's maximum); a paused case is not due; on resume (by hand or by the beat task, as the system) the
deadline moves on by the paused time, in working days when the convenant counts those, and keeps moving through
every later recompute. A pickup deadline cannot be paused (policy PAUSE/RESUME; cases.services.pausing)."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from cases import services, tasks
from cases.models import Case, CaseEvent, EventKind
from cases.services.privacy import anonymise
from convenants.models import DEFAULT_PAUSE_REASONS

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TENANT = {"name": "A. Pauzenaar", "contract_ref": "HC-7001", "postcode": "7511AB", "house_number": "3"}


def at(day, hour=10, month=3, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


def end_of(day, month=3):
    return datetime(2026, month, day, 23, 59, 59, tzinfo=AMS)


def opened(region, now=None, ref="HC-7001"):
    return services.open_case(region.consultant, tenant={**TENANT, "contract_ref": ref}, arrears_amount="640.00",
                              months_in_arrears=2, now=now)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def pause_url(case):
    return reverse("api-case-pause", args=[case.pk])


def resume_url(case):
    return reverse("api-case-resume", args=[case.pk])


# --- the arithmetic (services, at fixed moments) ---------------------------------------------------------------


def test_pause_is_not_due_and_the_auto_resume_moves_the_deadline_on_in_calendar_days(region):
    case = opened(region, now=at(2))  # Monday 2 March; first contact within 5 calendar days
    assert fresh(case).deadline_at == end_of(7)
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 10), now=at(4))
    paused = fresh(case)
    assert (paused.paused_at, paused.paused_until, paused.pause_reason) == (at(4), date(2026, 3, 10), "opname")
    assert paused.deadline_at is None and paused.deadline_kind == ""

    # The sweep, past the old deadline, does not pick it.
    assert services.escalate_overdue(as_of=at(8)) == 0
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATED).exists()

    # Before its end date nothing resumes; from the start of 10 March the task resumes it as the system.
    assert services.resume_expired_pauses(now=at(9, 23)) == 0
    assert services.resume_expired_pauses(now=at(10, 0, minute=15)) == 1
    resumed = fresh(case)
    assert resumed.paused_at is None and resumed.paused_until is None and resumed.pause_reason == ""
    # Paused from 4 March to the start of 10 March: 6 days; 7 March + 6 = 13 March.
    assert (resumed.deadline_kind, resumed.deadline_at) == ("first_contact", end_of(13))
    event = CaseEvent.objects.get(case=case, kind=EventKind.RESUMED)
    assert event.actor is None and event.data["automatic"] is True
    assert services.resume_expired_pauses(now=at(10, 1)) == 0  # idempotent

    # The shift survives later recomputes: a note, then the next deadline instance (handover, from opening).
    services.add_note(region.consultant, case, text="Huurder is thuis.", now=at(11))
    assert fresh(case).deadline_at == end_of(13)
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached", now=at(11, 12))
    after = fresh(case)
    assert (after.deadline_kind, after.deadline_at) == ("handover", end_of(7, month=4))  # 1 April + 6 days
    assert services.escalate_overdue(as_of=end_of(13) + timedelta(hours=1)) == 0


def test_working_days_convenant_moves_the_deadline_on_in_working_days(region):
    region.convenant.working_days = True
    region.convenant.save()
    case = opened(region, now=at(2))  # Monday; 5 working days: Monday 9 March
    assert fresh(case).deadline_at == end_of(9)
    services.pause_case(region.consultant, case, reason="wacht_op_stukken", until="2026-03-09", now=at(4))
    services.resume_expired_pauses(now=at(9, 8))
    # Wednesday 10:00 to the start of Monday: Thursday, Friday and Monday, 3 working days: Thursday 12 March.
    assert fresh(case).deadline_at == end_of(12)


def test_resume_by_hand_counts_until_now_and_a_second_pause_adds_up(region, api):
    case = opened(region, now=at(2))
    services.pause_case(region.consultant, case, reason="wacht_op_intake", until=date(2026, 3, 20), now=at(4))
    services.resume_case(region.consultant, case, now=at(6))
    assert fresh(case).deadline_at == end_of(9)  # 2 days paused
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 8), now=at(6, 11))
    services.resume_expired_pauses(now=at(8, 1))
    assert fresh(case).deadline_at == end_of(11)  # 2 + 2 days
    assert len(json.loads(fresh(case).pauses)) == 2


def test_a_change_while_paused_keeps_the_case_paused(region):
    case = opened(region, now=at(2))
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 10), now=at(4))
    services.add_note(region.consultant, case, text="Opgenomen, bellen na ontslag.", now=at(5))
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached", now=at(5, 11))
    still = fresh(case)
    assert still.paused_at == at(4) and still.deadline_at is None and still.deadline_kind == ""
    assert services.escalate_overdue(as_of=at(9, 12)) == 0


def test_the_maximum_applies_per_pause(region):
    region.convenant.max_pause_days = 10
    region.convenant.save()
    case = opened(region, now=at(2))
    with pytest.raises(services.CaseError) as error:
        services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 15), now=at(4))
    assert error.value.field == "until"
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 14), now=at(4))
    services.resume_case(region.consultant, case, now=at(13))
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 23), now=at(13, 11))
    assert fresh(case).paused_until == date(2026, 3, 23)


# --- through the API -------------------------------------------------------------------------------------------


def test_pause_and_resume_through_the_api(region, api):
    case = opened(region)
    client = api.as_user(region.consultant)
    detail = client.get(reverse("api-case-detail", args=[case.pk])).json()
    assert detail["paused_until"] is None and detail["pause_reason"] is None
    assert "pause" in detail["allowed_actions"] and "resume" not in detail["allowed_actions"]
    old_deadline = fresh(case).deadline_at
    until = timezone.localdate() + timedelta(days=7)
    answer = client.post(pause_url(case), {"reason": "opname", "until": until.isoformat()}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["paused_until"] == until.isoformat() and body["pause_reason"] == "opname"
    assert body["deadline_at"] is None
    assert "resume" in body["allowed_actions"] and "pause" not in body["allowed_actions"]
    assert client.post(pause_url(case), {"reason": "opname", "until": until.isoformat()},
                       format="json").status_code == 400  # paused already
    answer = client.post(resume_url(case), format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["paused_until"] is None and body["pause_reason"] is None
    assert fresh(case).deadline_at == old_deadline  # paused and resumed the same day: no day moved
    assert client.post(resume_url(case), format="json").status_code == 400  # not paused
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.PAUSED in kinds and EventKind.RESUMED in kinds


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"until": "+7"}, "reason"),
        ({"reason": "vakantie", "until": "+7"}, "reason"),
        ({"reason": "opname"}, "until"),
        ({"reason": "opname", "until": "morgen"}, "until"),
        ({"reason": "opname", "until": "+0"}, "until"),
        ({"reason": "opname", "until": "+31"}, "until"),
    ],
)
def test_bad_input_is_400_with_the_field(region, api, data, field):
    case = opened(region)
    if str(data.get("until", "")).startswith("+"):
        data = {**data, "until": (timezone.localdate() + timedelta(days=int(data["until"]))).isoformat()}
    answer = api.as_user(region.consultant).post(pause_url(case), data, format="json")
    assert answer.status_code == 400, answer.content
    assert field in str(answer.json())
    assert fresh(case).paused_at is None


def test_a_pickup_deadline_cannot_be_paused(region, api):
    case = opened(region)
    services.offer_handover(region.consultant, case, summary="Niet bereikt", tenant_consent=True)
    assert fresh(case).deadline_kind == "pickup"
    client = api.as_user(region.consultant)
    assert "pause" not in client.get(reverse("api-case-detail", args=[case.pk])).json()["allowed_actions"]
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    answer = client.post(pause_url(case), {"reason": "opname", "until": until}, format="json")
    assert answer.status_code == 400
    assert "pickup" in answer.content.decode() or "oppak" in answer.content.decode().lower()
    assert fresh(case).paused_at is None


def test_only_the_holder_pauses_and_resumes(region, api):
    case = opened(region)
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    data = {"reason": "opname", "until": until}
    assert api.as_user(region.other_consultant).post(pause_url(case), data, format="json").status_code == 404
    assert api.as_user(region.unrelated_worker).post(pause_url(case), data, format="json").status_code == 404
    assert api.as_user(region.regisseur).post(pause_url(case), data, format="json").status_code == 404
    assert api.as_user(region.consultant).post(pause_url(case), data, format="json").status_code == 200
    assert api.as_user(region.other_consultant).post(resume_url(case), format="json").status_code == 404
    assert fresh(case).paused_at is not None
    # A partner that holds the case pauses it; the corporation then may not (403).
    services.resume_case(region.consultant, case)
    handover = services.offer_handover(region.consultant, case, summary="Graag", tenant_consent=True)
    assert api.as_user(region.debt_coach).post(pause_url(case), data, format="json").status_code == 403
    services.accept_handover(region.debt_coach, handover)
    assert api.as_user(region.consultant).post(pause_url(case), data, format="json").status_code == 403
    assert api.as_user(region.debt_coach).post(pause_url(case), data, format="json").status_code == 200
    assert api.as_user(region.consultant).post(resume_url(case), format="json").status_code == 403


def test_the_convenant_answer_carries_the_pause_reasons_and_maximum(region, api):
    superuser = get_user_model().objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")
    body = api.as_user(superuser).get(reverse("api-convenant-detail", args=[region.convenant.pk])).json()
    assert body["max_pause_days"] == 30
    assert [reason["code"] for reason in body["pause_reasons"]] == [r["code"] for r in DEFAULT_PAUSE_REASONS]
    assert all(reason["label"] for reason in body["pause_reasons"])


# --- the beat task ---------------------------------------------------------------------------------------------


def test_the_beat_task_resumes_as_the_system(region):
    assert any(entry["task"] == "cases.tasks.resume_expired_pauses" for entry in settings.CELERY_BEAT_SCHEDULE.values())
    now = timezone.now()
    case = opened(region, now=now - timedelta(days=6))
    services.pause_case(region.consultant, case, reason="opname", until=timezone.localdate() - timedelta(days=1),
                        now=now - timedelta(days=5))
    other = opened(region, ref="HC-7002")
    services.pause_case(region.consultant, other, reason="opname", until=timezone.localdate() + timedelta(days=3))
    assert tasks.resume_expired_pauses() == 1
    assert fresh(case).paused_at is None and fresh(case).deadline_at is not None
    assert fresh(other).paused_at is not None


# --- the pages -------------------------------------------------------------------------------------------------


def test_the_case_page_pauses_resumes_and_shows_the_pause(region, client):
    case = opened(region)
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:pause", args=[case.pk])}"' in page
    assert f'action="{reverse("cases:resume", args=[case.pk])}"' not in page
    assert 'value="opname"' in page and 'name="until"' in page

    until = timezone.localdate() + timedelta(days=30)
    response = client.post(reverse("cases:pause", args=[case.pk]), {"reason": "", "until": until.isoformat()})
    assert response.status_code == 400
    assert fresh(case).paused_at is None

    response = client.post(reverse("cases:pause", args=[case.pk]), {"reason": "opname", "until": until.isoformat()})
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="paused"' in page and "Opname" in page and str(until.year) in page
    assert f'action="{reverse("cases:resume", args=[case.pk])}"' in page
    assert f'action="{reverse("cases:pause", args=[case.pk])}"' not in page

    worklist = client.get(reverse("cases:worklist")).content.decode()
    assert 'data-testid="paused"' in worklist and "Opname" in worklist

    response = client.post(reverse("cases:resume", args=[case.pk]))
    assert response.status_code == 302
    assert fresh(case).paused_at is None


def test_the_pause_panel_is_not_shown_to_a_reader(region, client):
    case = opened(region)
    handover = services.offer_handover(region.consultant, case, summary="Graag", tenant_consent=True)
    services.accept_handover(region.debt_coach, handover)
    client.force_login(region.consultant)  # the corporation: sees the case, does not hold it
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:pause", args=[case.pk]) not in page


# --- privacy ---------------------------------------------------------------------------------------------------


def test_anonymisation_clears_the_pause_reason(region):
    case = opened(region, now=at(2))
    services.pause_case(region.consultant, case, reason="opname", until=date(2026, 3, 10), now=at(4))
    services.close_case(region.consultant, case, outcome="other", now=at(5))
    anonymise(now=at(5) + timedelta(days=365 * 3))
    gone = fresh(case)
    assert gone.pause_reason == "" and gone.paused_at is None and gone.paused_until is None
    event = CaseEvent.objects.get(case=case, kind=EventKind.PAUSED)
    assert "reason" not in event.data and event.description == ""


def test_the_dashboard_counts_paused_cases(region, client):
    case = opened(region)
    opened(region, ref="HC-7002")
    services.pause_case(region.consultant, case, reason="opname", until=timezone.localdate() + timedelta(days=10))
    client.force_login(region.corporation_manager)
    page = client.get(reverse("cases:dashboard"))
    assert page.status_code == 200
    figures = page.context["figures"]
    assert figures["open_cases"]["paused"] == 1 and figures["open_cases"]["total"] == 2
    assert 'data-testid="kpi-paused"' in page.content.decode()
