"""Cash drawer writes: the drawer's notes and coins, its movements, counts and day closes.

The drawer of a shop is a ``CashDrawer`` row (its ``balance``), its ``Denomination``
rows (``value`` a Decimal in the shop's currency, ₹500 → ``Decimal("500.00")``, and
``count`` the pieces held) and its ``CashMovement`` rows. Every change of cash is a
movement written here (or in ``billing.services.cash``, through :func:`record`), in one
transaction with the balance and the counts it changes:

* the balance is the sum of the movements' signed amounts (stored on ``CashDrawer``);
* a denomination's count is stored too and changes only together with a movement whose
  ``pieces`` name it, so counts follow every movement whose notes are known. Cash that
  moved as an amount only (a payment typed in on a customer's page, a voided sale) is in
  the balance but in no count; the next count or day close sorts it into the counts and
  records what is missing or extra as a ``COUNT`` movement.

Locks: every write locks the shop's ``CashDrawer`` row first, then its denomination rows
(``select_for_update``, largest value first), so two cashiers never take the same notes.
Denomination rows are saved with ``save()`` so django-simple-history keeps their counts'
history with the user.
"""

import datetime
import uuid
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.change import ChangeTooLargeError, default_denominations, make_change, to_units, with_tendered
from billing.models import CashClose, CashDrawer, CashMovement, Denomination
from billing.services import BillingError
from core.money import CENT, ZERO, format_shop_money, quantize_money

#: Most pieces of one denomination a drawer count may say.
MAX_PIECES = 100_000
#: Largest note or coin value that can be added (in the shop's currency).
MAX_DENOMINATION = Decimal("1000000")

Kind = CashMovement.Kind


def _clean_value(shop: Shop, value) -> Decimal:
    """``value`` as a money-scale Decimal of a note or coin, or ``BillingError``."""
    try:
        units = to_units(value, "value")
    except (TypeError, ValueError):
        raise BillingError(_("Enter the value of a note or coin, such as 500 or 0.50, with at most 2 decimals."),
                           field="value") from None
    if units == 0:
        raise BillingError(_("The value of a note or coin must be more than zero."), field="value")
    value = Decimal(units) * CENT
    if value > MAX_DENOMINATION:
        raise BillingError(_("A note or coin can be worth at most %(value)s.")
                           % {"value": format_shop_money(shop, MAX_DENOMINATION)}, field="value")
    return value


def _clean_count(shop: Shop, value: Decimal, count, field: str = "count") -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
        raise BillingError(_("The count of %(value)s must be a whole number from 0 to %(max)s.")
                           % {"value": format_shop_money(shop, value), "max": f"{MAX_PIECES:,}"}, field=field)
    return count


def denominations_lock(*, shop: Shop) -> list[Denomination]:
    """The shop's denomination rows, locked (``select_for_update``), largest first. Lock
    the drawer (:func:`drawer_lock`) first."""
    return list(Denomination.objects.select_for_update().filter(shop=shop).order_by("-value"))


def drawer_lock(*, shop: Shop) -> CashDrawer:
    """The shop's ``CashDrawer`` row, locked (``select_for_update``), created with a
    balance of 0 on first use. Call inside a transaction, before locking denominations.
    Two first uses at once: one creates the row, the other waits and then locks it."""
    drawer = CashDrawer.objects.select_for_update().filter(shop=shop).first()
    if drawer is not None:
        return drawer
    try:
        with transaction.atomic():
            return CashDrawer.objects.create(shop=shop)
    except IntegrityError:  # created meanwhile by another request
        return CashDrawer.objects.select_for_update().get(shop=shop)


def pieces_key(value: Decimal) -> str:
    """The key of ``value`` in ``CashMovement.pieces`` / ``CashClose.counts``: ``"500.00"``."""
    return str(quantize_money(value))


