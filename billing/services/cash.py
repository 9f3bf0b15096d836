"""Cash book writes: the cash of counter sales and their voids, pay-outs, bank deposits
and cash added by hand, and the cash side of the ledger's payments and refunds.

Each function locks the shop's drawer and writes ``CashMovement`` rows through
``billing.services.drawer.record`` (which keeps the drawer's balance and counts), in the
caller's transaction when there is one. Money is Decimal in the shop's currency;
amounts of movements are signed (+ in, − out). Counts and day closes are in
``billing.services.drawer``.
"""

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.change import to_units
from billing.models import CashMovement, Invoice
from billing.services import BillingError
from billing.services.drawer import (
    MAX_PIECES,
    clean_pieces,
    denominations_lock,
    drawer_lock,
    pieces_total,
    record,
    record_amount,
    work_out_change,
)
from core.money import ZERO, format_shop_money, quantize_money
from ledger.models import Payment

Kind = CashMovement.Kind
CASH = Payment.Method.CASH

#: The kinds a user records by hand on the cash book's form, and whether they take cash out.
MANUAL_KINDS = {Kind.PAYOUT: True, Kind.DEPOSIT: True, Kind.FLOAT: False}


def notes_value(notes: dict | None, *, field: str = "cash_tendered") -> Decimal:
    """Σ value × count of ``notes`` (``{value (Decimal): count (int ≥ 0)}``) without
    touching the database, for checks before the drawer is locked. Raises
    ``BillingError(field=field)`` for a bad value or count."""
    total = ZERO
    for value, count in (notes or {}).items():
        try:
            units = to_units(value, "value")
        except (TypeError, ValueError):
            raise BillingError(_("Enter notes and coins the drawer knows."), field=field) from None
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES or not units:
            raise BillingError(_("Enter how many notes or coins as a whole number from 0 to %(max)s.")
                               % {"max": f"{MAX_PIECES:,}"}, field=field)
        total += Decimal(value) * count
    return quantize_money(total)


@transaction.atomic
def cash_sale_record(*, shop: Shop, invoice: Invoice, amount_paid: Decimal, cash_tendered: Decimal | None = None,
                     notes_tendered: dict | None = None, created_by=None) -> dict[Decimal, int]:
    """Record the cash of a counter sale paid in cash (``invoice_issue`` calls it in its
    transaction).

    Cash in: the ``notes_tendered`` (``{value: count}``, values the drawer has) when the
    cashier entered them, else ``cash_tendered`` (Decimal ≥ ``amount_paid``) as an amount,
    else ``amount_paid``; a ``SALE`` movement. Change = cash in − ``amount_paid``, worked out
    with the fewest pieces from the drawer's counts plus the notes just tendered (they are
    in the drawer by then) and taken out as a ``CHANGE`` movement. Both link ``invoice``.
    Returns the change given, ``{value: pieces}`` (``{}`` for none). Raises
    ``BillingError(field="cash_tendered")`` when exact change is impossible, a note is not
    one of the drawer's, or the cash is less than the amount paid.
    """
    drawer = drawer_lock(shop=shop)
    rows = denominations_lock(shop=shop)
    notes = clean_pieces(shop, notes_tendered, rows, field="cash_tendered") if notes_tendered else {}
    if notes:
        cash_in = pieces_total(notes)
    else:
        cash_in = quantize_money(cash_tendered if cash_tendered is not None else amount_paid)
    if cash_in < amount_paid:
        raise BillingError(_("The cash tendered is less than the amount paid."), field="cash_tendered")
    change_due = cash_in - amount_paid
    change = work_out_change(shop, rows, change_due, tendered=notes)
    if cash_in > 0:
        record(drawer, kind=Kind.SALE, amount=cash_in, pieces=notes, rows=rows, invoice=invoice,
               reference=invoice.number, created_by=created_by)
    if change:
        record(drawer, kind=Kind.CHANGE, amount=-change_due, pieces={v: -c for v, c in change.items()}, rows=rows,
               invoice=invoice, reference=invoice.number, created_by=created_by)
    return change


