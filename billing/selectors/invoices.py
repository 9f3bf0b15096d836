"""Invoice reads: the filtered list, a customer's purchases, the dashboard's sales panel."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Shop
from billing.models import Invoice, Product
from core.db import replica_reads
from core.money import ZERO
from customers.models import Customer
from ledger.models import Allocation, Payment
from ledger.selectors.drift import Drift


def status_filter(status: str) -> Q:
    """A filter for invoices whose payment status (``Invoice.PaymentStatus`` value) is
    ``status`` now, read from the due each invoice posted (its stored ``outstanding``,
    kept by the ledger services), so it follows every later payment: one query, joining
    each invoice to its due by primary key. An unknown status matches everything."""
    active = Q(voided_at__isnull=True)
    if status == Invoice.PaymentStatus.VOID:
        return Q(voided_at__isnull=False)
    if status == Invoice.PaymentStatus.PAID:
        # A walk-in sale (no due) is paid in full at the counter.
        return active & (Q(due__isnull=True) | Q(due__outstanding=0))
    if status == Invoice.PaymentStatus.UNPAID:
        return active & Q(due__outstanding__gt=0, due__outstanding=F("due__amount"))
    if status == Invoice.PaymentStatus.PARTIAL:
        return active & Q(due__outstanding__gt=0, due__outstanding__lt=F("due__amount"))
    return Q()


def invoice_list(*, shop: Shop, query: str = "", customer: Customer | None = None, status: str = "",
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet:
    """Invoices of ``shop``, newest first, with their customer and due loaded (for the
    live payment status). ``query`` matches the number or the customer's name;
    ``status`` is an ``Invoice.PaymentStatus`` value (``"void"`` included)."""
    qs = Invoice.objects.filter(shop=shop).select_related("customer", "due")
    query = " ".join(query.split())
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(customer__name__icontains=query))
    if customer is not None:
        qs = qs.filter(customer=customer)
    if status in Invoice.PaymentStatus.values:
        qs = qs.filter(status_filter(status))
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    return qs.order_by("-issued_on", "-financial_year", "-sequence_number")


def customer_purchases(*, customer: Customer, limit: int = 10) -> list[Invoice]:
    """The customer's latest ``limit`` invoices, newest first, with their due (live status)."""
    return list(
        Invoice.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("due")
        .order_by("-issued_on", "-financial_year", "-sequence_number")[:limit]
    )


@dataclass
class InvoicePayment:
    """One payment applied to an invoice: ``amount`` (Decimal) of ``payment`` went to the
    invoice's due. ``at_counter`` marks the payment taken when the invoice was issued;
    ``credit`` marks earlier customer credit applied to it."""

    payment: Payment
    amount: Decimal
    at_counter: bool
    credit: bool


def invoice_payments(*, invoice: Invoice) -> list[InvoicePayment]:
    """How the invoice was paid: every active payment applied to its due, in the order
    they were received (the counter's first), with the amount each put on it. Empty for
    a walk-in sale (paid in full at the counter, no ledger entry) or a void invoice."""
    if invoice.due_id is None or invoice.is_voided:
        return []
    allocations = (Allocation.objects.filter(shop_id=invoice.shop_id, due_id=invoice.due_id,
                                             payment__voided_at__isnull=True)
                   .select_related("payment").order_by("payment__received_on", "payment__pk"))
    rows = []
    for allocation in allocations:
        payment = allocation.payment
        at_counter = payment.pk == invoice.payment_id
        rows.append(InvoicePayment(payment=payment, amount=allocation.amount, at_counter=at_counter,
                                   credit=not at_counter and payment.created_at < invoice.created_at))
    rows.sort(key=lambda row: (not row.at_counter, row.payment.received_on, row.payment.pk))
    return rows


@dataclass
class SalesSummary:
    today_total: Decimal
    today_count: int
    month_total: Decimal
    month_count: int
    low_stock: list[Product]


@replica_reads
def sales_summary(*, shop: Shop, today: datetime.date | None = None, low_stock_limit: int = 5) -> SalesSummary:
    """Sales today and this month (void invoices excluded) and the products lowest on
    stock relative to their low-stock level. Two queries."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    sums = Invoice.objects.filter(shop=shop, voided_at__isnull=True, issued_on__gte=month_start,
                                  issued_on__lte=today).aggregate(
        month_total=Coalesce(Sum("total"), ZERO), month_count=Count("pk"),
        today_total=Coalesce(Sum("total", filter=Q(issued_on=today)), ZERO),
        today_count=Count("pk", filter=Q(issued_on=today)),
    )
    low = list(
        Product.objects.filter(shop=shop, is_active=True, track_stock=True,
                               stock_quantity__lte=F("low_stock_level"))
        .order_by(F("stock_quantity") - F("low_stock_level"), "name")[:low_stock_limit]
    )
    return SalesSummary(low_stock=low, **sums)


def invoice_drift(shop: Shop) -> list[Drift]:
    """Every invoice of ``shop`` that disagrees with the ledger entries it posted (empty:
    all agree). Registered with ``ledger.selectors.drift.register_drift_check``, so
    ``manage.py check_ledger`` fails on any of them. Checks, in a few queries:

    - an active invoice to a customer with a total above 0 has an active due of that
      customer for exactly its total;
    - what was paid at the counter is an active payment of that amount by that customer,
      and nothing paid means no counter payment;
    - a walk-in sale has no ledger entries and was paid in full;
    - a void invoice's due and payment are void too.
    """
    problems = []
    invoices = Invoice.objects.filter(shop=shop).select_related("due", "payment")
    active, void = invoices.filter(voided_at__isnull=True), invoices.filter(voided_at__isnull=False)

    def add(invoice, problem):
        problems.append(Drift(shop.pk, invoice.customer_id, f"invoice {invoice.number}: {problem}"))

    on_account = active.filter(customer__isnull=False, total__gt=0)
    for invoice in on_account.filter(due__isnull=True):
        add(invoice, "has no due in the ledger")
    for invoice in on_account.filter(due__isnull=False).exclude(
            due__amount=F("total"), due__customer_id=F("customer_id"), due__voided_at__isnull=True):
        add(invoice, f"its due is {invoice.due.amount}{' (void)' if invoice.due.is_voided else ''} "
                     f"for customer {invoice.due.customer_id}, the invoice says {invoice.total}")
    for invoice in active.filter(customer__isnull=False, paid_at_counter__gt=0).filter(
            Q(payment__isnull=True) | ~Q(payment__amount=F("paid_at_counter")) | Q(payment__voided_at__isnull=False)
            | ~Q(payment__customer_id=F("customer_id"))):
        add(invoice, f"paid {invoice.paid_at_counter} at the counter but its payment is "
                     f"{'missing' if invoice.payment is None else invoice.payment.amount}"
                     f"{' (void)' if invoice.payment is not None and invoice.payment.is_voided else ''}")
    for invoice in active.filter(paid_at_counter=0, payment__isnull=False):
        add(invoice, "was not paid at the counter but has a counter payment")
    for invoice in active.filter(customer__isnull=True).filter(
            Q(due__isnull=False) | Q(payment__isnull=False) | ~Q(paid_at_counter=F("total"))):
        add(invoice, "is a walk-in sale with ledger entries or not paid in full")
    for invoice in void.filter(Q(due__voided_at__isnull=True, due__isnull=False)
                               | Q(payment__voided_at__isnull=True, payment__isnull=False)):
        add(invoice, "is void but its ledger entries are not")
    return problems
