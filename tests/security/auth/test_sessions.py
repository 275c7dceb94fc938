"""Sessions end after 30 minutes without a request and 12 hours after the login, whatever the activity; the
stored session is renewed at most once a minute, not on every request. Times are moved, never slept."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils import timezone

from config.sessions import LOGIN_AT, SEEN_AT

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
PAGE = "/meldingen/"  # any page behind the login


def shift(client, **seconds_ago):
    """Move the session's login and last-seen times back by the given number of seconds."""
    session = client.session
    for key, ago in seconds_ago.items():
        session[{"login": LOGIN_AT, "seen": SEEN_AT}[key]] -= ago
    session.save()


def signed_in(client, worker):
    response = client.post("/accounts/login/", {"username": worker.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_defaults_are_30_minutes_idle_and_12_hours_absolute():
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT
    assert not settings.SESSION_SAVE_EVERY_REQUEST


def test_the_login_stamps_the_session_and_the_cookie_lives_as_long_as_the_idle_limit(client, worker):
    before = int(time.time())
    response = client.post("/accounts/login/", {"username": worker.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 30 * 60
    assert cookie["httponly"]
    session = client.session
    assert before <= session[LOGIN_AT] <= int(time.time())
    assert session[SEEN_AT] == session[LOGIN_AT]


def test_idle_for_30_minutes_logs_out(client, worker):
    signed_in(client, worker)
    shift(client, login=29 * 60, seen=29 * 60)
    assert client.get(PAGE).status_code == 200  # 29 minutes: still in

    shift(client, login=30 * 60, seen=30 * 60)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Uw sessie is beëindigd. Log opnieuw in." in page


def test_activity_does_not_extend_beyond_12_hours(client, worker):
    signed_in(client, worker)
    shift(client, login=12 * 3600 - 60)
    assert client.get(PAGE).status_code == 200  # active a minute ago, 11h59 after the login

    shift(client, login=60)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_session_api_is_logged_out_too(client, worker):
    signed_in(client, worker)
    assert client.get("/api/v1/cases/").status_code == 200
    shift(client, seen=31 * 60)
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_the_session_is_renewed_at_most_once_a_minute(client, worker):
    signed_in(client, worker)
    client.get(PAGE)
    # A request within the minute writes nothing: no new cookie, the stored time stays.
    seen = client.session[SEEN_AT]
    response = client.get(PAGE)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert client.session[SEEN_AT] == seen

    shift(client, seen=61)
    response = client.get(PAGE)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    assert client.session[SEEN_AT] >= int(time.time()) - 1


def test_a_session_without_its_times_counts_from_the_users_last_login_and_writes_nothing(client, worker):
    """A session from before these limits (or force_login): no write on its first requests, the limits hold."""
    client.force_login(worker)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert LOGIN_AT not in client.session

    User = get_user_model()
    User.objects.filter(pk=worker.pk).update(last_login=timezone.now() - timedelta(hours=12))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
