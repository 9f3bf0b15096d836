"""Ledger reads of the dashboard: the headline figures, who owes most, the latest
entries. All amounts are ``Decimal`` in the shop's currency."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Shop
from core.db import replica_reads
from core.money import ZERO, quantize_money
from customers.models import Customer, CustomerTotals
from customers.totals import shop_totals
from ledger.models import Due, Payment


@dataclass
class DashboardSummary:
    """The dashboard's headline figures (Decimal amounts, int counts)."""

    customers_count: int
    total_outstanding: Decimal
    total_credit: Decimal
    overdue_amount: Decimal
    overdue_customers: int
    overdue_dues: int
    collected_this_month: Decimal


@replica_reads
def dashboard_summary(*, shop: Shop, today: datetime.date | None = None) -> DashboardSummary:
    """Headline figures for the dashboard: three queries, none of them reading every customer.

    The count of active customers, ``total_outstanding`` (the sum of positive customer
    balances: what customers owe net of their own credit) and ``total_credit`` (the credit
    held, positive) come from the shop's customer totals row (``customers.totals``, one
    primary-key read), with the overdue customers (balance > 0, oldest open due date
    before ``today``) counted in the same query from the ``customer_shop_oldest_due``
    index range. ``overdue_amount`` is the unpaid part of dues whose due date has passed
    (the ``due_shop_open`` index range); then what was collected this month. A shop
    without a totals row gets one built (:func:`customers.totals.shop_totals`).
    """
    today = today or timezone.localdate()
    # Overdue customers: an index range on (shop, oldest_open_due_date) with the balance read
    # from the same index; grouped by the shop so the subquery is one row (or none: 0).
    overdue_customers = Customer.objects.filter(shop=shop, oldest_open_due_date__lt=today, balance__gt=0)
    per_shop = overdue_customers.order_by().values("shop").annotate(n=Count("pk")).values("n")
    totals = (CustomerTotals.objects.filter(shop=shop)
              .annotate(overdue_customers=Coalesce(Subquery(per_shop), 0)).first())
    if totals is None:
        totals = shop_totals(shop=shop)
        totals.overdue_customers = overdue_customers.count()
    # Open dues past their due date, read from the index (shop, outstanding, due_date, …) alone:
    # a void due's outstanding is 0, so no other column is needed. The date is compared through
    # COALESCE (the same test: a due without a due date is never overdue) so that no planner
    # can take the (shop, due_date) index instead, a range over every past due date of the
    # shop with a row read for each: MariaDB did at 100,000 customers, 0.9-4 s (bench/README.md).
    overdue = Due.objects.alias(due_on=Coalesce("due_date", Value(datetime.date.max))).filter(
        shop=shop, outstanding__gt=0, due_on__lt=today).aggregate(
        unpaid=Coalesce(Sum("outstanding"), ZERO),
        open_count=Count("pk"),
    )
    month_start = today.replace(day=1)
    collected = Payment.objects.filter(shop=shop, voided_at__isnull=True, received_on__gte=month_start,
                                       received_on__lte=today).aggregate(total=Coalesce(Sum("amount"), ZERO))
    return DashboardSummary(
        customers_count=totals.active_customers,
        total_outstanding=totals.outstanding,
        total_credit=totals.credit,
        overdue_amount=quantize_money(overdue["unpaid"]),
        overdue_customers=totals.overdue_customers,
        overdue_dues=overdue["open_count"],
        collected_this_month=collected["total"],
    )


@replica_reads
def top_debtors(*, shop: Shop, limit: int = 5) -> list[Customer]:
    """The ``limit`` customers who owe the most (positive balance), largest first."""
    return list(Customer.objects.filter(shop=shop, balance__gt=0).order_by("-balance", "pk")[:limit])


@dataclass
class RecentEntry:
    """A due or payment as the dashboard's latest entries show it."""

    kind: str  # "due" or "payment"
    entry: Due | Payment
    customer: Customer
    amount: Decimal
    created_at: datetime.datetime
    date: datetime.date


@replica_reads
def recent_entries(*, shop: Shop, limit: int = 10) -> list[RecentEntry]:
    """The ``limit`` most recently recorded dues and payments, newest first (two queries)."""
    dues = Due.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")[:limit]
    payments = Payment.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")[:limit]
    entries = [RecentEntry("due", d, d.customer, d.amount, d.created_at, d.incurred_on) for d in dues]
    entries += [RecentEntry("payment", p, p.customer, p.amount, p.created_at, p.received_on) for p in payments]
    entries.sort(key=lambda e: (e.created_at, e.entry.pk), reverse=True)
    return entries[:limit]
