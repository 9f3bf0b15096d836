"""Request limits per API client, counted in the shared cache (the database cache, or
Redis with ``REDIS_URL``: every process and host counts the same requests).

The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]`` (``"300/minute"`` unless
``API_THROTTLE_RATE`` says otherwise), per token, per logged-in user for session
requests, and per client address for requests that present neither. A request over the
limit gets a 429 problem with ``Retry-After`` (seconds to the next window).
"""

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.request_log import client_ip
from api.models import ApiToken

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    """``"300/minute"`` → ``(300, 60)``; ``None`` → ``(None, None)`` (no limit)."""
    if not rate:
        return None, None
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def client_ident(request) -> str:
    """Who is counted: ``token:<id>``, ``user:<id>`` or ``ip:<address>``."""
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request._request)}"


class ApiClientThrottle(BaseThrottle):
    """A fixed window per client: at most N requests in each period, counted in one
    integer per client and window. ``cache.incr`` counts (atomic on Redis; a read and a
    write on the database cache, where two requests at the same instant may count once);
    the window's first request creates the counter with ``cache.add``."""

    scope = "api"
    timer = time.time

    def allow_request(self, request, view):
        self.limit, self.period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        if self.limit is None:
            return True
        now = self.timer()
        window = int(now // self.period)
        self.reset_at = (window + 1) * self.period
        self.now = now
        key = f"api-throttle:{client_ident(request)}:{self.period}:{window}"
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request (or another one just created the counter)
            count = 1 if cache.add(key, 1, timeout=self.period + 1) else cache.incr(key)
        return count <= self.limit

    def wait(self):
        return max(1, round(self.reset_at - self.now))
