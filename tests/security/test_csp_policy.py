"""The Content-Security-Policy as sent, the templates it relies on, and the API docs behind login."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from partners.tokens import issue_personal_token

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx hx-on": re.compile(r"\b(data-)?hx-on", re.I),
}


def directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ") if part}


def test_every_page_gets_the_strict_policy(client):
    response = client.get(reverse("login"))
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'" and policy["script-src"][1].startswith("'nonce-")
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "http" not in header


def test_script_tags_carry_this_requests_nonce(client):
    first, second = client.get(reverse("login")), client.get(reverse("login"))
    nonces = []
    for response in (first, second):
        nonce = directives(response)["script-src"][1].removeprefix("'nonce-").removesuffix("'")
        html = response.content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_htmx_is_told_not_to_write_inline_styles(client):
    html = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false' in html


@pytest.mark.parametrize("kind", INLINE)
def test_no_template_has_inline_code_or_style(kind):
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE[kind].search(line.replace("{#", "").split("#}")[-1])
    ]
    assert not found, f"{kind} (refused by the Content-Security-Policy):\n" + "\n".join(found)


def test_no_static_script_writes_inline_handlers_or_evals():
    for path in (Path(settings.BASE_DIR) / "static" / "js").glob("*.js"):
        text = path.read_text()
        assert not re.search(r"\beval\(|new Function\(|\.innerHTML\s*=|setAttribute\(\s*[\"']on", text), path.name


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_docs_send_an_anonymous_browser_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_schema_answers_401_without_credentials(client):
    assert client.get(reverse("schema")).status_code == 401
    assert client.get(reverse("api-docs") + "?script=").status_code == 302


def test_schema_with_an_api_token(region):
    _token, key = issue_personal_token(user=region.consultant)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Huurachterstand API"
    assert Client(HTTP_AUTHORIZATION="Token not-a-token").get(reverse("schema")).status_code == 401


def test_docs_for_a_signed_in_user_load_only_our_own_files(client, region):
    client.force_login(region.consultant)
    for name in ("api-docs", "api-redoc"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        html = response.content.decode()
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(url.startswith("/") for url in assets), assets
        assert "/static/drf_spectacular_sidecar/" in html
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert client.get(reverse("schema")).status_code == 200


def test_redoc_page_allows_only_its_nonce_and_its_own_load_styles(client, region):
    client.force_login(region.consultant)
    policy = directives(client.get(reverse("api-redoc")))
    assert policy["style-src"][0] == "'self'"
    assert all(source.startswith(("'nonce-", "'sha256-")) for source in policy["style-src"][1:])
    assert policy["worker-src"] == ["blob:"]
    assert directives(client.get(reverse("api-docs")))["style-src"] == ["'self'"]
