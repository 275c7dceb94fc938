"""Schemathesis hooks of bin/schemathesis: the API tokens of the run, made by manage.py api_token's issue_key (the
one place outside the API that makes tokens), in this process with the server's settings and database.

Every operation runs as the run's demo user (SCHEMATHESIS_API_USER) with one token, except POST
/api/v1/auth/logout/ and /logout-all/: they revoke the token they are called with (logout-all every token of its
user), so each of their requests gets a fresh token of another demo user (SCHEMATHESIS_LOGOUT_USER)."""

import os
import sys
from pathlib import Path

import django
import schemathesis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from partners.management.commands.api_token import issue_key  # noqa: E402

LOGOUT = r"^/api/v1/auth/logout(-all)?/$"


def _token(username: str) -> str:
    close_old_connections()
    return issue_key(get_user_model().objects.get(username=username, is_active=True))


def _set(case, key):
    case.headers = {**(case.headers or {}), "Authorization": f"Token {key}"}


@schemathesis.auth(refresh_interval=24 * 3600).skip_for(path_regex=LOGOUT)
class RunUserToken:
    def __init__(self):
        self.first = os.environ.get("SCHEMATHESIS_API_TOKEN")  # the one the schema was loaded with

    def get(self, case, context):
        key, self.first = self.first, None
        return key or _token(os.environ["SCHEMATHESIS_API_USER"])

    def set(self, case, data, context):
        _set(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=LOGOUT)
class LogoutUserToken:
    def get(self, case, context):
        return _token(os.environ["SCHEMATHESIS_LOGOUT_USER"])

    def set(self, case, data, context):
        _set(case, data)
