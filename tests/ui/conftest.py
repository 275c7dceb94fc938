import pytest
from django.conf import settings


@pytest.fixture
def client_as(client):
    """The Django test client signed in as `user`, reading the UI in English (the msgids), so that assertions do
    not depend on the Dutch catalogue being merged yet."""

    def sign_in(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in
