"""Cash drawer reads: what change the drawer could give, and what it holds. Nothing
here writes (a shop that never opened its drawer simply has no notes or coins)."""

from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Shop
from billing.change import ChangeTooLargeError, make_change, with_tendered
from billing.models import Denomination
from core.money import ZERO, quantize_money


@dataclass(frozen=True)
class ChangePreview:
    """The change the drawer would give for ``amount``.

    ``amount``: Decimal, shop currency (as asked; 0 or less means no change due).
    ``pieces``: ``[(value, count), …]`` (Decimal, int), largest value first; empty
    when nothing is due or exact change is impossible. ``possible``: whether exact
    change can be given. ``total_pieces``: notes and coins handed over.
    ``drawer_total``: cash the drawer holds (Decimal), to explain a refusal.
    """

    amount: Decimal
    pieces: list[tuple[Decimal, int]] = field(default_factory=list)
    possible: bool = True
    total_pieces: int = 0
    drawer_total: Decimal = ZERO

    @property
    def nothing_due(self) -> bool:
        return self.amount <= 0

    @property
    def drawer_short(self) -> bool:
        """Impossible because the drawer holds less than the change in all."""
        return not self.possible and self.drawer_total < self.amount


def drawer_denominations(*, shop: Shop) -> list[Denomination]:
    """The shop's notes and coins (``Denomination`` rows: ``value`` Decimal, ``count``
    int), largest value first; ``[]`` for a drawer never set up (the owner's "set up"
    button, ``billing.services.drawer.drawer_setup``, creates them)."""
    return list(Denomination.objects.filter(shop=shop).order_by("-value"))


def drawer_total(*, shop: Shop) -> Decimal:
    """Cash in the shop's drawer by its notes and coins: Σ value × count (Decimal, shop
    currency), summed in Python so SQLite's float sums cannot creep in. The cash book's
    balance, which also holds cash that moved as an amount only, is
    ``billing.selectors.cash.drawer_balance``."""
    rows = Denomination.objects.filter(shop=shop, count__gt=0).values_list("value", "count")
    return quantize_money(sum((value * count for value, count in rows), ZERO))


def change_preview(*, shop: Shop, amount: Decimal, tendered: dict[Decimal, int] | None = None) -> ChangePreview:
    """Work out, without writing or locking, the change the drawer would give for
    ``amount`` (Decimal, shop currency) right now: the same answer the counter's
    ``billing.services.cash.cash_sale_record`` gives unless counts change in between.
    ``tendered`` (``{value: count}``) are notes the customer hands over, counted as in
    the drawer already (they may come back as change); values the drawer does not have
    are ignored. Used by the drawer's checker and the invoice page's live totals.
    ``amount`` is rounded to the money scale; 0 or less → possible, no pieces.
    """
    amount = quantize_money(amount)
    available = with_tendered(dict(Denomination.objects.filter(shop=shop).values_list("value", "count")), tendered)
    rows = sorted(((value, count) for value, count in available.items() if count > 0), reverse=True)
    held = quantize_money(sum((value * count for value, count in rows), ZERO))
    if amount <= 0:
        return ChangePreview(amount=amount, drawer_total=held)
    try:
        change = make_change(amount, dict(rows))
    except ChangeTooLargeError:
        change = None
    if change is None:
        return ChangePreview(amount=amount, possible=False, drawer_total=held)
    pieces = sorted(change.items(), reverse=True)
    return ChangePreview(amount=amount, pieces=pieces, possible=True,
                         total_pieces=sum(count for _, count in pieces), drawer_total=held)