def clean_pieces(shop: Shop, pieces: dict | None, rows: list[Denomination], *, field: str) -> dict[Decimal, int]:
    """``pieces`` (``{value: count}``, value Decimal/str, count int ≥ 0) checked against
    the drawer's ``rows``: every value must be one of its denominations and every count a
    whole number from 0 to ``MAX_PIECES``. Returns ``{value (Decimal): count}`` without
    zero counts, largest value first. Raises ``BillingError(field=field)``."""
    known = {row.value for row in rows}
    cleaned: dict[Decimal, int] = {}
    for value, count in (pieces or {}).items():
        try:
            value = _clean_value(shop, value)
        except BillingError as exc:
            raise BillingError(str(exc), field=field) from None
        if value not in known:
            raise BillingError(_("The drawer has no %(value)s notes or coins; add the denomination on the drawer "
                                 "page first.") % {"value": format_shop_money(shop, value)}, field=field)
        count = _clean_count(shop, value, count, field=field)
        if count:
            cleaned[value] = cleaned.get(value, 0) + count
    return dict(sorted(cleaned.items(), reverse=True))


def pieces_total(pieces: dict[Decimal, int]) -> Decimal:
    """Σ value × count of ``pieces`` (Decimal, money scale)."""
    return quantize_money(sum((value * count for value, count in pieces.items()), ZERO))


def record(drawer: CashDrawer, *, kind: str, amount: Decimal, pieces: dict[Decimal, int] | None = None,
           rows: list[Denomination] | None = None, invoice=None, payment=None, refund_pk: int | None = None,
           reference: str = "", note: str = "", created_by=None,
           idempotency_key: uuid.UUID | None = None) -> CashMovement:
    """Write one movement of ``drawer`` (locked by :func:`drawer_lock`) and apply it.

    ``amount``: signed Decimal (+ in, − out). ``pieces``: ``{value: signed count}`` of
    notes and coins that moved (values from ``rows``, the shop's denomination rows locked
    in this transaction; required with pieces). Each named row's count changes by its
    count, saved with ``save()``; ``drawer.balance`` changes by ``amount``. Raises
    ``BillingError`` when a count would go below zero (callers check first, so this is a
    guard). For the services of this module and ``billing.services.cash`` only.
    """
    pieces = {value: count for value, count in (pieces or {}).items() if count}
    by_value = {row.value: row for row in rows or []}
    for value, count in pieces.items():
        row = by_value[value]
        if row.count + count < 0:
            raise BillingError(_("The drawer holds only %(count)s × %(value)s.")
                               % {"count": row.count, "value": format_shop_money(drawer.shop, value)})
        row.count += count
        row.save(update_fields=["count"])
    movement = CashMovement(
        shop_id=drawer.shop_id, kind=kind, amount=quantize_money(amount),
        pieces={pieces_key(value): count for value, count in sorted(pieces.items(), reverse=True)},
        invoice=invoice, payment=payment, refund_pk=refund_pk, reference=reference[:100], note=note.strip()[:200],
        created_by=created_by, idempotency_key=idempotency_key)
    # Fields only: the sign rule and the per-shop key are the database's constraints (their
    # Python checks would cost a query each on every sale and payment).
    movement.full_clean(exclude=["shop", "invoice", "payment", "created_by"], validate_unique=False,
                        validate_constraints=False)
    movement.save()
    _add_to_balance(drawer.shop_id, movement.amount)
    drawer.balance = quantize_money(drawer.balance + movement.amount)
    return movement


def _add_to_balance(shop_id: int, amount: Decimal) -> int:
    """``UPDATE`` the drawer's balance by ``amount``; the update locks the row. Returns the
    rows updated (0: the shop has no drawer row yet)."""
    return CashDrawer.objects.filter(shop_id=shop_id).update(balance=F("balance") + amount,
                                                             updated_at=timezone.now())


def record_amount(shop: Shop, *, kind: str, amount: Decimal, **fields) -> CashMovement:
    """An amount-only movement (no pieces) in two queries: the balance ``UPDATE``, which
    locks the drawer row as :func:`drawer_lock` would, and the insert. For the ledger's
    cash payments and refunds, which must stay cheap. ``fields``: the other
    ``CashMovement`` fields (``payment``, ``refund_pk``, ``reference``, ``note``,
    ``created_by``). Call inside a transaction."""
    amount = quantize_money(amount)
    if not _add_to_balance(shop.pk, amount):
        drawer_lock(shop=shop)
        _add_to_balance(shop.pk, amount)
    fields["note"] = (fields.get("note") or "").strip()[:200]
    fields["reference"] = (fields.get("reference") or "")[:100]
    movement = CashMovement(shop=shop, kind=kind, amount=amount, **fields)
    movement.full_clean(exclude=["shop", "invoice", "payment", "created_by"], validate_unique=False,
                        validate_constraints=False)
    movement.save()
    return movement


