"""GST summary of a month (issue #12), in the shape of GSTR-1 plus GSTR-3B table 3.1.

Sections (money is ``Decimal`` in rupees; every figure excludes void invoices unless
said otherwise):

- **B2B** by recipient GSTIN: each invoice to a registered recipient (its GSTIN on the
  invoice, ``Invoice.recipient_gstin``), by rate, with its number, date, value, place of
  supply and reverse charge, ordered by GSTIN then number. These are not in B2C.
- **B2C large**: inter-state invoices whose value (``Invoice.total``) is over ₹2.5 lakh,
  by place of supply (state) and rate; **B2C small**: every other invoice, by place of
  supply and rate, as GSTR-1 splits them. Invoices issued before the place of supply was
  stored have none: their rows say "state: not recorded".
- **HSN summary**: HSN, UQC (from the line's unit), quantity, taxable value and tax by
  head (CGST/SGST/IGST), by HSN, unit and rate.
- **Documents**: per invoice series (financial year), the first and last number issued
  in the month, how many, and how many cancelled (void).
- **GSTR-3B 3.1(a)** (taxable outward supplies, rate > 0) and **3.1(c)** (nil rated).

Rounding: the GST portal rounds each invoice's tax (per rate, per head) to two decimals
and then sums. The invoice × rate sums come from one GROUP BY query; the tax of each of
those rows is computed with the formula used at issue (``billing.totals.compute_totals``,
as ``billing.selectors.documents.invoice_tax_rows`` does) and summed, so the summary's
tax equals the sum of the invoices' stored ``tax_total``. The HSN summary has no
per-invoice figure to round: its tax is rounded per HSN row and may differ from the
sections by a few paise.

Only invoices issued with the GST split (``Invoice.gst_split``: the shop had a GSTIN)
are in the sections; others are counted in ``non_gst_invoices``. Queries: six, fixed
(the sixth reads the month's credit notes, :func:`gst_credit_notes`).
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.utils.translation import gettext, gettext_noop

from accounts.models import Shop
from billing.models import CreditNoteLine, Invoice, InvoiceLine, Product
from billing.selectors.documents import plain_number
from billing.totals import LineInput, compute_totals
from core.gst import state_label
from core.money import ZERO, quantize_money

HUNDRED = Decimal(100)
#: The B2C rows' state for invoices issued before the place of supply was stored.
NO_STATE = gettext_noop("not recorded")
#: GSTR-1 B2C large: an inter-state invoice of more than this value (₹2.5 lakh).
B2CL_LIMIT = Decimal("250000")

#: The GST portal's unit quantity code (UQC) for each ``Product.Unit``.
UQC = {
    Product.Unit.PCS: "PCS", Product.Unit.KG: "KGS", Product.Unit.G: "GMS", Product.Unit.LITRE: "LTR",
    Product.Unit.ML: "MLT", Product.Unit.METRE: "MTR", Product.Unit.BOX: "BOX", Product.Unit.PACK: "PAC",
}
HEADS = ("taxable_value", "cgst", "sgst", "igst", "tax")


def month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``month`` (1–12) of ``year``."""
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def _zero_heads() -> dict:
    return dict.fromkeys(HEADS, ZERO)


def _add(target: dict, source) -> None:
    for key in HEADS:
        target[key] += getattr(source, key) if not isinstance(source, dict) else source[key]


def _month_lines(shop: Shop, start, end):
    return InvoiceLine.objects.filter(shop=shop, invoice__shop=shop, invoice__issued_on__gte=start,
                                      invoice__issued_on__lte=end, invoice__voided_at__isnull=True,
                                      invoice__gst_split=True)


