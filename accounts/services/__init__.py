"""Writes of the accounts app (DESIGN §2: ``<entity>_<action>``, keyword-only arguments,
one transaction each), one module per area:

- ``shops``: registration and shop settings (``shop_register``, ``shop_update``);
- ``staff``: invites, logins made by the owner, roles, (de)activation and ownership
  transfer; every refusal is a :class:`StaffError` (a ``DomainError``).

The names are re-exported here, so ``from accounts.services import shop_update`` and
``services.shop_register(...)`` keep working.
"""

from accounts.services.shops import shop_register, shop_update
from accounts.services.staff import (
    StaffError,
    invite_accept,
    invite_accept_new_user,
    invite_create,
    invite_revoke,
    membership_activate,
    membership_deactivate,
    membership_role_change,
    ownership_transfer,
    staff_login_create,
)

__all__ = [
    "StaffError", "invite_accept", "invite_accept_new_user", "invite_create", "invite_revoke", "membership_activate",
    "membership_deactivate", "membership_role_change", "ownership_transfer", "shop_register", "shop_update",
    "staff_login_create",
]
