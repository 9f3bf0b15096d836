"""Accounts views, one module per area: ``shop`` (registration, shop settings, switching
shop, password reset), ``staff`` (the owner's staff pages) and ``invites`` (the public
accept page). The names are re-exported here for ``accounts/urls.py``."""

from accounts.views.invites import invite_accept
from accounts.views.shop import ThrottledPasswordResetView, register, shop_settings, switch_shop, take_reset_slot
from accounts.views.staff import (
    invite_revoke,
    ownership_transfer,
    staff_invite,
    staff_list,
    staff_login_create,
    staff_member,
    staff_member_active,
)

__all__ = [
    "ThrottledPasswordResetView", "invite_accept", "invite_revoke", "ownership_transfer", "register",
    "shop_settings", "staff_invite", "staff_list", "staff_login_create", "staff_member", "staff_member_active",
    "switch_shop", "take_reset_slot",
]
