"""Who an API request acts as, and in which shop.

Two ways in, tried in this order:

* :class:`ApiTokenAuthentication`: ``Authorization: Bearer <token>``. The token names the
  shop and the user; the user acts with their role there (``accounts.permissions``).
* :class:`ApiSessionAuthentication`: the browser's login session (the docs page, the
  shop's own scripts in the browser), with CSRF checked on writes; the shop is the one
  the tenancy middleware chose for the session.

The tenancy middleware has already run when DRF authenticates (lazily, inside the
view), and for a token request it found no session user, so no shop and no scope. So
authentication sets ``request.shop``/``request.membership`` here, and
``api.views.base.ShopAPIView`` opens ``scope(shop=request.shop)`` for the rest of the
view: every queryset runs inside the token's shop scope, and filters by that shop too.
"""

from django.utils.translation import gettext_lazy as _
from django_scopes import scope
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from accounts.request_log import set_shop_id
from api.selectors import api_token_for_raw
from api.services import api_token_touch

KEYWORD = "Bearer"


def _set_shop(request, shop, membership) -> None:
    """Put the shop and membership on the Django request (DRF's proxies to it) and on
    the log lines that follow."""
    django_request = getattr(request, "_request", request)
    django_request.shop = shop
    django_request.membership = membership
    set_shop_id(shop.pk if shop is not None else None)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer khata_…``. Returns ``(user, token)``: ``request.auth`` is
    the :class:`api.models.ApiToken`. A header with another scheme is left to the next
    authenticator; a Bearer header with a token that does not work is a 401."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("That API token is not valid.")) from None
        found = api_token_for_raw(raw)
        if found is None:
            raise exceptions.AuthenticationFailed(_("That API token is not valid, has been revoked, or its user "
                                                    "no longer has access to the shop."))
        token, membership = found
        _set_shop(request, membership.shop, membership)
        with scope(shop=membership.shop):
            api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class ApiSessionAuthentication(SessionAuthentication):
    """The login session, with CSRF enforced on unsafe methods (DRF's). The shop and
    membership are the ones the tenancy middleware resolved for the session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            django_request = request._request
            _set_shop(request, getattr(django_request, "shop", None), getattr(django_request, "membership", None))
        return result
