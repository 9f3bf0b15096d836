"""Health check and the pages shown when something fails (docs/scaling.md, README "Deploy").

- ``/healthz`` (:func:`healthz`), for load balancers and container health checks:
  unauthenticated and cheap, one ``SELECT 1``. ``200 ok`` when the database answers,
  ``503`` otherwise. Never cached; no session, no tenant scope needed.
  :class:`HealthCheckMiddleware`, first in ``MIDDLEWARE``, answers it before anything
  else runs, so it works whatever the ``Host`` header (a container's check talks to
  ``127.0.0.1``, which ``ALLOWED_HOSTS`` need not list) and over plain HTTP.
  A failing database is logged once when it starts failing and once when it is back,
  not on every check.
- ``python -m config.health`` is the health check *command* (docker-compose's): it asks
  ``http://127.0.0.1:$PORT/healthz`` (``PORT`` default 8000) and exits 0 on ``200 ok``,
  1 otherwise. It does not set Django up, so it takes a fraction of a second.
- :func:`server_error` (``handler500``): ``templates/500.html``, or ``templates/503.html``
  with status 503 and ``Retry-After`` when the error is the database being unreachable
  (``OperationalError``/``InterfaceError``: down, restarting, or too busy). Both pages
  say that nothing was saved and what to do. They are rendered without a request, so no
  context processor (which could need the database) runs; if even that fails, a plain
  built-in page is sent.
"""

import logging
import os
import sys
import urllib.request

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
RETRY_AFTER_SECONDS = 30

_database_down = False  # per process: log an outage once, and its end once


def _check_database() -> Exception | None:
    """``None`` when the database answers ``SELECT 1``, else the error."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return exc
    return None


def healthz(request):
    """``200 ok`` if the database answers, ``503 database unavailable`` otherwise
    (``text/plain``, not cached). ``GET``/``HEAD`` only (405 otherwise)."""
    from django.http import HttpResponse, HttpResponseNotAllowed
    from django.utils.cache import add_never_cache_headers

    global _database_down
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    error = _check_database()
    if error is not None:
        if not _database_down:
            logger.error("Health check: the database does not answer (%s: %s)", type(error).__name__, error)
        _database_down = True
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        # Logged above once per outage; not again by django.request on every check.
        response._has_been_logged = True
    else:
        if _database_down:
            logger.warning("Health check: the database answers again")
        _database_down = False
        response = HttpResponse("ok\n", content_type="text/plain")
    add_never_cache_headers(response)
    return response


healthz.login_required = False  # what @login_not_required sets, for the URL route behind the middleware


class HealthCheckMiddleware:
    """Answers ``/healthz`` (:func:`healthz`) before host validation, HTTPS redirect,
    sessions or login: first in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)


# --- Error pages -------------------------------------------------------------------------------

FALLBACK_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>{title}</h1><p>Nothing was saved. Wait a minute, then go back and try again: submitting the same form
again never records a payment, due or invoice twice.</p><p><a href="/">Back to the dashboard</a></p>
</body></html>"""


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` is the database being unreachable (down, restarting, a lost
    connection, a lock timeout): a 503 "try again", not a bug."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, *args, **kwargs):
    """``handler500``: the 500 page, or the 503 page (with ``Retry-After``) when the
    exception being handled is the database's (:func:`database_unavailable`).

    Called by Django inside its exception handling, so ``sys.exc_info()`` is the error.
    The context is only ``request_id`` (the ``X-Request-ID`` of the request, for the
    operator's logs) and ``retry_after`` (seconds).
    """
    from django.http import HttpResponse
    from django.template import loader

    from api.exceptions import server_error_problem, wants_problem

    if wants_problem(request):  # an API client gets a problem (RFC 9457), not the HTML page
        return server_error_problem(request)
    unavailable = database_unavailable(sys.exc_info()[1])
    status, title = (503, "Khata cannot reach its database") if unavailable else (500, "Something went wrong")
    context = {"request_id": getattr(request, "request_id", ""), "retry_after": RETRY_AFTER_SECONDS}
    try:
        body = loader.get_template(f"{status}.html").render(context)
    except Exception:  # the page must never fail: no template, no static manifest …
        logger.exception("Could not render %s.html", status)
        body = FALLBACK_PAGE.format(title=title)
    response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- The health check command --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m config.health [URL]``: 0 if ``URL`` (default
    ``http://127.0.0.1:$PORT/healthz``, ``PORT`` default 8000) answers ``200 ok``, else 1
    with the reason on stderr."""
    argv = sys.argv[1:] if argv is None else argv
    url = argv[0] if argv else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}{HEALTH_PATH}"
    if not url.startswith(("http://", "https://")):
        print(f"not an http(s) URL: {url}", file=sys.stderr)
        return 1
    try:
        # http(s) only, checked above.
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # nosec B310
            body = response.read(100)
            if response.status == 200 and body.strip() == b"ok":
                return 0
            print(f"{url}: {response.status} {body!r}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        print(f"{url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