@transaction.atomic
def cash_sale_void(*, shop: Shop, invoice: Invoice, reason: str = "", voided_by=None) -> CashMovement | None:
    """The cash of a voided cash sale goes back to the customer: a ``SALE_VOID`` movement
    of −``invoice.paid_at_counter`` (amount only: which notes were handed back is not
    known; the next count sorts it). Nothing for a sale not paid in cash at the counter.
    ``invoice_void`` calls it in its transaction (the ledger's signal for the invoice's
    payment is skipped; later payments of its due on the customer's page are the ledger's
    and keep their own cash movements)."""
    paid = invoice.paid_at_counter
    if invoice.payment_method != CASH or paid <= 0:
        return None
    drawer = drawer_lock(shop=shop)
    return record(drawer, kind=Kind.SALE_VOID, amount=-paid, invoice=invoice, reference=invoice.number, note=reason,
                  created_by=voided_by)


@transaction.atomic
def cash_movement_create(*, shop: Shop, kind: str, note: str, amount: Decimal | None = None,
                         pieces: dict | None = None, created_by=None,
                         idempotency_key: uuid.UUID | None = None, membership=None) -> CashMovement:
    """Record cash moved by hand: a ``PAYOUT`` (pay-out or expense), a ``DEPOSIT`` to the
    bank (both out) or ``FLOAT`` (cash added to the drawer).

    ``note``: the reason (required). ``amount``: Decimal > 0, at most 2 decimals, or
    ``None`` when ``pieces`` (``{value: count ≥ 0}``, the drawer's notes and coins) say it;
    with both they must agree. Cash out may not exceed the drawer's balance, nor its
    counts of the pieces named. A repeated ``idempotency_key`` returns the first movement
    and writes nothing. Returns the movement (amount signed). Raises ``BillingError``
    with ``field`` "note", "amount" or "pieces", and ``accounts.permissions.PermissionError``
    unless the acting ``membership`` (else ``created_by``'s) may handle the drawer
    (``drawer.count``).
    """
    check_actor(shop=shop, action="drawer.count", membership=membership, user=created_by)
    if kind not in MANUAL_KINDS:
        raise BillingError(_("Choose a pay-out, a bank deposit or cash added."), field="kind")
    drawer = drawer_lock(shop=shop)
    if idempotency_key is not None:
        existing = CashMovement.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    note = (note or "").strip()
    if not note:
        raise BillingError(_("Give a reason."), field="note")
    rows = denominations_lock(shop=shop) if pieces else []
    pieces = clean_pieces(shop, pieces, rows, field="pieces") if pieces else {}
    if amount is not None:
        try:
            units = to_units(amount)
        except (TypeError, ValueError):
            raise BillingError(_("Enter an amount with at most 2 decimals."), field="amount") from None
        amount = quantize_money(amount)
        if pieces and pieces_total(pieces) != amount:
            raise BillingError(_("The notes and coins add up to %(pieces)s, not %(amount)s. Correct one of them, or "
                                 "leave the amount empty.") % {"pieces": format_shop_money(shop, pieces_total(pieces)),
                                                              "amount": format_shop_money(shop, amount)},
                               field="amount")
        if not units:
            raise BillingError(_("The amount must be more than zero."), field="amount")
    elif pieces:
        amount = pieces_total(pieces)
    else:
        raise BillingError(_("Enter the amount, or the notes and coins."), field="amount")
    out = MANUAL_KINDS[kind]
    if out:
        if amount > drawer.balance:
            held = format_shop_money(shop, max(drawer.balance, ZERO))
            raise BillingError(_("The drawer holds only %(amount)s by the cash book.") % {"amount": held},
                               field="amount")
        by_value = {row.value: row for row in rows}
        for value, count in pieces.items():
            if count > by_value[value].count:
                raise BillingError(_("The drawer holds only %(count)s × %(value)s.")
                                   % {"count": by_value[value].count, "value": format_shop_money(shop, value)},
                                   field="pieces")
    return record(drawer, kind=kind, amount=-amount if out else amount,
                  pieces={v: -c if out else c for v, c in pieces.items()}, rows=rows, note=note,
                  created_by=created_by, idempotency_key=idempotency_key)


