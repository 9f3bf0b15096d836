"""Reads of the api app: the token a request presents, and a shop's tokens for its page."""

import secrets

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from accounts.models import Membership, Shop
from api.models import ApiToken, token_hash
from api.services import TOKEN_PREFIX

#: Longest raw token looked up (a real one is 49 characters); longer input is refused unread.
MAX_TOKEN_LENGTH = 128


def api_token_for_raw(raw: str) -> tuple[ApiToken, Membership] | None:
    """The active token whose secret is ``raw``, with its user and shop joined, and the
    user's active membership of that shop; ``None`` for anything else (unknown, revoked,
    user or membership deactivated). Two queries.

    The one cross-shop lookup of the app (the token names the shop), so it runs under
    ``scopes_disabled()``; the caller opens the token's shop scope for what follows. The
    database match (by hash) is confirmed with a constant-time comparison.
    """
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(raw)
    with scopes_disabled():
        token = (ApiToken.objects.select_related("user", "shop")
                 .filter(token_hash=digest, revoked_at__isnull=True).first())
        if token is None or not secrets.compare_digest(token.token_hash, digest) or not token.user.is_active:
            return None
        membership = (Membership.objects.select_related("shop")
                      .filter(user_id=token.user_id, shop_id=token.shop_id, is_active=True).first())
    if membership is None:
        return None
    return token, membership


def api_token_list(*, shop: Shop) -> QuerySet:
    """The shop's tokens, newest first, active ones before revoked ones, with their user."""
    return (ApiToken.objects.filter(shop=shop).select_related("user")
            .order_by("revoked_at", "-created_at", "-pk"))


def token_user_choices(*, shop: Shop) -> QuerySet:
    """The active memberships of ``shop`` (a token acts as one of their users), by username."""
    return (Membership.objects.filter(shop=shop, is_active=True, user__is_active=True)
            .select_related("user").order_by("user__username", "pk"))
