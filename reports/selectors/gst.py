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
and then sums. The database does both: an inner GROUP BY invoice × rate rounds each
head half up to the paisa (:class:`_RoundedTax`, the formula ``billing.totals.tax_row``
applies at issue), and an outer GROUP BY over it sums the rounded figures by section,
state and rate (:func:`_union_over`), so no Python loop walks the invoices and the
summary's tax equals the sum of the invoices' stored ``tax_total``. The HSN summary has
no per-invoice figure to round: its tax is rounded per HSN row and may differ from the
sections by a few paise.

Only invoices issued with the GST split (``Invoice.gst_split``: the shop had a GSTIN)
are in the sections; others are counted in ``non_gst_invoices``. Queries: seven, fixed
(two for the sections, one for the HSN summary, two for the documents, one for the
month's credit notes, :func:`gst_credit_notes`, one for the invoices left out).
"""

import calendar
import datetime
from decimal import Decimal

from django.db import connections
from django.db.models import Case, CharField, Count, DecimalField, F, Func, Max, Min, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext, gettext_noop

from accounts.models import Shop
from billing.models import CreditNoteLine, Invoice, InvoiceLine, Product
from billing.selectors.documents import plain_number
from billing.totals import LineInput, compute_totals
from core.db import replica_reads
from core.gst import state_label
from core.money import ZERO, money_output_field, quantize_money

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


class _Hundredths(Func):
    """``ROUND(x × 100, 0)``: money in paise, or a tax rate in hundredths of a percent; a
    whole number, exact on every database (SQLite's floats too)."""

    template = "ROUND(%(expressions)s * 100, 0)"
    output_field = DecimalField(max_digits=24, decimal_places=0)


class _RoundedTax(Func):
    """The tax on a taxable value at a rate, rounded half up to the paisa in the database:
    ``_RoundedTax(paise, rate hundredths, divisor=…)`` is ``ROUND(paise × hundredths × 1.0 /
    divisor, 0) / 100`` rupees, ``divisor`` 10,000 for the full rate (IGST) and 20,000 for
    half of it (CGST, SGST each), as ``billing.totals.tax_row`` rounds at issue. Exact on
    both databases: MariaDB divides DECIMALs (the ``× 1.0`` gives the quotient the five
    places it can need); SQLite divides whole numbers held as floats, which lands exactly
    on a half paisa when the true value is one, and its ``ROUND(x, 0)`` rounds halves up."""

    arg_joiner = " * "
    template = "(ROUND(%(expressions)s * 1.0 / %(divisor)d, 0) / 100)"


def _rounded_heads(inter_state: str) -> dict:
    """The annotations of a GROUP BY document × rate: ``taxable`` (the lines' taxable
    value) and ``cgst``, ``sgst``, ``igst``, each rounded per document and rate (an
    intra-state document has CGST and SGST, an inter-state one IGST). ``inter_state``:
    the lookup of the document's inter-state flag (e.g. ``"invoice__is_inter_state"``)."""
    money = money_output_field()
    taxable = Sum("taxable_value")
    rate = _Hundredths(F("tax_rate"))
    half = _RoundedTax(_Hundredths(taxable), rate, divisor=20_000, output_field=money)
    full = _RoundedTax(_Hundredths(taxable), rate, divisor=10_000, output_field=money)
    inter = Q(**{inter_state: True})
    return {"taxable": taxable,
            "cgst": Case(When(inter, then=Value(0)), default=half, output_field=money),
            "sgst": Case(When(inter, then=Value(0)), default=half, output_field=money),
            "igst": Case(When(inter, then=full), default=Value(0), output_field=money)}


def _per_invoice_and_rate(lines: QuerySet, **fields) -> QuerySet:
    """``lines`` (invoice lines) grouped by invoice and tax rate: ``inv`` (the invoice id),
    ``inter`` (inter-state), ``rate``, the ``fields`` given (aliases of invoice columns, in
    the GROUP BY too) and :func:`_rounded_heads`."""
    return (lines.values(inv=F("invoice_id"), inter=F("invoice__is_inter_state"), rate=F("tax_rate"), **fields)
            .annotate(**_rounded_heads("invoice__is_inter_state")).order_by())


class _Names(dict):
    """The names of a SQL template (``str.format_map``): each ``{name}`` quoted for the
    database, but the ``inner`` given (the derived table's SQL) as it is."""

    def __init__(self, ops, **given):
        super().__init__(given)
        self.ops = ops

    def __missing__(self, key):
        return self.ops.quote_name(key)


_SUMS = "SUM({taxable}), SUM({cgst}), SUM({sgst}), SUM({igst})"


def _union_over(inner: QuerySet, selects: list[str]) -> list[tuple]:
    """One query: the ``selects`` joined by ``UNION ALL``, each reading ``FROM {inner} t``,
    ``inner`` being a queryset's SQL as a derived table (the shop scope and the tenant filter
    stay the ORM's). Column names in a select are written ``{name}``; ``{sums}`` stands for
    the four sums of :data:`_SUMS`. Runs on the database
    ``inner`` reads from (the read replica when :func:`core.db.replica_reads` allows it).
    Returns the rows as tuples: sums are ``Decimal`` on MariaDB and floats on SQLite (read
    them with :func:`_money`); ``None`` for a sum over no rows."""
    connection = connections[inner.db]
    sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    names = _Names(connection.ops, inner=f"({sql})")
    names["sums"] = _SUMS.format_map(names)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(select.format_map(names) for select in selects), tuple(params) * len(selects))
        return cursor.fetchall()


def _money(value) -> Decimal:
    """A money sum read by :func:`_union_over` (Decimal, a float of SQLite's, or ``None``)
    as ``Decimal`` money (``str`` first: a float's shortest form, then rounded half up)."""
    return ZERO if value is None else quantize_money(Decimal(str(value)))


def _rate(value) -> Decimal:
    """A tax rate read by raw SQL as a plain ``Decimal`` (``18.00`` or ``18.0`` → ``18``)."""
    return Decimal(plain_number(Decimal(str(value))))


def _heads(sums) -> dict:
    """``{taxable_value, cgst, sgst, igst, tax}`` from the four sums of :data:`_SUMS` (or a
    B2B row's four figures)."""
    taxable, cgst, sgst, igst = (_money(value) for value in sums)
    return {"taxable_value": taxable, "cgst": cgst, "sgst": sgst, "igst": igst, "tax": cgst + sgst + igst}


@replica_reads
def gst_sections(*, shop: Shop, start: datetime.date, end: datetime.date) -> dict:
    """B2B by invoice and rate, B2C large and small by rate, and their totals (two
    queries: the B2B rows, and one over invoice × rate grouped by section, state and rate
    with its grand total row).

    Returns ``{"b2b": b2b rows, "b2cl": rows, "b2cs": rows, "totals": heads, "invoices": int}``;
    a B2B row is ``{"gstin", "recipient", "number", "issued_on", "invoice_value",
    "place_of_supply" (e.g. "Maharashtra (27)"), "reverse_charge" (bool), "inter_state",
    "rate", "rate_label", "taxable_value", "cgst", "sgst", "igst", "tax"}``; a B2C row is
    ``{"state": "Maharashtra (27)" (the place of supply; "not recorded" for invoices
    issued before places of supply were stored), "inter_state": bool, "rate": Decimal,
    "rate_label": str, "invoices": int, "taxable_value", "cgst", "sgst", "igst", "tax"}``,
    sorted by inter-state, then state, then rate."""
    lines = _month_lines(shop, start, end)
    section = Case(When(~Q(invoice__recipient_gstin=""), then=Value("b2b")),
                   When(invoice__is_inter_state=True, invoice__total__gt=B2CL_LIMIT, then=Value("b2cl")),
                   default=Value("b2cs"), output_field=CharField())
    grouped = _union_over(_per_invoice_and_rate(lines, section=section, state=F("invoice__place_of_supply")), [
        "SELECT {section}, {state}, {inter}, {rate}, COUNT(*), {sums} FROM {inner} t "
        "GROUP BY {section}, {state}, {inter}, {rate}",
        "SELECT NULL, NULL, NULL, NULL, COUNT(DISTINCT {inv}), {sums} FROM {inner} t",
    ])
    result = {"totals": _zero_heads(), "invoices": 0}
    buckets: dict[tuple, dict] = {}
    no_state = gettext(NO_STATE)
    for section, state, inter, rate, count, *sums in grouped:  # a few rows: sections × states × rates
        if section is None:  # the grand total row
            result.update(totals=_heads(sums), invoices=count)
        elif section != "b2b":  # B2B is listed per invoice below
            bucket = buckets.setdefault((section, bool(inter), state_label(state) or no_state, _rate(rate)),
                                        {"invoices": 0, **_zero_heads()})
            bucket["invoices"] += count
            _add(bucket, _heads(sums))
    for name in ("b2cl", "b2cs"):
        result[name] = [{"state": state, "inter_state": inter, "rate": rate, "rate_label": plain_number(rate), **row}
                        for (section, inter, state, rate), row in sorted(buckets.items()) if section == name]
    b2b = _per_invoice_and_rate(lines.exclude(invoice__recipient_gstin=""), gstin=F("invoice__recipient_gstin"),
                                recipient=F("invoice__recipient_name"), number=F("invoice__number"),
                                issued_on=F("invoice__issued_on"), value=F("invoice__total"),
                                state=F("invoice__place_of_supply"), reverse=F("invoice__reverse_charge"))
    result["b2b"] = [
        {"gstin": row["gstin"], "recipient": row["recipient"], "number": row["number"], "issued_on": row["issued_on"],
         "invoice_value": row["value"], "place_of_supply": state_label(row["state"]),
         "reverse_charge": bool(row["reverse"]), "inter_state": bool(row["inter"]), "rate": _rate(row["rate"]),
         "rate_label": plain_number(row["rate"]),
         **_heads([row["taxable"], row["cgst"], row["sgst"], row["igst"]])}
        for row in b2b.order_by("gstin", "issued_on", "number", "rate")
    ]
    return result


@replica_reads
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


@replica_reads
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


@replica_reads
def gst_summary(*, shop: Shop, year: int, month: int) -> dict:
    """Everything the GST page shows for ``month`` of ``year`` (seven queries).

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


@replica_reads
def gst_credit_notes(*, shop: Shop, start: datetime.date, end: datetime.date) -> dict:
    """Credit notes raised in the range against GST invoices (GSTR-1 CDNUR/B2C credit
    notes, reported by rate), one query: an inner GROUP BY note × rate rounds each head to
    the paisa as at raising (the note's split), so the tax equals the notes' stored
    ``tax_total``, and an outer GROUP BY sums them by split and rate, with a total row.
    They reduce the month's figures (``gst_summary``'s ``table_3_1_a``/``c`` and
    ``net_totals``).

    Returns ``{"rows": [{"inter_state", "rate", "rate_label", "notes" (count),
    "taxable_value", "cgst", "sgst", "igst", "tax"}], "totals": heads, "count": int,
    "numbers": [first, last]}`` (money Decimal)."""
    per_note = (CreditNoteLine.objects.filter(shop=shop, credit_note__issued_on__gte=start,
                                              credit_note__issued_on__lte=end, credit_note__gst_split=True)
                .values(note=F("credit_note_id"), number=F("credit_note__number"),
                        inter=F("credit_note__is_inter_state"), rate=F("tax_rate"))
                .annotate(**_rounded_heads("credit_note__is_inter_state")).order_by())
    grouped = _union_over(per_note, [
        "SELECT {inter}, {rate}, COUNT(*), NULL, NULL, {sums} FROM {inner} t GROUP BY {inter}, {rate}",
        "SELECT NULL, NULL, COUNT(DISTINCT {note}), MIN({number}), MAX({number}), {sums} FROM {inner} t",
    ])
    result = {"rows": [], "totals": _zero_heads(), "count": 0, "numbers": []}
    for inter, rate, count, first, last, *sums in grouped:
        if inter is None:  # the total row
            result.update(totals=_heads(sums), count=count, numbers=[first, last] if count else [])
        else:
            result["rows"].append({"inter_state": bool(inter), "rate": _rate(rate), "rate_label": plain_number(rate),
                                   "notes": count, **_heads(sums)})
    result["rows"].sort(key=lambda row: (row["inter_state"], row["rate"]))
    return result
