"""Sales report reads (issue #12): what the shop sold in a date range, by product, by
category and by day, with the invoice count, average bill and top customers.

Every function is a fixed number of aggregate queries (GROUP BY in the database),
whatever the number of invoices. Void invoices are excluded everywhere. Money is
``Decimal`` in the shop's currency; quantities are ``Decimal`` with 3 places.

Tax is stored per invoice (``Invoice.tax_total``, rounded per rate per invoice), not
per line: the by-product and by-category tax is the line's taxable value × its rate,
rounded once per row, so those rows may differ from the invoices' tax by a few paise.
The totals row (:func:`sales_summary`) is the invoices' stored figures.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Shop
from billing.models import Invoice, InvoiceLine
from core.db import replica_reads
from core.money import ZERO, quantize_money

HUNDRED = Decimal(100)
TOP_CUSTOMERS = 10



@replica_reads
def sales_invoices(*, shop: Shop, start: datetime.date, end: datetime.date) -> QuerySet:
    """The shop's non-void invoices issued from ``start`` to ``end`` (both included)."""
    return Invoice.objects.filter(shop=shop, issued_on__gte=start, issued_on__lte=end, voided_at__isnull=True)


@replica_reads
def sales_lines(*, shop: Shop, start: datetime.date, end: datetime.date) -> QuerySet:
    """The lines of :func:`sales_invoices` (filtered through the invoice join)."""
    return InvoiceLine.objects.filter(shop=shop, invoice__shop=shop, invoice__issued_on__gte=start,
                                      invoice__issued_on__lte=end, invoice__voided_at__isnull=True)


def _money(value) -> Decimal:
    return quantize_money(value if value is not None else ZERO)


def _line_rows(queryset, key_fields: dict) -> list[dict]:
    """Group ``queryset`` (lines) by ``key_fields`` (output name → field) and tax rate in
    one query; merge the rates in Python (tax = taxable × rate, rounded per row) and
    return the rows largest taxable value first. No arithmetic runs in SQL (SQLite
    divides stored decimals as integers)."""
    fields = list(key_fields.values())
    rows = queryset.values(*fields, "tax_rate").annotate(
        quantity_sum=Sum("quantity"), taxable_sum=Sum("taxable_value"),
        invoice_count=Count("invoice_id", distinct=True),
    ).order_by(*fields, "tax_rate")
    merged: dict[tuple, dict] = {}
    exact_tax: dict[tuple, Decimal] = {}
    for row in rows:
        key = tuple(row[field] for field in fields)
        item = merged.get(key)
        if item is None:
            item = merged[key] = {name: row[field] for name, field in key_fields.items()}
            item.update(quantity=Decimal("0.000"), taxable_value=ZERO, invoices=0)
            exact_tax[key] = Decimal(0)
        taxable = _money(row["taxable_sum"])
        item["quantity"] += Decimal(row["quantity_sum"] or 0)
        item["taxable_value"] += taxable
        # An invoice with lines at two rates is counted once per rate: take the largest.
        item["invoices"] = max(item["invoices"], row["invoice_count"])
        exact_tax[key] += taxable * Decimal(row["tax_rate"]) / HUNDRED
    result = []
    for key, item in merged.items():
        item["tax"] = _money(exact_tax[key])
        item["total"] = item["taxable_value"] + item["tax"]
        result.append(item)
    result.sort(key=lambda item: (-item["taxable_value"], str(item["name"] or "")))
    return result


@replica_reads
def sales_by_product(*, shop: Shop, start: datetime.date, end: datetime.date) -> list[dict]:
    """One row per product sold (one query), largest taxable value first.

    Lines without a product are grouped by their description. Row keys: ``product_id``
    (or ``None``), ``name``, ``sku``, ``unit``, ``category`` (name or ""), ``quantity``,
    ``taxable_value``, ``tax``, ``total`` (taxable + tax), ``invoices`` (how many invoices
    had it; for a row sold at several rates, the most at one rate)."""
    queryset = sales_lines(shop=shop, start=start, end=end).annotate(
        row_name=Coalesce("product__name", "description"))
    rows = _line_rows(queryset, {"product_id": "product_id", "name": "row_name", "sku": "product__sku",
                                 "unit": "unit", "category": "product__category__name"})
    for row in rows:
        row["sku"] = row["sku"] or ""
        row["category"] = row["category"] or ""
    return rows


