"""Cash drawer (placeholder until the drawer work lands)."""

from decimal import Decimal

from accounts.models import Shop


def drawer_give_change(*, shop: Shop, amount: Decimal) -> dict:
    """Take ``amount`` of change out of the drawer; returns ``{value: count}``."""
    return {}
