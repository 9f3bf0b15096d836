"""Stock report reads (issue #12): low stock, stock valuation at cost and at sale price,
and the movement register of one product over a date range.

Quantities are ``Decimal`` with 3 places in the product's unit; money is ``Decimal`` in the
shop's currency. Each function is a fixed number of queries (aggregates in the database).
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Shop
from billing.models import Product, StockMovement
from core.db import replica_reads
from core.money import ZERO, quantize_money

_QTY = Decimal("0.000")
_WIDE = DecimalField(max_digits=28, decimal_places=5)


@replica_reads
def stock_low(*, shop: Shop) -> QuerySet:
    """Active products whose tracked stock is at or below their low-stock level, lowest
    stock first (one query when iterated; ``category`` joined)."""
    return (Product.objects.filter(shop=shop, is_active=True, track_stock=True,
                                   stock_quantity__lte=F("low_stock_level"))
            .select_related("category").order_by("stock_quantity", "name", "pk"))


@replica_reads
def stock_low_totals(*, shop: Shop) -> dict:
    """The low-stock table's totals row over every row of :func:`stock_low` (one aggregate
    query): ``products`` (how many are low) and ``out_of_stock`` (of those, how many have
    none left: stock at or below zero), both ints."""
    return stock_low(shop=shop).order_by().aggregate(products=Count("pk"),
                                                     out_of_stock=Count("pk", filter=Q(stock_quantity__lte=0)))


@replica_reads
def stock_valuation_products(*, shop: Shop) -> QuerySet:
    """The products valued (tracked stock above zero), by name, annotated with
    ``cost_value`` (stock × cost price; ``None`` without a cost price) and ``sale_value``
    (stock × sale price), both unrounded Decimals (quantize for display)."""
    return (Product.objects.filter(shop=shop, track_stock=True, stock_quantity__gt=0)
            .select_related("category")
            .annotate(cost_value=ExpressionWrapper(F("stock_quantity") * F("cost_price"), output_field=_WIDE),
                      sale_value=ExpressionWrapper(F("stock_quantity") * F("sale_price"), output_field=_WIDE))
            .order_by("name", "pk"))


@replica_reads
def stock_valuation_totals(*, shop: Shop) -> dict:
    """The valuation's totals row (one aggregate query) over
    :func:`stock_valuation_products`: ``products`` (count), ``cost_value`` (of those with a
    cost price), ``sale_value``, ``without_cost`` (products valued with no cost price, left
    out of ``cost_value``), money rounded to the money scale."""
    sums = stock_valuation_products(shop=shop).aggregate(
        products=Count("pk"), without_cost=Count("pk", filter=Q(cost_price__isnull=True)),
        cost=Sum("cost_value"), sale=Sum("sale_value"))
    return {"products": sums["products"], "without_cost": sums["without_cost"],
            "cost_value": quantize_money(sums["cost"] or ZERO), "sale_value": quantize_money(sums["sale"] or ZERO)}


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@replica_reads
def stock_movement_register(*, shop: Shop, product: Product, start: datetime.date, end: datetime.date) -> dict:
    """The register of ``product`` from ``start`` to ``end`` (local days, both included).

    Three queries: the balance before ``start`` (the last earlier movement's
    ``balance_after``, 0 when none), the in/out sums of the range, and the movements
    (a queryset, oldest first, lazily iterated). Keys: ``opening``, ``received`` (sum of
    positive quantities), ``issued`` (sum of negative ones, as a positive number),
    ``closing`` (opening + received − issued), ``count``, ``movements``.
    """
    lower, upper = _day_start(start), _day_start(end + datetime.timedelta(days=1))
    base = StockMovement.objects.filter(shop=shop, product=product)
    before = base.filter(created_at__lt=lower).order_by("-created_at", "-pk").values_list("balance_after",
                                                                                          flat=True).first()
    in_range = base.filter(created_at__gte=lower, created_at__lt=upper)
    sums = in_range.aggregate(received=Sum("quantity", filter=Q(quantity__gt=0)),
                              issued=Sum("quantity", filter=Q(quantity__lt=0)), count=Count("pk"))
    opening = Decimal(before) if before is not None else _QTY
    received = Decimal(sums["received"] or _QTY)
    issued = -Decimal(sums["issued"] or _QTY)
    return {"opening": opening, "received": received, "issued": issued, "closing": opening + received - issued,
            "count": sums["count"],
            "movements": in_range.select_related("invoice", "created_by").order_by("created_at", "pk")}
