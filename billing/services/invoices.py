"""Issuing and voiding invoices (DESIGN §6).

Issuing is one transaction: take the next number, lock the products sold (in id
order), decrement stock with ``StockMovement`` rows, store the invoice and its line
items, post a ``ledger.Due`` for the total and a ``ledger.Payment`` for what was paid
at the counter (so the unpaid remainder shows on the customer's statement), and record
the cash received and the change given in the cash book. Any refusal rolls all of it
back, number included.
"""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.models import Invoice, InvoiceLine, StockMovement
from billing.services import BillingError
from billing.services.cash import cash_sale_record, cash_sale_void, notes_value
from billing.services.catalogue import products_lock, stock_move
from billing.services.numbering import invoice_number_next, invoice_sequence_lock
from billing.totals import LineInput, TotalsError, compute_totals
from core.money import ZERO, format_money, quantize_money
from customers.models import Customer
from ledger.models import Payment
from ledger.selectors.entries import due_outstanding
from ledger.services import LedgerError
from ledger.services import entries as ledger


def _places(value) -> int:
    """Decimal places ``value`` uses, trailing zeros aside: 1.250 → 2, 0.3333 → 4, 100 → 0."""
    return max(0, -Decimal(value).normalize().as_tuple().exponent)


def _check_lines(shop: Shop, lines: list[LineInput]) -> None:
    if not lines:
        raise BillingError("Add at least one item to the invoice.")
    for line in lines:
        if line.product is not None and line.product.shop_id != shop.pk:
            raise BillingError("Choose products of this shop.")
        if line.quantity is None or line.quantity <= 0:
            raise BillingError(f"The quantity of {line.description or 'an item'} must be more than zero.")
        if line.unit_price is None or line.unit_price < 0:
            raise BillingError(f"The price of {line.description or 'an item'} cannot be negative.")
        if line.tax_rate is None or not 0 <= line.tax_rate <= 100:
            raise BillingError(f"The tax rate of {line.description or 'an item'} must be between 0 and 100.")
        if not (line.description or "").strip():
            raise BillingError("Every item needs a description.")
        # More places than the columns hold would be stored rounded, disagreeing with the totals.
        for value, places, what in ((line.quantity, 3, "quantity"), (line.unit_price, 2, "price"),
                                    (line.tax_rate, 2, "tax rate")):
            if _places(value) > places:
                raise BillingError(f"The {what} of {line.description.strip()} can have at most {places} decimal "
                                   "places.")


