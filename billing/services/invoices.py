"""Issuing and voiding invoices (DESIGN §6).

Issuing is one transaction: take the next number, lock the products sold (in id
order), decrement stock with ``StockMovement`` rows, store the invoice and its line
items, post a ``ledger.Due`` for the total and a ``ledger.Payment`` for what was paid
at the counter (so the unpaid remainder shows on the customer's statement), and record
the cash received and the change given in the cash book. Any refusal rolls all of it
back, number included.

GST (issue #15): a regular shop issues tax invoices; a composition or unregistered shop
(``Shop.gst_mode``) issues bills of supply (rule 49) in their own series, without tax.
The place of supply is the one chosen, else the customer's state, else the shop's; it
makes the supply inter-state (IGST) when it is not the shop's state.

Markets (issue 16): the shop's tax scheme (``Shop.market``) is snapshotted on the invoice
with the seller's and the buyer's tax numbers outside India. In Bangladesh each line
carries supplementary duty (its own SD rate, else its product's) and VAT is computed per
line on the value with SD (``billing.totals``); every other scheme charges no SD. The
payment methods taken at the counter are the market's.
"""

import dataclasses
import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import GstRegistration, Shop
from accounts.permissions import check_actor
from billing.models import LARGE_UNREGISTERED_SUPPLY, Invoice, InvoiceLine, Series, StockMovement
from billing.services import BillingError
from billing.services.cash import cash_sale_record, cash_sale_void, notes_value
from billing.services.catalogue import products_lock, stock_moves
from billing.services.numbering import invoice_number_next, invoice_sequence_lock
from billing.totals import InvoiceTotals, LineInput, TotalsError, compute_totals
from core.gst import STATES, gstin_state
from core.markets import TaxScheme
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
        raise BillingError(_("Add at least one item to the invoice."))
    for line in lines:
        item = {"item": line.description}
        if line.product is not None and line.product.shop_id != shop.pk:
            raise BillingError(_("Choose products of this shop."))
        if line.quantity is None or line.quantity <= 0:
            raise BillingError(_("The quantity of %(item)s must be more than zero.") % item if line.description
                               else _("The quantity of an item must be more than zero."))
        if line.unit_price is None or line.unit_price < 0:
            raise BillingError(_("The price of %(item)s cannot be negative.") % item if line.description
                               else _("The price of an item cannot be negative."))
        if line.tax_rate is None or not 0 <= line.tax_rate <= 100:
            raise BillingError(_("The tax rate of %(item)s must be between 0 and 100.") % item if line.description
                               else _("The tax rate of an item must be between 0 and 100."))
        if line.sd_rate is not None and not 0 <= line.sd_rate <= 100:
            raise BillingError(_("The SD rate of %(item)s must be between 0 and 100.") % item if line.description
                               else _("The SD rate of an item must be between 0 and 100."))
        if not (line.description or "").strip():
            raise BillingError(_("Every item needs a description."))
        # More places than the columns hold would be stored rounded, disagreeing with the totals.
        values = {"item": line.description.strip()}
        if _places(line.quantity) > 3:
            raise BillingError(_("The quantity of %(item)s can have at most %(places)s decimal places.")
                               % {**values, "places": 3})
        if _places(line.unit_price) > 2:
            raise BillingError(_("The price of %(item)s can have at most %(places)s decimal places.")
                               % {**values, "places": 2})
        if _places(line.tax_rate) > 2:
            raise BillingError(_("The tax rate of %(item)s can have at most %(places)s decimal places.")
                               % {**values, "places": 2})
        if line.sd_rate is not None and _places(line.sd_rate) > 2:
            raise BillingError(_("The SD rate of %(item)s can have at most %(places)s decimal places.")
                               % {**values, "places": 2})


def place_of_supply_for(*, shop: Shop, customer: Customer | None, chosen: str = "", buyer_state: str = "") -> str:
    """The place of supply of a sale (a ``core.gst`` state code, or ``""`` when nothing
    says it): ``chosen``, else the customer's state (or its GSTIN's), else a walk-in
    buyer's state (where the goods are delivered), else the shop's (a walk-in sale). Raises
    ``BillingError`` (``field="place_of_supply"``) for an unknown code."""
    if chosen:
        if chosen not in STATES:
            raise BillingError(_("Choose a state from the list."), field="place_of_supply")
        return chosen
    if customer is not None:
        own = customer.state or gstin_state(customer.gstin)
        if own:
            return own
    elif buyer_state in STATES:
        return buyer_state
    return shop.gst_state