@transaction.atomic
def drawer_setup(*, shop: Shop, membership=None) -> list[Denomination]:
    """Set the shop's drawer up with its currency's notes and coins, if it has none yet;
    return its rows, largest value first.

    A shop with no ``Denomination`` rows gets its currency's defaults
    (``billing.change.DEFAULT_DENOMINATIONS``, count 0); the shop row is locked
    while doing so, so two first set-ups cannot both create them. A shop that keeps
    at least one row keeps exactly the rows it has (removed defaults stay removed).
    Returns a list of ``Denomination`` (``value`` Decimal, ``count`` int). The read
    without a write is ``billing.selectors.drawer.drawer_denominations``. Raises
    ``accounts.permissions.PermissionError`` unless ``membership`` (the acting user's;
    ``None``: not checked) may handle the drawer (``drawer.count``).
    """
    check_actor(shop=shop, action="drawer.count", membership=membership)
    rows = list(Denomination.objects.filter(shop=shop).order_by("-value"))
    if rows:
        return rows
    Shop.objects.select_for_update().filter(pk=shop.pk).first()
    if not Denomination.objects.filter(shop=shop).exists():
        for value in default_denominations(shop.currency):
            Denomination(shop=shop, value=value, count=0).save()
    return list(Denomination.objects.filter(shop=shop).order_by("-value"))


def _count(shop: Shop, drawer: CashDrawer, rows: list[Denomination], counts: dict, *, note: str, created_by,
           field: str = "count") -> tuple[Decimal, Decimal, dict[Decimal, int], CashMovement | None]:
    """Bring the drawer to a count: ``counts`` ``{value: pieces}`` for some or all of
    ``rows`` (the rest keep their count). After it the drawer holds exactly the counts,
    so the balance becomes Σ value × count. Writes one movement (``OPENING`` for a drawer
    with no movement yet, else ``COUNT``) with the difference and the change of each count,
    or none when nothing differs. Returns (expected, counted, counts of every row, movement).
    """
    by_value = {row.value: row for row in rows}
    new_counts = {row.value: row.count for row in rows}
    for value, count in counts.items():
        clean = _clean_value(shop, value)
        if clean not in by_value:
            raise BillingError(_("The drawer has no %(value)s notes or coins; add the denomination first.")
                               % {"value": format_shop_money(shop, value)}, field="value")
        new_counts[clean] = _clean_count(shop, clean, count, field=field)
    expected = drawer.balance
    counted = pieces_total(new_counts)
    pieces = {value: new_counts[value] - by_value[value].count for value in new_counts
              if new_counts[value] != by_value[value].count}
    movement = None
    if counted != expected or pieces:
        first = not CashMovement.objects.filter(shop=shop).exists()
        kind = Kind.OPENING if first and counted > 0 and expected == 0 else Kind.COUNT
        movement = record(drawer, kind=kind, amount=counted - expected, pieces=pieces, rows=rows, note=note,
                          created_by=created_by)
    return expected, counted, new_counts, movement


@transaction.atomic
def drawer_set_counts(*, shop: Shop, counts: dict[Decimal, int], note: str = "",
                      created_by=None, membership=None) -> list[Denomination]:
    """Record a count of the drawer: ``counts`` maps a denomination value (Decimal,
    one the shop's drawer has) to the pieces now in it (int, 0…``MAX_PIECES``).

    Values not in ``counts`` keep their count; only changed rows are saved (one
    history entry each). Afterwards the drawer holds exactly its counts: the balance
    becomes Σ value × count, through one movement (an ``OPENING`` float on a drawer's first
    count, else a ``COUNT`` of the difference) carrying the change of each count; nothing
    is written when the count matches. Raises ``BillingError`` (nothing saved) for an
    unknown value or a bad count, ``accounts.permissions.PermissionError`` unless the
    acting ``membership`` (else ``created_by``'s) may handle the drawer (``drawer.count``).
    Returns the drawer, largest value first.
    """
    check_actor(shop=shop, action="drawer.count", membership=membership, user=created_by)
    drawer = drawer_lock(shop=shop)
    rows = denominations_lock(shop=shop)
    _count(shop, drawer, rows, counts, note=note or _("Counted on the drawer page"), created_by=created_by)
    return rows


