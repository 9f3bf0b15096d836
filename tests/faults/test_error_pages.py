"""The health check and the error pages, in-process (tests/faults/test_web.py runs them
in a real server with a real database outage): ``/healthz`` before host validation, the
500 page when a view raises, the 503 page when the database cannot be reached, and
``python -m config.health``."""

import logging
from unittest import mock

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.template import loader
from django.test import override_settings
from django.urls import reverse

from config import health

pytestmark = pytest.mark.django_db

PRODUCTION_HOSTS = {"ALLOWED_HOSTS": ["khata.example.com"], "SECURE_SSL_REDIRECT": True}


@pytest.fixture
def failing_client(owner_client):
    """The owner's client, getting the error page instead of the exception."""
    owner_client.raise_request_exception = False
    return owner_client


def dashboard_raises(exc):
    return mock.patch("ledger.selectors.dashboard.dashboard_summary", side_effect=exc)


# --- /healthz ---------------------------------------------------------------------------------------


@override_settings(**PRODUCTION_HOSTS)
def test_healthz_answers_whatever_the_host_and_over_plain_http(client):
    response = client.get("/healthz", HTTP_HOST="172.18.0.3:8000")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert "no-cache" in response["Cache-Control"]
    # Every other page still refuses an unknown host and redirects plain HTTP.
    assert client.get(reverse("accounts:login"), HTTP_HOST="172.18.0.3:8000").status_code == 400
    assert client.get(reverse("accounts:login"), HTTP_HOST="khata.example.com").status_code == 301


def test_healthz_takes_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_logs_an_outage_once_and_its_end_once(client, caplog, monkeypatch):
    monkeypatch.setattr(health, "_database_down", False)
    with caplog.at_level(logging.INFO, logger="config.health"), mock.patch("config.health.connection") as conn:
        conn.cursor.side_effect = OperationalError(2003, "Can't connect to MySQL server")
        assert [client.get("/healthz").status_code for _ in range(3)] == [503, 503, 503]
        conn.cursor.side_effect = None
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name in ("config.health", "django.request")]
    assert lines == [("ERROR", "Health check: the database does not answer (OperationalError: (2003, \"Can't "
                               "connect to MySQL server\"))"),
                     ("WARNING", "Health check: the database answers again")]


# --- The 500 and 503 pages ------------------------------------------------------------------------------


def test_a_view_that_raises_gets_the_500_page(failing_client):
    with dashboard_raises(RuntimeError("boom")):
        response = failing_client.get(reverse("ledger:dashboard"), HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Something went wrong · Khata</title>" in html
    assert "Nothing was saved." in html
    assert "submitting the same form again is safe: it is recorded once, never twice" in html
    assert '<code data-testid="request-id">req-42</code>' in html
    assert "bootstrap.min.css" in html  # the app's look
    assert "Retry-After" not in response


@pytest.mark.parametrize("error", [
    OperationalError(2006, "MySQL server has gone away"),
    OperationalError("unable to open database file"),
    InterfaceError(0, ""),
])
def test_the_database_being_unreachable_gets_the_503_page(failing_client, error):
    with dashboard_raises(error):
        response = failing_client.post(reverse("ledger:dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Khata is briefly unavailable" in html
    assert "<strong>Nothing was saved.</strong> Khata cannot reach its database right now" in html
    assert "Wait a minute (about 30 seconds), then go back and try again." in html


def test_other_database_errors_are_a_500(failing_client):
    with dashboard_raises(DatabaseError("a bug in a query")):
        assert failing_client.get(reverse("ledger:dashboard")).status_code == 500


def test_the_error_pages_need_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        for name in ("500.html", "503.html"):
            assert "Nothing was saved." in loader.get_template(name).render({"request_id": "x"})


def test_the_500_page_falls_back_to_a_plain_page_if_its_template_fails(failing_client, caplog):
    with dashboard_raises(RuntimeError("boom")), mock.patch("django.template.loader.get_template",
                                                            side_effect=ValueError("Missing staticfiles manifest")):
        response = failing_client.get(reverse("ledger:dashboard"))
    assert response.status_code == 500
    assert "Nothing was saved." in response.content.decode()
    assert any(r.getMessage() == "Could not render 500.html" for r in caplog.records)


# --- The health check command ---------------------------------------------------------------------------


def test_the_health_check_command(live_server, monkeypatch):
    assert health.main([f"{live_server.url}/healthz"]) == 0
    monkeypatch.setenv("PORT", live_server.url.rsplit(":", 1)[1])
    assert health.main([]) == 0  # http://127.0.0.1:$PORT/healthz
    with mock.patch("config.health.connection") as conn:
        conn.cursor.side_effect = OperationalError("down")
        assert health.main([f"{live_server.url}/healthz"]) == 1
    assert health.main([f"{live_server.url}/accounts/login/"]) == 1  # 200, but not "ok"
    assert health.main(["file:///etc/passwd"]) == 1