def _customer_name(entry) -> str:
    customer = getattr(entry, "customer", None)
    return getattr(customer, "name", "") or ""


# The ledger's follow-ups run inside the ledger's transaction (``savepoint=False``: no
# savepoint queries on every payment; an error rolls the ledger entry back with it).


@transaction.atomic(savepoint=False)
def cash_payment_recorded(*, shop: Shop, payment: Payment) -> CashMovement | None:
    """A customer's new cash payment recorded on their page comes into the drawer: a
    ``PAYMENT`` movement of +amount (amount only: the notes are not entered there),
    linked to ``payment``. Nothing for another method. (Payments an invoice posts at the
    counter are the counter's: ``billing.receivers`` does not call this for them.)"""
    if payment.method != CASH:
        return None
    return record_amount(shop, kind=Kind.PAYMENT, amount=payment.amount, payment=payment,
                         reference=_customer_name(payment), note=payment.note, created_by=payment.created_by)


@transaction.atomic(savepoint=False)
def cash_payment_voided(*, shop: Shop, payment: Payment) -> CashMovement | None:
    """A voided cash payment leaves the drawer again: a ``PAYMENT_VOID`` movement undoing
    what its ``PAYMENT`` movement put in. Nothing when the book never took it in (another
    method, a payment from before the cash book, or one an invoice posted: the invoice's
    void records the sale's cash) or when already undone."""
    if Invoice.objects.filter(shop=shop, payment=payment).exists():
        return None
    taken = list(CashMovement.objects.filter(shop=shop, payment=payment).values_list("kind", "amount"))
    if not any(kind == Kind.PAYMENT for kind, _ in taken) or any(kind == Kind.PAYMENT_VOID for kind, _ in taken):
        return None
    amount = quantize_money(sum((amount for kind, amount in taken if kind == Kind.PAYMENT), ZERO))
    return record_amount(shop, kind=Kind.PAYMENT_VOID, amount=-amount, payment=payment,
                         reference=_customer_name(payment), note=getattr(payment, "void_reason", ""),
                         created_by=getattr(payment, "voided_by", None))


@transaction.atomic(savepoint=False)
def cash_refund_recorded(*, shop: Shop, refund) -> CashMovement | None:
    """A new cash refund of customer credit leaves the drawer: a ``REFUND`` movement of
    −amount (amount only) linked by ``refund_pk``. ``refund`` is a ``ledger.Refund``
    (read with getattr: ``pk``, ``method``, ``amount``, ``reason``, ``customer``,
    ``created_by``). Nothing for another method. The balance may go below zero: the
    ledger's refund is not refused for the drawer's sake (the day close shows it)."""
    if getattr(refund, "method", None) != CASH:
        return None
    return record_amount(shop, kind=Kind.REFUND, amount=-quantize_money(refund.amount), refund_pk=refund.pk,
                         reference=_customer_name(refund), note=getattr(refund, "reason", "") or "",
                         created_by=getattr(refund, "created_by", None))


@transaction.atomic(savepoint=False)
def cash_refund_voided(*, shop: Shop, refund) -> CashMovement | None:
    """A voided cash refund comes back into the drawer: a ``REFUND_VOID`` movement undoing
    its ``REFUND`` movement. Nothing when the book never paid it out or already undid it."""
    taken = list(CashMovement.objects.filter(shop=shop, refund_pk=refund.pk).values_list("kind", "amount"))
    if not any(kind == Kind.REFUND for kind, _ in taken) or any(kind == Kind.REFUND_VOID for kind, _ in taken):
        return None
    amount = quantize_money(sum((amount for kind, amount in taken if kind == Kind.REFUND), ZERO))
    return record_amount(shop, kind=Kind.REFUND_VOID, amount=-amount, refund_pk=refund.pk,
                         reference=_customer_name(refund), note=getattr(refund, "void_reason", "") or "",
                         created_by=getattr(refund, "voided_by", None))
