"""Settings of the gunicorn the fault tests start: the production settings
(``config.settings``: DEBUG off, ``ALLOWED_HOSTS``, ``SECRET_KEY``, HTTPS redirect and
secure cookies, all from the environment the test passes), except one thing the test
cannot provide: the image runs ``collectstatic``, which writes the manifest of hashed
static file names the production storage needs to render any page; here pages name the
static files as they are."""

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
