"""Issue 16, payment arrangements that can be managed (API.md version 1.1; docs/api-additions.md "Payment
arrangements (v1.1)"): the schedule of instalments, an instalment paid or missed, completion, new terms as a new
version, a stop with a reason, the warning below the arrears, who may do it; through the API and the case page."""

import calendar
import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Arrangement, CaseEvent, CaseStatus, EventKind, Instalment
from cases.services.arrangements import due_date, euro, schedule

pytestmark = pytest.mark.django_db

TENANT = {"name": "M. Jansen", "contract_ref": "HC-1601", "postcode": "7511AB", "house_number": "16"}


def opened(region, arrears="1234.56", ref="HC-1601"):
    return services.open_case(region.consultant, tenant={**TENANT, "contract_ref": ref}, arrears_amount=arrears,
                              months_in_arrears=2)


def month_end(year, month):
    return calendar.monthrange(year, month)[1]


def next_31st():
    """The next 31st of a month from a week ahead on (within the year the first instalment may lie ahead)."""
    day = timezone.localdate() + timedelta(days=7)
    while day.day != 31:
        day += timedelta(days=1)
    return day


def soon():
    return timezone.localdate() + timedelta(days=7)


def arrangements_url(case):
    return reverse("api-case-arrangements", args=[case.pk])


def paid_url(arrangement_id, number):
    return reverse("api-arrangement-instalment-paid", args=[arrangement_id, number])


def agree(api, region, case, **terms):
    body = {"monthly_amount": "100.00", "start_date": soon().isoformat(), "months": 4, **terms}
    response = api.as_user(region.consultant).post(arrangements_url(case), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def case_status(case):
    case.refresh_from_db()
    return case.status


# --- the schedule ----------------------------------------------------------------------------------------------


def test_schedule_is_monthly_from_the_start_and_a_31st_falls_on_month_ends():
    assert [due for _n, due, _a in schedule(date(2027, 1, 31), 5, Decimal("50"))] == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31),
    ]
    assert due_date(date(2028, 1, 31), 1) == date(2028, 2, 29)  # a leap year
    assert due_date(date(2026, 12, 15), 1) == date(2027, 1, 15)  # over the year's end
    assert due_date(date(2027, 8, 30), 6) == date(2028, 2, 29)
    assert [n for n, _d, _a in schedule(date(2027, 1, 1), 3, Decimal("1"))] == [1, 2, 3]
    assert euro(Decimal("1234.56")) == "€ 1.234,56" and euro(Decimal("80")) == "€ 80,00"


def test_the_api_lists_every_arrangement_with_its_schedule(region, api):
    case = opened(region, arrears="300.00")
    start = next_31st()
    created = agree(api, region, case, start_date=start.isoformat(), months=3)
    assert created["status"] == "active" and created["version"] == 1 and created["balance"] == "300.00"
    listed = api.as_user(region.consultant).get(arrangements_url(case)).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    instalments = listed[0]["instalments"]
    second = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    second = second.replace(day=month_end(second.year, second.month))
    assert [(i["number"], i["amount"], i["status"]) for i in instalments] == [
        (1, "100.00", "due"), (2, "100.00", "due"), (3, "100.00", "due"),
    ]
    assert instalments[0]["due_date"] == start.isoformat()
    assert instalments[1]["due_date"] == second.isoformat()  # the month's last day, not the 1st after it
    # Version 1's fields stay.
    assert {"monthly_amount", "start_date", "months", "total_amount", "missed_installments", "created_at"} <= set(
        listed[0])


# --- the warning below the arrears ----------------------------------------------------------------------------