@transaction.atomic
def drawer_close(*, shop: Shop, counts: dict[Decimal, int], note: str = "", closed_on: datetime.date | None = None,
                 created_by=None, idempotency_key: uuid.UUID | None = None, membership=None) -> CashClose:
    """Close the day: the owner counted every note and coin of the drawer.

    ``counts``: ``{value (Decimal): pieces (int 0…MAX_PIECES)}``, one per denomination
    of the drawer (a missing one counts as 0). ``expected`` is the balance before the
    count, ``counted`` Σ value × pieces (Decimal); a difference needs a ``note`` saying
    why. The drawer is brought to the count as by :func:`drawer_set_counts` (one ``COUNT``
    movement for the difference and the notes that changed) and a ``CashClose`` records
    it. ``closed_on`` (default today) is the business day. A repeated ``idempotency_key``
    returns the first close and writes nothing. Raises ``BillingError`` (``field`` "note"
    or a count's) and writes nothing; ``accounts.permissions.PermissionError`` as for
    :func:`drawer_set_counts`.
    """
    check_actor(shop=shop, action="drawer.count", membership=membership, user=created_by)
    drawer = drawer_lock(shop=shop)
    if idempotency_key is not None:
        existing = CashClose.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    rows = denominations_lock(shop=shop)
    if not rows:
        raise BillingError(_("Set up the drawer's notes and coins before closing the day."))
    full = {row.value: 0 for row in rows}
    for value, count in counts.items():
        full[_clean_value(shop, value)] = count
    note = (note or "").strip()
    # Check the difference before writing anything.
    for value, count in full.items():
        _clean_count(shop, value, count)
    if full.keys() - {row.value for row in rows}:
        raise BillingError(_("Count only the notes and coins of the drawer."), field="value")
    difference = pieces_total(full) - drawer.balance
    if difference and not note:
        values = {"amount": format_shop_money(shop, abs(difference))}
        if difference < 0:
            message = _("The count is %(amount)s short. Say why in the note.") % values
        else:
            message = _("The count is %(amount)s over. Say why in the note.") % values
        raise BillingError(message, field="note")
    expected, counted, new_counts, movement = _count(shop, drawer, rows, full, note=note or _("Day close"),
                                                      created_by=created_by)
    close = CashClose(shop=shop, closed_on=closed_on or timezone.localdate(), expected=expected, counted=counted,
                      difference=counted - expected, note=note[:200], movement=movement,
                      counts={pieces_key(value): count for value, count in sorted(new_counts.items(), reverse=True)},
                      created_by=created_by, idempotency_key=idempotency_key)
    close.save()
    return close


@transaction.atomic
def drawer_add_denomination(*, shop: Shop, value, count: int = 0, created_by=None,
                            membership=None) -> Denomination:
    """Add a note or coin of ``value`` (Decimal/str in the shop's currency, > 0, at
    most 2 decimals) with ``count`` pieces (default 0) found in the drawer: those pieces
    come in as a ``COUNT`` movement of value × count. Raises ``BillingError``
    (``field="value"``) for a bad value or one the drawer already has, and
    ``accounts.permissions.PermissionError`` as for :func:`drawer_set_counts`."""
    check_actor(shop=shop, action="drawer.count", membership=membership, user=created_by)
    value = _clean_value(shop, value)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
        raise BillingError(_("The count must be a whole number from 0 to %(max)s.") % {"max": f"{MAX_PIECES:,}"},
                           field="count")
    drawer_setup(shop=shop)  # a shop's first denomination comes after its defaults
    drawer = drawer_lock(shop=shop)
    if any(row.value == value for row in denominations_lock(shop=shop)):
        raise BillingError(_("The drawer already has %(value)s.") % {"value": format_shop_money(shop, value)},
                           field="value")
    denomination = Denomination(shop=shop, value=value, count=0)
    denomination.save()
    if count:
        record(drawer, kind=Kind.COUNT, amount=value * count, pieces={value: count}, rows=[denomination],
               note=_("%(count)s × %(value)s added to the drawer") % {"count": count,
                                                                       "value": format_shop_money(shop, value)},
               created_by=created_by)
    return denomination


