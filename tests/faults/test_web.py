"""The web tier against real faults: gunicorn under the production settings
(``web_settings``: DEBUG off, ``ALLOWED_HOSTS=khata.example.com``, a real ``SECRET_KEY``,
HTTPS redirect), on loopback, with docker-compose's own health check command.

- The health check passes though the container asks ``127.0.0.1``, a host that
  ``ALLOWED_HOSTS`` does not list; pages still refuse such a host (400).
- While the database is down the health check fails and a page is the 503 page (nothing
  was saved, try again, ``Retry-After``); once it is back both recover by themselves.
- On MariaDB the server keeps its connection (``CONN_MAX_AGE=60``): after a database
  restart the first request still succeeds (``CONN_HEALTH_CHECKS``).
"""

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

from tests.faults.helpers import HOST, ROOT, Child, child_env, free_port, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "khata.example.com"


def compose_healthcheck() -> list[str]:
    """The web service's health check command from docker-compose.yml, run with our
    interpreter."""
    test = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"], test
    return [sys.executable, *test[2:]]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(port: int, path: str, *, host: str = SITE, cookie: str = "") -> tuple[int, dict, str]:
    """GET through the TLS proxy's eyes (``X-Forwarded-Proto: https``): status, headers, body."""
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        f"http://{HOST}:{port}{path}", headers={"Host": host, "X-Forwarded-Proto": "https", "Cookie": cookie})
    try:
        with urllib.request.build_opener(_NoRedirect()).open(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_healthcheck_and_error_pages_under_production_settings(shared_db, owner, tmp_path):
    client = Client()
    client.force_login(owner.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    shared_db.publish()
    port = free_port()
    keep_connections = shared_db.proxy is not None  # SQLite: a kept connection would outlive the file move
    env = child_env(DJANGO_SETTINGS_MODULE="tests.faults.web_settings", DATABASE_URL=shared_db.url, DEBUG="false",
                    SECRET_KEY=settings.SECRET_KEY, ALLOWED_HOSTS=SITE, LOG_FORMAT="plain",
                    CONN_MAX_AGE="60" if keep_connections else "0")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = Child([gunicorn, "config.wsgi", "--bind", f"{HOST}:{port}", "--workers", "1", "--timeout", "20",
                    "--no-control-socket"],
                   env=env, log=tmp_path / "gunicorn.log")
    check_env = child_env(PORT=str(port))

    def healthcheck() -> int:
        return subprocess.run(compose_healthcheck(), cwd=ROOT, env=check_env, capture_output=True,  # noqa: S603
                              timeout=10).returncode

    try:
        wait_until(lambda: healthcheck() == 0, timeout=20, what="gunicorn to pass the health check",
                   details=server.output, interval=0.2)
        status, _, body = get(port, "/", cookie=cookie)
        assert status == 200 and owner.shop.name in body
        assert get(port, "/", host=f"{HOST}:{port}", cookie=cookie)[0] == 400  # pages still check the host

        with shared_db.outage():
            assert healthcheck() == 1
            status, headers, body = get(port, "/", cookie=cookie)
            assert status == 503, body
            assert headers["Retry-After"] == "30"
            assert "Khata is briefly unavailable" in body and "Nothing was saved." in body
            assert "submitting the same form again is safe" in body
            assert get(port, "/healthz", host="10.0.0.7:8000")[0] == 503

        assert healthcheck() == 0  # back by itself
        assert get(port, "/", cookie=cookie)[0] == 200
        if keep_connections:
            # A database restart between two requests: the kept connection is dead, and
            # is replaced before the next request uses it.
            shared_db.proxy.down()
            shared_db.proxy.up()
            status, _, body = get(port, "/", cookie=cookie)
            assert status == 200, body
        log = server.output()
    finally:
        server.stop()
    assert log.count("Health check: the database does not answer") == 1, log  # once per outage
    assert "Health check: the database answers again" in log
    # Only the page request with a wrong host was refused; none of the health checks.
    assert log.count("django.security.DisallowedHost: Invalid HTTP_HOST header") == 1, log
    assert "Service Unavailable: /healthz" not in log  # a failing check is not an error per check
