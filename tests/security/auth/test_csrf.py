"""The CSRF cookie is HttpOnly: no script reads it. Forms carry the token, and htmx sends it in X-CSRFToken from
the page (hx-headers on <body>)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def page_token(html):
    return re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'>", html).group(1)


def test_the_csrf_cookie_is_httponly(client):
    response = client.get("/accounts/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"]


def test_an_htmx_post_with_the_pages_header_token_passes_csrf(worker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    token = page_token(client.get("/meldingen/").content.decode())

    refused = client.post("/meldingen/gelezen/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    passed = client.post("/meldingen/gelezen/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert passed.status_code == 302


def test_no_script_of_ours_reads_the_csrf_cookie():
    root = Path(settings.BASE_DIR)
    sources = list((root / "static" / "js").rglob("*.js")) + list((root / "templates").rglob("*.html"))
    assert sources
    readers = [str(path) for path in sources if "document.cookie" in path.read_text(encoding="utf-8")]
    assert readers == []
