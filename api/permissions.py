"""What an API request may do: the shop's permission table (``accounts.permissions``),
read for the request's membership, and the token's scope.

Each view names the action its operations need in ``required_actions``: a mapping of
the viewset action (``list``, ``create``, ``void`` …) or of the HTTP method (``GET``) to
a key of ``accounts.permissions.PERMISSIONS``. For an operation on one object
(``view.detail``) the check runs after the object was found in the request's shop
(``has_object_permission``), so another shop's id is a 404 for every role, as on the
web pages. A read-only token is refused every unsafe method.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.permissions import can, denied_message
from api.models import ApiToken


def required_action(view, request) -> str | None:
    """The permission action (``"entry.void"``) the view's operation needs, or ``None``."""
    actions = getattr(view, "required_actions", {})
    return actions.get(getattr(view, "action", None)) or actions.get(request.method)


def check_action(request, action: str | None) -> None:
    """Raise DRF's ``PermissionDenied`` (403) unless the request's membership may do ``action``."""
    if action is not None and not can(getattr(request, "membership", None), action):
        raise exceptions.PermissionDenied(denied_message(action))


class ShopPermission(BasePermission):
    """Authenticated, in a shop, with a token scope and a role that allow the operation."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 (NotAuthenticated)
        if getattr(request, "shop", None) is None or getattr(request, "membership", None) is None:
            raise exceptions.PermissionDenied(_("You have no active access to a shop."))
        if isinstance(request.auth, ApiToken) and request.auth.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This API token is read-only. Make a read and write token "
                                                "for changes."))
        if not getattr(view, "detail", False):
            check_action(request, required_action(view, request))
        return True

    def has_object_permission(self, request, view, obj):
        check_action(request, required_action(view, request))
        return True
