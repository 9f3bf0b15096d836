"""The password-reset limit and the login lockout hold across server processes.

Two real servers (``manage.py runserver --noreload``, as two gunicorn workers or two
hosts would be) share one SQLite database file, migrated with ``createcachetable`` as
``make migrate`` does. Requests alternate between them: with a per-process cache each
server would allow the limit on its own (twice the limit in all); with the shared
cache only the limit's worth is accepted. Runs in ``make test`` on any database (the
servers use their own temporary SQLite file); about 10 seconds.
"""

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
USERNAME, EMAIL, PASSWORD = "throttled", "throttled@example.com", "pass-word-123"

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
get_user_model().objects.create_user({USERNAME!r}, {EMAIL!r}, {PASSWORD!r})
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 comes back as an HTTPError with its status


class Browser:
    """One client (one cookie jar, one CSRF token) talking to several servers."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.token = ""

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **data}).encode()
        try:
            request = urllib.request.Request(url, data=body)  # noqa: S310 (http on loopback)
            with self.opener.open(request, timeout=15) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return status, text


@contextlib.contextmanager
def servers_running(tmp_path, env: dict, *, count: int = 2, start_within: float = 30):
    """Start ``count`` ``runserver`` processes with ``env`` (each on a free loopback port, its
    log in ``tmp_path``), wait until each answers ``/healthz`` (at most ``start_within``
    seconds), yield their base URLs, and stop them all on the way out."""
    servers, urls = [], []
    try:
        for index in range(count):
            port = _free_port()
            log = open(tmp_path / f"server{index}.log", "wb")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
                [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            servers.append((process, log))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + start_within
        for index, (url, (process, _)) in enumerate(zip(urls, servers, strict=True)):
            while True:
                assert process.poll() is None, (tmp_path / f"server{index}.log").read_text()
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (loopback)
                        break
                except OSError:
                    assert time.monotonic() < deadline, f"the servers did not start within {start_within:g} s"
                    time.sleep(0.1)
        yield urls
    finally:
        for process, _ in servers:
            process.terminate()
        for process, log in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


@pytest.fixture
def two_servers(tmp_path):
    """Base URLs of two server processes on one fresh SQLite database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "ENV_FILE": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "DEBUG": "false",
           "ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"}
    for name in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REPLICA_DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603

    with servers_running(tmp_path, env, start_within=90) as urls:
        yield urls


def test_limits_hold_across_two_server_processes(two_servers):
    a, b = two_servers
    browser = Browser()
    assert browser.request(f"{a}/accounts/password/reset/")[0] == 200

    # Password reset: alternate A, B, A, B ...; only the limit's worth is accepted in all.
    limit = settings.PASSWORD_RESET_LIMIT
    accepted, refused = [], []
    for attempt in range(2 * limit + 2):
        server = (a, b)[attempt % 2]
        status, body = browser.request(f"{server}/accounts/password/reset/", {"email": EMAIL})
        if status == 302:
            accepted.append(server)
        else:
            assert status == 200 and "Too many reset requests from your network" in body, (status, body[:300])
            refused.append(server)
    assert len(accepted) == limit, f"{len(accepted)} reset requests accepted, the limit is {limit}"
    assert set(refused) == {a, b}  # both servers refuse once the shared count is reached

    # Login lockout (django-axes): failures on both servers add up to one lockout; the
    # failure that reaches the limit is answered with the lockout page already.
    failures = settings.AXES_FAILURE_LIMIT
    for attempt in range(failures):
        server = (a, b)[attempt % 2]
        status, _ = browser.request(f"{server}/accounts/login/", {"username": USERNAME, "password": "wrong"})
        assert status == (429 if attempt == failures - 1 else 200), attempt
    for server in (a, b):
        status, body = browser.request(f"{server}/accounts/login/", {"username": USERNAME, "password": PASSWORD})
        assert status == 429, server
        assert "locked from your network for 15 minutes" in body
