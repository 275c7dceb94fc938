import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"


@pytest.fixture
def admin_client_nl(client, region):
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.org", "geheim-wachtwoord-1")
    client.force_login(user)
    CaseFactory(corporation=region.corporation)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "admin:index",
        "admin:partners_organisation_changelist",
        "admin:partners_organisation_add",
        "admin:partners_membership_changelist",
        "admin:convenants_convenant_changelist",
        "admin:convenants_convenant_add",
        "admin:cases_case_changelist",
        "admin:cases_escalation_changelist",
        "admin:cases_accesslog_changelist",
    ],
)
def test_admin_pages_load(admin_client_nl, name):
    assert admin_client_nl.get(reverse(name)).status_code == 200


def test_admin_change_pages_load(admin_client_nl, region):
    assert admin_client_nl.get(reverse("admin:partners_organisation_change", args=[region.corporation.pk])).status_code == 200
    assert admin_client_nl.get(reverse("admin:convenants_convenant_change", args=[region.convenant.pk])).status_code == 200


def test_admin_creates_an_organisation_with_its_groups(admin_client_nl):
    from partners.models import Organisation

    response = admin_client_nl.post(
        reverse("admin:partners_organisation_add"),
        {"name": "Woonbedrijf Test", "kind": "corporation", "municipality": "Hengelo", "email": "",
         "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content[:2000]
    organisation = Organisation.objects.get(name="Woonbedrijf Test")
    assert organisation.group_id and organisation.managers_group_id


def test_login_page_is_dutch(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert 'lang="nl"' in response.content.decode()


def _run_python(code, **env_changes):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_the_web_application_refuses_to_serve_without_a_secret_key():
    result = _run_python("import config.wsgi", DEBUG="0")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_management_commands_run_without_a_secret_key():
    result = _run_python(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.conf import settings; print(settings.SECRET_KEY.startswith('django-insecure'))",
        DEBUG="0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