def test_a_total_below_the_arrears_needs_confirmation(region, api):
    case = opened(region, arrears="1234.56")
    client = api.as_user(region.consultant)
    body = {"monthly_amount": "100.00", "start_date": soon().isoformat(), "months": 12}
    response = client.post(arrangements_url(case), body, format="json")
    assert response.status_code == 400
    [reason] = response.json()["confirm_below_arrears"]
    assert "€ 1.200,00" in reason and "€ 1.234,56" in reason
    assert not Arrangement.objects.filter(case=case).exists() and case_status(case) == CaseStatus.OPEN
    response = client.post(arrangements_url(case), {**body, "confirm_below_arrears": True}, format="json")
    assert response.status_code == 201
    assert case_status(case) == CaseStatus.ARRANGEMENT
    # At or above the arrears no confirmation is asked.
    other = opened(region, arrears="1200.00", ref="HC-1602")
    assert client.post(arrangements_url(other), body, format="json").status_code == 201


def test_the_case_page_asks_to_confirm_and_keeps_the_input(region, client):
    case = opened(region, arrears="1234.56")
    client.force_login(region.consultant)
    url = reverse("cases:arrangement", args=[case.pk])
    body = {"monthly_amount": "100,00", "start_date": soon().isoformat(), "months": "12"}
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'name="confirm_below_arrears"' not in page  # no checkbox before the warning
    response = client.post(url, body)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="confirm_below_arrears"' in html and "€ 1.234,56" in html and "€ 1.200,00" in html
    assert 'value="100,00"' in html and 'value="12"' in html  # the form kept what was typed
    assert not Arrangement.objects.filter(case=case).exists()
    response = client.post(url, {**body, "confirm_below_arrears": "on"})
    assert response.status_code == 302
    assert Arrangement.objects.get(case=case).instalments.count() == 12


# --- paid, missed, completed ---------------------------------------------------------------------------------


