"""`bin/run` on a machine without a PostgreSQL server for it: with DATABASE_URL unset it starts the embedded
PostgreSQL (bin/db), migrates, loads the demo data and serves; stopping it stops the database too."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What bin/test sets for the suite, and anything else that would point bin/run at a server.
UNSET = ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "TEST_REDIS_URL", "CACHE_BACKEND", "SECRET_KEY", "DEBUG",
         "DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR", "EMBEDDED_PGDATA")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bin_run_serves_the_demo_on_the_embedded_postgresql(tmp_path_factory):
    data = tmp_path_factory.mktemp("run")
    pgdata, log_path, port = data / "pg", data / "bin-run.log", free_port()
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(PORT=str(port), EMBEDDED_PGDATA=str(pgdata))
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def output():
        return log_path.read_text(errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + 420
        while True:
            assert process.poll() is None, f"bin/run ended with {process.returncode}:\n{output()}"
            assert time.monotonic() < deadline, f"bin/run did not serve within 420 s:\n{output()}"
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        text = output()
        assert f"host={pgdata}" in log_path.read_text(), text  # the embedded server, not one on 127.0.0.1
        assert (pgdata / "PG_VERSION").exists()

        # The demo data is there: a demo user logs in and sees cases in the worklist.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        login = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
        form = {"username": "consulent.domijn", "password": "demo-wachtwoord-2026", "csrfmiddlewaretoken": token}
        with opener.open(f"{base}/accounts/login/", urllib.parse.urlencode(form).encode(), timeout=30) as response:
            assert response.status == 200
            assert urllib.parse.urlsplit(response.url).path == "/"
            assert "case-row" in response.read().decode()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # bin/run stops web, worker, beat and the embedded server
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        left_running = (pgdata / "postmaster.pid").exists()
        if left_running:  # stop it here, and fail below
            subprocess.run([str(ROOT / ".venv/bin/python"), "bin/db", "stop"], cwd=ROOT, env=env, check=False)
    assert not left_running, f"bin/run left the embedded PostgreSQL running:\n{output()}"
    assert process.returncode in (0, 143), output()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the web process is still listening"