@replica_reads
def sales_by_category(*, shop: Shop, start: datetime.date, end: datetime.date) -> list[dict]:
    """One row per category (one query); lines of products without a category, and
    lines without a product, are under ``name`` "No category" (``category_id`` None).
    Keys as :func:`sales_by_product` minus sku/unit."""
    rows = _line_rows(sales_lines(shop=shop, start=start, end=end),
                      {"category_id": "product__category_id", "name": "product__category__name"})
    no_category = _("No category")
    for row in rows:
        row["name"] = row["name"] or no_category
    return rows


@replica_reads
def sales_by_day(*, shop: Shop, start: datetime.date, end: datetime.date) -> list[dict]:
    """One row per day with sales, oldest first (two queries: invoices and lines).

    Keys: ``day`` (date), ``invoices`` (count), ``quantity``, ``taxable_value``, ``tax``,
    ``total`` — money from the invoices' stored totals, so the days add up to
    :func:`sales_summary`."""
    days = (sales_invoices(shop=shop, start=start, end=end).values("issued_on")
            .annotate(invoices=Count("pk"), taxable_value=Sum("taxable_total"), tax=Sum("tax_total"),
                      total_sum=Sum("total"))
            .order_by("issued_on"))
    quantities = dict(sales_lines(shop=shop, start=start, end=end).values("invoice__issued_on")
                      .annotate(quantity=Sum("quantity")).order_by().values_list("invoice__issued_on", "quantity"))
    return [{"day": row["issued_on"], "invoices": row["invoices"],
             "quantity": Decimal(quantities.get(row["issued_on"]) or 0),
             "taxable_value": _money(row["taxable_value"]), "tax": _money(row["tax"]),
             "total": _money(row["total_sum"])} for row in days]


@replica_reads
def sales_summary(*, shop: Shop, start: datetime.date, end: datetime.date) -> dict:
    """The totals row (one query): ``invoices`` (count), ``taxable_value``, ``tax``,
    ``total`` (the invoices' stored figures, round-off included), ``average_bill``
    (total ÷ invoices, rounded; 0 with no invoices), ``void_count`` (void invoices of
    the period, excluded from every figure)."""
    sums = Invoice.objects.filter(shop=shop, issued_on__gte=start, issued_on__lte=end).aggregate(
        invoices=Count("pk", filter=Q(voided_at__isnull=True)),
        void_count=Count("pk", filter=Q(voided_at__isnull=False)),
        taxable_value=Sum("taxable_total", filter=Q(voided_at__isnull=True)),
        tax=Sum("tax_total", filter=Q(voided_at__isnull=True)),
        total=Sum("total", filter=Q(voided_at__isnull=True)),
    )
    total = _money(sums["total"])
    count = sums["invoices"]
    return {"invoices": count, "void_count": sums["void_count"], "taxable_value": _money(sums["taxable_value"]),
            "tax": _money(sums["tax"]), "total": total,
            "average_bill": quantize_money(total / count) if count else ZERO}


@replica_reads
def sales_top_customers(*, shop: Shop, start: datetime.date, end: datetime.date,
                        limit: int = TOP_CUSTOMERS) -> list[dict]:
    """The ``limit`` customers who bought the most (one query), by invoice total.
    Walk-in sales (no customer) are not a customer. Keys: ``customer_id``, ``name``,
    ``phone``, ``invoices``, ``total``."""
    rows = (sales_invoices(shop=shop, start=start, end=end).filter(customer__isnull=False)
            .values("customer_id", "customer__name", "customer__phone")
            .annotate(invoices=Count("pk"), total_sum=Sum("total"))
            .order_by("-total_sum", "customer_id")[:limit])
    return [{"customer_id": row["customer_id"], "name": row["customer__name"], "phone": row["customer__phone"],
             "invoices": row["invoices"], "total": _money(row["total_sum"])} for row in rows]