@transaction.atomic
def invoice_issue(*, shop: Shop, lines: list[LineInput], customer: Customer | None = None,
                  issued_on: datetime.date | None = None, discount_type: str = Invoice.DiscountType.AMOUNT,
                  discount_value: Decimal = ZERO, round_off: bool = False, inter_state: bool = False,
                  amount_paid: Decimal = ZERO, payment_method: str = Payment.Method.CASH,
                  cash_tendered: Decimal | None = None, notes_tendered: dict[Decimal, int] | None = None,
                  due_date: datetime.date | None = None,
                  notes: str = "", created_by=None, idempotency_key: uuid.UUID | None = None) -> Invoice:
    """Issue an invoice and post it to stock, the ledger and the drawer.

    ``lines`` are :class:`billing.totals.LineInput` (product optional: a line without
    one moves no stock). ``amount_paid`` (Decimal, 0…total) is what was paid at the
    counter; a walk-in sale (no ``customer``) must be paid in full. With cash and
    ``cash_tendered`` above the amount paid, the change is taken from the drawer.
    ``notes_tendered`` (``{value (Decimal): count (int)}``, optional, cash only) are the
    notes the customer handed over: they go into the drawer's counts, may come back as
    change, and set ``cash_tendered`` (which, if given too, must equal them). A cash sale's
    cash in and change out are cash book movements (``billing.services.cash``).
    A repeated ``idempotency_key`` (the counter form's one-time key) returns the invoice
    issued the first time and writes nothing; it is looked up under the lock of the
    year's invoice sequence, so a concurrent repeat waits for the first.
    Raises ``BillingError`` (with ``field`` where it belongs to one) and writes nothing.
    """
    issued_on = issued_on or timezone.localdate()
    if idempotency_key is not None:
        invoice_sequence_lock(shop=shop, day=issued_on)
        existing = Invoice.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        ledger.check_entry_date(issued_on, field="issued_on")
        ledger.check_due_date(due_date)
    except LedgerError as exc:
        raise BillingError(str(exc), field=exc.field) from None
    _check_lines(shop, lines)
    if customer is not None and (customer.shop_id != shop.pk or customer.is_archived):
        raise BillingError("Choose an active customer of this shop.", field="customer")
    gst_split = bool(shop.gstin)
    try:
        totals = compute_totals(lines, discount_type=discount_type, discount_value=discount_value,
                                round_off=round_off, gst_split=gst_split, inter_state=inter_state)
    except TotalsError as exc:
        raise BillingError(str(exc), field="discount_value") from None
    amount_paid = quantize_money(amount_paid or ZERO)
    if amount_paid < 0:
        raise BillingError("The amount paid cannot be negative.", field="amount_paid")
    if amount_paid > totals.total:
        raise BillingError(f"The amount paid is more than the invoice total of "
                           f"{format_money(totals.total, shop.currency, shop.locale)}.", field="amount_paid")
    if customer is None and amount_paid != totals.total:
        raise BillingError("A walk-in sale must be paid in full. Choose a customer to sell on credit.",
                           field="amount_paid")
    change = ZERO
    if payment_method != Payment.Method.CASH:
        cash_tendered = notes_tendered = None
    if notes_tendered:
        in_notes = notes_value(notes_tendered)
        if cash_tendered is not None and quantize_money(cash_tendered) != in_notes:
            raise BillingError(f"The notes tendered add up to {format_money(in_notes, shop.currency, shop.locale)}, "
                               f"not {format_money(cash_tendered, shop.currency, shop.locale)}. Correct one of "
                               f"them, or leave cash tendered empty.", field="cash_tendered")
        cash_tendered = in_notes
    if cash_tendered is not None:
        cash_tendered = quantize_money(cash_tendered)
        if cash_tendered < amount_paid:
            raise BillingError("The cash tendered is less than the amount paid.", field="cash_tendered")
        change = cash_tendered - amount_paid

    number, year, sequence = invoice_number_next(shop=shop, day=issued_on)
    # Lock the products, then the customer, before inserting any row that refers to
    # them: on MariaDB an insert takes a shared lock on the row its foreign key names,
    # and two sales upgrading those to exclusive locks would deadlock. Products before
    # the customer, as in invoice_void (the ledger then locks the customer again).
    sold: dict[int, Decimal] = {}
    for line in lines:
        if line.product is not None:
            sold[line.product.pk] = sold.get(line.product.pk, ZERO) + line.quantity
    products = products_lock(shop=shop, product_ids=sold)
    if customer is not None:
        Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    invoice = Invoice.objects.create(
        shop=shop, number=number, financial_year=year, sequence_number=sequence, customer=customer,
        issued_on=issued_on, is_inter_state=inter_state, gst_split=gst_split, discount_type=discount_type,
        discount_value=discount_value or ZERO, round_off=round_off, subtotal=totals.subtotal,
        discount_total=totals.discount_total, taxable_total=totals.taxable_total, tax_total=totals.tax_total,
        round_off_amount=totals.round_off_amount, total=totals.total, paid_at_counter=amount_paid,
        payment_method=payment_method, cash_tendered=cash_tendered, change_given=change,
        notes=notes.strip()[:200], created_by=created_by, idempotency_key=idempotency_key,
    )
    InvoiceLine.objects.bulk_create([
        InvoiceLine(shop=shop, invoice=invoice, position=i, product=lt.line.product,
                    description=lt.line.description.strip()[:200],
                    hsn_code=lt.line.hsn_code or (lt.line.product.hsn_code if lt.line.product else ""),
                    unit=lt.line.unit or (lt.line.product.unit if lt.line.product else ""),
                    quantity=lt.line.quantity, unit_price=lt.line.unit_price, tax_rate=lt.line.tax_rate,
                    line_net=lt.line_net, discount=lt.discount, taxable_value=lt.taxable_value)
        for i, lt in enumerate(totals.lines, start=1)
    ])

    for product_id in sorted(sold):
        product = products[product_id]
        if product.track_stock:
            stock_move(product=product, quantity=-sold[product_id], kind=StockMovement.Kind.SALE,
                       reason=f"Invoice {number}", invoice=invoice, created_by=created_by)

    if customer is not None and totals.total > 0:
        invoice.due = ledger.due_create(shop=shop, customer=customer, amount=totals.total,
                                        description=f"Invoice {number}", incurred_on=issued_on,
                                        due_date=due_date, created_by=created_by, source=f"Invoice {number}")
        if amount_paid > 0:
            outstanding = due_outstanding(invoice.due)
            invoice.payment = ledger.payment_create(
                shop=shop, customer=customer, amount=amount_paid, received_on=issued_on, method=payment_method,
                reference=number, note="Paid at the counter",
                due=invoice.due if 0 < amount_paid <= outstanding else None, created_by=created_by, at_counter=True,
                source=f"Invoice {number}")
        invoice.save(update_fields=["due", "payment"])
        # The ledger stores the due's outstanding with update(): read it back so the
        # returned invoice shows its live balance and status.
        invoice.due.refresh_from_db(fields=["outstanding"])
    if payment_method == Payment.Method.CASH:
        # The cash book: the cash received (the notes tendered, or the amount) and the change out.
        cash_sale_record(shop=shop, invoice=invoice, amount_paid=amount_paid, cash_tendered=cash_tendered,
                         notes_tendered=notes_tendered, created_by=created_by)
    return invoice


