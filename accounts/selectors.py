"""Reads of the accounts app: the staff page's members and invites, an invite by its token."""

from django.db.models import Case, IntegerField, Value, When
from django_scopes import scopes_disabled

from accounts.models import Invite, Membership, Shop

_ROLE_ORDER = Case(*(When(role=role, then=Value(i)) for i, role in enumerate(Membership.Role.values)),
                   output_field=IntegerField())


def staff_members(*, shop: Shop) -> list[Membership]:
    """Every membership of ``shop`` with its user (``user.last_login`` is the last
    login, ``None`` for never): active ones first, then by role (owner, manager, cashier,
    viewer) and username. One query."""
    return list(Membership.objects.filter(shop=shop).select_related("user")
                .order_by("-is_active", _ROLE_ORDER, "user__username"))


def open_invites(*, shop: Shop) -> list[Invite]:
    """The email invites of ``shop`` neither accepted nor revoked (pending and expired
    ones; ``invite.status`` says which), newest first, with who sent them. One query."""
    return list(Invite.objects.filter(shop=shop, accepted_at__isnull=True, revoked_at__isnull=True)
                .exclude(email="").select_related("created_by"))


def invite_by_token(token: str) -> Invite | None:
    """The invite whose link carries ``token`` (any shop, any status), with its shop, or
    ``None``. Looks across shops: the accept page has no shop yet."""
    if not token or len(token) > 100:
        return None
    with scopes_disabled():
        return Invite.objects.select_related("shop").filter(token_hash=Invite.hash_token(token)).first()


def staff_summary(*, shop: Shop) -> dict:
    """For the settings page's Staff section: ``{"active": members with access,
    "invites": email invites neither accepted nor revoked}``. Two queries."""
    return {
        "active": Membership.objects.filter(shop=shop, is_active=True).count(),
        "invites": Invite.objects.filter(shop=shop, accepted_at__isnull=True, revoked_at__isnull=True)
        .exclude(email="").count(),
    }