def gst_sections(*, shop: Shop, start: datetime.date, end: datetime.date) -> dict:
    """B2B by invoice and rate, B2C large and small by rate, and their totals (one query
    over invoice × rate).

    Returns ``{"b2b": b2b rows, "b2cl": rows, "b2cs": rows, "totals": heads, "invoices": int}``;
    a B2B row is ``{"gstin", "recipient", "number", "issued_on", "invoice_value",
    "place_of_supply" (e.g. "Maharashtra (27)"), "reverse_charge" (bool), "inter_state",
    "rate", "rate_label", "taxable_value", "cgst", "sgst", "igst", "tax"}``; a B2C row is
    ``{"state": "Maharashtra (27)" (the place of supply; "not recorded" for invoices
    issued before places of supply were stored), "inter_state": bool, "rate": Decimal,
    "rate_label": str, "invoices": int, "taxable_value", "cgst", "sgst", "igst", "tax"}``,
    sorted by inter-state, then state, then rate."""
    rows = (_month_lines(shop, start, end)
            .values("invoice_id", "invoice__is_inter_state", "invoice__total", "tax_rate", "invoice__recipient_gstin",
                    "invoice__recipient_name", "invoice__number", "invoice__issued_on", "invoice__place_of_supply",
                    "invoice__reverse_charge")
            .annotate(taxable=Sum("taxable_value"))
            .order_by())
    sections: dict[str, dict] = {"b2cl": {}, "b2cs": {}}
    invoices: dict[tuple, set] = defaultdict(set)
    all_invoices = set()
    totals = _zero_heads()
    b2b = []
    no_state = gettext(NO_STATE)
    for row in rows.iterator():
        inter = row["invoice__is_inter_state"]
        section = "b2cl" if inter and row["invoice__total"] > B2CL_LIMIT else "b2cs"
        rate = Decimal(row["tax_rate"]).normalize()
        tax_row = compute_totals([LineInput(quantity=Decimal(1), unit_price=quantize_money(row["taxable"]),
                                            tax_rate=rate)], gst_split=True, inter_state=inter).tax_rows[0]
        if row["invoice__recipient_gstin"]:
            b2b.append({"gstin": row["invoice__recipient_gstin"], "recipient": row["invoice__recipient_name"],
                        "number": row["invoice__number"], "issued_on": row["invoice__issued_on"],
                        "invoice_value": row["invoice__total"],
                        "place_of_supply": state_label(row["invoice__place_of_supply"]),
                        "reverse_charge": row["invoice__reverse_charge"], "inter_state": inter,
                        "rate": tax_row.rate, "rate_label": plain_number(tax_row.rate),
                        **{key: getattr(tax_row, key) for key in HEADS}})
            _add(totals, tax_row)
            all_invoices.add(row["invoice_id"])
            continue
        key = (state_label(row["invoice__place_of_supply"]) or no_state, inter, tax_row.rate)
        bucket = sections[section].setdefault(key, _zero_heads())
        _add(bucket, tax_row)
        _add(totals, tax_row)
        invoices[(section, *key)].add(row["invoice_id"])
        all_invoices.add(row["invoice_id"])
    b2b.sort(key=lambda r: (r["gstin"], r["issued_on"], r["number"], r["rate"]))
    result = {"b2b": b2b, "totals": totals, "invoices": len(all_invoices)}
    for section, buckets in sections.items():
        result[section] = [
            {"state": state, "inter_state": inter, "rate": rate, "rate_label": plain_number(rate),
             "invoices": len(invoices[(section, state, inter, rate)]), **heads}
            for (state, inter, rate), heads in sorted(buckets.items(), key=lambda item: (item[0][1], item[0][0],
                                                                                         item[0][2]))
        ]
    return result


def gst_hsn_summary(*, shop: Shop, start: datetime.date, end: datetime.date) -> list[dict]:
    """The HSN summary (one query): one row per HSN code, unit and rate, HSN order.

    Keys: ``hsn`` ("" when the line had none), ``uqc`` (e.g. "KGS", "OTH" when unknown),
    ``unit``, ``rate``, ``rate_label``, ``quantity`` (Decimal, 3 places), ``taxable_value``,
    ``cgst``, ``sgst`` (intra-state lines), ``igst`` (inter-state lines), ``tax``: each head
    rounded once per row."""
    rows = (_month_lines(shop, start, end)
            .values("hsn_code", "unit", "tax_rate", "invoice__is_inter_state")
            .annotate(quantity=Sum("quantity"), taxable=Sum("taxable_value"))
            .order_by("hsn_code", "unit", "tax_rate"))
    merged: dict[tuple, dict] = {}
    for row in rows:
        rate = Decimal(row["tax_rate"]).normalize()
        key = (row["hsn_code"], row["unit"], rate)
        item = merged.setdefault(key, {"hsn": row["hsn_code"], "unit": row["unit"],
                                       "uqc": UQC.get(row["unit"], "OTH"), "rate": rate,
                                       "rate_label": plain_number(rate), "quantity": Decimal("0.000"),
                                       **_zero_heads()})
        tax_row = compute_totals([LineInput(quantity=Decimal(1), unit_price=quantize_money(row["taxable"]),
                                            tax_rate=rate)], gst_split=True,
                                 inter_state=row["invoice__is_inter_state"]).tax_rows[0]
        item["quantity"] += Decimal(row["quantity"])
        _add(item, tax_row)
    return list(merged.values())


def gst_documents(*, shop: Shop, start: datetime.date, end: datetime.date) -> list[dict]:
    """The document summary (two queries): per series (financial year) of invoices issued
    in the range, void ones included. Keys: ``series`` (e.g. "26-27"), ``first``,
    ``last`` (invoice numbers), ``total`` (issued), ``cancelled`` (void), ``net``."""
    rows = list(Invoice.objects.filter(shop=shop, issued_on__gte=start, issued_on__lte=end)
                .values("financial_year")
                .annotate(first=Min("sequence_number"), last=Max("sequence_number"), total=Count("pk"),
                          cancelled=Count("pk", filter=Q(voided_at__isnull=False)))
                .order_by("financial_year"))
    if not rows:
        return []
    wanted = Q()
    for row in rows:
        wanted |= Q(financial_year=row["financial_year"], sequence_number__in=(row["first"], row["last"]))
    numbers = {(year, seq): number for year, seq, number in
               Invoice.objects.filter(wanted, shop=shop).values_list("financial_year", "sequence_number", "number")}
    return [{"series": row["financial_year"], "first": numbers.get((row["financial_year"], row["first"]), ""),
             "last": numbers.get((row["financial_year"], row["last"]), ""), "total": row["total"],
             "cancelled": row["cancelled"], "net": row["total"] - row["cancelled"]} for row in rows]


