"""The access log made useful: a list page that shows names is a read of every case on it, written in one
insert; one row per user, case and kind of read within an hour (a reload adds nothing); names of people and
organisations on the page, filters by case, person, kind and period, a CSV export; old rows purged."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import AccessLog
from cases.services.access import purge_old_access_log
from cases.tasks import purge_old_access_log as purge_task

pytestmark = pytest.mark.django_db


def new_case(region, name, number):
    return services.open_case(
        region.consultant,
        tenant={"name": name, "contract_ref": f"DUP-{number}", "house_number": str(number), "postcode": "7511 AA"},
        arrears_amount="640.00", months_in_arrears=1,
    )


@pytest.fixture
def two_cases(region):
    return [new_case(region, "Eerste Huurder", 1), new_case(region, "Tweede Huurder", 2)]


def rows(user, what=None):
    logs = AccessLog.objects.filter(user=user)
    if what:
        logs = logs.filter(what=what)
    return sorted(logs.values_list("case_id", "what", "organisation_id"))


def load_twice(get):
    first = get()
    assert first.status_code == 200
    second = get()
    assert second.status_code == 200
    return second


def test_the_api_case_list_logs_each_case_on_the_page_once_per_hour(region, two_cases):
    api = APIClient()
    api.force_authenticate(user=region.consultant)
    load_twice(lambda: api.get("/api/v1/cases/"))
    expected = sorted((case.pk, "list", region.corporation.pk) for case in two_cases)
    assert rows(region.consultant) == expected
    assert AccessLog.objects.filter(hour__isnull=True).count() == 0


def test_the_api_case_list_costs_one_statement_more_whatever_the_page(region):
    for number in range(12):
        new_case(region, f"Huurder {number}", 10 + number)
    api = APIClient()
    api.force_authenticate(user=region.consultant)
    api.get("/api/v1/cases/", {"page_size": 10})  # warm up
    AccessLog.objects.all().delete()
    counts, inserts = {}, {}
    for size in (3, 10):
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/api/v1/cases/", {"page_size": size}).json()["results"]) == size
        counts[size] = len(queries)
        inserts[size] = [q["sql"] for q in queries if "access" in q["sql"] and q["sql"].startswith("INSERT")]
    assert counts[3] == counts[10]
    assert [len(statements) for statements in inserts.values()] == [1, 1]
    assert "ON CONFLICT DO NOTHING" in inserts[10][0]
    assert AccessLog.objects.filter(user=region.consultant, what="list").count() == 10


@pytest.mark.parametrize("name", ["cases:worklist", "cases:my_cases"])
def test_worklist_and_my_cases_log_a_list_read_of_each_case_once_per_hour(region, two_cases, client, name):
    client.force_login(region.consultant)
    page = load_twice(lambda: client.get(reverse(name)))
    assert "Eerste Huurder" in page.content.decode()
    assert rows(region.consultant) == sorted((case.pk, "list", region.corporation.pk) for case in two_cases)


def test_the_inbox_logs_each_dossier_once_per_hour(region, two_cases, client):
    for case in two_cases:
        services.offer_handover(region.consultant, case, summary="Niet bereikt.", tenant_consent=True)
    client.force_login(region.debt_coach)
    for _ in range(10):
        assert client.get(reverse("cases:inbox")).status_code == 200
    assert rows(region.debt_coach) == sorted((case.pk, "dossier", region.debt_assistance.pk) for case in two_cases)


def test_the_joint_visits_page_logs_each_case_once_per_hour(region, two_cases, client):
    for case in two_cases:
        services.plan_joint_visit(region.consultant, case, partner=region.debt_assistance,
                                  planned_at=timezone.now() + timedelta(days=2))
    client.force_login(region.debt_coach)
    load_twice(lambda: client.get(reverse("cases:joint_visits")))
    assert rows(region.debt_coach) == sorted((case.pk, "detail", region.debt_assistance.pk) for case in two_cases)


def test_the_admin_logs_its_case_and_tenant_lists_and_the_record_opened(two_cases, client, admin_user):
    client.force_login(admin_user)
    load_twice(lambda: client.get(reverse("admin:cases_case_changelist")))
    assert rows(admin_user) == sorted((case.pk, "list", None) for case in two_cases)
    AccessLog.objects.all().delete()
    load_twice(lambda: client.get(reverse("admin:cases_tenant_changelist")))
    assert rows(admin_user) == sorted((case.pk, "list", None) for case in two_cases)
    first = two_cases[0]
    load_twice(lambda: client.get(reverse("admin:cases_case_change", args=[first.pk])))
    load_twice(lambda: client.get(reverse("admin:cases_tenant_change", args=[first.tenant_id])))
    assert rows(admin_user, "detail") == [(first.pk, "detail", None)]


def test_a_detail_read_in_a_new_hour_is_a_new_row_and_other_kinds_are_their_own(region, two_cases):
    case = two_cases[0]
    api = APIClient()
    api.force_authenticate(user=region.consultant)
    for _ in range(3):
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert api.get(f"/api/v1/cases/{case.pk}/timeline/").status_code == 200
    assert rows(region.consultant) == [(case.pk, "detail", region.corporation.pk),
                                       (case.pk, "timeline", region.corporation.pk)]
    earlier = timezone.now() - timedelta(hours=1)
    AccessLog.objects.filter(what="detail").update(at=earlier, hour=earlier.replace(minute=0, second=0, microsecond=0))
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert AccessLog.objects.filter(user=region.consultant, what="detail").count() == 2


def test_record_access_keeps_its_signature_for_one_case(region, two_cases):
    case = two_cases[0]
    services.record_access(region.consultant, case, AccessLog.What.EXPORT)
    services.record_access(region.consultant, case, AccessLog.What.EXPORT)
    assert rows(region.consultant) == [(case.pk, "export", region.corporation.pk)]


@pytest.fixture
def logged(region, two_cases):
    """Reads of both cases by the consultant (named) and the debt coach, one of them 40 days ago."""
    first, second = two_cases
    region.consultant.first_name, region.consultant.last_name = "Carla", "de Consulent"
    region.consultant.save()
    services.record_access(region.consultant, first, AccessLog.What.DETAIL)
    services.record_access(region.consultant, second, AccessLog.What.LIST)
    services.offer_handover(region.consultant, second, summary="Niet bereikt.", tenant_consent=True)
    services.record_access(region.debt_coach, second, AccessLog.What.DOSSIER)
    old = timezone.now() - timedelta(days=40)
    AccessLog.objects.filter(user=region.consultant, what="list").update(at=old, hour=old)
    return first, second


def entries(response):
    return sorted((entry.user.username, entry.case_id, entry.what) for entry in response.context["entries"])


def test_the_page_shows_names_and_filters_by_case_person_kind_and_period(region, logged, client):
    first, second = logged
    client.force_login(region.corporation_manager)
    url = reverse("cases:access_log")
    page = client.get(url)
    html = page.content.decode()
    assert "Carla de Consulent" in html and "Domijn" in html and "Schuldhulp Enschede" in html
    assert "Persoon" in html and "Soort inzage" in html
    assert len(entries(page)) == 3
    assert entries(client.get(url, {"case": second.pk})) == [
        ("consulent", second.pk, "list"), ("schuldhulpcoach", second.pk, "dossier")]
    assert entries(client.get(url, {"user": "carla"})) == [
        ("consulent", first.pk, "detail"), ("consulent", second.pk, "list")]
    assert entries(client.get(url, {"user": "schuldhulpcoach"})) == [("schuldhulpcoach", second.pk, "dossier")]
    assert entries(client.get(url, {"what": "dossier"})) == [("schuldhulpcoach", second.pk, "dossier")]
    today = timezone.localdate().isoformat()
    assert ("consulent", second.pk, "list") not in entries(client.get(url, {"date_from": today}))
    assert client.get(url, {"case": "een"}).status_code == 400
    assert client.get(url, {"what": "alles"}).status_code == 400


def test_the_export_has_the_filtered_reads_with_names_and_no_tenant_data(region, logged, client):
    first, second = logged
    client.force_login(region.corporation_manager)
    response = client.get(reverse("cases:access_log_export"), {"case": second.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Wanneer", "Persoon", "Gebruikersnaam", "Organisatie", "Casusnummer", "Soort inzage"]
    assert sorted((row[1], row[3], row[4], row[5]) for row in table[1:]) == [
        ("Carla de Consulent", "Domijn", str(second.pk), "Casuslijst"),
        ("schuldhulpcoach", "Schuldhulp Enschede", str(second.pk), "Dossier"),
    ]
    assert "Tweede Huurder" not in response.content.decode("utf-8-sig")
    assert client.get(reverse("cases:access_log_export"), {"date_from": "gisteren"}).status_code == 400
    client.force_login(region.consultant)
    assert client.get(reverse("cases:access_log_export")).status_code == 403


def test_the_api_filters_and_names(region, logged):
    first, second = logged
    api = APIClient()
    api.force_authenticate(user=region.corporation_manager)
    answer = api.get("/api/v1/access-log/", {"case": second.pk, "what": "list"}).json()["results"]
    assert [(row["user"], row["user_name"], row["organisation"]["name"], row["what"]) for row in answer] == [
        ("consulent", "Carla de Consulent", "Domijn", "list")]
    assert {row["what"] for row in api.get("/api/v1/access-log/", {"user": region.debt_coach.pk}).json()["results"]} \
        == {"dossier"}
    assert len(api.get("/api/v1/access-log/", {"person": "carla"}).json()["results"]) == 2
    today = timezone.localdate().isoformat()
    assert len(api.get("/api/v1/access-log/", {"from": today, "to": today}).json()["results"]) == 2
    assert api.get("/api/v1/access-log/", {"from": "gisteren"}).status_code == 400


def test_rows_past_the_retention_are_purged_daily(region, logged, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    assert purge_old_access_log() == 1
    assert AccessLog.objects.count() == 2
    settings.ACCESS_LOG_RETENTION_DAYS = 730
    assert purge_task() == 0
    assert settings.CELERY_BEAT_SCHEDULE["purge-old-access-log"]["task"] == "cases.tasks.purge_old_access_log"
