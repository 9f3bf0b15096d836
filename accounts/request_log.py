"""Structured logs with the request id and shop id on every line, and no secrets.

- :class:`RequestIdMiddleware` (first in ``MIDDLEWARE``) takes the request id from a
  proxy's ``X-Request-ID`` header when it looks sane, else makes one, and echoes it in
  the response's ``X-Request-ID`` header.
- The tenancy middleware records the shop id with :func:`set_shop_id`.
- :class:`ContextFilter` puts ``request_id`` and ``shop_id`` on every log record and
  redacts statement-link and invite tokens from messages (``/s/<token>/`` → ``/s/…/``,
  ``/invite/<token>/`` → ``/invite/…/``): a token in a log file would open that
  customer's statement, or let its reader join the shop.

Phone numbers and emails are never logged by the app's own code.
"""

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_shop_id: ContextVar[str] = ContextVar("shop_id", default="-")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TOKEN_PATH = re.compile(r"/(s|invite)/[^/\s\"']+")


def set_shop_id(shop_id) -> None:
    """Record the request's shop for the log lines that follow."""
    _shop_id.set(str(shop_id) if shop_id is not None else "-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        shop_token = _shop_id.set("-")
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _shop_id.reset(shop_token)
        response["X-Request-ID"] = request_id
        return response


def redact(text: str) -> str:
    """Hide statement-link and invite tokens in ``text``."""
    return _TOKEN_PATH.sub(r"/\1/…", text)


class ContextFilter(logging.Filter):
    """Add ``request_id``/``shop_id`` and redact tokens (message and arguments)."""

    def filter(self, record):
        record.request_id = _request_id.get()
        record.shop_id = _shop_id.get()
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            # django.request attaches the request object; keep only method and redacted path.
            record.request = f"{getattr(request, 'method', '')} {redact(getattr(request, 'path', ''))}"
        return True


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``settings.PROXY_COUNT`` trusted
    proxies in front, the address those proxies appended to ``X-Forwarded-For``.
    Used by the login throttle and the password-reset limit."""
    from django.conf import settings

    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies:
        hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
