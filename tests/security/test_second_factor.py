"""The second factor: with it required (as whenever DEBUG is off), a manager or the administrator who signed in
with a password alone reaches no page and no API answer with case data until they give a code from their app."""

import os
import re
import subprocess
import sys

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services
from partners import second_factor
from partners.models import SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-wachtwoord-1"


@pytest.fixture(autouse=True)
def required(settings):
    settings.SECOND_FACTOR_REQUIRED = True
    # django-otp slows down retries after a wrong code (1 s, 2 s, 4 s, …); these tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def open_case(region):
    return services.open_case(region.consultant, arrears_amount="640.00", months_in_arrears=1, tenant={
        "name": "Tweedefactorhuurder", "contract_ref": "TF-1", "street": "Stapstraat", "house_number": "2",
        "postcode": "7511 AB", "city": "Enschede",
    })


def code_for(device: TOTPDevice) -> str:
    """The app's code now. A code is accepted once: a later sign-in in the same 30 seconds would be refused as a
    replay, so the device forgets the last step used (as if the next step had come)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(user) -> TOTPDevice:
    device = second_factor.pending_app_device(user)
    second_factor.confirm_enrolment(user=user, code=code_for(device))
    return TOTPDevice.objects.get(pk=device.pk)


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


@pytest.mark.parametrize("debug, required", [("0", "True"), ("1", "False")])
def test_the_second_factor_is_required_whenever_debug_is_off(debug, required):
    env = {k: v for k, v in os.environ.items() if k != "SECOND_FACTOR_REQUIRED"}
    env.update(DEBUG=debug, SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.SECOND_FACTOR_REQUIRED, settings.SECOND_FACTOR_ROLES)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, capture_output=True, text=True, check=True,
    )
    assert result.stdout.strip() == f"{required} ['superuser', 'manager']"


def test_a_manager_with_a_password_alone_reaches_no_page_with_case_data(client, region, open_case):
    sign_in(client, "teamleider")
    for path in ("/", "/dashboard/", f"/casussen/{open_case.pk}/", "/accounts/tokens/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/second-factor/setup/"), path
    assert client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 403
    assert client.get("/api/v1/cases/").status_code == 403


def test_a_caseworker_needs_no_second_factor(client, region, open_case):
    sign_in(client, "consulent")
    assert client.get("/").status_code == 200


def test_enrolment_shows_a_code_and_key_then_backup_codes_and_opens_the_pages(client, region):
    sign_in(client, "teamleider")
    page = client.get("/accounts/second-factor/setup/?next=/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=region.corporation_manager, confirmed=False)
    wrong = client.post("/accounts/second-factor/setup/", {"code": "000000", "next": "/dashboard/"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.content.decode()
    done = client.post("/accounts/second-factor/setup/", {"code": code_for(device), "next": "/dashboard/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == second_factor.BACKUP_CODE_COUNT
    assert client.get("/dashboard/").status_code == 200
    assert SecurityEvent.objects.filter(kind="second_factor_enrolled", user=region.corporation_manager).exists()


def test_the_next_sign_in_asks_for_the_code_and_a_backup_code_works_once(client, region, open_case):
    device = enrol(region.corporation_manager)
    codes = second_factor.new_backup_codes(user=region.corporation_manager)
    sign_in(client, "teamleider")
    response = client.get(f"/casussen/{open_case.pk}/")
    assert response["Location"].startswith("/accounts/second-factor/?next=")
    assert client.post("/accounts/second-factor/", {"code": "123456"}).status_code == 400
    response = client.post("/accounts/second-factor/", {"code": codes[0], "next": f"/casussen/{open_case.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/casussen/{open_case.pk}/"
    assert client.get(f"/casussen/{open_case.pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, "teamleider")
    assert client.post("/accounts/second-factor/", {"code": codes[0]}).status_code == 400
    assert client.post("/accounts/second-factor/", {"code": code_for(device)}).status_code == 302


def test_the_second_step_refuses_an_outside_next_address(client, region):
    device = enrol(region.corporation_manager)
    sign_in(client, "teamleider")
    response = client.post("/accounts/second-factor/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_administrator_needs_the_second_factor_for_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("beheer", "beheer@example.org", PASSWORD)
    client.post("/admin/login/?next=/admin/", {"username": "beheer", "password": PASSWORD})
    response = client.get("/admin/partners/organisation/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/setup/")
    device = enrol(admin)
    client.post("/accounts/second-factor/", {"code": code_for(device)})
    assert client.get("/admin/partners/organisation/").status_code == 200


def test_the_token_endpoint_needs_the_code_where_the_role_needs_it(api, region, open_case):
    ask = {"username": "teamleider", "password": PASSWORD}
    response = api.post("/api/v1/auth/token/", ask, format="json")
    assert response.status_code == 403  # no app set up yet
    device = enrol(region.corporation_manager)
    assert api.post("/api/v1/auth/token/", ask, format="json").status_code == 403
    wrong = api.post("/api/v1/auth/token/", {**ask, "otp": "000000"}, format="json")
    assert wrong.status_code == 400 and "otp" in wrong.json()
    response = api.post("/api/v1/auth/token/", {**ask, "otp": code_for(device)}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(f"/api/v1/cases/{open_case.pk}/").status_code == 200


def test_a_token_without_the_second_factor_stops_working_once_the_role_needs_it(api, region, open_case, settings):
    settings.SECOND_FACTOR_REQUIRED = False
    key = api.post("/api/v1/auth/token/", {"username": "teamleider", "password": PASSWORD},
                   format="json").json()["token"]
    settings.SECOND_FACTOR_REQUIRED = True
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/cases/{open_case.pk}/").status_code == 403


def test_removing_the_second_factor_in_the_admin_sends_the_user_to_enrol_again(client, region, django_user_model):
    enrol(region.corporation_manager)
    admin = django_user_model.objects.create_superuser("beheer", "beheer@example.org", PASSWORD)
    admin_device = enrol(admin)
    client.force_login(admin)
    client.post("/accounts/second-factor/", {"code": code_for(admin_device)})
    response = client.post("/admin/auth/user/", {
        "action": "remove_second_factor", "_selected_action": [region.corporation_manager.pk],
    })
    assert response.status_code == 302
    assert not second_factor.is_enrolled(region.corporation_manager)
    assert SecurityEvent.objects.filter(kind="second_factor_reset", user=admin).exists()


def test_the_pages_are_dutch_and_fit_a_phone(client, region):
    sign_in(client, "teamleider")
    client.cookies.load({"django_language": "nl"})
    html = client.get("/accounts/second-factor/setup/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Tweede factor instellen" in html
    assert 'name="viewport"' in html and 'inputmode="numeric"' in html


def test_a_code_is_accepted_once_and_wrong_codes_slow_down(client, region, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = enrol(region.corporation_manager)
    code = code_for(device)
    assert second_factor.verify(region.corporation_manager, code) is not None
    assert second_factor.verify(region.corporation_manager, code) is None  # a replay
    device.refresh_from_db()
    assert second_factor.verify(region.corporation_manager, "000000") is None
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    assert second_factor.verify(region.corporation_manager, code_for(device)) is None  # throttled
