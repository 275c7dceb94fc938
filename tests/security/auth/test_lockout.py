"""Lockout after repeated failures (django-axes): per username and client address together, on the web login,
the admin login and the API token endpoint; unlocked by the cool-off, `axes_reset` or a superuser in the admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from .conftest import PASSWORD, WRONG

pytestmark = pytest.mark.django_db
LOCKED_NL = "te veel mislukte pogingen, probeer het over 15 minuten opnieuw"


def web_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def admin_login(client, username, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def token(api, username, password, **extra):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra)


def logged_in(client):
    return SESSION_KEY in client.session


def fail(login, client, username, times, **extra):
    return [login(client, username, WRONG, **extra).status_code for _ in range(times)]


def test_web_login_locks_after_five_failures_and_refuses_the_right_password(client, worker):
    assert fail(web_login, client, worker.username, 4) == [200] * 4  # the form again, with its error
    fifth = web_login(client, worker.username, WRONG)
    assert fifth.status_code == 429
    assert LOCKED_NL in fifth.content.decode().lower()

    refused = web_login(client, worker.username, PASSWORD)
    assert refused.status_code == 429
    assert LOCKED_NL in refused.content.decode().lower()
    assert not logged_in(client)


def test_lockout_page_is_dutch_and_offers_the_password_reset(client, worker):
    fail(web_login, client, worker.username, 5)
    page = web_login(client, worker.username, PASSWORD).content.decode()
    assert "Te veel mislukte pogingen, probeer het over 15 minuten opnieuw." in page
    assert 'href="/accounts/password_reset/"' in page
    assert 'data-testid="lockout"' in page
    assert '<html lang="nl">' in page


def test_axes_reset_unlocks(client, worker):
    fail(web_login, client, worker.username, 5)
    assert web_login(client, worker.username, PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert web_login(client, worker.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_lockout_ends_after_the_cooloff_of_15_minutes(client, worker):
    fail(web_login, client, worker.username, 5)
    attempt = AccessAttempt.objects.get(username=worker.username)

    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(minutes=14))
    assert web_login(client, worker.username, PASSWORD).status_code == 429  # still locked
    # Attempts during the lockout do not extend it.
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(minutes=15, seconds=1))
    response = web_login(client, worker.username, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_success_before_the_limit_starts_the_count_again(client, worker):
    fail(web_login, client, worker.username, 4)
    assert web_login(client, worker.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail(web_login, client, worker.username, 4) == [200] * 4


def test_the_count_is_per_username_and_address(client, worker, superuser):
    fail(web_login, client, worker.username, 5)
    # The same user from another address, and another user from the same address, are not locked.
    other_address = Client(REMOTE_ADDR="192.0.2.10")
    assert web_login(other_address, worker.username, PASSWORD).status_code == 302
    assert web_login(Client(), superuser.username, PASSWORD).status_code == 302


def test_a_forwarded_for_header_is_ignored_by_default(client, worker):
    """Without a declared proxy the address is REMOTE_ADDR: a client cannot pick a new address per attempt."""
    statuses = [web_login(client, worker.username, WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                for n in range(5)]
    assert statuses[-1] == 429
    refused = web_login(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_a_declared_proxy_header_gives_the_client_address(client, worker, settings):
    """One proxy in front that appends the peer to X-Forwarded-For (it is REMOTE_ADDR itself): the header's last
    entry is the client. A header with more entries than declared is the client's own doing: REMOTE_ADDR counts."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    fail(web_login, client, worker.username, 5, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert web_login(client, worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert web_login(Client(), worker.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302

    web_login(Client(), worker.username, WRONG, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7", "127.0.0.1"}


def test_a_header_that_does_not_match_the_declared_proxies_falls_back_to_remote_addr(client, worker, settings):
    """ipware finds no address then; the attempt must not land on one address shared by every such client."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 1
    web_login(client, worker.username, WRONG, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


def test_admin_login_locks_after_five_failures(client, superuser):
    assert fail(admin_login, client, superuser.username, 4) == [200] * 4
    assert admin_login(client, superuser.username, WRONG).status_code == 429
    refused = admin_login(client, superuser.username, PASSWORD)
    assert refused.status_code == 429
    assert LOCKED_NL in refused.content.decode().lower()
    assert not logged_in(client)


def test_a_superuser_unlocks_in_the_admin(client, worker, superuser):
    fail(web_login, client, worker.username, 5)
    attempt = AccessAttempt.objects.get(username=worker.username)

    admin = Client()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert worker.username in listing.content.decode()
    response = admin.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes",
    })
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert web_login(client, worker.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_token_endpoint_locks_after_five_failures(worker):
    api = APIClient()
    assert [token(api, worker.username, WRONG).status_code for _ in range(4)] == [400] * 4
    fifth = token(api, worker.username, WRONG)
    assert fifth.status_code == 403
    refused = token(api, worker.username, PASSWORD)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/json")
    assert LOCKED_NL in refused.json()["detail"].lower()
    assert "token" not in refused.json()

    call_command("axes_reset", verbosity=0)
    granted = token(api, worker.username, PASSWORD)
    assert granted.status_code == 200
    assert granted.json()["token"]


def test_token_failures_and_web_failures_count_together(client, worker):
    """One address trying one username: the web form and the API share the count."""
    api = APIClient()
    fail(web_login, client, worker.username, 3)
    assert [token(api, worker.username, WRONG).status_code for _ in range(2)] == [400, 403]
    assert web_login(client, worker.username, PASSWORD).status_code == 429


def test_token_endpoint_lockout_ends_after_the_cooloff(worker):
    api = APIClient()
    for _ in range(5):
        token(api, worker.username, WRONG)
    assert token(api, worker.username, PASSWORD).status_code == 403
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert token(api, worker.username, PASSWORD).status_code == 200
