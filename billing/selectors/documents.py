"""What an invoice document (A4 page, 80 mm receipt, PDF) shows, gathered in a fixed
number of queries whatever the number of lines.

The lines are the stored snapshots (description, HSN, unit, price, tax rate, taxable
value, SD); the tax breakdown by rate is recomputed from them with ``billing.totals`` and
adds up to the stored ``Invoice.tax_total``.

The layout follows the invoice's tax scheme (issue 16): India's GST tax invoice or bill of
supply, or a plain invoice; Bangladesh's VAT invoice in the Mushak-6.3 layout (VAT and SD
Act 2012 s.51; VAT and SD Rules 2016 rule 40(1)(c),(f)): the seller's and the buyer's BIN,
the date and time of issue, per line the SD and VAT with their rates and the value with
all duties and taxes, and the totals of each money column; Kenya's VAT invoice: the
seller's and the buyer's KRA PIN, the eTIMS control unit invoice number and the
verification QR code, and the M-Pesa till or paybill.
"""

import datetime
import logging
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import segno
from babel.numbers import get_currency_symbol
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import LARGE_UNREGISTERED_SUPPLY, Invoice, InvoiceLine
from billing.totals import LineInput, compute_totals
from billing.words import amount_in_words
from core.gst import state_label
from core.locales import CURRENCY_SYMBOLS
from core.markets import TaxScheme
from core.money import ZERO, quantize_money
from ledger.markets import pay_by

logger = logging.getLogger(__name__)

#: Rule 46(e): an unregistered recipient's invoice of this value or more carries the
#: delivery address and the state's name and code (``billing.models``).
DELIVERY_DETAILS_FROM = LARGE_UNREGISTERED_SUPPLY
#: The words rule 49 / section 31(3)(c) ask of a composition taxable person's bill of supply.
COMPOSITION_NOTE = gettext_lazy("Composition taxable person, not eligible to collect tax on supplies")


def plain_number(value: Decimal) -> str:
    """``Decimal("18.00")`` → ``"18"``, ``Decimal("2.500")`` → ``"2.5"`` (rates, quantities)."""
    return format(Decimal(value).normalize(), "f")


@dataclass
class DocumentTaxRow:
    """Tax at one rate (percent): taxable value and its tax, all ``Decimal`` money.

    ``cgst``/``sgst`` each at ``half_rate`` (intra-state GST), ``igst`` at ``rate``
    (inter-state) or just ``tax``; ``tax`` is always the row's total tax. ``sd``: the
    supplementary duty of the lines at the rate (Bangladesh), on which VAT is charged too."""

    rate: Decimal
    rate_label: str
    half_rate_label: str
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    tax: Decimal
    sd: Decimal = ZERO


def invoice_tax_rows(*, invoice: Invoice, lines: list[InvoiceLine], with_sd: bool | None = None
                     ) -> list[DocumentTaxRow]:
    """The tax breakdown by rate, lowest rate first, from the stored lines.

    The stored taxable values are summed per rate and taxed with the same formula as at
    issue (``billing.totals.compute_totals``, one input per rate, no discount: the
    discount is already inside the taxable values), as CGST+SGST, IGST or plain tax per
    ``invoice.gst_split`` and ``invoice.is_inter_state``. With SD (``with_sd``, default:
    a Mushak-6.3 invoice) VAT is per line, as at issue: each line's stored SD and the VAT on
    its taxable value with SD (``billing.totals.sd_and_vat``), summed per rate.
    """
    if with_sd is None:
        with_sd = invoice.tax_scheme == TaxScheme.VAT_BD
    if with_sd:
        rows: dict[Decimal, DocumentTaxRow] = {}
        for line in lines:
            rate = Decimal(line.tax_rate).normalize()
            row = rows.setdefault(rate, DocumentTaxRow(
                rate=rate, rate_label=plain_number(rate), half_rate_label=plain_number(rate / 2),
                taxable_value=ZERO, cgst=ZERO, sgst=ZERO, igst=ZERO, tax=ZERO))
            row.taxable_value += line.taxable_value
            row.sd += line.sd_amount
            row.tax += line_vat(line)
        return [rows[rate] for rate in sorted(rows)]
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_rate[Decimal(line.tax_rate).normalize()] += line.taxable_value
    totals = compute_totals(
        [LineInput(quantity=Decimal(1), unit_price=taxable, tax_rate=rate) for rate, taxable in by_rate.items()],
        gst_split=invoice.gst_split, inter_state=invoice.is_inter_state,
    )
    return [
        DocumentTaxRow(rate=row.rate, rate_label=plain_number(row.rate), half_rate_label=plain_number(row.rate / 2),
                       taxable_value=row.taxable_value, cgst=row.cgst, sgst=row.sgst, igst=row.igst, tax=row.tax)
        for row in totals.tax_rows
    ]