@transaction.atomic
def drawer_remove_denomination(*, shop: Shop, value, membership=None) -> None:
    """Remove the note or coin of ``value`` from the shop's drawer. Only an empty one
    (count 0) can go; raises ``BillingError`` otherwise or when the drawer has none, and
    ``accounts.permissions.PermissionError`` unless ``membership`` (the acting user's;
    ``None``: not checked) may handle the drawer (``drawer.count``)."""
    check_actor(shop=shop, action="drawer.count", membership=membership)
    value = _clean_value(shop, value)
    drawer_lock(shop=shop)
    row = next((row for row in denominations_lock(shop=shop) if row.value == value), None)
    if row is None:
        raise BillingError(_("The drawer has no %(value)s.") % {"value": format_shop_money(shop, value)},
                           field="value")
    if row.count:
        raise BillingError(_("The drawer still holds %(count)s × %(value)s; set the count to 0 before removing it.")
                           % {"count": row.count, "value": format_shop_money(shop, value)}, field="value")
    row.delete()


def work_out_change(shop: Shop, rows: list[Denomination], amount: Decimal,
                    tendered: dict[Decimal, int] | None = None) -> dict[Decimal, int]:
    """The exact change for ``amount`` (Decimal ≥ 0) from the drawer's ``rows`` plus the
    notes just ``tendered`` (``{value: count}``, already in the drawer when the change is
    worked out), with the fewest pieces (:func:`billing.change.make_change`). Returns
    ``{value: pieces}`` largest first (``{}`` for 0). Raises
    ``BillingError(field="cash_tendered")`` when exact change is impossible."""
    try:
        units = to_units(amount)
    except (TypeError, ValueError):
        raise BillingError(_("The change must be an amount of 0 or more with at most 2 decimals."),
                           field="cash_tendered") from None
    if units == 0:
        return {}
    available = with_tendered({row.value: row.count for row in rows}, tendered)
    try:
        change = make_change(amount, available)
    except ChangeTooLargeError:
        change = None
    if change is None:
        held = pieces_total(available)
        values = {"amount": format_shop_money(shop, amount), "held": format_shop_money(shop, held)}
        if held < amount:
            message = _("Exact change of %(amount)s is not possible from the drawer: it holds %(held)s in all. Ask "
                        "for a different amount of cash, or update the drawer counts.") % values
        else:
            message = _("Exact change of %(amount)s is not possible from the drawer: no combination of its notes "
                        "and coins adds up to it. Ask for a different amount of cash, or update the drawer "
                        "counts.") % values
        raise BillingError(message, field="cash_tendered")
    return change


@transaction.atomic
def drawer_give_change(*, shop: Shop, amount: Decimal, invoice=None, created_by=None,
                       reference: str = "") -> dict[Decimal, int]:
    """Take ``amount`` (Decimal ≥ 0, shop currency) of change out of the drawer.

    Locks the drawer and its denomination rows, works out the exact change with the
    fewest pieces from their counts (:func:`work_out_change`), records it as a ``CHANGE``
    movement (−amount, the pieces taken, linked to ``invoice``) and returns the pieces
    given, ``{value (Decimal): count (int)}`` largest first (``{}`` for 0: nothing
    written). Raises ``BillingError(field="cash_tendered")`` and changes nothing when
    exact change is impossible from what the drawer holds.
    """
    drawer = drawer_lock(shop=shop)
    rows = denominations_lock(shop=shop)
    change = work_out_change(shop, rows, amount)
    if change:
        record(drawer, kind=Kind.CHANGE, amount=-quantize_money(amount),
               pieces={value: -count for value, count in change.items()}, rows=rows, invoice=invoice,
               reference=reference, created_by=created_by)
    return change
