"""Security settings and protections (production readiness): deploy checks, login
throttling, password-reset limits, headers, Argon2, and no state change on GET."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.urls import get_resolver, reverse
from django_scopes import scopes_disabled

from tests.accounts.factories import MembershipFactory
from tests.test_tenancy import _dummy_kwargs, _walk, victim  # noqa: F401 (victim is a fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_check_deploy():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "khata.example.com", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_without_debug():
    env = {**os.environ, "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_passwords_are_hashed_with_argon2_in_production():
    assert settings.PASSWORD_HASHERS  # the test settings use MD5 for speed; production's first is Argon2
    from config import settings as production
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_security_headers(client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Request-ID"]


def test_login_locks_after_five_failures_for_fifteen_minutes(client):
    user = MembershipFactory().user
    url = reverse("accounts:login")
    for _ in range(5):
        response = client.post(url, {"username": user.username, "password": "wrong"})
    response = client.post(url, {"username": user.username, "password": "pass-word-123"})
    assert response.status_code == 429
    assert "locked from your network for 15 minutes" in response.content.decode()
    # Another username from the same address is not locked.
    other = MembershipFactory().user
    assert client.post(url, {"username": other.username, "password": "pass-word-123"}).status_code == 302


def test_password_reset_is_rate_limited(client):
    cache.clear()
    url = reverse("accounts:password_reset")
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        assert client.post(url, {"email": "someone@example.com"}).status_code == 302
    response = client.post(url, {"email": "someone@example.com"})
    assert response.status_code == 200
    assert "Too many reset requests from your network" in response.content.decode()
    cache.clear()


def test_password_reset_limit_is_per_client_address(client):
    cache.clear()
    url = reverse("accounts:password_reset")
    for _ in range(settings.PASSWORD_RESET_LIMIT + 1):
        client.post(url, {"email": "someone@example.com"}, REMOTE_ADDR="203.0.113.5")
    assert client.post(url, {"email": "someone@example.com"}, REMOTE_ADDR="203.0.113.5").status_code == 200
    assert client.post(url, {"email": "someone@example.com"}, REMOTE_ADDR="198.51.100.7").status_code == 302
    cache.clear()


def test_the_throttles_count_where_every_process_sees_them():
    """The reset limit's cache is the database (or Redis), never a per-process memory;
    axes keeps failed logins in the database (tests/test_throttle_processes.py runs two
    servers against them)."""
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == "khata_cache"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    cache.set("probe", 42)  # the test database has the cache table (Django's test setup makes it)
    assert cache.get("probe") == 42


def test_redis_url_selects_django_redis():
    code = ("import django; django.setup(); from django.conf import settings; from django.core.cache import caches; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'], "
            "type(caches['default']).__module__)")
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6399/3", "DJANGO_SETTINGS_MODULE": "config.settings",
           "DEBUG": "true", "ENV_FILE": ""}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django_redis.cache.RedisCache", "redis://127.0.0.1:6399/3", "django_redis.cache"]


def _snapshot():
    state = {}
    with scopes_disabled():
        for model in apps.get_models():
            if model._meta.app_label in {"sessions", "axes", "django_tasks_database"}:
                continue
            state[model._meta.label] = sorted(tuple(map(str, row)) for row in model._base_manager.values_list())
    return state


def test_no_state_change_on_get(client, owner, victim):  # noqa: F811
    """GET every page (with real ids of the shop) as its owner: nothing in the database changes."""
    ids = {"customer_id": victim["customer"].pk, "due_id": victim["due"].pk, "payment_id": victim["payment"].pk,
           "product_id": victim["product"].pk, "category_id": victim["category"].pk,
           "invoice_id": victim["invoice"].pk, "claim_id": victim["claim"].pk, "token": victim["link"].token}
    client.force_login(owner.user)
    before = _snapshot()
    visited = 0
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name == "accounts:logout":
            continue
        kwargs = {key: ids.get(key, value) for key, value in _dummy_kwargs(pattern).items()}
        if name == "accounts:password_reset_confirm":
            continue  # takes a one-time token, not an object
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code < 500, name
        visited += 1
    assert visited > 40
    assert _snapshot() == before


def test_client_address_behind_a_proxy(rf, settings):
    from accounts.request_log import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the spoofable first hop is ignored


def test_logs_carry_request_and_shop_ids_and_hide_statement_tokens(owner_client, shop):
    import logging

    from accounts.request_log import ContextFilter

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", ("/s/SeCrEtToKeN/",), None)
    assert ContextFilter().filter(record)
    assert record.getMessage() == "Not Found: /s/…/"
    assert record.request_id == "-" and record.shop_id == "-"
    response = owner_client.get(reverse("ledger:dashboard"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
