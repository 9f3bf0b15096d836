"""Credit notes: sale returns against an invoice (CGST Act s.34; issue #15).

Raising a credit note is one transaction, under the lock of its invoice: check the
quantities against what is left to return, take the next number of the credit notes'
own series (``CN/26-27/0001``, ``billing.services.numbering``), store the note and its
lines, put the returned stock back through ``RETURN`` movements, and settle its total
through the ledger or the cash book (the rule is in :func:`credit_note_create`). Any
refusal rolls all of it back, number included.
"""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.models import CashMovement, CreditNote, CreditNoteLine, Invoice, InvoiceLine, StockMovement
from billing.services import BillingError
from billing.services.catalogue import products_lock, stock_moves
from billing.services.drawer import record_amount
from billing.services.numbering import credit_note_number_next
from billing.totals import LineInput, LineTotals, line_figures, totals_of_lines
from core.money import ZERO, format_money, quantize_money, round_to_whole
from ledger.models import Payment
from ledger.selectors.entries import due_outstanding
from ledger.services import LedgerError
from ledger.services import entries as ledger

QUANTITY_FIELD = "quantity_{}"


def returned_quantities(*, invoice: Invoice) -> dict[int, Decimal]:
    """``{invoice line id: quantity already returned (Decimal)}`` over the invoice's credit notes."""
    rows = (CreditNoteLine.objects.filter(shop_id=invoice.shop_id, credit_note__invoice=invoice)
            .values("invoice_line_id").annotate(quantity=Sum("quantity")).order_by())
    return {row["invoice_line_id"]: Decimal(row["quantity"]) for row in rows}


