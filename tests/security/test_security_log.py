"""The security log: a row for every sign-in, failure, lockout, second-factor and token event and every change to
organisations, memberships, convenants, chains and deadline rules (who, what, before and after, from where);
append-only; a page with filters and a CSV download for the platform administrator only."""

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError

from partners import services as partner_services
from partners import tokens
from partners.models import SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-wachtwoord-1"


def kinds():
    return list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("beheer", "beheer@example.org", PASSWORD)


def test_sign_in_failure_and_sign_out_are_logged_with_the_address(client, region):
    client.post("/accounts/login/", {"username": "consulent", "password": "fout-wachtwoord"},
                REMOTE_ADDR="198.51.100.7")
    client.post("/accounts/login/", {"username": "consulent", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.7")
    events = list(SecurityEvent.objects.filter(kind__in=["login", "login_failed", "logout"]).order_by("id"))
    assert [e.kind for e in events] == ["login_failed", "login", "logout"]
    assert {e.username for e in events} == {"consulent"}
    assert {e.ip_address for e in events} == {"198.51.100.7"}


def test_a_lockout_is_logged(client, region, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": "consulent", "password": "fout-wachtwoord"})
    assert "locked_out" in kinds()


def test_tokens_are_logged_when_made_and_revoked_without_the_key(api, region):
    key = api.post("/api/v1/auth/token/", {"username": "consulent", "password": PASSWORD},
                   format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.post("/api/v1/auth/logout/")
    service, service_key = tokens.create_service_token(name="Huursysteem", organisation=region.corporation)
    tokens.revoke_service_token(digest=service.digest)
    assert [k for k in kinds() if k.startswith("token")] == ["token_created", "token_revoked"] * 2
    for event in SecurityEvent.objects.all():
        for text in (str(event.before), str(event.after), str(event.detail), event.object_repr):
            assert key not in text and service_key not in text


def test_a_convenant_change_through_the_api_is_logged_with_before_and_after(api, region, superuser):
    api.force_authenticate(superuser)
    convenant = region.convenant
    response = api.patch(f"/api/v1/convenants/{convenant.pk}/", {"retention_months": 36}, format="json",
                         REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200, response.content
    change = SecurityEvent.objects.filter(kind="changed", object_type="convenants.Convenant").latest("id")
    assert change.before == {"retention_months": convenant.retention_months}
    assert change.after == {"retention_months": 36}
    assert change.user == superuser and change.username == "beheer"
    assert change.ip_address == "203.0.113.9"


def test_organisation_and_membership_changes_are_logged(region):
    organisation = partner_services.create_organisation(name="Nieuwe Partner", kind="welfare",
                                                        municipality="Enschede")
    partner_services.set_membership(user=region.consultant, organisation=organisation, role="manager")
    logged = SecurityEvent.objects.filter(object_type__in=["partners.Organisation", "partners.Membership"])
    assert {(e.kind, e.object_type) for e in logged} >= {
        ("created", "partners.Organisation"), ("changed", "partners.Membership"),
    }
    membership_change = logged.filter(kind="changed", object_type="partners.Membership").latest("id")
    assert membership_change.after["role"] == "manager"


def test_the_log_is_append_only():
    event = SecurityEvent.objects.create(kind="login", username="iemand")
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE partners_securityevent SET username = 'ander' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.username == "iemand"


def test_deleting_a_user_keeps_their_rows(region, django_user_model):
    user = django_user_model.objects.create_user("vertrokken", password=PASSWORD)
    SecurityEvent.objects.create(kind="login", user=user, username="vertrokken")
    user.delete()
    assert SecurityEvent.objects.get(username="vertrokken").user is None


def test_the_page_filters_and_downloads_for_the_administrator_only(client, region, superuser):
    client.post("/accounts/login/", {"username": "consulent", "password": "fout-wachtwoord"})
    client.force_login(region.corporation_manager)
    assert client.get("/accounts/security-log/").status_code == 403
    client.force_login(superuser)
    page = client.get("/accounts/security-log/", {"kind": "login_failed"})
    assert page.status_code == 200
    rows = page.context["page"].object_list
    assert [e.kind for e in rows] == ["login_failed"]
    bad = client.get("/accounts/security-log/", {"date_from": "2026-12-02", "date_to": "2026-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.context["form"].errors
    download = client.get("/accounts/security-log/", {"kind": "login_failed", "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    body = download.content.decode("utf-8-sig")
    assert "consulent" in body and body.count("\r\n") == 2
    assert SecurityEvent.objects.filter(kind="exported", user=superuser).exists()


def test_rows_go_after_the_retention_period(settings):
    from datetime import timedelta

    from django.utils import timezone

    from partners.tasks import purge_old_security_events

    settings.SECURITY_LOG_RETENTION_DAYS = 30
    recent = SecurityEvent.objects.create(kind="login", username="recent")
    with connection.cursor() as cursor:  # the ORM stamps `at` with now and the trigger refuses updates
        cursor.execute(
            "INSERT INTO partners_securityevent (at, kind, username, object_type, object_id, object_repr, detail)"
            " VALUES (%s, 'login', 'oud', '', '', '', '{}')", [timezone.now() - timedelta(days=31)],
        )
    assert purge_old_security_events() == 1
    assert list(SecurityEvent.objects.filter(username__in=["oud", "recent"])) == [recent]