@transaction.atomic
def invoice_void(*, shop: Shop, invoice: Invoice, reason: str, voided_by=None, membership=None) -> Invoice:
    """Void an invoice: stock comes back through movements, its due and payment are
    voided in the ledger, and its number stays used (shown as void). Raises
    ``BillingError`` when already void or without a reason, and
    ``accounts.permissions.PermissionError`` unless the acting ``membership`` (else
    ``voided_by``'s) may void invoices (``invoice.void``); nothing is written then."""
    membership = check_actor(shop=shop, action="invoice.void", membership=membership, user=voided_by)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Give a reason for voiding.", field="reason")
    invoice = Invoice.objects.select_for_update().get(shop=shop, pk=invoice.pk)
    if invoice.is_voided:
        raise BillingError("This invoice is already void.")
    # Give back exactly what the sale took (its SALE movements), even if a product's
    # "track stock" flag has changed since.
    returned: dict[int, Decimal] = {}
    for movement in StockMovement.objects.filter(shop=shop, invoice=invoice, kind=StockMovement.Kind.SALE):
        returned[movement.product_id] = returned.get(movement.product_id, ZERO) - movement.quantity
    products = products_lock(shop=shop, product_ids=returned)
    for product_id in sorted(returned):
        stock_move(product=products[product_id], quantity=returned[product_id], kind=StockMovement.Kind.SALE_VOID,
                   reason=f"Invoice {invoice.number} voided", invoice=invoice, created_by=voided_by)
    ledger_reason = f"Invoice {invoice.number} voided: {reason}"[:200]
    if invoice.payment is not None and not invoice.payment.is_voided:
        ledger.payment_void(shop=shop, payment=invoice.payment, reason=ledger_reason, voided_by=voided_by,
                            via_source=True, membership=membership)
    if invoice.due is not None and not invoice.due.is_voided:
        ledger.due_void(shop=shop, due=invoice.due, reason=ledger_reason, voided_by=voided_by, via_source=True,
                        membership=membership)
    # The cash paid at the counter goes back out of the drawer (the payment's signal is skipped).
    cash_sale_void(shop=shop, invoice=invoice, reason=reason, voided_by=voided_by)
    invoice.voided_at = timezone.now()
    invoice.voided_by = voided_by
    invoice.void_reason = reason[:200]
    invoice.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return invoice
