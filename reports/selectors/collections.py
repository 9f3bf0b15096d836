"""Collections over a period: the payments received (not voided), by day, by method and by
the staff member who recorded them. Four GROUP BY queries whatever the number of payments.
Amounts are ``Decimal`` in the shop's currency; ``count`` is the number of payments."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from core.db import replica_reads
from core.money import quantize_money, rounded_sum
from ledger.models import Payment
from reports.periods import Period

METHOD_LABELS = dict(Payment.Method.choices)


def _payments(*, shop: Shop, period: Period) -> QuerySet:
    return Payment.objects.filter(shop=shop, voided_at__isnull=True,
                                  received_on__gte=period.start, received_on__lte=period.end)


@dataclass
class Collections:
    """The collections report: ``by_day`` ``[{"day", "count", "amount"}]`` (days with
    payments, in date order), ``by_method`` ``[{"method", "label", "count", "amount"}]``,
    ``by_staff`` ``[{"user_id", "username", "count", "amount"}]`` (``username`` "" when the
    recorder is gone), largest first, and ``count``/``total`` over the period."""

    period: Period
    by_day: list[dict]
    by_method: list[dict]
    by_staff: list[dict]
    count: int
    total: Decimal


@replica_reads
def collections_report(*, shop: Shop, period: Period) -> Collections:
    """The :class:`Collections` of ``shop`` over ``period``: four aggregate queries."""
    payments = _payments(shop=shop, period=period).order_by()
    by_day = list(payments.values(day=F("received_on")).annotate(count=Count("pk"), amount=rounded_sum("amount"))
                  .order_by("day"))
    by_method = list(payments.values("method").annotate(count=Count("pk"), amount=rounded_sum("amount"))
                     .order_by("-amount", "method"))
    for row in by_method:
        row["label"] = METHOD_LABELS.get(row["method"], row["method"])
    by_staff = list(payments.values(user_id=F("created_by_id"), username=F("created_by__username"))
                    .annotate(count=Count("pk"), amount=rounded_sum("amount")).order_by("-amount", "username"))
    for row in by_staff:
        row["username"] = row["username"] or ""
    totals = payments.aggregate(count=Count("pk"), total=rounded_sum("amount"))
    for row in by_day + by_method + by_staff:
        row["amount"] = quantize_money(row["amount"])
    return Collections(period=period, by_day=by_day, by_method=by_method, by_staff=by_staff,
                       count=totals["count"], total=quantize_money(totals["total"]))


EXPORT_HEADER = [_("Date"), _("Method"), _("Recorded by"), _("Payments"), _("Amount")]


@replica_reads
def collections_export_rows(*, shop: Shop, period: Period):
    """Rows for the download: one per (day, method, recorder) with the count and amount,
    streamed from one GROUP BY query, then the totals row."""
    rows = (_payments(shop=shop, period=period).order_by()
            .values("received_on", "method", username=F("created_by__username"))
            .annotate(count=Count("pk"), amount=rounded_sum("amount"))
            .order_by("received_on", "method", "username"))
    count, total = 0, quantize_money(0)
    for row in rows.iterator(chunk_size=2000):
        amount = quantize_money(row["amount"])
        count += row["count"]
        total += amount
        yield [row["received_on"], METHOD_LABELS.get(row["method"], row["method"]), row["username"] or "",
               row["count"], amount]
    yield [gettext("Total"), "", "", count, total]
