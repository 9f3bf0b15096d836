"""Settings for the test suite: the normal settings with test-only defaults."""

import os

os.environ["ENV_FILE"] = ""  # never a developer's .env: the suite runs as it does in CI
os.environ.setdefault("SECRET_KEY", "insecure-key-for-tests-only")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks run at once, in the test's process (after the transaction commits, as queued);
# tests of the database worker override TASKS themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Tests talk plain HTTP to the test client and the live server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
