"""API tokens (API.md "Auth and security"): hashed, expiring, revocable; service tokens for an organisation's
system, made and revoked by the platform administrator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import tokens
from partners.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-wachtwoord-1"


def ask_token(api, username, password=PASSWORD, **extra):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json")


def cases_with(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/cases/")
    api.credentials()
    return response.status_code


def test_a_token_is_stored_only_as_a_hash_and_expires_after_ten_hours(api, region):
    response = ask_token(api, "consulent")
    assert response.status_code == 200
    body = response.json()
    key, expiry = body["token"], body["expiry"]
    stored = ApiToken.objects.get(user=region.consultant)
    assert key not in (stored.digest, stored.token_key) and stored.token_key == key[:15]
    assert abs(stored.expiry - (timezone.now() + timedelta(hours=10))) < timedelta(minutes=1)
    assert expiry.startswith(stored.expiry.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d"))
    assert cases_with(api, key) == 200


def test_asking_twice_gives_two_different_tokens(api, region):
    first, second = ask_token(api, "consulent").json()["token"], ask_token(api, "consulent").json()["token"]
    assert first != second
    assert cases_with(api, first) == 200 and cases_with(api, second) == 200


def test_an_expired_token_is_refused(api, region):
    key = ask_token(api, "consulent").json()["token"]
    ApiToken.objects.filter(user=region.consultant).update(expiry=timezone.now() - timedelta(seconds=1))
    assert cases_with(api, key) == 401


def test_logout_revokes_the_token_at_once_and_logout_all_every_token(api, region):
    first, second, third = (ask_token(api, "consulent").json()["token"] for _ in range(3))
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    api.credentials()
    assert cases_with(api, first) == 401
    assert cases_with(api, second) == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.post("/api/v1/auth/logout-all/").status_code == 204
    api.credentials()
    assert cases_with(api, second) == 401 and cases_with(api, third) == 401


def test_wrong_credentials_are_a_400_and_logout_needs_a_token(api, region):
    assert ask_token(api, "consulent", "fout-wachtwoord").status_code == 400
    assert ask_token(api, "niemand").status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": "consulent"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_a_tampered_key_is_refused(api, region):
    key = ask_token(api, "consulent").json()["token"]
    assert cases_with(api, key[:-1] + ("0" if key[-1] != "0" else "1")) == 401
    assert cases_with(api, key + "ä") == 401


def test_the_limit_per_user_drops_the_oldest_token(api, region, settings):
    settings.API_TOKEN_LIMIT_PER_USER = 2
    oldest = ask_token(api, "consulent").json()["token"]
    ask_token(api, "consulent")
    ask_token(api, "consulent")
    assert ApiToken.objects.filter(user=region.consultant).count() == 2
    assert cases_with(api, oldest) == 401


def test_a_user_sees_and_revokes_only_their_own_tokens_on_the_page(client, api, region):
    mine = ask_token(api, "consulent").json()["token"]
    theirs = ask_token(api, "teamleider").json()["token"]
    client.force_login(region.consultant)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    own = ApiToken.objects.get(user=region.consultant)
    other = ApiToken.objects.get(user=region.corporation_manager)
    assert own.digest in page.content.decode() and other.digest not in page.content.decode()
    client.post("/accounts/tokens/", {"token": other.digest})
    assert cases_with(api, theirs) == 200
    client.post("/accounts/tokens/", {"token": own.digest})
    assert cases_with(api, mine) == 401


def test_a_service_token_serves_its_organisation_and_stops_at_once_when_revoked(api, region):
    token, key = tokens.create_service_token(name="Huursysteem Domijn", organisation=region.corporation, days=30)
    assert token.user.membership.organisation == region.corporation
    assert not token.user.has_usable_password()
    assert abs(token.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert cases_with(api, key) == 200
    tokens.revoke_service_token(digest=token.digest)
    assert cases_with(api, key) == 401


def test_service_tokens_are_named_uniquely_and_bounded_in_time(region):
    tokens.create_service_token(name="Huursysteem", organisation=region.corporation)
    with pytest.raises(tokens.TokenError) as duplicate:
        tokens.create_service_token(name="huursysteem", organisation=region.corporation)
    assert duplicate.value.field == "name"
    with pytest.raises(tokens.TokenError) as too_long:
        tokens.create_service_token(name="Ander", organisation=region.corporation, days=10_000)
    assert too_long.value.field == "days"
    with pytest.raises(tokens.TokenError):
        tokens.create_service_token(name=" ", organisation=region.corporation)


def test_the_admin_makes_service_tokens_only_and_shows_the_key_once(client, region, django_user_model):
    admin = django_user_model.objects.create_superuser("beheer", "beheer@example.org", PASSWORD)
    client.force_login(admin)
    response = client.post("/admin/partners/apitoken/add/", {
        "name": "Huursysteem", "organisation": region.corporation.pk, "days": 60,
    }, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Huursysteem")
    assert token.organisation == region.corporation
    shown = [str(m) for m in response.context["messages"]]
    assert any("Huursysteem" in m for m in shown)
    key = next(m for m in shown if "Huursysteem" in m).rsplit(" ", 1)[-1]
    assert tokens.ApiTokenAuthentication().authenticate_credentials(key)[1] == token
    assert client.get(f"/admin/partners/apitoken/{token.pk}/delete/").status_code == 200
    client.post(f"/admin/partners/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_expired_tokens_are_purged_by_the_daily_task(region):
    from partners.tasks import purge_expired_tokens

    tokens.issue_personal_token(user=region.consultant)
    live, _key = tokens.issue_personal_token(user=region.debt_coach)
    ApiToken.objects.filter(user=region.consultant).update(expiry=timezone.now() - timedelta(hours=1))
    assert purge_expired_tokens() == 1
    assert list(ApiToken.objects.all()) == [live]
