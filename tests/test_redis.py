"""The cache, the sessions and the request limits on a real Redis (issue 17).

With ``REDIS_URL`` the settings put the cache (django-redis) and the sessions (``cached_db``:
read from Redis, kept in the database too) in Redis. These tests build exactly those
settings from config/settings.py, point them at ``TEST_REDIS_URL`` (``.ci/run`` starts a
Redis and sets it) or else ``REDIS_URL``, and prove that the keys really are in Redis, that
a session is shared by two clients and by two server processes, and that the
password-reset limit and the API limit count there. Skipped, with the reason, without a
Redis. The rest of the suite keeps the database cache and sessions (its query budgets count
them, and each test's rollback clears them).

The Redis database given may be emptied of this project's keys (``khata…``).
"""

import copy
import os
import runpy
import sqlite3
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.settings import api_settings

import config.settings
from tests.api.conftest import TokenClient, make_token
from tests.test_throttle_processes import EMAIL, PASSWORD, ROOT, SETUP, USERNAME, Browser, servers_running

REDIS_URL = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs a Redis: set TEST_REDIS_URL to a database the tests may empty (CI does)"
)


def _redis_settings(monkeypatch) -> dict:
    """CACHES and SESSION_ENGINE as config/settings.py builds them for ``REDIS_URL``."""
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("SECRET_KEY", "x")
    built = runpy.run_path(config.settings.__file__)
    return {"CACHES": copy.deepcopy(built["CACHES"]), "SESSION_ENGINE": built["SESSION_ENGINE"]}


@pytest.fixture
def on_redis(settings, monkeypatch):
    """The test runs with the Redis cache and sessions of the real settings, under a key
    prefix of its own (its keys are removed afterwards)."""
    configured = _redis_settings(monkeypatch)
    configured["CACHES"]["default"]["KEY_PREFIX"] = f"khata-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = configured["CACHES"]
    settings.SESSION_ENGINE = configured["SESSION_ENGINE"]
    yield cache
    cache.delete_pattern("*")  # this test's prefix only


def _raw_redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def test_redis_url_selects_redis_for_the_cache_and_the_sessions(monkeypatch):
    configured = _redis_settings(monkeypatch)
    assert configured["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert configured["CACHES"]["default"]["LOCATION"] == REDIS_URL
    assert configured["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_the_cache_is_redis(on_redis):
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    cache.set("probe", {"shop": 7}, timeout=60)
    assert cache.get("probe") == {"shop": 7}
    assert _raw_redis().exists(cache.make_key("probe")) == 1  # really in Redis, under the prefix


def test_a_session_is_read_from_redis_and_kept_in_the_database(on_redis, owner):
    browser = Client()
    browser.force_login(owner.user)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    cache_key = SessionStore(key).cache_key
    assert _raw_redis().exists(cache.make_key(cache_key)) == 1
    assert Session.objects.filter(session_key=key).exists()  # cached_db: the database keeps it too

    # A second client with the same cookie (another browser tab, another server) is the same user.
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    response = other.get(reverse("ledger:dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == owner.user

    # Redis flushed (a restart): the session comes back from the database and into Redis again.
    cache.delete(cache_key)
    assert other.get(reverse("ledger:dashboard")).wsgi_request.user == owner.user
    assert _raw_redis().exists(cache.make_key(cache_key)) == 1

    # The session is read from Redis: with its database row gone it still holds.
    Session.objects.filter(session_key=key).delete()
    assert other.get(reverse("ledger:dashboard")).wsgi_request.user == owner.user

    # Logging out ends it everywhere.
    browser.post(reverse("accounts:logout"))
    assert other.get(reverse("ledger:dashboard")).status_code == 302


def test_the_password_reset_limit_counts_in_redis(on_redis, db):
    url = reverse("accounts:password_reset")
    browser = Client()
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        assert browser.post(url, {"email": "someone@example.com"}).status_code == 302
    response = browser.post(url, {"email": "someone@example.com"})
    assert response.status_code == 200
    assert "Too many reset requests from your network" in response.content.decode()
    assert cache.keys("*"), "the limit's counter is in Redis"


def test_the_api_limit_counts_in_redis(on_redis, owner):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/minute"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        busy = TokenClient(make_token(owner))
        statuses = [busy.get("/api/v1/customers/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    counters = cache.keys("api-throttle:*")
    assert len(counters) == 1 and cache.get(counters[0]) == 4  # one atomic INCR per request


# --- Two server processes on one Redis -----------------------------------------------------


def _flush_khata_keys() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="khata:*", count=1000):
        client.delete(key)


@pytest.fixture
def two_servers_on_redis(tmp_path):
    """Base URLs of two server processes sharing one SQLite database and one Redis (the
    cache and sessions of ``REDIS_URL``), and the path of the database."""
    database = tmp_path / "shared.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "ENV_FILE": "",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "false",
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REPLICA_DATABASE_URL"):
        env.pop(name, None)
    _flush_khata_keys()
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603

    try:
        with servers_running(tmp_path, env, start_within=90) as urls:
            yield urls, database
    finally:
        _flush_khata_keys()


def test_sessions_and_limits_hold_across_two_server_processes_on_redis(two_servers_on_redis):
    import redis

    (a, b), database = two_servers_on_redis
    raw = redis.Redis.from_url(REDIS_URL)

    # Log in on A; B knows the session. With the session rows deleted from the database, B
    # still does: it reads the session from Redis.
    browser = Browser()
    assert browser.request(f"{a}/accounts/login/")[0] == 200
    status, _ = browser.request(f"{a}/accounts/login/", {"username": USERNAME, "password": PASSWORD})
    assert status == 302
    assert browser.request(f"{b}/accounts/password/change/")[0] == 200
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM django_session")
    assert browser.request(f"{b}/accounts/password/change/")[0] == 200
    assert list(raw.scan_iter(match="khata:*django.contrib.sessions.cached_db*"))
    assert Browser().request(f"{b}/accounts/password/change/")[0] == 302  # a stranger is sent to log in

    # The password-reset limit: requests alternate A, B, A, B …; the count is shared.
    stranger = Browser()
    assert stranger.request(f"{a}/accounts/password/reset/")[0] == 200
    accepted = 0
    for attempt in range(2 * settings.PASSWORD_RESET_LIMIT):
        status, _ = stranger.request(f"{(a, b)[attempt % 2]}/accounts/password/reset/", {"email": EMAIL})
        accepted += status == 302
    assert accepted == settings.PASSWORD_RESET_LIMIT