def _returned_values(invoice: Invoice) -> dict[int, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """``{invoice line id: (line net, discount, taxable value, SD) already returned}``."""
    rows = (CreditNoteLine.objects.filter(shop_id=invoice.shop_id, credit_note__invoice=invoice)
            .values("invoice_line_id")
            .annotate(net=Sum("line_net"), discount=Sum("discount"), taxable=Sum("taxable_value"),
                      sd=Sum("sd_amount")).order_by())
    return {row["invoice_line_id"]: (quantize_money(row["net"]), quantize_money(row["discount"]),
                                     quantize_money(row["taxable"]), quantize_money(row["sd"])) for row in rows}


def _returned_line(line: InvoiceLine, quantity: Decimal, *, last: bool, before: tuple, with_sd: bool) -> LineTotals:
    """The figures of ``quantity`` of ``line`` coming back (Decimal money): its share of the
    line's net and of its discount, and the taxable value (and, with SD, SD and VAT) worked
    back from them as at issue (``billing.totals.line_figures``: from the price the customer
    paid for an MRP line). The ``last`` return of a line takes what is left of each figure
    (``before``: what earlier notes returned, :func:`_returned_values`), so a line's returns
    add up to it exactly."""
    sold = LineInput(quantity=quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
                     description=line.description, price_includes_tax=line.price_includes_tax,
                     sd_rate=line.sd_rate)
    net_before, discount_before, taxable_before, sd_before = before
    if last:
        taxable, sd = line.taxable_value - taxable_before, line.sd_amount - sd_before
        figures = LineTotals(line=sold, line_net=line.line_net - net_before,
                             discount=max(ZERO, line.discount - discount_before), taxable_value=taxable,
                             sd_amount=sd if with_sd else ZERO)
        if with_sd:
            figures.tax = quantize_money((taxable + sd) * line.tax_rate / 100)
        return figures
    line_net = quantize_money(line.line_net * quantity / line.quantity)
    discount = min(quantize_money(line.discount * quantity / line.quantity), line_net)
    return line_figures(sold, line_net, discount, with_sd=with_sd)


def _places(value: Decimal) -> int:
    return max(0, -Decimal(value).normalize().as_tuple().exponent)


def _clean_quantities(lines: list[InvoiceLine], quantities: dict, returned: dict[int, Decimal]) -> dict[int, Decimal]:
    """The positive quantities to return per invoice line id; raises ``BillingError`` with
    the line's field (``quantity_<line id>``) for a bad or too large quantity."""
    by_id = {line.pk: line for line in lines}
    wanted: dict[int, Decimal] = {}
    for line_id, quantity in (quantities or {}).items():
        line = by_id.get(int(line_id))
        if line is None:
            raise BillingError(_("Choose lines of this invoice."))
        field = QUANTITY_FIELD.format(line.pk)
        if quantity in (None, ""):
            continue
        try:
            quantity = Decimal(quantity)
        except (ArithmeticError, TypeError, ValueError):
            raise BillingError(_("Enter a quantity such as 1 or 0.500."), field=field) from None
        if not quantity.is_finite() or quantity < 0:
            raise BillingError(_("A returned quantity cannot be negative."), field=field)
        if _places(quantity) > 3:
            raise BillingError(_("Use at most 3 digits after the point."), field=field)
        if quantity == 0:
            continue
        left = line.quantity - returned.get(line.pk, ZERO)
        if quantity > left:
            already = returned.get(line.pk, ZERO)
            values = {"left": f"{left.normalize():f}", "item": line.description,
                      "sold": f"{line.quantity.normalize():f}", "returned": f"{already.normalize():f}"}
            if already:
                message = _("At most %(left)s of %(item)s can be returned: %(sold)s sold (%(returned)s already "
                            "returned).") % values
            else:
                message = _("At most %(left)s of %(item)s can be returned: %(sold)s sold.") % values
            raise BillingError(message, field=field)
        wanted[line.pk] = quantity
    if not wanted:
        raise BillingError(_("Enter the quantity returned of at least one line."))
    return wanted


@transaction.atomic
def credit_note_create(*, shop: Shop, invoice: Invoice, quantities: dict[int, Decimal], reason: str,
                       refund_method: str = CreditNote.RefundMethod.CREDIT,
                       issued_on: datetime.date | None = None, created_by=None, membership=None,
                       idempotency_key: uuid.UUID | None = None) -> CreditNote:
    """Raise a credit note for the returned ``quantities`` of ``invoice``'s lines.

    ``quantities``: ``{invoice line id: quantity (Decimal > 0, ≤ sold less already
    returned)}``; lines left out or at 0 are not returned. ``reason`` is required.
    ``refund_method``: a ``CreditNote.RefundMethod`` value.

    Figures (Decimal, shop currency): each returned line takes the invoice line's price,
    price kind and tax rate, and the returned share of the line's net and of its discount
    (``discount`` is only ever the invoice's discount, never tax); its taxable value is
    worked back from them as at issue (from the price paid for an MRP line), and the last
    return of a line takes exactly what is left of each figure. Tax is computed per rate
    with the invoice's split (CGST + SGST, IGST or plain tax) and the rounding of
    tax-inclusive prices is kept, as at issue (``billing.totals.totals_of_lines``), so a
    returned MRP unit credits what the customer paid for it; on a Bangladeshi invoice
    (Mushak-6.3) each line's SD and VAT are per line on the value with SD. An
    invoice with round-off rounds the note to the whole unit; the note that returns
    everything left of the invoice takes what is left of its total, so all its notes add up
    to the invoice total exactly.

    Settlement (the ledger rule): the total first reduces what is still owed on the
    invoice — a ledger payment (method "other", ``source`` "Credit note CN/…",
    reference the note's number) allocated to the invoice's due, ``applied_to_invoice``.
    The rest was paid already and is given back by ``refund_method``: "credit" posts it
    as a second payment of the same source that the ledger allocates like any payment
    (other open dues, oldest first; what is left is customer credit), ``credit_amount``;
    "cash" pays it out of the drawer (a cash book ``REFUND`` movement linked to the
    invoice); "upi" pays it back by UPI (recorded on the note), ``refund_amount``. A
    walk-in sale has no account: its refund is cash or UPI. ``check_ledger`` stays clean:
    the invoice's due keeps its amount and only takes payments.

    Stock: returned lines of products whose sale moved stock come back with ``RETURN``
    movements. A repeated ``idempotency_key`` returns the first note and writes nothing
    (looked up under the invoice's lock).

    Raises ``BillingError`` (``field`` "reason", "refund_method", "issued_on" or
    ``quantity_<line id>``) for a void invoice, a bad or too large quantity, no reason, a
    date before the invoice's, or credit for a walk-in sale; and
    ``accounts.permissions.PermissionError`` unless the acting ``membership`` (else
    ``created_by``'s) may raise credit notes (``credit_note.create``). Nothing is written then.
    """
    check_actor(shop=shop, action="credit_note.create", membership=membership, user=created_by)
    try:
        invoice = Invoice.objects.select_for_update().get(shop=shop, pk=invoice.pk)
    except Invoice.DoesNotExist:
        raise BillingError(_("Choose an invoice of this shop.")) from None
    if idempotency_key is not None:
        existing = CreditNote.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if invoice.is_voided:
        raise BillingError(_("Invoice %(number)s is void: nothing can be returned against it.")
                           % {"number": invoice.number})
    issued_on = issued_on or timezone.localdate()
    try:
        ledger.check_entry_date(issued_on, field="issued_on")
    except LedgerError as exc:
        raise BillingError(str(exc), field=exc.field) from None
    if issued_on < invoice.issued_on:
        raise BillingError(_("A credit note cannot be dated before its invoice."), field="issued_on")
    reason = " ".join((reason or "").split())
    if not reason:
        raise BillingError(_("Give a reason for the return."), field="reason")
    if refund_method not in CreditNote.RefundMethod.values:
        raise BillingError(_("Choose how the money goes back."), field="refund_method")
    if invoice.customer_id is None and refund_method == CreditNote.RefundMethod.CREDIT:
        raise BillingError(_("A walk-in sale has no account to credit: refund in cash or by UPI."),
                           field="refund_method")

    lines = list(InvoiceLine.objects.filter(shop=shop, invoice=invoice).order_by("position"))
    returned = returned_quantities(invoice=invoice)
    wanted = _clean_quantities(lines, quantities, returned)
    returned_values = _returned_values(invoice)

    # The returned lines' figures, worked out as the invoice's were (billing.totals).
    returned_figures = []
    for line in lines:
        quantity = wanted.get(line.pk)
        if quantity is None:
            continue
        last = quantity == line.quantity - returned.get(line.pk, ZERO)
        returned_figures.append((line, _returned_line(line, quantity, last=last, with_sd=invoice.is_mushak,
                                                      before=returned_values.get(line.pk, (ZERO,) * 4))))
    new_lines = [
        CreditNoteLine(
            shop=shop, invoice_line=line, position=position, product_id=line.product_id,
            description=line.description, hsn_code=line.hsn_code, unit=line.unit, quantity=figures.line.quantity,
            unit_price=line.unit_price, price_includes_tax=line.price_includes_tax, tax_rate=line.tax_rate,
            line_net=figures.line_net, discount=figures.discount, taxable_value=figures.taxable_value,
            sd_rate=line.sd_rate, sd_amount=figures.sd_amount)
        for position, (line, figures) in enumerate(returned_figures, start=1)]
    totals = totals_of_lines([figures for _line, figures in returned_figures], gst_split=invoice.gst_split,
                             inter_state=invoice.is_inter_state, with_sd=invoice.is_mushak)
    sd_total, tax_total = totals.sd_total, totals.tax_total
    before_round = totals.total  # taxable + SD + tax + the rounding of tax-inclusive prices
    credited_before = quantize_money(CreditNote.objects.filter(shop=shop, invoice=invoice).aggregate(
        total=Sum("total"))["total"] or ZERO)
    left_of_total = invoice.total - credited_before
    everything_left = all(wanted.get(line.pk, ZERO) == line.quantity - returned.get(line.pk, ZERO)
                          for line in lines)
    if everything_left:
        total = left_of_total
    elif invoice.round_off:
        total = min(round_to_whole(before_round), left_of_total)
    else:
        total = min(before_round, left_of_total)
    if total <= 0:
        raise BillingError(_("Nothing is left to credit on this invoice."))

    number, year, sequence = credit_note_number_next(shop=shop, day=issued_on)
    # Lock order as invoice_void: the invoice (held), products, then the customer (ledger).
    back: dict[int, Decimal] = defaultdict(lambda: ZERO)
    moved = set(StockMovement.objects.filter(shop=shop, invoice=invoice, kind=StockMovement.Kind.SALE)
                .values_list("product_id", flat=True))
    for new_line in new_lines:
        if new_line.product_id in moved:
            back[new_line.product_id] += new_line.quantity
    products = products_lock(shop=shop, product_ids=back)

    # Settle the total: what is still owed on the invoice first, then the refund (read
    # under the customer's row lock, which the ledger takes again below).
    owed = ZERO
    if invoice.customer_id is not None:
        ledger.customer_lock(shop=shop, customer=invoice.customer)
        if invoice.due_id is not None:
            owed = due_outstanding(invoice.due)
    applied = min(total, owed)
    rest = total - applied
    crediting = rest > 0 and refund_method == CreditNote.RefundMethod.CREDIT

    note = CreditNote(
        shop=shop, number=number, financial_year=year, sequence_number=sequence, invoice=invoice,
        customer_id=invoice.customer_id, issued_on=issued_on, reason=reason[:200],
        is_inter_state=invoice.is_inter_state, gst_split=invoice.gst_split,
        subtotal=sum((li.line_net for li in new_lines), ZERO),
        discount_total=sum((li.discount for li in new_lines), ZERO),
        taxable_total=totals.taxable_total, sd_total=sd_total, tax_total=tax_total,
        round_off_amount=total - totals.taxable_total - sd_total - tax_total,
        total=total, refund_method=refund_method, applied_to_invoice=applied,
        credit_amount=rest if crediting else ZERO, refund_amount=ZERO if crediting else rest,
        created_by=created_by, idempotency_key=idempotency_key)
    note.save()
    for new_line in new_lines:
        new_line.credit_note = note
    CreditNoteLine.objects.bulk_create(new_lines)
    stock_moves(products=products, changes=back, kind=StockMovement.Kind.RETURN,
                reason=_("Credit note %(number)s (invoice %(invoice)s)") % {"number": number,
                                                                             "invoice": invoice.number},
                invoice=invoice, created_by=created_by)

    common = {"shop": shop, "customer": invoice.customer, "received_on": issued_on, "method": Payment.Method.OTHER,
              "reference": number, "created_by": created_by, "source": note.source}
    if applied > 0:
        note.payment = ledger.payment_create(amount=applied, due=invoice.due,
                                             note=_("Return against invoice %(invoice)s") % {"invoice": invoice.number},
                                             **common)
    if crediting:
        note.credit_payment = ledger.payment_create(
            amount=rest, note=_("Credit for return (%(invoice)s)") % {"invoice": invoice.number}, **common)
    elif rest > 0 and refund_method == CreditNote.RefundMethod.CASH:
        record_amount(shop, kind=CashMovement.Kind.REFUND, amount=-rest, invoice=invoice, reference=number,
                      note=_("Credit note %(number)s: %(reason)s") % {"number": number, "reason": reason},
                      created_by=created_by)
    if note.payment or note.credit_payment:
        note.save(update_fields=["payment", "credit_payment"])
    return note


def credit_note_summary(note: CreditNote) -> str:
    """One sentence on how the note was settled, for the flash message and the page."""
    shop = note.shop
    parts = []
    if note.applied_to_invoice:
        # Translators: one part of a sentence on how a credit note was settled; the parts are joined by "; ".
        parts.append(_("%(amount)s off what was owed on %(invoice)s")
                     % {"amount": format_money(note.applied_to_invoice, shop.currency, shop.locale),
                        "invoice": note.invoice.number})
    if note.credit_amount:
        parts.append(_("%(amount)s credited to the customer's account")
                     % {"amount": format_money(note.credit_amount, shop.currency, shop.locale)})
    if note.refund_amount:
        amount = format_money(note.refund_amount, shop.currency, shop.locale)
        if note.refund_method == CreditNote.RefundMethod.CASH:
            parts.append(_("%(amount)s to pay back from the cash drawer") % {"amount": amount})
        else:
            parts.append(_("%(amount)s to pay back by UPI") % {"amount": amount})
    return "; ".join(parts) + "."