def line_vat(line) -> Decimal:
    """The VAT of one stored Mushak-6.3 line (Decimal money): on its taxable value with its
    SD, rounded half up as at issue (``billing.totals.sd_and_vat``)."""
    return quantize_money((line.taxable_value + line.sd_amount) * line.tax_rate / 100)


def issue_time(invoice: Invoice) -> datetime.datetime:
    """When ``invoice`` was issued (its ``created_at``) in its shop's local time
    (``core.markets.Market.time_zone``, else the site's time zone)."""
    zone = invoice.shop.market.time_zone
    return timezone.localtime(invoice.created_at, zoneinfo.ZoneInfo(zone) if zone else None)


def currency_symbol(currency: str, locale: str) -> str:
    """The symbol amounts of ``currency`` are written with (``"৳"``, ``"KSh"``, ``"₹"``)."""
    if currency in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[currency]
    try:
        return get_currency_symbol(currency, locale=locale)
    except (ValueError, LookupError):
        return currency


def etims_qr_svg(url: str) -> str:
    """The QR code of an eTIMS verification ``url`` as an inline ``<svg>`` element."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=3, border=2, dark="#000", light="#fff", svgclass="etims-qr", lineclass=None)


def _mushak(lines: list[InvoiceLine]) -> dict:
    """Mushak-6.3 per line (added to each line: ``vat_amount``, ``value_with_taxes``,
    ``sd_rate_label``) and the totals of each money column (dict: line_net, discount,
    taxable_value, sd_amount, vat_amount, value_with_taxes; Decimal money)."""
    keys = ("line_net", "discount", "taxable_value", "sd_amount", "vat_amount", "value_with_taxes")
    totals = dict.fromkeys(keys, ZERO)
    for line in lines:
        line.vat_amount = line_vat(line)
        line.value_with_taxes = line.taxable_value + line.sd_amount + line.vat_amount
        line.sd_rate_label = plain_number(line.sd_rate)
        for key in keys:
            totals[key] += getattr(line, key)
    return totals


def document_parties(invoice: Invoice) -> dict:
    """Who an invoice (and a credit note against it) names, from the copy saved at issue
    (rule 46 for an invoice, rule 53(1A) for a credit note): ``supplier_gstin``,
    ``place_of_supply`` (``"Maharashtra (27)"``, ``""`` when none), ``reverse_charge``
    (``"No"``/``"Yes"``), ``recipient`` (dict: name, gstin, address, state (a label),
    tax_number) — the customer's details as saved, or a walk-in buyer's entered at the
    counter; ``None`` for a walk-in sale without them — and ``delivery_address`` with
    ``delivery_state`` (a label). The delivery address is printed when not blank: a B2B
    invoice delivered elsewhere, or an unregistered recipient's invoice of ₹50,000 or more
    (``DELIVERY_DETAILS_FROM``), then with the state's name and code. Reads
    ``invoice.customer`` for invoices from before the saved copy (no query when loaded)."""
    recipient = None
    if invoice.customer_id is not None:
        recipient = {"name": invoice.recipient_name or invoice.customer.name, "gstin": invoice.recipient_gstin,
                     "address": invoice.recipient_address if invoice.recipient_name else invoice.customer.address,
                     "state": state_label(invoice.recipient_state), "tax_number": invoice.recipient_tax_number}
    elif invoice.recipient_name:  # a walk-in buyer's details, entered at the counter
        recipient = {"name": invoice.recipient_name, "gstin": "", "address": invoice.recipient_address,
                     "state": state_label(invoice.recipient_state), "tax_number": ""}
    large_unregistered = (recipient is not None and not invoice.recipient_gstin
                          and invoice.total >= DELIVERY_DETAILS_FROM)
    delivery_address = invoice.delivery_address
    if large_unregistered and not delivery_address:
        delivery_address = recipient["address"]
    if delivery_address and recipient and not large_unregistered and delivery_address == recipient["address"]:
        delivery_address = ""
    return {
        "supplier_gstin": invoice.supplier_gstin or (invoice.shop.gstin if invoice.gst_split else ""),
        "place_of_supply": state_label(invoice.place_of_supply),
        "reverse_charge": _("Yes") if invoice.reverse_charge else _("No"),
        "recipient": recipient,
        "delivery_address": delivery_address,
        "delivery_state": (recipient["state"] or state_label(invoice.place_of_supply)) if large_unregistered else "",
    }


def invoice_document(*, invoice: Invoice) -> dict:
    """Everything an invoice document needs, as a dict for the template context.

    Queries: the lines (one), plus the shop, the customer and the ledger due unless
    ``invoice`` was fetched with ``select_related("shop", "customer", "due")`` —
    constant in the number of lines. Keys (money is ``Decimal`` in the shop's currency):

    - ``invoice``, ``shop``, ``customer`` (``None`` for a walk-in sale)
    - ``title``: ``"Tax Invoice"`` (GST, Bangladeshi or Kenyan VAT invoice), ``"Bill of
      Supply"`` or ``"Invoice"``;
      ``is_tax_invoice``, ``is_bill_of_supply``, ``composition_note`` (the rule 49 words
      for a composition shop, else ``""``)
    - GST fields (rule 46, :func:`document_parties`): ``supplier_gstin``,
      ``place_of_supply`` (``"Maharashtra (27)"``, ``""`` when none), ``reverse_charge``
      (``"No"``/``"Yes"``), ``recipient`` (dict: name, gstin, address, state: a label) or
      ``None`` for a walk-in sale without a buyer's details, ``delivery_address`` (printed
      when not blank: a B2B invoice delivered elsewhere, or an unregistered recipient's
      invoice of ₹50,000 or more: then with ``delivery_state``)
    - ``lines``: ``InvoiceLine`` list with ``quantity_label`` and ``rate_label`` added
    - ``has_hsn``, ``has_discount``; ``shows_taxable`` (a "Taxable value" total is printed:
      it differs from the subtotal, after a discount or with tax-inclusive prices)
    - ``tax_mode``: ``"cgst_sgst"``, ``"igst"`` or ``"tax"``; ``tax_rows``
      (:class:`DocumentTaxRow`) and ``tax_row_totals`` (dict: taxable_value, cgst,
      sgst, igst, tax); ``tax_matches`` (their tax equals the stored ``tax_total``)
    - ``discount_label``: e.g. ``"10%"`` or ``""`` for an amount discount
    - ``subtotal``, ``discount_total``, ``taxable_total``, ``tax_total``,
      ``round_off_amount``, ``total``, ``paid``, ``balance``, ``cash_tendered``,
      ``change_given``; ``due_date`` (of the unpaid balance, from the ledger due, or ``None``)
    - ``payment_method``, ``payment_status`` (labels), ``amount_in_words``
    - ``is_voided``, ``voided_at``, ``void_reason``
    - ``filename``: ``"INV-26-27-0001.pdf"`` (the number with ``/`` as ``-``)
    - markets (issue 16): ``tax_scheme``; ``is_mushak`` (Bangladesh's Mushak-6.3 layout)
      with ``mushak_totals`` (:func:`_mushak`; each line also gets ``vat_amount``,
      ``value_with_taxes`` and ``sd_rate_label``) and ``authorised_person`` (the name of the
      user who issued it); ``is_kenya_vat`` with ``etims_cu_number``, ``etims_qr_url`` and
      ``etims_qr_svg`` (``""`` without a link); ``supplier_tax_number`` and the recipient's
      ``tax_number`` (BIN / KRA PIN); ``sd_total``; on Bangladeshi and Kenyan invoices
      ``time_of_issue`` (``"14:05"``, local: :func:`issue_time`) and ``currency_symbol``
      (``"৳"``); ``mobile_money`` (the shop's bKash/Nagad number or M-Pesa till or paybill,
      ``""`` in India) and ``mobile_money_label`` (``"M-Pesa"``: ``ledger.markets.pay_by``)
    """
    shop = invoice.shop
    lines = list(InvoiceLine.objects.filter(shop_id=invoice.shop_id, invoice_id=invoice.pk).order_by("position"))
    for line in lines:
        line.quantity_label = plain_number(line.quantity)
        line.rate_label = plain_number(line.tax_rate)

    tax_rows = invoice_tax_rows(invoice=invoice, lines=lines)
    tax_row_totals = {
        key: sum((getattr(row, key) for row in tax_rows), ZERO)
        for key in ("taxable_value", "cgst", "sgst", "igst", "tax", "sd")
    }
    tax_matches = tax_row_totals["tax"] == invoice.tax_total
    if not tax_matches:
        logger.error("Invoice %s (pk %s): tax by rate %s differs from the stored tax total %s",
                     invoice.number, invoice.pk, tax_row_totals["tax"], invoice.tax_total)

    if invoice.is_bill_of_supply:
        tax_mode = "none"
    elif not invoice.gst_split:
        tax_mode = "tax"
    elif invoice.is_inter_state:
        tax_mode = "igst"
    else:
        tax_mode = "cgst_sgst"

    discount_label = ""
    if invoice.discount_total and invoice.discount_type == Invoice.DiscountType.PERCENT:
        discount_label = f"{plain_number(invoice.discount_value)}%"

    if invoice.is_bill_of_supply:
        title = _("Bill of Supply")
    elif invoice.gst_split or invoice.is_mushak or invoice.is_kenya_vat:
        title = _("Tax Invoice")
    else:
        title = _("Invoice")
    mobile = pay_by(shop)
    if mobile is not None and mobile.is_upi:
        mobile = None  # India's UPI has its own block (the UPI ID and QR code)
    markets = {
        "tax_scheme": invoice.tax_scheme,
        "is_mushak": invoice.is_mushak,
        "is_kenya_vat": invoice.is_kenya_vat,
        "supplier_tax_number": invoice.supplier_tax_number,
        "sd_total": invoice.sd_total,
        "mobile_money": mobile.account if mobile else "",
        "mobile_money_label": mobile.label if mobile else "",
    }
    if invoice.is_mushak or invoice.is_kenya_vat:
        # A string: the template's time filter would turn a datetime back to the site's zone.
        markets["time_of_issue"] = issue_time(invoice).strftime("%H:%M")
        markets["currency_symbol"] = currency_symbol(shop.currency, shop.locale)
    if invoice.is_mushak:
        markets["mushak_totals"] = _mushak(lines)
        user = invoice.created_by
        markets["authorised_person"] = (user.get_full_name() or user.username) if user else ""
    if invoice.is_kenya_vat:
        markets.update(etims_cu_number=invoice.etims_cu_number, etims_qr_url=invoice.etims_qr_url,
                       etims_qr_svg=etims_qr_svg(invoice.etims_qr_url) if invoice.etims_qr_url else "")

    return {
        "invoice": invoice,
        "shop": shop,
        "customer": invoice.customer,
        "title": title,
        "is_tax_invoice": invoice.gst_split,
        "is_bill_of_supply": invoice.is_bill_of_supply,
        "composition_note": str(COMPOSITION_NOTE) if invoice.supplier_registration == "composition" else "",
        **document_parties(invoice),
        "lines": lines,
        "has_hsn": any(line.hsn_code for line in lines),
        "has_discount": invoice.discount_total > 0,
        "shows_taxable": invoice.taxable_total != invoice.subtotal,
        "tax_mode": tax_mode,
        "tax_rows": tax_rows,
        "tax_row_totals": tax_row_totals,
        "tax_matches": tax_matches,
        "discount_label": discount_label,
        "subtotal": invoice.subtotal,
        "discount_total": invoice.discount_total,
        "taxable_total": invoice.taxable_total,
        "tax_total": invoice.tax_total,
        "round_off_amount": invoice.round_off_amount,
        "total": invoice.total,
        "paid": invoice.amount_paid,
        "balance": invoice.balance_due,
        "due_date": invoice.due.due_date if invoice.due_id and invoice.balance_due > 0 else None,
        "cash_tendered": invoice.cash_tendered,
        "change_given": invoice.change_given,
        "payment_method": invoice.get_payment_method_display(),
        "payment_status": invoice.get_payment_status_display(),
        "amount_in_words": amount_in_words(invoice.total, shop.currency, shop.locale),
        "is_voided": invoice.is_voided,
        "voided_at": invoice.voided_at,
        "void_reason": invoice.void_reason,
        "filename": f"{invoice.number.replace('/', '-')}.pdf",
        **markets,
    }
