"""Aging of receivables as of a date: what each customer owes, by how many days it is past
its due date. Two aggregate queries whatever the number of customers (one GROUP BY for the
rows, one for the totals); the rows stay a lazy queryset for paging and streaming.

A due's age counts from its due date, or from the date it was given when it has none
(``incurred_on``). Days past = as-of date − that date; the buckets:

======================  =========================
key                     days past the due date
======================  =========================
``current``             0 or less (not yet due)
``d1_30``               1–30
``d31_60``              31–60
``d61_90``              61–90
``d91_120``             91–120
``d120_plus``           121 and more
======================  =========================

What is owed as of a date: for today or later, each due's stored ``outstanding`` (voided dues
have 0); for a past date, the due's amount less what the payments received by then paid
of it (the allocations as they stand now), for dues given by then and not voided. Customers
in credit owe nothing and have no row. Amounts are ``Decimal`` in the shop's currency.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Shop
from core.money import ZERO, money_output_field, quantize_money
from ledger.models import Allocation, Due
from reports.periods import local_today


@dataclass(frozen=True)
class Bucket:
    """One aging column: ``key`` (a row's field), ``label``, days past from ``low`` to
    ``high`` (both included; ``None`` for open-ended), ``short`` (a chart's axis label)."""

    key: str
    label: str
    low: int | None
    high: int | None
    short: str = ""

    def q(self, as_of: datetime.date) -> Q:
        """The ``Q`` on the annotated ``age_from`` date for dues in this bucket on ``as_of``."""
        q = Q()
        if self.low is not None:  # at least `low` days past: age_from <= as_of - low
            q &= Q(age_from__lte=as_of - datetime.timedelta(days=self.low))
        if self.high is not None:  # at most `high` days past: age_from >= as_of - high
            q &= Q(age_from__gte=as_of - datetime.timedelta(days=self.high))
        return q


BUCKETS = [
    Bucket("current", "Not yet due", None, 0, "Not due"),
    Bucket("d1_30", "1–30 days", 1, 30, "1–30"),
    Bucket("d31_60", "31–60 days", 31, 60, "31–60"),
    Bucket("d61_90", "61–90 days", 61, 90, "61–90"),
    Bucket("d91_120", "91–120 days", 91, 120, "91–120"),
    Bucket("d120_plus", "Over 120 days", 121, None, "120+"),
]
BUCKET_KEYS = [bucket.key for bucket in BUCKETS]


def bucket_by_key(key: str) -> Bucket:
    """The :class:`Bucket` named ``key``; ``KeyError`` for an unknown one."""
    for bucket in BUCKETS:
        if bucket.key == key:
            return bucket
    raise KeyError(key)


def _open_dues(*, shop: Shop, as_of: datetime.date, today: datetime.date) -> QuerySet:
    """The shop's dues owed on ``as_of``, annotated with ``owed`` (Decimal) and ``age_from``."""
    dues = Due.objects.filter(shop=shop, incurred_on__lte=as_of).annotate(age_from=Coalesce("due_date", "incurred_on"))
    if as_of >= today:
        return dues.filter(outstanding__gt=0).annotate(owed=F("outstanding"))
    paid_by_then = (
        Allocation.objects.filter(shop=shop, due=OuterRef("pk"), payment__voided_at__isnull=True,
                                  payment__received_on__lte=as_of)
        .order_by().values("due").annotate(total=Sum("amount")).values("total")
    )
    owed = F("amount") - Coalesce(Subquery(paid_by_then, output_field=DecimalField()), ZERO)
    return (dues.filter(voided_at__isnull=True)
            .annotate(owed=_as_money(owed)).filter(owed__gt=0))


def _as_money(expression):
    return ExpressionWrapper(expression, output_field=money_output_field())


def _bucket_sums(as_of: datetime.date) -> dict:
    sums = {bucket.key: Coalesce(Sum("owed", filter=bucket.q(as_of)), ZERO, output_field=money_output_field())
            for bucket in BUCKETS}
    sums["total"] = Coalesce(Sum("owed"), ZERO, output_field=money_output_field())
    return sums


def aging_rows(*, shop: Shop, as_of: datetime.date, bucket: str | None = None,
               today: datetime.date | None = None) -> QuerySet:
    """One row per customer who owes on ``as_of``, largest total first (then by name), as a
    lazy queryset of dicts: ``customer_id``, ``name``, ``phone``, ``email`` and a Decimal per
    bucket key plus ``total``. ``bucket`` (a key) keeps only customers owing in that bucket.
    One query (a GROUP BY over the dues) when evaluated."""
    today = today or local_today()
    rows = (_open_dues(shop=shop, as_of=as_of, today=today)
            .values("customer_id")
            .annotate(name=F("customer__name"), phone=F("customer__phone"), email=F("customer__email"),
                      **_bucket_sums(as_of)))
    if bucket is not None:
        rows = rows.filter(**{f"{bucket_by_key(bucket).key}__gt": 0})
    return rows.order_by("-total", "name", "customer_id")


@dataclass(frozen=True)
class AgingTotals:
    """The grand totals of an aging report: ``buckets`` (``{key: Decimal}``), ``total``
    (Decimal) and ``customers`` (int, how many owe)."""

    as_of: datetime.date
    buckets: dict
    total: Decimal
    customers: int

    def by_bucket(self) -> list[tuple[Bucket, Decimal]]:
        """``[(bucket, amount), …]`` in bucket order (for charts and the totals row)."""
        return [(bucket, self.buckets[bucket.key]) for bucket in BUCKETS]


def aging_totals(*, shop: Shop, as_of: datetime.date, today: datetime.date | None = None) -> AgingTotals:
    """The totals of :func:`aging_rows` over every customer, in one aggregate query."""
    today = today or local_today()
    figures = _open_dues(shop=shop, as_of=as_of, today=today).aggregate(
        customers=Count("customer_id", distinct=True), **_bucket_sums(as_of))
    return AgingTotals(
        as_of=as_of,
        buckets={key: quantize_money(figures[key]) for key in BUCKET_KEYS},
        total=quantize_money(figures["total"]),
        customers=figures["customers"],
    )


EXPORT_HEADER = ["Customer", "Phone", *[bucket.label for bucket in BUCKETS], "Total"]


def aging_export_rows(*, shop: Shop, as_of: datetime.date, today: datetime.date | None = None):
    """Rows for the CSV/XLSX download: one per customer (streamed from the database with
    ``iterator()``), then the totals row. Money as Decimal."""
    for row in aging_rows(shop=shop, as_of=as_of, today=today).iterator(chunk_size=2000):
        yield [row["name"], row["phone"], *[quantize_money(row[key]) for key in BUCKET_KEYS],
               quantize_money(row["total"])]
    totals = aging_totals(shop=shop, as_of=as_of, today=today)
    yield ["Total", "", *[totals.buckets[key] for key in BUCKET_KEYS], totals.total]
