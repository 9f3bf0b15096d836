"""Credit note reads: the list, and what a credit note document (A4, receipt, PDF) shows."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Shop
from billing.models import CreditNote, CreditNoteLine
from billing.selectors.documents import document_parties, invoice_tax_rows, plain_number
from billing.words import amount_in_words
from core.money import ZERO


def credit_note_list(*, shop: Shop, invoice=None) -> QuerySet:
    """Credit notes of ``shop`` (of ``invoice`` when given), newest first, with their
    invoice and customer loaded."""
    qs = CreditNote.objects.filter(shop=shop).select_related("invoice", "customer")
    if invoice is not None:
        qs = qs.filter(invoice=invoice)
    return qs.order_by("-issued_on", "-financial_year", "-sequence_number")


def credit_note_document(*, note: CreditNote) -> dict:
    """Everything a credit note document needs (template context), in the shape of
    ``billing.selectors.documents.invoice_document`` where they share a meaning: ``note``,
    ``invoice``, ``shop``, ``customer``, ``title`` ("Credit Note"), ``is_tax_invoice``,
    ``lines`` (``CreditNoteLine`` with ``quantity_label``/``rate_label``), ``has_hsn``,
    ``has_discount`` (the invoice's discount came off: never tax), ``shows_taxable`` (the
    taxable value differs from the subtotal: a discount, or tax-inclusive prices),
    ``tax_mode``, ``tax_rows`` and ``tax_row_totals`` (per rate with the invoice's split;
    Bangladesh: with SD, VAT per line), the stored totals (Decimal; ``sd_total`` too),
    ``amount_in_words``, ``filename`` (``"CN-26-27-0001.pdf"``).

    Rule 53(1A) of the CGST Rules: the parties come from the invoice's copy saved at issue
    (``billing.selectors.documents.document_parties``): ``supplier_gstin``,
    ``place_of_supply`` (``"Karnataka (29)"``), ``recipient`` (name, GSTIN, address, state
    label; ``None`` for a walk-in sale without a buyer's details), ``delivery_address`` and
    ``delivery_state``; the original invoice's number and date are ``invoice.number`` and
    ``invoice.issued_on``. One query for the lines (load ``note`` with
    ``select_related("shop", "invoice", "customer")``)."""
    shop = note.shop
    invoice = note.invoice
    invoice.shop = shop  # the same rows, already loaded with the note
    if invoice.customer_id is not None and invoice.customer_id == note.customer_id:
        invoice.customer = note.customer
    lines = list(CreditNoteLine.objects.filter(shop_id=note.shop_id, credit_note_id=note.pk).order_by("position"))
    for line in lines:
        line.quantity_label = plain_number(line.quantity)
        line.rate_label = plain_number(line.tax_rate)
    tax_rows = invoice_tax_rows(invoice=note, lines=lines, with_sd=invoice.is_mushak)
    tax_row_totals = {key: sum((getattr(row, key) for row in tax_rows), ZERO)
                      for key in ("taxable_value", "cgst", "sgst", "igst", "tax", "sd")}
    if not note.gst_split:
        tax_mode = "tax"
    elif note.is_inter_state:
        tax_mode = "igst"
    else:
        tax_mode = "cgst_sgst"
    return {
        "note": note, "invoice": invoice, "shop": shop, "customer": note.customer,
        "title": _("Credit Note"), "is_tax_invoice": note.gst_split, "lines": lines,
        **document_parties(invoice),
        "has_hsn": any(line.hsn_code for line in lines), "has_discount": note.discount_total > 0,
        "shows_taxable": note.taxable_total != note.subtotal,
        "tax_mode": tax_mode, "tax_rows": tax_rows, "tax_row_totals": tax_row_totals,
        "subtotal": note.subtotal, "discount_total": note.discount_total, "taxable_total": note.taxable_total,
        "sd_total": note.sd_total, "tax_total": note.tax_total, "round_off_amount": note.round_off_amount,
        "total": note.total,
        "amount_in_words": amount_in_words(note.total, shop.currency, shop.locale),
        "filename": f"{note.number.replace('/', '-')}.pdf",
    }
