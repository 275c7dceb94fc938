"""Dutch error pages for 400, 403, 404 and 500 with no technical detail, as production (DEBUG off) serves them;
the API answers its errors in JSON."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.error_urls")]

TECHNICAL = ("Traceback", "hunter2", "DisallowedHost", "ALLOWED_HOSTS", "RuntimeError", "settings.py", "urlpatterns")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="nl")


def dutch_page(response, status, testid, heading):
    html = response.content.decode()
    assert response.status_code == status
    assert f'data-testid="{testid}"' in html and heading in html and '<html lang="nl">' in html
    for word in TECHNICAL:
        assert word not in html, word


def test_400_for_a_forged_host_name(production):
    dutch_page(production.get("/accounts/login/", HTTP_HOST="evil.example"), 400, "error-400", "Verzoek niet begrepen")


def test_403_for_a_page_the_role_may_not_use(production, region):
    production.force_login(region.consultant)
    dutch_page(production.get("/accounts/security-log/"), 403, "error-403", "Niet toegestaan")


def test_404_for_an_address_that_does_not_exist(production, region):
    production.force_login(region.consultant)
    dutch_page(production.get("/bestaat-niet/"), 404, "error-404", "Pagina niet gevonden")


def test_500_says_nothing_of_the_failure(production):
    dutch_page(production.get("/kapot/"), 500, "error-500", "Er ging iets mis")


def test_the_api_answers_its_errors_in_json(production, region):
    missing = production.get("/api/v1/bestaat-niet/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    response = production.get("/api/v1/cases/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
