"""Invoice reads: the filtered list, a customer's purchases, the dashboard's sales panel."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Shop
from accounts.money import ZERO
from billing.models import Invoice, Product
from customers.models import Customer


def invoice_list(*, shop: Shop, query: str = "", customer: Customer | None = None, status: str = "",
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet:
    """Invoices of ``shop``, newest first. ``query`` matches the number or the
    customer's name; ``status`` is a ``Invoice.PaymentStatus`` value or ``"void"``."""
    qs = Invoice.objects.filter(shop=shop).select_related("customer")
    query = " ".join(query.split())
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(customer__name__icontains=query))
    if customer is not None:
        qs = qs.filter(customer=customer)
    if status == "void":
        qs = qs.filter(voided_at__isnull=False)
    elif status in Invoice.PaymentStatus.values:
        qs = qs.filter(payment_status=status, voided_at__isnull=True)
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    return qs.order_by("-issued_on", "-financial_year", "-sequence_number")


def customer_purchases(*, customer: Customer, limit: int = 10) -> list[Invoice]:
    """The customer's latest ``limit`` invoices, newest first."""
    return list(
        Invoice.objects.filter(shop_id=customer.shop_id, customer=customer)
        .order_by("-issued_on", "-financial_year", "-sequence_number")[:limit]
    )


@dataclass
class SalesSummary:
    today_total: Decimal
    today_count: int
    month_total: Decimal
    month_count: int
    low_stock: list[Product]


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
