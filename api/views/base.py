"""The base of every API view: the shop scope, the request log line and the shared
list behaviour.

``ShopScopeMixin.dispatch`` holds the view in a context in which authentication (lazy,
inside the view) opens ``scope(shop=request.shop)``: the token's shop, or the session's.
Everything after it, permission checks, the handler and the error handler, runs in that
scope, and every queryset of the API also filters by ``shop=request.shop``.
"""

import contextlib
import logging
import time

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django_scopes import scope
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.views import APIView

from api.models import ApiToken

logger = logging.getLogger("api.request")

#: The largest id a lookup tries (a bigger number cannot be a row: 404 without a query).
MAX_ID = 2**63 - 1


def client_label(request) -> str:
    """Who sent the request, for the log: ``token "<name>" (#<id>)``, ``session user #<id>``
    or ``anonymous``. Never the token itself."""
    auth = getattr(request, "_auth", None)
    if isinstance(auth, ApiToken):
        return f'token "{auth.name}" (#{auth.pk})'
    user = getattr(request, "_user", None)
    if user is not None and user.is_authenticated:
        return f"session user #{user.pk}"
    return "anonymous"


class ShopScopeMixin:
    """Open the request's shop scope once authenticated; log one line per request."""

    #: action or HTTP method → a permission action of ``accounts.permissions`` (see ``api.permissions``).
    required_actions: dict = {}

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        with contextlib.ExitStack() as stack:
            self._scope_stack = stack
            response = super().dispatch(request, *args, **kwargs)
        self._log(response, time.monotonic() - started)
        return response

    def perform_authentication(self, request):
        super().perform_authentication(request)
        shop = getattr(request, "shop", None)
        if shop is not None:
            self._scope_stack.enter_context(scope(shop=shop))

    def _log(self, response, seconds: float) -> None:
        request = getattr(self, "request", None)
        if request is None:
            return
        logger.info("api %s %s %s %s %.0fms", request.method, request.path, response.status_code,
                    client_label(request), seconds * 1000,
                    extra={"api_client": client_label(request), "status": response.status_code})


class ShopAPIView(ShopScopeMixin, APIView):
    """An API view of one shop (reports)."""


class ShopViewSet(ShopScopeMixin, viewsets.GenericViewSet):
    """A viewset of one shop's rows: ``get_queryset`` filters by ``request.shop``; filters
    and ordering apply to lists only; ids are integers (an id of another shop, or no row,
    is a 404)."""

    lookup_value_regex = "[0-9]+"

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if not str(value).isdigit() or int(value) > MAX_ID:
            raise exceptions.NotFound()
        return super().get_object()


def _with_slash(request) -> str | None:
    """The path and query with a ``/`` added, when ``request`` is a GET/HEAD of a path
    without one that names a route with it (``/api/docs`` → ``/api/docs/``), else ``None``.
    What ``APPEND_SLASH`` does for the rest of the site: the catch-all routes match every
    path, so ``CommonMiddleware`` never sees a 404 to redirect."""
    path = request.path_info
    if request.method not in ("GET", "HEAD") or path.endswith("/"):
        return None
    try:
        match = resolve(f"{path}/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if getattr(match.func, "cls", None) is NotFoundView:
        return None
    return request.get_full_path(force_append_slash=True)


@extend_schema(exclude=True)
class NotFoundView(ShopScopeMixin, APIView):
    """Any path under ``/api/`` that names no route: a 404 problem for every method, not
    the site's HTML page. A GET of a route's path without its final ``/`` is redirected
    (301) to it, as on the rest of the site."""

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if _with_slash(request._request) is None:
            raise exceptions.NotFound("No API route at this address. See /api/docs/.")

    def get(self, request, *args, **kwargs):
        return HttpResponsePermanentRedirect(_with_slash(request._request))
