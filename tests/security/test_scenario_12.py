"""Scenario 12 (SCENARIOS.md), the security officer's review, up to its anonymisation part (the privacy issue's):
thirty wrong passwords lock the account; a manager cannot reach the dashboard without the second factor; last
week's API token no longer works and a revoked one fails at once. The production build's Content-Security-Policy
on every page is checked against gunicorn with DEBUG off (tests/e2e/test_production_build.py) and on every URL
(tests/security/test_csp_policy.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-wachtwoord-1"


def test_the_security_officers_review(client, api, region, settings):
    settings.SECOND_FACTOR_REQUIRED = True

    # Thirty wrong passwords lock the account: the right one is then refused on the web and on the API.
    for _ in range(30):
        client.post("/accounts/login/", {"username": "consulent", "password": "raden-maar"})
    locked = client.post("/accounts/login/", {"username": "consulent", "password": PASSWORD})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert "Te veel mislukte pogingen" in locked.content.decode()
    token_answer = api.post("/api/v1/auth/token/", {"username": "consulent", "password": PASSWORD}, format="json")
    assert token_answer.status_code == 403

    # A manager cannot reach the dashboard without the second factor, on the page or through the API.
    client.post("/accounts/login/", {"username": "teamleider", "password": PASSWORD})
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 302 and dashboard["Location"].startswith("/accounts/second-factor/")
    assert client.get("/api/v1/dashboard/").status_code == 403
    assert api.post("/api/v1/auth/token/", {"username": "teamleider", "password": PASSWORD},
                    format="json").status_code == 403
    client.get("/accounts/second-factor/setup/")
    device = TOTPDevice.objects.get(user=region.corporation_manager)
    code = f"{totp(device.bin_key):06d}"
    client.post("/accounts/second-factor/setup/", {"code": code})
    assert client.get("/dashboard/").status_code == 200

    # Last week's API token no longer works; a revoked one fails at once.
    weeks_token = api.post("/api/v1/auth/token/", {"username": "schuldhulpcoach", "password": PASSWORD},
                           format="json").json()["token"]
    ApiToken.objects.filter(user=region.debt_coach).update(
        created=timezone.now() - timedelta(days=7), expiry=timezone.now() - timedelta(days=7) + timedelta(hours=10)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {weeks_token}")
    assert api.get("/api/v1/cases/").status_code == 401
    fresh = api.post("/api/v1/auth/token/", {"username": "schuldhulpcoach", "password": PASSWORD},
                     format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert api.get("/api/v1/cases/").status_code == 200
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/cases/").status_code == 401
