"""The access log (AVG): every read of a case's personal data (detail, timeline, dossier, export, list) writes a
row (user, organisation, case, when, what), once per hour; reads outside the scope answer 404 and write nothing;
lists that show a line per case write a list read of each, the pages that show case-file content log what they
show."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import AccessLog, JointVisit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered_case(region):
    case = services.open_case(
        region.consultant,
        tenant={"name": "Loghuurder", "contract_ref": "LOG-1", "house_number": "1", "postcode": "7511 AA"},
        arrears_amount="640.00", months_in_arrears=1,
    )
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt.", tenant_consent=True)
    return case, handover


def log_rows(user):
    return list(AccessLog.objects.filter(user=user).order_by("pk").values_list("case_id", "what", "organisation_id"))


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/api/v1/cases/{case}/", "detail"),
        ("/api/v1/cases/{case}/timeline/", "timeline"),
        ("/api/v1/handovers/{handover}/", "dossier"),
    ],
)
def test_api_reads_of_personal_data_are_logged(region, offered_case, path, what):
    case, handover = offered_case
    api = APIClient()
    api.force_authenticate(user=region.debt_coach)
    response = api.get(path.format(case=case.pk, handover=handover.pk))
    assert response.status_code == 200
    assert log_rows(region.debt_coach) == [(case.pk, what, region.debt_assistance.pk)]

    # Outside the scope: 404 and nothing logged.
    api.force_authenticate(user=region.welfare_worker)
    assert api.get(path.format(case=case.pk, handover=handover.pk)).status_code == 404
    assert log_rows(region.welfare_worker) == []


def test_export_is_logged_for_the_corporation_and_refused_to_a_deciding_partner(region, offered_case):
    """The export is the case's whole personal record: the holder and the corporation, not a partner that only
    decides on an offer (policy: EXPORT)."""
    case, _handover = offered_case
    api = APIClient()
    api.force_authenticate(user=region.debt_coach)
    assert api.get(f"/api/v1/cases/{case.pk}/export/").status_code == 403
    assert log_rows(region.debt_coach) == []
    api.force_authenticate(user=region.consultant)
    assert api.get(f"/api/v1/cases/{case.pk}/export/").status_code == 200
    assert log_rows(region.consultant) == [(case.pk, "export", region.corporation.pk)]


@pytest.mark.parametrize(
    ("name", "target", "what"),
    [
        ("cases:detail", "case", "detail"),
        ("cases:contact_attempt", "case", "detail"),
        ("cases:handover_panel", "case", "dossier"),
        ("cases:eviction_propose", "case", "detail"),
        ("cases:inbox_detail", "handover", "dossier"),
    ],
)
def test_web_reads_of_personal_data_are_logged(region, offered_case, client, name, target, what):
    case, handover = offered_case
    client.force_login(region.debt_coach)
    response = client.get(reverse(name, args=[case.pk if target == "case" else handover.pk]))
    assert response.status_code == 200
    assert log_rows(region.debt_coach) == [(case.pk, what, region.debt_assistance.pk)]

    client.force_login(region.welfare_worker)
    assert client.get(reverse(name, args=[case.pk if target == "case" else handover.pk])).status_code == 404
    assert log_rows(region.welfare_worker) == []


def test_case_lists_write_list_rows_not_detail_rows(region, offered_case, client):
    """A list shows a line per case (name, address, amount, deadline), not the case file: a list read of each case
    on it (kind "list"), never a detail read. The lists that do show case-file content log what they show (below).
    The handover and escalation lists show no names: nothing."""
    case, _handover = offered_case
    api = APIClient()
    api.force_authenticate(user=region.consultant)
    assert case.pk in {row["id"] for row in api.get("/api/v1/cases/").json()["results"]}
    assert api.get("/api/v1/handovers/").status_code == 200
    manager = APIClient()
    manager.force_authenticate(user=region.corporation_manager)
    assert manager.get("/api/v1/escalations/").status_code == 200
    assert log_rows(region.corporation_manager) == []
    client.force_login(region.consultant)
    for name in ("cases:worklist", "cases:my_cases"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Loghuurder" in response.content.decode()
    assert log_rows(region.consultant) == [(case.pk, "list", region.corporation.pk)]


def test_the_inbox_logs_the_dossiers_it_shows(region, offered_case, client):
    """The web inbox shows each offer's dossier in place (accept/decline without opening it): a dossier read per
    offer shown."""
    case, _handover = offered_case
    client.force_login(region.debt_coach)
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    assert "Loghuurder" in response.content.decode()
    assert log_rows(region.debt_coach) == [(case.pk, "dossier", region.debt_assistance.pk)]


def test_the_joint_visits_page_logs_the_cases_it_shows(region, client):
    case = services.open_case(
        region.consultant,
        tenant={"name": "Bezoekhuurder", "contract_ref": "LOG-2", "house_number": "2", "postcode": "7511 AA"},
        arrears_amount="640.00", months_in_arrears=1,
    )
    services.plan_joint_visit(region.consultant, case, partner=region.debt_assistance,
                              planned_at=timezone.now() + timedelta(days=2))
    assert JointVisit.objects.filter(case=case).exists()
    client.force_login(region.debt_coach)
    response = client.get(reverse("cases:joint_visits"))
    assert "Bezoekhuurder" in response.content.decode()
    assert log_rows(region.debt_coach) == [(case.pk, "detail", region.debt_assistance.pk)]


def test_reads_within_the_hour_are_one_row(region, offered_case):
    """One row per user, case, kind of read and hour (who, which case, when first, what)."""
    case, _handover = offered_case
    api = APIClient()
    api.force_authenticate(user=region.consultant)
    for _ in range(3):
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    rows = AccessLog.objects.filter(user=region.consultant, case=case, what="detail")
    assert rows.count() == 1
    assert all(row.at is not None and row.organisation_id == region.corporation.pk for row in rows)


def test_a_superuser_reads_no_case(region, offered_case, admin_user):
    """The platform administrator onboards organisations; cases stay out of reach (DESIGN: People)."""
    case, _handover = offered_case
    api = APIClient()
    api.force_authenticate(user=admin_user)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert AccessLog.objects.filter(user=admin_user).count() == 0


def test_a_user_without_organisation_sees_nothing(region, offered_case):
    case, _handover = offered_case
    loner = UserFactory(username="zonder-organisatie")
    api = APIClient()
    api.force_authenticate(user=loner)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert api.get("/api/v1/handovers/").json()["results"] == []