def gst_summary(*, shop: Shop, year: int, month: int) -> dict:
    """Everything the GST page shows for ``month`` of ``year`` (six queries).

    Keys: ``start``, ``end`` (dates), ``has_gstin``, ``b2b``, ``b2cl``,
    ``b2cs`` (see :func:`gst_sections`), ``totals`` (heads over both), ``credit_notes``
    (:func:`gst_credit_notes`), ``net_totals`` (``totals`` less the credit notes), ``invoices``
    (GST invoices counted), ``hsn`` (:func:`gst_hsn_summary`), ``hsn_totals``,
    ``documents`` (:func:`gst_documents`), ``table_3_1_a`` and ``table_3_1_c`` (heads of
    the rows at rate > 0 and rate 0, less the month's credit notes), ``non_gst_invoices`` (non-void invoices of the
    month issued without the GST split, left out of the sections).
    """
    start, end = month_range(year, month)
    sections = gst_sections(shop=shop, start=start, end=end)
    hsn = gst_hsn_summary(shop=shop, start=start, end=end)
    hsn_totals = _zero_heads()
    for row in hsn:
        _add(hsn_totals, row)
    table_a, table_c = _zero_heads(), _zero_heads()
    for row in sections["b2b"] + sections["b2cl"] + sections["b2cs"]:
        _add(table_a if row["rate"] > 0 else table_c, row)
    credit_notes = gst_credit_notes(shop=shop, start=start, end=end)
    net_totals = dict(sections["totals"])
    for row in credit_notes["rows"]:
        _subtract(table_a if row["rate"] > 0 else table_c, row)
        _subtract(net_totals, row)
    non_gst = Invoice.objects.filter(shop=shop, issued_on__gte=start, issued_on__lte=end,
                                     voided_at__isnull=True, gst_split=False).count()
    return {"start": start, "end": end, "has_gstin": bool(shop.gstin), "b2b": sections["b2b"],
            "b2cl": sections["b2cl"], "b2cs": sections["b2cs"], "totals": sections["totals"],
            "invoices": sections["invoices"], "hsn": hsn, "hsn_totals": hsn_totals,
            "documents": gst_documents(shop=shop, start=start, end=end),
            "table_3_1_a": table_a, "table_3_1_c": table_c, "non_gst_invoices": non_gst,
            "credit_notes": credit_notes, "net_totals": net_totals}


# --- Credit notes (issue #15) -----------------------------------------------------------


def _subtract(target: dict, source: dict) -> None:
    for key in HEADS:
        target[key] -= source[key]


def gst_credit_notes(*, shop: Shop, start: datetime.date, end: datetime.date) -> dict:
    """Credit notes raised in the range against GST invoices (GSTR-1 CDNUR/B2C credit
    notes, reported by rate since customers carry no GSTIN), one query over note × rate.
    Tax per note and rate is computed as at raising (the note's split), so it equals the
    notes' stored ``tax_total``. They reduce the month's figures (``gst_summary``'s
    ``table_3_1_a``/``c`` and ``net_totals``).

    Returns ``{"rows": [{"inter_state", "rate", "rate_label", "notes" (count),
    "taxable_value", "cgst", "sgst", "igst", "tax"}], "totals": heads, "count": int,
    "numbers": [first, last]}`` (money Decimal)."""
    rows = (CreditNoteLine.objects.filter(shop=shop, credit_note__issued_on__gte=start,
                                          credit_note__issued_on__lte=end, credit_note__gst_split=True)
            .values("credit_note_id", "credit_note__number", "credit_note__is_inter_state", "tax_rate")
            .annotate(taxable=Sum("taxable_value")).order_by())
    buckets: dict[tuple, dict] = {}
    notes: dict[tuple, set] = defaultdict(set)
    numbers = set()
    totals = _zero_heads()
    for row in rows:
        inter = row["credit_note__is_inter_state"]
        rate = Decimal(row["tax_rate"]).normalize()
        tax_row = compute_totals([LineInput(quantity=Decimal(1), unit_price=quantize_money(row["taxable"]),
                                            tax_rate=rate)], gst_split=True, inter_state=inter).tax_rows[0]
        key = (inter, tax_row.rate)
        _add(buckets.setdefault(key, _zero_heads()), tax_row)
        _add(totals, tax_row)
        notes[key].add(row["credit_note_id"])
        numbers.add(row["credit_note__number"])
    ordered = sorted(numbers)
    return {
        "rows": [{"inter_state": inter, "rate": rate, "rate_label": plain_number(rate),
                  "notes": len(notes[(inter, rate)]), **heads} for (inter, rate), heads in sorted(buckets.items())],
        "totals": totals, "count": len(numbers), "numbers": [ordered[0], ordered[-1]] if ordered else [],
    }