def supply_is_inter_state(*, shop: Shop, place_of_supply: str, default: bool = False) -> bool:
    """Whether a supply to ``place_of_supply`` is inter-state (IGST): it is not the shop's
    state. ``default`` (a caller's own flag) when either state is unknown (shops outside
    India, or that chose no state)."""
    if shop.gst_state and place_of_supply:
        return place_of_supply != shop.gst_state
    return default


def _line_for_bill_of_supply(line: LineInput) -> LineInput:
    """A bill of supply charges no tax: the line's price is what the customer pays."""
    return LineInput(quantity=line.quantity, unit_price=line.unit_price, tax_rate=ZERO,
                     description=line.description, product=line.product, hsn_code=line.hsn_code, unit=line.unit,
                     sd_rate=ZERO)


def _line_with_sd_rate(line: LineInput, *, with_sd: bool) -> LineInput:
    """``line`` with the SD rate it is charged: its own, else its product's (Bangladesh,
    ``with_sd``); 0 in every other scheme."""
    if not with_sd:
        rate = ZERO
    elif line.sd_rate is not None:
        rate = line.sd_rate
    else:
        rate = line.product.sd_rate if line.product is not None else ZERO
    return dataclasses.replace(line, sd_rate=rate)


@dataclass
class SaleTerms:
    """How a sale is taxed and numbered, from the shop's GST registration and the place of
    supply: ``series`` (``billing.models.Series``), ``gst_split`` (CGST/SGST or IGST shown),
    ``place_of_supply`` (state code or ""), ``inter_state``, ``registration`` (``Shop.gst_mode``),
    ``tax_scheme`` (the shop's ``core.markets.TaxScheme``)."""

    series: str
    gst_split: bool
    place_of_supply: str
    inter_state: bool
    registration: str
    tax_scheme: str = TaxScheme.GST

    @property
    def is_bill_of_supply(self) -> bool:
        return self.series == Series.BILL_OF_SUPPLY

    @property
    def with_sd(self) -> bool:
        """Bangladesh's VAT and SD: SD and VAT per line (``billing.totals``)."""
        return self.tax_scheme == TaxScheme.VAT_BD


def sale_terms(*, shop: Shop, customer: Customer | None, place_of_supply: str = "",
               inter_state: bool = False, buyer_state: str = "") -> SaleTerms:
    """The :class:`SaleTerms` of a sale by ``shop`` to ``customer`` (``None``: walk-in;
    ``buyer_state``: the walk-in buyer's state, if entered: :func:`place_of_supply_for`).

    ``inter_state`` is a caller's own flag (the API's; the counter sends a place of supply):
    it decides where the shop has no state, and, with no place of supply chosen, a True
    flag is kept when the place would be the shop's own state (inter-state to a state not
    recorded: no place of supply is printed). Raises ``BillingError``
    (``field="place_of_supply"``) for an unknown state code."""
    mode = shop.gst_mode
    place = place_of_supply_for(shop=shop, customer=customer, chosen=place_of_supply, buyer_state=buyer_state)
    if inter_state and not place_of_supply and place and place == shop.gst_state:
        place = ""
    bill_of_supply = mode in (GstRegistration.COMPOSITION, GstRegistration.UNREGISTERED)
    return SaleTerms(series=Series.BILL_OF_SUPPLY if bill_of_supply else Series.INVOICE,
                     gst_split=mode == GstRegistration.REGULAR, place_of_supply=place,
                     inter_state=supply_is_inter_state(shop=shop, place_of_supply=place, default=inter_state),
                     registration=mode, tax_scheme=shop.market.tax_scheme)


def sale_totals(*, terms: SaleTerms, lines: list[LineInput], discount_type: str = Invoice.DiscountType.AMOUNT,
                discount_value: Decimal = ZERO, round_off: bool = False) -> tuple[list[LineInput], InvoiceTotals]:
    """``(lines as charged, totals)`` of a sale on ``terms`` (nothing is written): a bill of
    supply charges no tax (each line's price as it stands); each line's SD rate is the one
    charged (Bangladesh: its own or its product's; 0 elsewhere). Raises ``TotalsError``."""
    if terms.is_bill_of_supply:
        lines = [_line_for_bill_of_supply(line) for line in lines]
    else:
        lines = [_line_with_sd_rate(line, with_sd=terms.with_sd) for line in lines]
    totals = compute_totals(lines, discount_type=discount_type, discount_value=discount_value, round_off=round_off,
                            gst_split=terms.gst_split, inter_state=terms.inter_state, with_sd=terms.with_sd)
    return lines, totals


