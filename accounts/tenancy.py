"""Tenancy (DESIGN §3): resolve the request's shop and scope every query to it.

``TenancyMiddleware`` sets ``request.shop`` and ``request.membership`` from the
logged-in user's memberships (the shop chosen in the session, else the oldest
membership) and runs the rest of the request, template rendering included, inside
``django_scopes.scope(shop=request.shop)``. The memberships are read with the
logged-in user joined, which then serves as ``request.user`` (checked as
``django.contrib.auth`` checks it): a page costs the session read and that one query. Queries of tenant models outside a
scope raise ``ScopeError`` instead of leaking another shop's rows.

Views that need a shop use :func:`shop_required` / :class:`ShopRequiredMixin`
(404 when the user has no membership); what each role may do is checked with
``accounts.permissions`` (``permission_required``, ``require_permission``).
"""

from functools import partial, wraps

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django_scopes import scope, scopes_disabled

from accounts.request_log import set_shop_id

SESSION_SHOP_KEY = "shop_id"


def _session_user_id(request):
    """The id of the user ``request``'s session is logged in as (as ``django.contrib.auth``
    reads it), or ``None``: no session, no login, or a value that is not an id."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except (KeyError, ValidationError):
        return None


def _verified(request, user):
    """``user`` (read joined to its memberships) if ``django.contrib.auth.get_user`` would
    return that very user for this session, else ``None``: the session's backend is one of
    ``AUTHENTICATION_BACKENDS`` and reads users as ``ModelBackend`` does (``AxesBackend``
    does), which would let this user in (active), and the session's hash matches the user's
    with the current secret. Anything else (another backend, an inactive user, a changed
    password, a session signed with a fallback secret, which auth re-signs) is left to
    ``django.contrib.auth`` itself."""
    from django.contrib.auth.backends import ModelBackend  # reads the user model when imported

    backend_path = request.session.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user or not backend.user_can_authenticate(user):
        return None
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    return user


def resolve_membership(request):
    """Return ``(active membership or None, all the user's memberships)``, shops joined.

    The active one is the shop chosen in the session if the user still belongs to
    it, else the oldest membership. One query, which also reads the logged-in user: while
    ``request.user`` is still ``AuthenticationMiddleware``'s lazy user, the memberships of
    the session's user are read with the user joined, and that user becomes
    ``request.user`` when it passes the checks ``django.contrib.auth.get_user`` makes
    (:func:`_verified`); auth then reads no user of its own. A user with no membership, or
    whom those checks leave to auth, is read by auth as before (one query more).
    """
    from accounts.models import Membership

    user = getattr(request, "user", None)
    if user is None:
        return None, []
    memberships = Membership.objects.select_related("shop").filter(is_active=True).order_by("created_at", "pk")
    user_id = _session_user_id(request) if type(user) is SimpleLazyObject else None
    if user_id is not None:
        joined = list(memberships.select_related("user").filter(user_id=user_id))
        verified = _verified(request, joined[0].user) if joined else None
        if verified is not None:
            request.user = user = verified
            request.auser = partial(_same_user, verified)
        # Unverified (or no membership): auth reads the user itself, as it always did.
        if user.is_authenticated and user.pk == user_id:
            for membership in joined:
                membership.user = user  # one user object: request.user
            return _choose(request, joined), joined
    if not user.is_authenticated:
        return None, []
    memberships = list(memberships.filter(user=user))
    return _choose(request, memberships), memberships


async def _same_user(user):
    return user


def _choose(request, memberships):
    """The session's chosen shop's membership if still among ``memberships``, else the oldest."""
    wanted = request.session.get(SESSION_SHOP_KEY)
    chosen = next((m for m in memberships if m.shop_id == wanted), None)
    return chosen or next(iter(memberships), None)


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
