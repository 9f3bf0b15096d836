"""The deployment files and settings that make faults survivable: docker-compose.yml's
start-up order, health check, stop grace and retries; connection health checks."""

import re
import runpy

import pytest
import yaml

import config.settings
from messaging import tasks
from tests.faults.helpers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def seconds(duration: str) -> int:
    """Compose's ``90s`` / ``2m`` / ``1m30s`` in seconds."""
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, duration
    return int(parts[1] or 0) * 60 + int(parts[2] or 0)


def default(value: str) -> str:
    """The default of a ``${NAME:-default}`` value."""
    return re.fullmatch(r"\$\{\w+:-(.*)\}", value)[1]


def test_migrations_run_once_before_every_app_service():
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no"
    assert "manage.py migrate --noinput" in migrate["command"] and "manage.py createcachetable" in migrate["command"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "reminders", "retry-messages"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in str(SERVICES[name]["command"]), name


def test_the_web_health_check_is_the_command_and_others_wait_for_it():
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "config.health"]
    for name in ("reminders", "retry-messages"):
        assert SERVICES[name]["depends_on"]["web"] == {"condition": "service_healthy"}, name


def test_the_worker_outlives_faults_and_stops_gracefully():
    worker = SERVICES["worker"]
    assert worker["command"].startswith("python manage.py run_worker ")
    email_timeout = int(default(COMPOSE["x-app"]["environment"]["EMAIL_TIMEOUT"]))
    assert seconds(worker["stop_grace_period"]) > email_timeout + tasks.RECORD_PATIENCE


def test_long_running_services_restart_and_retries_run_every_15_minutes():
    for name in ("db", "web", "worker", "reminders", "retry-messages"):
        assert SERVICES[name]["restart"] == "unless-stopped", name
    loop = SERVICES["retry-messages"]["command"]
    assert "manage.py retry_failed_messages" in loop and "sleep 900" in loop
    assert "retry_failed_messages" not in SERVICES["reminders"]["command"]


@pytest.mark.parametrize("name", ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                                  "SECURE_HSTS_SECONDS"])
def test_the_plain_http_trial_settings_are_passed_through(name):
    assert COMPOSE["x-app"]["environment"][name].startswith(f"${{{name}:-")
    assert name in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(("max_age", "checks"), [("60", True), ("0", False)])
def test_kept_connections_are_health_checked(monkeypatch, max_age, checks):
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("CONN_MAX_AGE", max_age)
    db = runpy.run_path(config.settings.__file__)["DATABASES"]["default"]
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (int(max_age), checks)