def buyer_details_missing(*, shop: Shop, terms: SaleTerms, customer: Customer | None, total: Decimal,
                          buyer_name: str = "", buyer_state: str = "", delivery_address: str = ""
                          ) -> BillingError | None:
    """What a tax invoice of ``total`` (Decimal) still lacks under GST rule 46(e), as the
    ``BillingError`` to raise (``field`` "buyer_name", "delivery_address" or
    "buyer_state"), or ``None``. A regular GST shop's tax invoice of
    ``billing.models.LARGE_UNREGISTERED_SUPPLY`` (₹50,000) or more to a buyer without a GSTIN
    prints the buyer's name, the delivery address and the state's name and code: a walk-in
    sale needs ``buyer_name``, ``delivery_address`` and ``buyer_state`` (a state code)
    entered at the counter; a customer's sale needs the customer's address or a
    ``delivery_address`` (the state is the customer's, else the place of supply)."""
    if not terms.gst_split or total < LARGE_UNREGISTERED_SUPPLY or (customer is not None and customer.gstin):
        return None
    values = {"amount": format_money(LARGE_UNREGISTERED_SUPPLY, shop.currency, shop.locale)}
    if customer is not None:
        if (delivery_address or "").strip() or (customer.address or "").strip():
            return None
        return BillingError(_("%(name)s has no address: a tax invoice of %(amount)s or more to a buyer without a "
                              "GSTIN must show the delivery address (GST rule 46). Enter it here, or add it to the "
                              "customer.") % {**values, "name": customer.name}, field="delivery_address")
    if not (buyer_name or "").strip():
        return BillingError(_("A walk-in tax invoice of %(amount)s or more must show the buyer's name (GST rule 46). "
                              "Enter it under “Buyer's details”, or choose a customer.") % values, field="buyer_name")
    if not (delivery_address or "").strip():
        return BillingError(_("A walk-in tax invoice of %(amount)s or more must show the delivery address (GST rule "
                              "46). Enter it.") % values, field="delivery_address")
    if not buyer_state:
        return BillingError(_("A walk-in tax invoice of %(amount)s or more must show the buyer's state (GST rule 46). "
                              "Choose it.") % values, field="buyer_state")
    return None


def check_payment_method(*, shop: Shop, method: str) -> None:
    """Refuse (``BillingError``, ``field="payment_method"``) a method the shop's market does
    not take at the counter (``core.markets.Market.payment_methods``: UPI in India, bKash
    and Nagad in Bangladesh, M-Pesa in Kenya; cash, card and bank everywhere)."""
    if method not in shop.market.payment_methods:
        raise BillingError(_("Choose one of the payment methods offered."), field="payment_method")


