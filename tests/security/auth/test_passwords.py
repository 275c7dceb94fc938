"""Changing one's password, and a new one by e-mail (Django's auth views, Dutch pages); at least 12 characters."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "nieuw-lang-wachtwoord-7"


def can_log_in(username, password):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return SESSION_KEY in client.session


def test_login_page_offers_the_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password_reset/" data-testid="forgot-password">Wachtwoord vergeten?</a>' in page


def test_the_header_links_to_change_password(client, worker):
    client.force_login(worker)
    page = client.get("/meldingen/").content.decode()
    assert '<a href="/accounts/password_change/" data-testid="nav-password-change">Wachtwoord wijzigen</a>' in page


def test_change_password(client, worker):
    client.force_login(worker)
    form = client.get("/accounts/password_change/")
    assert form.status_code == 200
    assert "Wachtwoord wijzigen" in form.content.decode()
    assert "Gebruik ten minste 12 tekens." in form.content.decode()

    wrong_old = client.post("/accounts/password_change/", {
        "old_password": "niet-mijn-wachtwoord", "new_password1": NEW, "new_password2": NEW})
    assert wrong_old.status_code == 200
    assert "Uw oude wachtwoord is niet juist ingevoerd" in wrong_old.content.decode()

    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    done = client.get(response["Location"])
    assert "Uw wachtwoord is gewijzigd." in done.content.decode()
    # Still signed in here; the new password works elsewhere and the old one no longer does.
    assert client.get("/meldingen/").status_code == 200
    assert can_log_in(worker.username, NEW)
    assert not can_log_in(worker.username, PASSWORD)


def test_a_password_shorter_than_12_characters_is_refused_in_dutch(client, worker):
    client.force_login(worker)
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "kort-ww-123", "new_password2": "kort-ww-123"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dit wachtwoord is te kort: gebruik ten minste 12 tekens." in page
    assert can_log_in(worker.username, PASSWORD)


def test_password_reset_by_email_end_to_end(client, worker):
    form = client.get("/accounts/password_reset/")
    assert "Wachtwoord vergeten?" in form.content.decode()
    response = client.post("/accounts/password_reset/", {"email": worker.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert "Controleer uw e-mail" in client.get(response["Location"]).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [worker.email]
    assert message.subject.startswith("Kies een nieuw wachtwoord")
    assert worker.username in message.body
    assert "De link werkt één keer en 1 uur lang." in message.body
    link = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)

    # Django moves the token out of the address before the form is shown.
    set_form = client.get(link)
    assert set_form.status_code == 302
    set_url = set_form["Location"]
    assert "Kies een nieuw wachtwoord" in client.get(set_url).content.decode()

    too_short = client.post(set_url, {"new_password1": "kort-ww-123", "new_password2": "kort-ww-123"})
    assert "Dit wachtwoord is te kort: gebruik ten minste 12 tekens." in too_short.content.decode()

    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    assert "Uw nieuwe wachtwoord is opgeslagen." in client.get(done["Location"]).content.decode()
    assert can_log_in(worker.username, NEW)
    assert not can_log_in(worker.username, PASSWORD)

    # The link works once.
    again = Client().get(link, follow=True)
    assert 'data-testid="invalid-reset-link"' in again.content.decode()


def test_password_reset_does_not_tell_whether_an_address_has_an_account(client, worker):
    response = client.post("/accounts/password_reset/", {"email": "onbekend@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []
