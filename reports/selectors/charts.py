"""The figures the charts draw: dues given against payments collected per month for the
last 12 months (two GROUP BY queries), sales per day for the last 30 days (one GROUP BY
query), and outstanding by aging bucket (the aging totals, one query). Amounts are
``Decimal`` in the shop's currency; voided entries and invoices are left out."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth

from billing.models import Invoice
from core.db import replica_reads
from core.money import ZERO, quantize_money, rounded_sum
from ledger.models import Due, Payment
from reports.periods import add_months, local_today, month_start


@dataclass(frozen=True)
class MonthFigures:
    """One month: ``month`` (its first day), ``dues`` given and ``payments`` collected."""

    month: datetime.date
    dues: Decimal
    payments: Decimal


def _by_month(queryset, date_field: str, start: datetime.date, end: datetime.date) -> dict:
    rows = (queryset.filter(**{f"{date_field}__gte": start, f"{date_field}__lte": end}).order_by()
            .annotate(month=TruncMonth(date_field)).values("month").annotate(total=rounded_sum("amount")))
    found = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        found[month] = quantize_money(row["total"])
    return found


@replica_reads
def dues_vs_payments(*, shop, months: int = 12, today: datetime.date | None = None) -> list[MonthFigures]:
    """``months`` entries, oldest first, ending with the current month (to ``today``)."""
    today = today or local_today()
    first = add_months(month_start(today), -(months - 1))
    dues = _by_month(Due.objects.filter(shop=shop, voided_at__isnull=True), "incurred_on", first, today)
    payments = _by_month(Payment.objects.filter(shop=shop, voided_at__isnull=True), "received_on", first, today)
    series = []
    for i in range(months):
        month = add_months(first, i)
        series.append(MonthFigures(month=month, dues=dues.get(month, ZERO), payments=payments.get(month, ZERO)))
    return series


@dataclass(frozen=True)
class DayFigures:
    """One day: ``day``, the ``total`` of its invoices and how many (``count``)."""

    day: datetime.date
    total: Decimal
    count: int


@replica_reads
def sales_by_day(*, shop, days: int = 30, today: datetime.date | None = None) -> list[DayFigures]:
    """``days`` entries, oldest first, ending with ``today``: the invoiced total (void
    invoices left out) of each day, 0 for a day without sales. One GROUP BY query."""
    today = today or local_today()
    first = today - datetime.timedelta(days=days - 1)
    rows = (Invoice.objects.filter(shop=shop, voided_at__isnull=True, issued_on__gte=first, issued_on__lte=today)
            .order_by().values("issued_on").annotate(total=rounded_sum("total"), count=Count("pk")))
    found = {row["issued_on"]: (quantize_money(row["total"]), row["count"]) for row in rows}
    return [DayFigures(day=day, total=found.get(day, (ZERO, 0))[0], count=found.get(day, (ZERO, 0))[1])
            for day in (first + datetime.timedelta(days=i) for i in range(days))]