@transaction.atomic
def invoice_issue(*, shop: Shop, lines: list[LineInput], customer: Customer | None = None,
                  issued_on: datetime.date | None = None, discount_type: str = Invoice.DiscountType.AMOUNT,
                  discount_value: Decimal = ZERO, round_off: bool = False, inter_state: bool = False,
                  place_of_supply: str = "", delivery_address: str = "", buyer_name: str = "",
                  buyer_state: str = "", amount_paid: Decimal = ZERO,
                  payment_method: str = Payment.Method.CASH,
                  cash_tendered: Decimal | None = None, notes_tendered: dict[Decimal, int] | None = None,
                  due_date: datetime.date | None = None,
                  notes: str = "", created_by=None, idempotency_key: uuid.UUID | None = None,
                  membership=None) -> Invoice:
    """Issue an invoice and post it to stock, the ledger and the drawer.

    ``lines`` are :class:`billing.totals.LineInput` (product optional: a line without
    one moves no stock; a price may include tax). A regular GST shop issues a tax invoice,
    a composition or unregistered shop a bill of supply (``BOS/…`` series, no tax: each
    line's price is what is charged). ``place_of_supply`` (a ``core.gst`` state code, ""
    for the default: the customer's state, else the shop's) decides CGST+SGST or IGST;
    ``inter_state`` only counts where the shop has no state (outside India).
    ``delivery_address`` is printed on the invoice (blank: the customer's address).
    ``buyer_name`` and ``buyer_state`` (a ``core.gst`` state code) name a walk-in buyer
    (ignored with a ``customer``); they are saved as the invoice's recipient, with the
    delivery address as the buyer's address, and the buyer's state is the default place of
    supply. A regular GST shop's tax invoice of ₹50,000 or
    more to a buyer without a GSTIN must have them (:func:`buyer_details_missing`).
    ``amount_paid`` (Decimal, 0…total) is what was paid at the counter; a walk-in sale (no
    ``customer``) must be paid in full; ``payment_method`` is one of the market's
    (:func:`check_payment_method`). With cash and
    ``cash_tendered`` above the amount paid, the change is taken from the drawer.
    ``notes_tendered`` (``{value (Decimal): count (int)}``, optional, cash only) are the
    notes the customer handed over: they go into the drawer's counts, may come back as
    change, and set ``cash_tendered`` (which, if given too, must equal them). A cash sale's
    cash in and change out are cash book movements (``billing.services.cash``).
    A repeated ``idempotency_key`` (the counter form's one-time key) returns the invoice
    issued the first time and writes nothing; it is looked up under the lock of the
    year's invoice sequence, so a concurrent repeat waits for the first.
    ``membership``: the acting user's (a view passes ``request.membership``); raises
    ``accounts.permissions.PermissionError`` unless its role may ``sale.create`` (``None``:
    a command or task, not checked); it is passed on to the ledger's due and payment.
    Raises ``BillingError`` (with ``field`` where it belongs to one) and writes nothing.
    """
    membership = check_actor(shop=shop, action="sale.create", membership=membership)
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
        raise BillingError(_("Choose an active customer of this shop."), field="customer")
    check_payment_method(shop=shop, method=payment_method)
    buyer_name = " ".join((buyer_name or "").split())[:120] if customer is None else ""
    buyer_state = (buyer_state or "") if customer is None else ""
    if buyer_state and buyer_state not in STATES:
        raise BillingError(_("Choose a state from the list."), field="buyer_state")
    terms = sale_terms(shop=shop, customer=customer, place_of_supply=place_of_supply, inter_state=inter_state,
                       buyer_state=buyer_state if buyer_name else "")
    series, gst_split, place, inter_state = terms.series, terms.gst_split, terms.place_of_supply, terms.inter_state
    try:
        lines, totals = sale_totals(terms=terms, lines=lines, discount_type=discount_type,
                                    discount_value=discount_value, round_off=round_off)
    except TotalsError as exc:
        raise BillingError(str(exc), field="discount_value") from None
    delivery_address = (delivery_address or "").strip()
    missing = buyer_details_missing(shop=shop, terms=terms, customer=customer, total=totals.total,
                                    buyer_name=buyer_name, buyer_state=buyer_state,
                                    delivery_address=delivery_address)
    if missing is not None:
        raise missing
    amount_paid = quantize_money(amount_paid or ZERO)
    if amount_paid < 0:
        raise BillingError(_("The amount paid cannot be negative."), field="amount_paid")
    if amount_paid > totals.total:
        raise BillingError(_("The amount paid is more than the invoice total of %(total)s.")
                           % {"total": format_money(totals.total, shop.currency, shop.locale)}, field="amount_paid")
    if customer is None and amount_paid != totals.total:
        raise BillingError(_("A walk-in sale must be paid in full. Choose a customer to sell on credit."),
                           field="amount_paid")
    change = ZERO
    if payment_method != Payment.Method.CASH:
        cash_tendered = notes_tendered = None
    if notes_tendered:
        in_notes = notes_value(notes_tendered)
        if cash_tendered is not None and quantize_money(cash_tendered) != in_notes:
            raise BillingError(_("The notes tendered add up to %(notes)s, not %(tendered)s. Correct one of them, or "
                                 "leave cash tendered empty.")
                               % {"notes": format_money(in_notes, shop.currency, shop.locale),
                                  "tendered": format_money(cash_tendered, shop.currency, shop.locale)},
                               field="cash_tendered")
        cash_tendered = in_notes
    if cash_tendered is not None:
        cash_tendered = quantize_money(cash_tendered)
        if cash_tendered < amount_paid:
            raise BillingError(_("The cash tendered is less than the amount paid."), field="cash_tendered")
        change = cash_tendered - amount_paid

    number, year, sequence = invoice_number_next(shop=shop, day=issued_on, series=series)
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
    with_tax_numbers = terms.tax_scheme in (TaxScheme.VAT_BD, TaxScheme.VAT_KE)
    invoice = Invoice.objects.create(
        shop=shop, number=number, series=series, financial_year=year, sequence_number=sequence, customer=customer,
        issued_on=issued_on, is_inter_state=inter_state, gst_split=gst_split, supplier_gstin=shop.gstin,
        supplier_state=shop.gst_state, supplier_registration=terms.registration, place_of_supply=place,
        recipient_name=customer.name if customer else buyer_name,
        recipient_gstin=customer.gstin if customer else "",
        recipient_state=((customer.state or gstin_state(customer.gstin)) if customer
                         else buyer_state if buyer_name else ""),
        recipient_address=customer.address if customer else delivery_address if buyer_name else "",
        delivery_address=delivery_address,
        reverse_charge=False, tax_scheme=terms.tax_scheme,
        supplier_tax_number=shop.tax_number if with_tax_numbers else "",
        recipient_tax_number=customer.tax_number if customer and with_tax_numbers else "",
        discount_type=discount_type,
        discount_value=discount_value or ZERO, round_off=round_off, subtotal=totals.subtotal,
        discount_total=totals.discount_total, taxable_total=totals.taxable_total, sd_total=totals.sd_total,
        tax_total=totals.tax_total,
        round_off_amount=totals.round_off_amount, total=totals.total, paid_at_counter=amount_paid,
        payment_method=payment_method, cash_tendered=cash_tendered, change_given=change,
        notes=notes.strip()[:200], created_by=created_by, idempotency_key=idempotency_key,
    )
    InvoiceLine.objects.bulk_create([
        InvoiceLine(shop=shop, invoice=invoice, position=i, product=lt.line.product,
                    description=lt.line.description.strip()[:200],
                    hsn_code=lt.line.hsn_code or (lt.line.product.hsn_code if lt.line.product else ""),
                    unit=lt.line.unit or (lt.line.product.unit if lt.line.product else ""),
                    quantity=lt.line.quantity, unit_price=lt.line.unit_price,
                    price_includes_tax=lt.line.price_includes_tax, tax_rate=lt.line.tax_rate,
                    line_net=lt.line_net, discount=lt.discount, taxable_value=lt.taxable_value,
                    sd_rate=lt.line.sd_rate or ZERO, sd_amount=lt.sd_amount)
        for i, lt in enumerate(totals.lines, start=1)
    ])

    # The stock of every tracked product sold: one UPDATE and one INSERT of movements, however many lines.
    stock_moves(products=products, changes={pk: -quantity for pk, quantity in sold.items() if products[pk].track_stock},
                kind=StockMovement.Kind.SALE, reason=_("Invoice %(number)s") % {"number": number}, invoice=invoice,
                created_by=created_by)

    if customer is not None and totals.total > 0:
        # ``source`` stays in English: it names the document for the ledger, which reads it back.
        invoice.due = ledger.due_create(shop=shop, customer=customer, amount=totals.total,
                                        description=_("Invoice %(number)s") % {"number": number},
                                        incurred_on=issued_on, due_date=due_date, created_by=created_by,
                                        source=f"Invoice {number}", membership=membership)
        if amount_paid > 0:
            outstanding = due_outstanding(invoice.due)
            invoice.payment = ledger.payment_create(
                shop=shop, customer=customer, amount=amount_paid, received_on=issued_on, method=payment_method,
                reference=number, note=_("Paid at the counter"),
                due=invoice.due if 0 < amount_paid <= outstanding else None, created_by=created_by, at_counter=True,
                source=f"Invoice {number}", membership=membership)
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
        raise BillingError(_("Give a reason for voiding."), field="reason")
    invoice = Invoice.objects.select_for_update().get(shop=shop, pk=invoice.pk)
    if invoice.is_voided:
        raise BillingError(_("This invoice is already void."))
    notes = list(invoice.credit_notes.values_list("number", flat=True))
    if notes:
        raise BillingError(_("Invoice %(number)s has credit notes (%(notes)s): goods were returned against it, so "
                             "it cannot be voided. Raise a credit note for what is left instead.")
                           % {"number": invoice.number, "notes": ", ".join(notes)})
    # Give back exactly what the sale took (its SALE movements), even if a product's
    # "track stock" flag has changed since.
    returned: dict[int, Decimal] = {}
    for movement in StockMovement.objects.filter(shop=shop, invoice=invoice, kind=StockMovement.Kind.SALE):
        returned[movement.product_id] = returned.get(movement.product_id, ZERO) - movement.quantity
    products = products_lock(shop=shop, product_ids=returned)
    stock_moves(products=products, changes=returned, kind=StockMovement.Kind.SALE_VOID,
                reason=_("Invoice %(number)s voided") % {"number": invoice.number}, invoice=invoice,
                created_by=voided_by)
    ledger_reason = (_("Invoice %(number)s voided: %(reason)s") % {"number": invoice.number, "reason": reason})[:200]
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
