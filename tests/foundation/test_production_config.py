"""The deployment path refuses what is unsafe: docker-compose.yml without SECRET_KEY, demo data without DEMO=1,
`seed_demo` with DEBUG off; the production build collects every static file; one database engine (PostgreSQL)."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import demo
from partners.models import Organisation

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services():
    return COMPOSE["services"]


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organisation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "options"), [(True, {}), (False, {"allow_production": True})])
def test_seed_demo_runs_in_debug_or_when_allowed(settings, monkeypatch, debug, options):
    settings.DEBUG = debug
    calls = []
    monkeypatch.setattr(demo, "seed_demo", lambda: calls.append(1) or {"created": False})
    call_command("seed_demo", stdout=StringIO(), **options)
    assert calls == [1]


def test_compose_has_no_secret_key_fallback():
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"SECRET_KEY:?-", text), "a default SECRET_KEY in docker-compose.yml"
    for name, service in _services().items():
        key = service.get("environment", {}).get("SECRET_KEY")
        if name in ("web", "worker", "beat"):
            assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", key or ""), f"{name}: SECRET_KEY={key!r}"


def _web_command():
    command = _services()["web"]["command"]
    assert command[:2] == ["sh", "-c"]
    return command[2].replace("$$", "$")  # compose's escape: the container's shell sees one $


@pytest.mark.parametrize(("demo_value", "seeds"), [(None, False), ("0", False), ("", False), ("1", True)])
def test_compose_loads_demo_data_only_with_demo_1(tmp_path, demo_value, seeds):
    """The web service's command, run by sh with stand-ins for python and bin/serve."""
    calls = tmp_path / "calls"
    fake = tmp_path / "fake"
    (fake / "bin").mkdir(parents=True)
    for path, name in ((fake / "python", "python"), (fake / "bin" / "serve", "bin/serve")):
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> {calls}\n')
        path.chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin"}
    if demo_value is not None:
        env["DEMO"] = demo_value
    subprocess.run(["sh", "-c", _web_command()], cwd=fake, env=env, check=True)
    lines = calls.read_text().splitlines()
    expected = ["python manage.py migrate --noinput"]
    if seeds:
        expected.append("python manage.py seed_demo --allow-production")
    assert lines == [*expected, "bin/serve "]
    assert _services()["web"]["environment"]["DEMO"] == "${DEMO:-0}"


def test_only_the_web_service_may_load_demo_data():
    for name, service in _services().items():
        if name != "web":
            assert "seed_demo" not in str(service.get("command", "")), name


def test_docker_and_compose_run_what_ci_runs():
    dockerfile = "\n".join(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")
    )
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^RUN bin/build$", dockerfile, re.M)
    assert re.search(r'^CMD \["bin/serve"\]$', dockerfile, re.M)
    assert "collectstatic" not in dockerfile and "gunicorn" not in dockerfile
    assert _web_command().rstrip().endswith("exec bin/serve")
    assert re.search(r"^PATH=\S+ bin/build$", ci, re.M)
    assert re.search(r"\bbin/serve\b.*&$", ci, re.M)
    assert "DEBUG=0 python manage.py collectstatic" in (ROOT / "bin" / "build").read_text()


def test_the_production_build_collects_every_static_file(tmp_path):
    """bin/build with the manifest storage (DEBUG=0): a reference to a missing file fails it."""
    env = {**os.environ, "STATIC_ROOT": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("DEBUG", None)
    result = subprocess.run([str(ROOT / "bin" / "build")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in ("css/app.css", "js/dashboard.js", "vendor/chartjs/chart.umd.min.js", "vendor/htmx/htmx.min.js"):
        assert f'"{name}"' in manifest


@pytest.mark.parametrize(
    ("url", "message"),
    [(None, "Set DATABASE_URL"), ("sqlite:///var/db.sqlite3", "PostgreSQL")],
)
def test_settings_need_a_postgresql_database(url, message):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if url:
        env["DATABASE_URL"] = url
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_no_sqlite_paths_left():
    for package in ("config", "partners", "convenants", "cases", "signals"):
        for path in (ROOT / package).rglob("*.py"):
            assert "sqlite" not in path.read_text().lower(), path
