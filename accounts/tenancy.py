"""Tenancy (DESIGN §3): resolve the request's shop and scope every query to it.

``TenancyMiddleware`` sets ``request.shop`` and ``request.membership`` from the
logged-in user's memberships (the shop chosen in the session, else the oldest
membership) and runs the rest of the request, template rendering included, inside
``django_scopes.scope(shop=request.shop)``. Queries of tenant models outside a
scope raise ``ScopeError`` instead of leaking another shop's rows.

Views that need a shop use :func:`shop_required` / :class:`ShopRequiredMixin`
(404 when the user has no membership); what each role may do is checked with
``accounts.permissions`` (``permission_required``, ``require_permission``).
"""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.request_log import set_shop_id

SESSION_SHOP_KEY = "shop_id"


def resolve_membership(request):
    """Return ``(active membership or None, all the user's memberships)``, shops joined.

    The active one is the shop chosen in the session if the user still belongs to
    it, else the oldest membership. One query.
    """
    from accounts.models import Membership

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None, []
    memberships = list(Membership.objects.select_related("shop").filter(user=user, is_active=True)
                       .order_by("created_at", "pk"))
    wanted = request.session.get(SESSION_SHOP_KEY)
    chosen = next((m for m in memberships if m.shop_id == wanted), None)
    return chosen or next(iter(memberships), None), memberships


class TenancyMiddleware:
    """Set ``request.shop``/``request.membership`` and wrap the request in a scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            # The operator's admin works across shops.
            request.shop = request.membership = None
            request.memberships = []
            with scopes_disabled():
                return self.get_response(request)
        membership, request.memberships = resolve_membership(request)
        request.membership = membership
        request.shop = membership.shop if membership else None
        set_shop_id(request.shop.pk if request.shop else None)
        if request.shop is None:
            # No scope: any tenant query raises instead of leaking.
            return self.get_response(request)
        with scope(shop=request.shop):
            return self.get_response(request)


def no_shop_response(request):
    """The page for a logged-in user who belongs to no shop (e.g. a bare superuser)."""
    return render(request, "accounts/no_shop.html", status=404)


def shop_required(view):
    """Decorate a view that needs ``request.shop``; answer 404 with a clear page if none."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "shop", None) is None:
            return no_shop_response(request)
        return view(request, *args, **kwargs)

    return wrapper


class ShopRequiredMixin:
    """Class-based view counterpart of :func:`shop_required`."""

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "shop", None) is None:
            return no_shop_response(request)
        return super().dispatch(request, *args, **kwargs)
