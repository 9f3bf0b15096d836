"""Cash drawer writes: the shop's notes and coins (``Denomination`` rows) and taking
change out of them.

A drawer is a set of ``Denomination(shop, value, count)`` rows, ``value`` a Decimal
in the shop's currency (₹500 → ``Decimal("500.00")``) and ``count`` the pieces held.
A shop's first look at its drawer creates the default notes and coins of its
currency (``billing.change.DEFAULT_DENOMINATIONS``) with count 0. Counts change
here only: an owner's recount (:func:`drawer_set_counts`) and the change given
when an invoice is issued (:func:`drawer_give_change`, under row locks). Every
change goes through ``save()`` so django-simple-history records it with the user.
"""

from decimal import Decimal

from django.db import transaction

from accounts.models import Shop
from accounts.money import CENT, ZERO, format_money
from billing.change import ChangeTooLargeError, default_denominations, make_change, to_units
from billing.models import Denomination
from billing.services import BillingError

#: Most pieces of one denomination a drawer count may say.
MAX_PIECES = 100_000
#: Largest note or coin value that can be added (in the shop's currency).
MAX_DENOMINATION = Decimal("1000000")


def _money(shop: Shop, amount) -> str:
    return format_money(amount, shop.currency, shop.locale)


def _clean_value(shop: Shop, value) -> Decimal:
    """``value`` as a money-scale Decimal of a note or coin, or ``BillingError``."""
    try:
        units = to_units(value, "value")
    except (TypeError, ValueError):
        raise BillingError("Enter the value of a note or coin, such as 500 or 0.50, with at most 2 decimals.",
                           field="value") from None
    if units == 0:
        raise BillingError("The value of a note or coin must be more than zero.", field="value")
    value = Decimal(units) * CENT
    if value > MAX_DENOMINATION:
        raise BillingError(f"A note or coin can be worth at most {_money(shop, MAX_DENOMINATION)}.", field="value")
    return value


def _locked(shop: Shop) -> list[Denomination]:
    """The shop's denomination rows, locked (``select_for_update``), largest first."""
    return list(Denomination.objects.select_for_update().filter(shop=shop).order_by("-value"))


@transaction.atomic
def drawer_denominations(*, shop: Shop) -> list[Denomination]:
    """The shop's drawer, largest value first, creating it on first use.

    A shop with no ``Denomination`` rows gets its currency's defaults
    (``billing.change.DEFAULT_DENOMINATIONS``, count 0); the shop row is locked
    while doing so, so two first visits cannot both create them. A shop that keeps
    at least one row keeps exactly the rows it has (removed defaults stay removed).
    Returns a list of ``Denomination`` (``value`` Decimal, ``count`` int).
    """
    rows = list(Denomination.objects.filter(shop=shop).order_by("-value"))
    if rows:
        return rows
    Shop.objects.select_for_update().filter(pk=shop.pk).first()
    if not Denomination.objects.filter(shop=shop).exists():
        for value in default_denominations(shop.currency):
            Denomination(shop=shop, value=value, count=0).save()
    return list(Denomination.objects.filter(shop=shop).order_by("-value"))


@transaction.atomic
def drawer_set_counts(*, shop: Shop, counts: dict[Decimal, int]) -> list[Denomination]:
    """Record a count of the drawer: ``counts`` maps a denomination value (Decimal,
    one the shop's drawer has) to the pieces now in it (int, 0…``MAX_PIECES``).

    Values not in ``counts`` keep their count; only changed rows are saved (one
    history entry each). Raises ``BillingError`` (nothing saved) for an unknown
    value or a bad count. Returns the drawer, largest value first.
    """
    rows = _locked(shop)
    by_value = {row.value: row for row in rows}
    changed = []
    for value, count in counts.items():
        row = by_value.get(_clean_value(shop, value))
        if row is None:
            raise BillingError(f"The drawer has no {_money(shop, value)} notes or coins; add the denomination first.",
                               field="value")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
            raise BillingError(f"The count of {_money(shop, value)} must be a whole number from 0 to {MAX_PIECES:,}.",
                               field="count")
        if row.count != count:
            row.count = count
            changed.append(row)
    for row in changed:
        row.save(update_fields=["count"])
    return rows


@transaction.atomic
def drawer_add_denomination(*, shop: Shop, value, count: int = 0) -> Denomination:
    """Add a note or coin of ``value`` (Decimal/str in the shop's currency, > 0, at
    most 2 decimals) with ``count`` pieces (default 0). Raises ``BillingError``
    (``field="value"``) for a bad value or one the drawer already has."""
    value = _clean_value(shop, value)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
        raise BillingError(f"The count must be a whole number from 0 to {MAX_PIECES:,}.", field="count")
    drawer_denominations(shop=shop)  # a shop's first denomination comes after its defaults
    if any(row.value == value for row in _locked(shop)):
        raise BillingError(f"The drawer already has {_money(shop, value)}.", field="value")
    denomination = Denomination(shop=shop, value=value, count=count)
    denomination.save()
    return denomination


@transaction.atomic
def drawer_remove_denomination(*, shop: Shop, value) -> None:
    """Remove the note or coin of ``value`` from the shop's drawer. Only an empty one
    (count 0) can go; raises ``BillingError`` otherwise or when the drawer has none."""
    value = _clean_value(shop, value)
    row = next((row for row in _locked(shop) if row.value == value), None)
    if row is None:
        raise BillingError(f"The drawer has no {_money(shop, value)}.", field="value")
    if row.count:
        raise BillingError(f"The drawer still holds {row.count} × {_money(shop, value)}; set the count to 0 "
                           f"before removing it.", field="value")
    row.delete()


@transaction.atomic
def drawer_give_change(*, shop: Shop, amount: Decimal) -> dict[Decimal, int]:
    """Take ``amount`` (Decimal ≥ 0, shop currency) of change out of the drawer.

    Locks the shop's denomination rows (``select_for_update``, largest value first),
    works out the exact change with the fewest pieces from their counts
    (:func:`billing.change.make_change`), decrements them and returns the pieces
    given, ``{value (Decimal): count (int)}`` largest first (``{}`` for 0). Called by
    ``invoice_issue`` inside its transaction, so a refusal rolls the sale back.

    Raises ``BillingError(field="cash_tendered")`` and changes nothing when exact
    change is impossible from what the drawer holds.
    """
    try:
        units = to_units(amount)
    except (TypeError, ValueError):
        raise BillingError("The change must be an amount of 0 or more with at most 2 decimals.",
                           field="cash_tendered") from None
    if units == 0:
        return {}
    rows = _locked(shop)
    available = {row.value: row.count for row in rows}
    try:
        change = make_change(amount, available)
    except ChangeTooLargeError:
        change = None
    if change is None:
        held = sum((row.value * row.count for row in rows), ZERO)
        if held < amount:
            reason = f"it holds {_money(shop, held)} in all"
        else:
            reason = "no combination of its notes and coins adds up to it"
        raise BillingError(
            f"Exact change of {_money(shop, amount)} is not possible from the drawer: {reason}. "
            f"Ask for a different amount of cash, or update the drawer counts.",
            field="cash_tendered",
        )
    by_value = {row.value: row for row in rows}
    for value, pieces in change.items():
        row = by_value[value]
        row.count -= pieces
        row.save(update_fields=["count"])
    return change
