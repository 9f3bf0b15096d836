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
(400, with its ``field``) and ``accounts.permissions.PermissionError`` (403).
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.permissions import PermissionError as RolePermissionError
from core.errors import DomainError
from customers.services import DuplicatePhoneError

PROBLEM_CONTENT_TYPE = "application/problem+json"


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
    body.update(extensions)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _summary(errors: list[dict]) -> str:
    if len(errors) == 1:
        error = errors[0]
        return f"{error['field']}: {error['detail']}" if error["field"] else error["detail"]
    return "The request has errors: see errors."


def problem_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error as a problem details response, rendered
    as JSON whatever the request accepted."""
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
        return None  # an unexpected error: Django's 500 handling (logged, no details leak)
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
