"""Khata settings, read from the environment with django-environ.

Variables (all optional in development):

- ``DEBUG`` (bool, default False). ``make run`` turns it on.
- ``SECRET_KEY``: required when DEBUG is off; a development key is used otherwise.
- ``DATABASE_URL``: default is a SQLite file ``db.sqlite3`` in the project folder.
  MySQL/MariaDB: ``mysql://user:password@host:3306/name``.
- ``ALLOWED_HOSTS``, ``CSRF_TRUSTED_ORIGINS``: comma-separated lists.
- ``EMAIL_URL``: e.g. ``smtp+tls://user:pass@smtp.example.com:587``; the console
  backend is used when unset.
- ``DEFAULT_FROM_EMAIL``: its address is the sender of customer emails, under the
  shop's name.
- ``REDIS_URL``: e.g. ``redis://127.0.0.1:6379/1``: the cache (which the password-reset
  limit counts in) is Redis through django-redis, and sessions are read from it
  (``cached_db``); unset, Django's database cache (table ``khata_cache``, made by
  ``manage.py createcachetable``) and database sessions. Either way every process
  shares them.
- ``REPLICA_DATABASE_URL``: a read replica of ``DATABASE_URL`` (same form); the
  dashboard's and the reports' selectors read from it (``core/db_router.py``).
  ``REPLICA_READS=false`` keeps them on the primary.
- ``TASK_BACKEND``: django-tasks backend for background work (default the database
  backend; run ``manage.py run_worker``).
- ``SITE_URL``: the site's address as customers reach it (e.g.
  ``https://khata.example.com``), for links in emails, WhatsApp/SMS texts and statement
  links. Unset (the default), a web request uses its own host, and commands such as
  ``send_due_reminders`` leave links out and warn.
"""

import datetime
import os
from pathlib import Path

import environ
import xstatic.pkg.bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local ``.env`` (``make`` writes one for development: DEBUG on and a random key) fills in
# what the environment leaves unset. ``ENV_FILE`` names another file; empty reads none
# (the test settings do that, so the suite runs the same everywhere).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-do-not-deploy")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "js_lib_bootstrap_icons",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "accounts",
    "customers",
    "messaging",
    "ledger",
    "billing",
    "reports",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # First: answers /healthz before host validation and the HTTPS redirect (config/health.py).
    "config.health.HealthCheckMiddleware",
    "accounts.request_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the switcher's cookie) before login;
    # accounts.i18n.LanguageMiddleware then applies the user's or the shop's choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.tenancy.TenancyMiddleware",
    "accounts.i18n.LanguageMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.shop",
                "ledger.context_processors.pending_claims",
                "core.context_processors.datepicker",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database -------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# A read replica of the primary (MariaDB/MySQL replication): only the dashboard's and the
# reports' selectors read from it (core/db_router.py; docs/scaling.md). REPLICA_READS=false
# sends them back to the primary without removing the replica.
REPLICA_DATABASE_URL = env("REPLICA_DATABASE_URL", default="")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    # Under test the replica is the primary's test database as replication brings it
    # (the primary's CREATE DATABASE test_… replicates too): no database of its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
REPLICA_READS = bool(REPLICA_DATABASE_URL) and env.bool("REPLICA_READS", default=True)
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db.setdefault("OPTIONS", {}).update(
            {
                # WAL lets readers work while a write is in progress; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    elif _db["ENGINE"] == "django.db.backends.mysql":
        _db.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                "init_command": (
                    "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
                    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"
                ),
                "isolation_level": "read committed",
            }
        )
        _db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
    _db["ATOMIC_REQUESTS"] = False
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    # A kept connection (CONN_MAX_AGE > 0) is checked before each request reuses it, so the
    # first request after a database restart gets a new connection instead of an error.
    _db["CONN_HEALTH_CHECKS"] = _db["CONN_MAX_AGE"] != 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Auth -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ledger:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# I18N -------------------------------------------------------------------------

