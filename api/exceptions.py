"""One error shape for every API route: RFC 9457 problem details
(``Content-Type: application/problem+json``).

::

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "The amount must be more than zero.", "instance": "/api/v1/dues/",
     "code": "invalid", "errors": [{"field": "amount", "detail": "The amount must be more than zero.",
                                    "code": "invalid"}]}

``errors`` lists field errors (``field`` is a dotted path such as ``lines.0.quantity``,
or ``null`` for the request as a whole); ``code`` is a short machine-readable reason.
:func:`problem_exception_handler` (DRF's ``EXCEPTION_HANDLER``) maps DRF's exceptions,
Django's ``Http404``/``PermissionDenied``/``ValidationError``, the apps' ``DomainError``
(400, with its ``field``) and ``accounts.permissions.PermissionError`` (403); the database
being unreachable (``OperationalError``/``InterfaceError``) is a 503 with ``Retry-After``,
and any other exception a 500 (logged with its traceback here; the body names no internals).

Errors raised before a DRF view runs (in a middleware) reach Django's ``handler500``
instead: there, for a request :func:`wants_problem` accepts, :func:`server_error_problem` is
the same 500/503 problem.
"""

import json
import logging
import sys
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.urls import reverse
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from accounts.permissions import PermissionError as RolePermissionError
from core.errors import DomainError
from customers.services import DuplicatePhoneError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: Seconds a client should wait when the database is unreachable: the ``Retry-After`` of
#: the site's 503 page (``config.health.RETRY_AFTER_SECONDS``, which the apps may not import).
RETRY_AFTER_SECONDS = 30
SERVER_ERROR_DETAIL = "The server met an unexpected error. It has been logged; try again later."
DATABASE_DOWN_DETAIL = (f"The database cannot be reached right now. Try again in {RETRY_AFTER_SECONDS} seconds; "
                        "a POST repeated with the same Idempotency-Key is never carried out twice.")


class Conflict(exceptions.APIException):
    """409: the request conflicts with another one (an ``Idempotency-Key`` still in use)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with another one."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """422: the request is well formed but cannot be processed as sent."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as ``[{"field", "detail", "code"}]`` with dotted paths."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "__all__") else str(key)
            errors += _flatten(value, f"{path}.{field}" if path and field else (field or path))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                errors += _flatten(item, f"{path}.{index}" if path else str(index))
            else:
                errors += _flatten(item, path)
        return errors
    return [{"field": path or None, "detail": str(detail), "code": getattr(detail, "code", None) or "invalid"}]


def problem(status_code: int, detail: str, *, code: str, errors: list[dict] | None = None, instance: str = "",
            headers: dict | None = None, **extensions) -> Response:
    """A problem details ``Response`` (rendered as JSON, ``application/problem+json``)."""
    body = {"type": "about:blank", "title": HTTPStatus(status_code).phrase, "status": status_code,
            "detail": detail, "code": code}
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body |= extensions
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _summary(errors: list[dict]) -> str:
    if len(errors) == 1:
        error = errors[0]
        return f"{error['field']}: {error['detail']}" if error["field"] else error["detail"]
    return "The request has errors: see errors."


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` is the database being unreachable (down, restarting, a lost
    connection, a lock timeout): a 503 "try again", not a bug. The same test as the site's
    503 page (``config.health.database_unavailable``)."""
    return isinstance(exc, OperationalError | InterfaceError)


def _server_problem(exc: BaseException | None, request_id: str) -> tuple[int, dict, dict]:
    """``(status, body, headers)`` of the problem for an exception no other rule maps: 503
    with ``Retry-After`` when the database is unreachable, else 500. The body says nothing
    of the exception (no class, message or traceback)."""
    if database_unavailable(exc):
        status_code, detail, code = 503, DATABASE_DOWN_DETAIL, "database_unavailable"
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    else:
        status_code, detail, code, headers = 500, SERVER_ERROR_DETAIL, "server_error", {}
    body = {"type": "about:blank", "title": HTTPStatus(status_code).phrase, "status": status_code,
            "detail": detail, "code": code}
    if request_id:
        body["request_id"] = request_id
    return status_code, body, headers


def _unexpected(exc: Exception, request, instance: str) -> Response:
    """The 500/503 problem for an exception raised inside an API view. Logged here (with the
    traceback for a 500), so Django does not log the response a second time."""
    request_id = getattr(request, "request_id", "") if request is not None else ""
    status_code, body, headers = _server_problem(exc, request_id)
    if status_code == 503:
        logger.error("API %s: the database cannot be reached (%s: %s)", instance, type(exc).__name__, exc)
    else:
        logger.exception("API %s: unexpected error", instance, exc_info=exc)
    set_rollback()  # with ATOMIC_REQUESTS, nothing of the failed request is committed
    if instance:
        body["instance"] = instance
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    response._has_been_logged = True  # django.request: no second "Internal Server Error" line
    return response


#: Where ``config.urls`` mounts the api app.
API_PREFIX = "/api/"


def wants_problem(request) -> bool:
    """Whether ``handler500`` should answer ``request`` with a problem instead of the site's
    HTML page: a path under ``/api/`` other than the app's two HTML pages (the API tokens
    page of the shop settings, and the docs)."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith((reverse("api:tokens"), reverse("api:docs")))


def server_error_problem(request, *args, **kwargs) -> HttpResponse:
    """The problem for Django's ``handler500`` when :func:`wants_problem`: 503 with ``Retry-After``
    when the exception being handled (``sys.exc_info()``) is the database's, else 500.

    For errors raised outside the API's views (a middleware), which DRF's exception handler
    never sees. Django has logged the exception already. A plain ``HttpResponse`` of
    ``application/problem+json``: it renders no template and reads no database."""
    status_code, body, headers = _server_problem(sys.exc_info()[1], getattr(request, "request_id", ""))
    body["instance"] = request.path
    return HttpResponse(json.dumps(body), status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error as a problem details response, rendered
    as JSON whatever the request accepted. Never ``None``: an exception no rule maps is a
    500 problem (logged), or a 503 one with ``Retry-After`` when the database is unreachable."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    if request is not None:
        # A problem is JSON even on a route that negotiated another format (the PDF).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"

    if isinstance(exc, RolePermissionError):
        return problem(403, str(exc), code="permission_denied", instance=instance)
    if isinstance(exc, DuplicatePhoneError):
        errors = [{"field": exc.field, "detail": str(exc), "code": "duplicate_phone"}]
        return problem(400, str(exc), code="duplicate_phone", errors=errors, instance=instance,
                       confirm_phone=exc.phone_e164)
    if isinstance(exc, DomainError):
        errors = [{"field": exc.field, "detail": str(exc), "code": "rule"}]
        return problem(400, str(exc), code="rule", errors=errors, instance=instance)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors":
                                                                                              exc.messages})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return _unexpected(exc, request, instance)
    headers = {name: value for name, value in response.items() if name in ("WWW-Authenticate", "Retry-After",
                                                                         "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return problem(response.status_code, _summary(errors), code="invalid", errors=errors, instance=instance,
                       headers=headers)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, dict | list):
        errors = _flatten(detail)
        return problem(response.status_code, _summary(errors), code="invalid", errors=errors, instance=instance,
                       headers=headers)
    code = getattr(detail, "code", None) or "error"
    return problem(response.status_code, str(detail), code=code, instance=instance, headers=headers)
