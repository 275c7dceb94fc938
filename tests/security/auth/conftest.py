import pytest
from django.contrib.auth import get_user_model

from tests.factories import OrganisationFactory, UserFactory

PASSWORD = "geheim-wachtwoord-1"
WRONG = "verkeerd-wachtwoord"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every login here checks a password; a cheap hasher keeps the tests quick (not a production setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(db):
    return UserFactory(username="consulent", organisation=OrganisationFactory(name="Domijn"))


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("beheerder", "beheer@example.org", PASSWORD)