def test_paying_every_instalment_completes_the_arrangement(region, api):
    case = opened(region, arrears="200.00")
    arrangement = agree(api, region, case, monthly_amount="100.00", months=2)
    client = api.as_user(region.consultant)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(paid_url(arrangement["id"], 1), {"paid_on": yesterday.isoformat()}, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "active" and answer["paid_amount"] == "100.00" and answer["balance"] == "100.00"
    assert answer["instalments"][0]["status"] == "paid" and answer["instalments"][0]["paid_on"] == yesterday.isoformat()
    # The same one again: it was recorded already (409); nothing changes.
    assert client.post(paid_url(arrangement["id"], 1), {}, format="json").status_code == 409
    response = client.post(paid_url(arrangement["id"], 2), {}, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "completed" and answer["end_date"] == timezone.localdate().isoformat()
    assert answer["balance"] == "0.00"
    assert case_status(case) == CaseStatus.ARRANGEMENT  # the holder closes it (outcome arrangement_completed)
    kinds = list(CaseEvent.objects.filter(case=case, kind=EventKind.INSTALMENT_PAID).values_list("data", flat=True))
    assert [data["number"] for data in kinds] == [1, 2]
    # A completed arrangement takes no more payments.
    response = client.post(paid_url(arrangement["id"], 2), {}, format="json")
    assert response.status_code == 400
    response = client.post(reverse("api-case-close", args=[case.pk]), {"outcome": "arrangement_completed"},
                           format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(("number", "body", "field"), [
    (9, {}, "number"),
    (1, {"paid_on": (date.today() + timedelta(days=5)).isoformat()}, "paid_on"),
    (1, {"paid_on": "gisteren"}, "paid_on"),
])
def test_a_bad_payment_is_refused_with_its_field(region, api, number, body, field):
    case = opened(region, arrears="100.00")
    arrangement = agree(api, region, case, months=1)
    response = api.as_user(region.consultant).post(paid_url(arrangement["id"], number), body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Instalment.objects.filter(arrangement_id=arrangement["id"], status="paid").exists()


def test_a_missed_instalment_is_marked_and_the_case_goes_back_to_contacting(region, api):
    case = opened(region, arrears="300.00")
    arrangement = agree(api, region, case, months=3)
    client = api.as_user(region.consultant)
    client.post(paid_url(arrangement["id"], 1), {}, format="json")
    # Version 1's endpoint, with the instalment named.
    response = client.post(reverse("api-case-missed-installment", args=[case.pk]), {"note": "Niet betaald",
                                                                                   "number": 3}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "contacting"
    statuses = dict(Instalment.objects.filter(arrangement_id=arrangement["id"]).values_list("number", "status"))
    assert statuses == {1: "paid", 2: "due", 3: "missed"}
    row = Arrangement.objects.get(pk=arrangement["id"])
    assert (row.status, row.missed_installments) == ("broken", 1)


def test_missed_without_a_number_takes_the_earliest_due_one(region, api):
    case = opened(region, arrears="300.00")
    arrangement = agree(api, region, case, months=3)
    client = api.as_user(region.consultant)
    client.post(paid_url(arrangement["id"], 1), {}, format="json")
    response = client.post(reverse("api-case-missed-installment", args=[case.pk]), {}, format="json")
    assert response.status_code == 200
    statuses = dict(Instalment.objects.filter(arrangement_id=arrangement["id"]).values_list("number", "status"))
    assert statuses == {1: "paid", 2: "missed", 3: "due"}


# --- new terms: a new version ----------------------------------------------------------------------------------


def test_changing_the_terms_makes_a_new_version_and_keeps_the_old(region, api):
    case = opened(region, arrears="400.00")
    old = agree(api, region, case, months=4)
    client = api.as_user(region.consultant)
    client.post(paid_url(old["id"], 1), {}, format="json")
    url = reverse("api-arrangement-detail", args=[old["id"]])
    # 150 × 3 = 450 is not below the arrears of 400: no confirmation needed.
    response = client.patch(url, {"monthly_amount": "150.00"}, format="json")
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["id"] != old["id"] and new["version"] == 2 and new["replaces"] == old["id"]
    assert (new["monthly_amount"], new["months"], new["status"]) == ("150.00", 3, "active")
    # The new schedule starts where the unpaid instalments did.
    assert new["instalments"][0]["due_date"] == old["instalments"][1]["due_date"]
    listed = {row["id"]: row for row in client.get(arrangements_url(case)).json()["results"]}
    kept = listed[old["id"]]
    assert kept["status"] == "changed" and kept["replaced_by"] == new["id"]
    assert [(i["number"], i["status"]) for i in kept["instalments"]] == [(1, "paid")]  # paid ones stay with it
    assert case_status(case) == CaseStatus.ARRANGEMENT
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ARRANGEMENT_CHANGED).count() == 1
    # The old version is history: it cannot be changed again.
    assert client.patch(url, {"months": 2}, format="json").status_code == 400


def test_new_terms_below_the_arrears_need_confirmation_too(region, api):
    case = opened(region, arrears="400.00")
    old = agree(api, region, case, months=4)
    client = api.as_user(region.consultant)
    url = reverse("api-arrangement-detail", args=[old["id"]])
    response = client.patch(url, {"monthly_amount": "50.00"}, format="json")
    assert response.status_code == 400
    assert "€ 200,00" in response.json()["confirm_below_arrears"][0]
    assert Arrangement.objects.get(pk=old["id"]).status == "active"
    response = client.patch(url, {"monthly_amount": "50.00", "confirm_below_arrears": True}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"months": "acht"}, "months"),
    ({"months": 0}, "months"),
    ({"months": 121}, "months"),
    ({"monthly_amount": "-5"}, "monthly_amount"),
    ({"monthly_amount": "veel"}, "monthly_amount"),
    ({"start_date": "2001-01-01"}, "start_date"),
    ({"start_date": "31-02-2027"}, "start_date"),
])
def test_bad_new_terms_are_refused_with_their_field(region, api, body, field):
    case = opened(region, arrears="400.00")
    old = agree(api, region, case, months=4)
    response = api.as_user(region.consultant).patch(reverse("api-arrangement-detail", args=[old["id"]]),
                                                    {**body, "confirm_below_arrears": True}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert Arrangement.objects.filter(case=case).count() == 1


# --- stop ------------------------------------------------------------------------------------------------------


def test_stopping_needs_a_reason_and_sends_the_case_back_to_contacting(region, api):
    case = opened(region, arrears="400.00")
    arrangement = agree(api, region, case, months=4)
    client = api.as_user(region.consultant)
    url = reverse("api-arrangement-stop", args=[arrangement["id"]])
    for body in ({}, {"reason": "  "}):
        response = client.post(url, body, format="json")
        assert response.status_code == 400 and "reason" in response.json()
    assert case_status(case) == CaseStatus.ARRANGEMENT
    response = client.post(url, {"reason": "Huurder krijgt schuldhulp"}, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "stopped" and answer["end_reason"] == "Huurder krijgt schuldhulp"
    assert answer["end_date"] == timezone.localdate().isoformat()
    assert case_status(case) == CaseStatus.CONTACTING
    event = CaseEvent.objects.get(case=case, kind=EventKind.ARRANGEMENT_STOPPED)
    assert event.description == "Huurder krijgt schuldhulp"
    # Stopped: no payments, no new terms; a new arrangement can be agreed.
    assert client.post(paid_url(arrangement["id"], 1), {}, format="json").status_code == 400
    assert client.patch(reverse("api-arrangement-detail", args=[arrangement["id"]]), {"months": 2},
                        format="json").status_code == 400
    agree(api, region, case, months=4)


# --- who may ---------------------------------------------------------------------------------------------------


def test_only_the_holder_works_the_arrangement(region, api):
    case = opened(region, arrears="400.00")
    arrangement = agree(api, region, case, months=4)
    stop = reverse("api-arrangement-stop", args=[arrangement["id"]])
    # Outside the case: it does not exist (404), nothing of it shows.
    for outsider in (region.other_consultant, region.unrelated_worker):
        client = api.as_user(outsider)
        assert client.get(arrangements_url(case)).status_code == 404
        assert client.post(paid_url(arrangement["id"], 1), {}, format="json").status_code == 404
        assert client.post(stop, {"reason": "x"}, format="json").status_code == 404
        assert client.patch(reverse("api-arrangement-detail", args=[arrangement["id"]]), {"months": 2},
                            format="json").status_code == 404
    # A partner the case is offered to sees the case but does not hold it: 403.
    services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance, summary="Graag",
                            tenant_consent=True)
    client = api.as_user(region.debt_coach)
    assert client.post(paid_url(arrangement["id"], 1), {}, format="json").status_code == 403
    assert client.post(stop, {"reason": "x"}, format="json").status_code == 403
    assert Arrangement.objects.get(pk=arrangement["id"]).status == "active"
    assert not Instalment.objects.filter(arrangement_id=arrangement["id"], status="paid").exists()


def test_a_partner_without_consent_does_not_read_the_corporations_arrangements(region, api):
    case = opened(region, arrears="400.00")
    agree(api, region, case, months=4)
    offer = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                    summary="Graag", tenant_consent=False)
    services.accept_handover(region.debt_coach, offer)
    response = api.as_user(region.debt_coach).get(arrangements_url(case))
    assert response.status_code == 200 and response.json()["results"] == []
    assert len(api.as_user(region.consultant).get(arrangements_url(case)).json()["results"]) == 1


# --- the case page -----------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_schedule_and_records_paid_and_missed(region, api, client):
    case = opened(region, arrears="1234.56")
    start = next_31st()
    arrangement = agree(api, region, case, monthly_amount="1234.56", months=2, start_date=start.isoformat())
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert start.strftime("%d-%m-%Y") in page and "€ 1.234,56" in page
    paid = reverse("cases:instalment_paid", args=[arrangement["id"]])
    missed = reverse("cases:missed_installment", args=[case.pk])
    assert page.count(f'action="{paid}"') == 2 and page.count(f'action="{missed}"') == 2
    response = client.post(paid, {"number": "1"})
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert page.count(f'action="{paid}"') == 1  # only the due one keeps its buttons
    # Paying it again (a second tab): refused beside the panel, nothing changes.
    response = client.post(paid, {"number": "1"})
    assert response.status_code == 409
    response = client.post(missed, {"number": "2"})
    assert response.status_code == 302
    assert dict(Instalment.objects.filter(arrangement_id=arrangement["id"]).values_list("number", "status")) == {
        1: "paid", 2: "missed"}
    assert case_status(case) == CaseStatus.CONTACTING
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{paid}"' not in page  # a broken arrangement is history


def test_the_case_page_changes_the_terms_and_stops(region, api, client):
    case = opened(region, arrears="400.00")
    arrangement = agree(api, region, case, months=4)
    client.force_login(region.consultant)
    change = reverse("cases:arrangement_change", args=[arrangement["id"]])
    # Below the arrears: the warning with its checkbox, the typed amount kept.
    response = client.post(change, {"monthly_amount": "50,00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="confirm_below_arrears"' in html and 'value="50,00"' in html and "€ 400,00" in html
    response = client.post(change, {"monthly_amount": "50,00", "confirm_below_arrears": "on"})
    assert response.status_code == 302
    new = Arrangement.objects.get(case=case, status="active")
    assert (new.version, new.monthly_amount, new.replaces_id) == (2, Decimal("50.00"), arrangement["id"])
    stop = reverse("cases:arrangement_stop", args=[new.pk])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{stop}"' in page and f'action="{change}"' not in page  # the old version has no forms
    response = client.post(stop, {"reason": ""})
    assert response.status_code == 400
    response = client.post(stop, {"reason": "Huurder verhuist"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.status, new.end_reason) == ("stopped", "Huurder verhuist")
    assert case_status(case) == CaseStatus.CONTACTING
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Huurder verhuist" in page


def test_the_page_offers_nothing_to_a_partner_deciding_on_an_offer(region, api, client):
    case = opened(region, arrears="400.00")
    arrangement = agree(api, region, case, months=4)
    services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance, summary="Graag",
                            tenant_consent=True)
    client.force_login(region.debt_coach)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:instalment_paid", args=[arrangement["id"]]) not in page
    response = client.post(reverse("cases:instalment_paid", args=[arrangement["id"]]), {"number": "1"})
    assert response.status_code == 403
    client.force_login(region.other_consultant)
    response = client.post(reverse("cases:arrangement_stop", args=[arrangement["id"]]), {"reason": "x"})
    assert response.status_code == 404


# --- the data migration ------------------------------------------------------------------------------------------


def test_the_migration_gives_old_arrangements_a_schedule(region):
    case = opened(region, arrears="100.00")
    old = Arrangement.objects.create(case=case, organisation=region.corporation, monthly_amount="25.00",
                                     start_date=date(2026, 1, 31), months=3, status="broken", missed_installments=1)
    done = Arrangement.objects.create(case=opened(region, ref="HC-1603"), organisation=region.corporation,
                                      monthly_amount="25.00", start_date=date(2026, 1, 31), months=2,
                                      status="completed")
    migration = importlib.import_module("cases.migrations.0013_arrangement_instalments")
    migration.schedules_for_existing(django_apps, None)
    assert list(old.instalments.values_list("number", "due_date", "status")) == [
        (1, date(2026, 1, 31), "missed"), (2, date(2026, 2, 28), "due"), (3, date(2026, 3, 31), "due"),
    ]
    assert list(done.instalments.values_list("status", flat=True)) == ["paid", "paid"]
    migration.schedules_for_existing(django_apps, None)  # again: nothing doubles
    assert old.instalments.count() == 3
