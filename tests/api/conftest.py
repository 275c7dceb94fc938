import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The region fixture makes nine users; a cheap hasher keeps these API tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def tenant(n=1, **overrides):
    data = {
        "name": f"Huurder {n}",
        "street": "Lasondersingel",
        "house_number": str(n),
        "postcode": "7514 BP",
        "city": "Enschede",
        "phone": "0612345678",
        "email": f"huurder{n}@example.org",
        "contract_ref": f"HC-API-{n:04d}",
    }
    data.update(overrides)
    return data


def case_body(n=1, **overrides):
    body = {"tenant": tenant(n), "arrears_amount": "640.00", "months_in_arrears": 1, "monthly_rent": "640.00"}
    body.update(overrides)
    return body


@pytest.fixture
def open_case(api):
    """POST /cases/ as `user`; returns the answer's JSON (asserting 201)."""

    def _open(user, n=1, **overrides):
        response = api.as_user(user).post("/api/v1/cases/", case_body(n, **overrides), format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return _open
