"""The rows of the data exports (issue #13, ``/reports/exports/``): the shop's customers,
ledger entries, invoice lines, products and stock movements, for a CSV or XLSX download
(``reports.exports.export_response``).

Each ``*_export_rows`` function is a generator of rows (lists of ``str``, ``Decimal``,
``date``/``datetime`` or ``None``) matching its dataset's ``header``. Money is ``Decimal`` in
the shop's currency (never formatted), quantities ``Decimal`` with 3 places, times in the
active time zone. Rows are read with ``core.db.keyset_chunks`` (:data:`CHUNK_SIZE` rows per
query), so memory stays flat on MariaDB too, with ``select_related`` for what a row shows:
a fixed number of queries per chunk, none per row. Iterate them inside the shop's scope
(``reports.views.common.in_shop_scope`` for a streamed response). ``start``/``end`` are local
dates, both included.
"""

import datetime
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from billing.models import InvoiceLine, Product, StockMovement
from core.db import keyset_chunks, replica_reads
from customers.models import Customer
from ledger.models import Due, Payment, Refund

#: Rows read per query.
CHUNK_SIZE = 2000


def _chunks(queryset, ordering):
    return keyset_chunks(queryset, ordering, chunk_size=CHUNK_SIZE)


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _yes(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


CUSTOMER_HEADER = [_("Name"), _("Phone"), _("Email"), _("Address"), _("Notes"), _("Credit limit"), _("Balance"),
                   _("Oldest open due date"), _("Last activity"), _("Archived"), _("Added on")]


@replica_reads
def customer_export_rows(*, shop: Shop) -> Iterator[list]:
    """Every customer of ``shop`` (archived ones too), by name. ``Balance``: outstanding
    minus unapplied credit (negative: the customer is in credit)."""
    for c in _chunks(Customer.objects.filter(shop=shop), ("name", "pk")):
        yield [c.name, c.phone, c.email, c.address, c.notes, c.credit_limit, c.balance, c.oldest_open_due_date,
               _local(c.last_activity_at), _yes(c.is_archived), _local_date(c.created_at)]


ENTRY_HEADER = [_("Date"), _("Kind"), _("Customer"), _("Phone"), _("Amount"), _("Description / method"), _("Reference"),
                _("Due date"), _("Voided on"), _("Void reason")]
_KIND_ORDER = {"Due": 0, "Payment": 1, "Refund": 2}


def _with_method(method: str, text: str) -> str:
    return f"{method}: {text}" if text else method


@replica_reads
def entry_export_rows(*, shop: Shop, start: datetime.date, end: datetime.date) -> Iterator[list]:
    """Every due, payment and refund of ``shop`` dated from ``start`` to ``end`` (the date
    given, received or refunded), voided ones included, one row each, by date (dues, then
    payments, then refunds on a day, each in the order recorded). ``Amount`` is positive;
    ``Kind`` says which way it goes. ``Description / method``: a due's description, a
    payment's method and note, a refund's method and reason. ``Reference``: a payment's or
    refund's reference, or the document that posted a due (an invoice).

    Three streams (one query per chunk each, customer joined) merged by date."""
    dues = _chunks(Due.objects.filter(shop=shop, incurred_on__range=(start, end)).select_related("customer"),
                   ("incurred_on", "pk"))
    payments = _chunks(Payment.objects.filter(shop=shop, received_on__range=(start, end)).select_related("customer"),
                       ("received_on", "pk"))
    refunds = _chunks(Refund.objects.filter(shop=shop, refunded_on__range=(start, end)).select_related("customer"),
                      ("refunded_on", "pk"))

    def rows(entries, kind: str, day: Callable, what: Callable, reference: Callable, due_date: Callable):
        label = kind_labels[kind]
        for e in entries:
            yield (day(e), _KIND_ORDER[kind], e.pk), [
                day(e), label, e.customer.name, e.customer.phone, e.amount, what(e), reference(e), due_date(e),
                _local_date(e.voided_at), e.void_reason]

    kind_labels = {"Due": pgettext("a debt entry", "Due"), "Payment": gettext("Payment"), "Refund": gettext("Refund")}
    merged = heapq.merge(
        rows(dues, "Due", lambda d: d.incurred_on, lambda d: d.description, lambda d: d.source, lambda d: d.due_date),
        rows(payments, "Payment", lambda p: p.received_on, lambda p: _with_method(p.get_method_display(), p.note),
             lambda p: p.reference, lambda p: None),
        rows(refunds, "Refund", lambda r: r.refunded_on, lambda r: _with_method(r.get_method_display(), r.reason),
             lambda r: r.reference, lambda r: None),
        key=lambda pair: pair[0])
    for _key, row in merged:
        yield row


INVOICE_HEADER = [_("Invoice"), _("Date"), _("Customer"), _("Status"), _("Line"), "SKU", _("Description"), "HSN/SAC",
                  _("Quantity"), _("Unit"), _("Unit price"), _("Tax rate %"), _("Line net"), _("Line discount"),
                  _("Taxable value"), _("Invoice subtotal"), _("Invoice discount"), _("Invoice taxable value"),
                  _("Invoice tax"), _("Round-off"), _("Invoice total"), _("Paid at counter"), _("Balance due"),
                  _("Voided on"), _("Void reason")]


@replica_reads
def invoice_line_export_rows(*, shop: Shop, start: datetime.date, end: datetime.date) -> Iterator[list]:
    """One row per line of every invoice of ``shop`` issued from ``start`` to ``end`` (void
    ones too), with its invoice's number, date, customer ("Walk-in" without one), status
    and totals repeated on each of its lines (sum the invoice columns over distinct
    invoices, not over lines). Lines in invoice order (as issued), then their position.
    One query per chunk (invoice, customer, due and product joined)."""
    lines = (InvoiceLine.objects.filter(shop=shop, invoice__issued_on__range=(start, end))
             .select_related("invoice", "invoice__customer", "invoice__due", "product"))
    walk_in = gettext("Walk-in")
    for line in _chunks(lines, ("invoice_id", "position", "pk")):
        inv = line.invoice
        yield [inv.number, inv.issued_on, inv.customer.name if inv.customer_id else walk_in,
               inv.get_payment_status_display(), line.position, line.product.sku if line.product_id else "",
               line.description, line.hsn_code, line.quantity, line.unit, line.unit_price, line.tax_rate,
               line.line_net, line.discount, line.taxable_value, inv.subtotal, inv.discount_total, inv.taxable_total,
               inv.tax_total, inv.round_off_amount, inv.total, inv.paid_at_counter, inv.balance_due,
               _local_date(inv.voided_at), inv.void_reason]


PRODUCT_HEADER = ["SKU", _("Name"), _("Category"), _("Unit"), _("Sale price"), _("Cost price"), _("Tax rate %"),
                  "HSN/SAC", _("Stock"), _("Low-stock level"), _("Tracks stock"), _("Sells below zero"), _("Active")]


@replica_reads
def product_export_rows(*, shop: Shop) -> Iterator[list]:
    """Every product of ``shop`` (inactive ones too), by name; prices before tax."""
    products = Product.objects.filter(shop=shop).select_related("category")
    for p in _chunks(products, ("name", "pk")):
        yield [p.sku, p.name, p.category.name if p.category_id else "", p.unit, p.sale_price, p.cost_price,
               p.tax_rate, p.hsn_code, p.stock_quantity, p.low_stock_level, _yes(p.track_stock),
               _yes(p.allow_negative_stock), _yes(p.is_active)]


MOVEMENT_HEADER = [_("Time"), "SKU", _("Product"), _("Kind"), _("Quantity"), _("Stock after"), _("Invoice"),
                   _("Reason"), pgettext_lazy("the person who did it", "By")]


@replica_reads
def stock_movement_export_rows(*, shop: Shop, start: datetime.date, end: datetime.date) -> Iterator[list]:
    """Every stock movement of ``shop`` made from ``start`` to ``end`` (local days), oldest
    first: quantity signed (+ in, − out) in the product's unit, and the stock after it.
    One query per chunk (product, invoice and author joined)."""
    movements = (StockMovement.objects
                 .filter(shop=shop, created_at__gte=_day_start(start),
                         created_at__lt=_day_start(end + datetime.timedelta(days=1)))
                 .select_related("product", "invoice", "created_by"))
    for m in _chunks(movements, ("created_at", "pk")):
        yield [_local(m.created_at), m.product.sku, m.product.name, m.get_kind_display(), m.quantity,
               m.balance_after, m.invoice.number if m.invoice_id else "", m.reason,
               m.created_by.get_username() if m.created_by_id else ""]


@dataclass(frozen=True)
class Dataset:
    """One export: ``key`` (its URL name), ``title``, ``description`` (in the active
    language; ``title_text``/``description_text`` are the texts marked for translation),
    ``dated`` (True: it takes a date range, ``rows(shop=, start=, end=)``; else
    ``rows(shop=)``), ``header``."""

    key: str
    title_text: str
    description_text: str
    dated: bool
    header: list
    rows: Callable[..., Iterator[list]]

    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def description(self) -> str:
        return str(self.description_text)


#: Every export, in the order the page lists them.
DATASETS: dict[str, Dataset] = {d.key: d for d in [
    Dataset("customers", _("Customers"), _("Every customer with contact details, credit limit and balance."), False,
            CUSTOMER_HEADER, customer_export_rows),
    Dataset("entries", _("Ledger entries"), _("Dues, payments and refunds, one row each, voided ones marked."), True,
            ENTRY_HEADER, entry_export_rows),
    Dataset("invoices", _("Invoices with lines"), _("One row per invoice line, with the invoice's number, date, "
                                                    "customer and totals."), True, INVOICE_HEADER,
            invoice_line_export_rows),
    Dataset("products", _("Products"), _("The catalogue with prices, tax rates and stock."), False,
            PRODUCT_HEADER, product_export_rows),
    Dataset("movements", _("Stock movements"), _("Every change of stock: received, sold, returned, adjusted."), True,
            MOVEMENT_HEADER, stock_movement_export_rows),
]}


@replica_reads
def export_rows(*, shop: Shop, dataset: str, start: datetime.date | None = None,
                end: datetime.date | None = None) -> Iterator[list]:
    """The rows of the export ``dataset`` (a key of :data:`DATASETS`) for ``shop``; a dated
    one needs ``start`` and ``end``. Raises ``KeyError`` for an unknown dataset and
    ``ValueError`` for a dated one without its dates."""
    spec = DATASETS[dataset]
    if not spec.dated:
        return spec.rows(shop=shop)
    if start is None or end is None:
        raise ValueError(f"the {dataset} export needs a start and an end date")
    return spec.rows(shop=shop, start=start, end=end)