# The interface languages (issue 16). English is the source; the catalogues in locale/
# translate every marked string (scripts/check_translations.py guards them). A user's
# choice (User.language) wins, then the shop's (Shop.language), then the browser's.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("hi", "हिन्दी"),
    ("bn", "বাংলা"),
    ("sw", "Kiswahili"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True
USE_TZ = True

# Static files -----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The date picker (flatpickr) comes from npm (`npm ci`: package.json); where it is not
# installed the pages keep the browser's native date inputs (core/datepicker.py).
FLATPICKR_DIST = BASE_DIR / "node_modules" / "flatpickr" / "dist"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
    *([("flatpickr", FLATPICKR_DIST)] if FLATPICKR_DIST.is_dir() else []),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email ------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Khata <no-reply@localhost>")
# Absolute links to customers (emails, WhatsApp/SMS texts, statement links) are built on
# this address by messaging.links.absolute_url. No default: a guessed host and port
# (a development server's) must never reach a customer.
SITE_URL = env("SITE_URL", default="").strip().rstrip("/")
# Seconds before a silent mail server fails the send (then it is retried), instead of
# blocking the task worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Background tasks (django-tasks): customer emails are sent by a task, never in the
# request. The database backend (django-tasks-db) keeps them in the database until
# `manage.py run_worker` runs them; TASK_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# runs them at once, in the process that queued them (no worker needed).
TASKS = {"default": {"BACKEND": env("TASK_BACKEND", default="django_tasks_db.DatabaseBackend")}}

# Forms ------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Money (DESIGN §4): every money column is DecimalField(MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES).

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
DEFAULT_CURRENCY = "INR"
DEFAULT_LOCALE = "en_IN"

# Security ---------------------------------------------------------------------
# With DEBUG off these pass `manage.py check --deploy`. Behind a TLS-terminating proxy
# that sets X-Forwarded-Proto; set SECURE_SSL_REDIRECT=false only for a plain-HTTP trial.

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer checks over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): no inline or eval'd scripts anywhere. Inline
# style attributes stay allowed (Bootstrap utilities, htmx's indicator style). Forms may
# also post to the WhatsApp/SMS hand-off, which redirects to wa.me or an sms: link.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://wa.me", "https://api.whatsapp.com", "sms:"],
    },
}

# Cache ------------------------------------------------------------------------
# Shared by every process (gunicorn workers, several hosts), since the password-reset
# limit counts in it: a per-process cache would give each worker its own limit.
# Default: Django's database cache; `manage.py createcachetable` makes its table and runs
# wherever migrate runs (make migrate, docker-compose's web command; the test database
# gets it from Django's test setup). With REDIS_URL: Redis through django-redis, and the
# sessions too.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "khata",
            # A hung Redis fails the request after 5 s instead of holding the worker forever.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5},
        }
    }
    # Sessions: cached_db, not the cache alone. Every request reads its session from Redis;
    # only a changed session (login, logout) is also written to the database, so a Redis
    # restart, flush or eviction logs nobody out (Redis runs without persistence: a cache).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "khata_cache"}}

# Login throttling (django-axes): 5 failures for one username from one IP lock that
# pair out for 15 minutes; the lockout page says so.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed attempts are rows in the database (the database handler, not a cache), so every
# process and host counts the same failures.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Axes logs each failed login with the username and address: personal data, kept out of the
# logs (the attempts themselves are in the admin under "Axes").
AXES_VERBOSE = False
# Trusted proxies in front of the app (X-Forwarded-For hops to skip to find the client).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.request_log.client_ip"
# Password reset requests: at most this many per client address per 15 minutes.
PASSWORD_RESET_LIMIT = 5

# REST API (api app, /api/v1/) ----------------------------------------------------
# Tokens (Authorization: Bearer) or the login session; problem details for every error;
# keyset cursor pages; a request limit per token in the shared cache (API_THROTTLE_RATE).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication",
                                       "api.authentication.ApiSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ShopPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.ApiClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", default="300/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "api.pagination.KeysetOrdering"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Khata API",
    "DESCRIPTION": "The shop's credit book: customers, dues, payments, invoices, products and reports. "
                   "Money is a string with two decimals in the shop's currency; dates are ISO 8601; every error "
                   "is an RFC 9457 problem (application/problem+json).",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_problems_and_keys"],
    "ENUM_NAME_OVERRIDES": {"PaymentMethodEnum": "ledger.models.Payment.Method",
                            "DueStatusEnum": "ledger.models.Due.Status",
                            "GstStateEnum": "core.gst.STATE_CHOICES"},
}

# Logging ----------------------------------------------------------------------

# One JSON object per line on stdout (plain text with DEBUG), each with the request id
# and shop id; statement-link tokens are redacted (accounts/request_log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "accounts.request_log.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(shop_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s shop=%(shop_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"],
                    "formatter": env("LOG_FORMAT", default="plain" if DEBUG else "json")},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                # Axes reports every successful login at INFO; lockouts are warnings.
                "axes": {"level": "WARNING"}},
}
