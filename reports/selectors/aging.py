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

What is owed as of a date: for today or later (the live report), each open due's stored
``outstanding``, every open due counted (one dated after that day is "not yet due"), so the
grand total is the customers' balances; for a past date, the due's amount less what the
payments received by then paid of it (the allocations as they stand now), for dues given by
then and not voided. Customers in credit owe nothing and have no row. Rows are sorted by
total, largest first, then by customer id (the order the dashboard's top debtors use).
Amounts are ``Decimal`` in the shop's currency.

The live report reads at most a fixed handful of queries, none of which walks every open
due per customer: the grand totals group the open dues by the date they age from (an
index-only read of ``due_shop_open``) and are bucketed here; the rows come from the
customers' stored balances in index order (credit and open dues never coexist, DESIGN §5,
so a customer owes exactly when their balance is above zero), and only the customers of the
page (or of the export's chunk) have their dues grouped into buckets.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from core.db import keyset_chunks, replica_reads
from core.money import ZERO, money_output_field, quantize_money
from customers.models import Customer
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
    Bucket("current", _("Not yet due"), None, 0, _("Not due")),
    Bucket("d1_30", _("1–30 days"), 1, 30, "1–30"),
    Bucket("d31_60", _("31–60 days"), 31, 60, "31–60"),
    Bucket("d61_90", _("61–90 days"), 61, 90, "61–90"),
    Bucket("d91_120", _("91–120 days"), 91, 120, "91–120"),
    Bucket("d120_plus", _("Over 120 days"), 121, None, "120+"),
]
BUCKET_KEYS = [bucket.key for bucket in BUCKETS]


def bucket_by_key(key: str) -> Bucket:
    """The :class:`Bucket` named ``key``; ``KeyError`` for an unknown one."""
    for bucket in BUCKETS:
        if bucket.key == key:
            return bucket
    raise KeyError(key)


def _is_live(as_of: datetime.date, today: datetime.date) -> bool:
    return as_of >= today


def _open_dues(*, shop: Shop, as_of: datetime.date, today: datetime.date) -> QuerySet:
    """The shop's dues owed on ``as_of``, annotated with ``owed`` (Decimal) and ``age_from``."""
    if _is_live(as_of, today):
        dues = Due.objects.filter(shop=shop, outstanding__gt=0)
        return dues.annotate(age_from=Coalesce("due_date", "incurred_on"), owed=F("outstanding"))
    dues = Due.objects.filter(shop=shop, incurred_on__lte=as_of).annotate(age_from=Coalesce("due_date", "incurred_on"))
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


def bucket_of(as_of: datetime.date, age_from: datetime.date) -> Bucket:
    """The :class:`Bucket` of a due that ages from ``age_from``, on ``as_of``."""
    days_past = (as_of - age_from).days
    for bucket in BUCKETS:
        if (bucket.low is None or days_past >= bucket.low) and (bucket.high is None or days_past <= bucket.high):
            return bucket
    raise AssertionError(f"no aging bucket for {days_past} days")  # the buckets cover every integer


_CUSTOMER_FIELDS = ("pk", "name", "phone", "email")


class _LiveRows:
    """The live aging rows (as of today or later) as a sequence a ``Paginator`` can page:
    ``count()``, slicing (one query for the customers of the slice, one for their dues)
    and iteration (keyset chunks of customers, flat memory on every database). Built
    inside the shop's scope; reading it later (a streamed download) needs no scope."""

    def __init__(self, *, shop: Shop, as_of: datetime.date):
        self.as_of = as_of
        self.customers = (Customer.objects.filter(shop=shop, balance__gt=0)
                          .order_by("-balance", "pk").values(*_CUSTOMER_FIELDS, "balance"))
        self.dues = _open_dues(shop=shop, as_of=as_of, today=as_of)

    @replica_reads
    def count(self) -> int:
        return self.customers.count()

    def __len__(self) -> int:
        return self.count()

    def _rows(self, customers: list[dict]) -> list[dict]:
        if not customers:
            return []
        sums = {row["customer_id"]: row for row in
                self.dues.filter(customer_id__in=[c["pk"] for c in customers])
                .values("customer_id").annotate(**_bucket_sums(self.as_of)).order_by()}
        rows = []
        for customer in customers:
            figures = sums.get(customer["pk"])
            if figures is None:  # paid in full since the customers were read
                continue
            rows.append({"customer_id": customer["pk"], "name": customer["name"], "phone": customer["phone"],
                         "email": customer["email"], **{key: figures[key] for key in (*BUCKET_KEYS, "total")}})
        return rows

    @replica_reads
    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        return self._rows(list(self.customers[index]))

    @replica_reads
    def __iter__(self):
        chunk = []
        for customer in keyset_chunks(self.customers, ("-balance", "pk"), chunk_size=_CHUNK):
            chunk.append(customer)
            if len(chunk) == _CHUNK:
                yield from self._rows(chunk)
                chunk = []
        yield from self._rows(chunk)


_CHUNK = 2000


@replica_reads
def aging_rows(*, shop: Shop, as_of: datetime.date, bucket: str | None = None,
               today: datetime.date | None = None):
    """One row per customer who owes on ``as_of``, largest total first (then by customer
    id), as dicts: ``customer_id``, ``name``, ``phone``, ``email`` and a Decimal per bucket
    key plus ``total``. ``bucket`` (a key) keeps only customers owing in that bucket.

    Returns a lazy sequence that supports ``count()``, slicing and iteration (pass it to a
    ``Paginator``): for a past date or a ``bucket``, a queryset (one GROUP BY over the
    dues); as of today or later without ``bucket``, the live rows, read by customer
    balance (two small queries a page). Raises ``KeyError`` for an unknown ``bucket``.
    """
    today = today or local_today()
    if bucket is None and _is_live(as_of, today):
        return _LiveRows(shop=shop, as_of=as_of)
    rows = (_open_dues(shop=shop, as_of=as_of, today=today)
            .values("customer_id")
            .annotate(name=F("customer__name"), phone=F("customer__phone"), email=F("customer__email"),
                      **_bucket_sums(as_of)))
    if bucket is not None:
        rows = rows.filter(**{f"{bucket_by_key(bucket).key}__gt": 0})
    return rows.order_by("-total", "customer_id")


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


@replica_reads
def aging_totals(*, shop: Shop, as_of: datetime.date, today: datetime.date | None = None) -> AgingTotals:
    """The totals of :func:`aging_rows` over every customer. As of today or later: two
    queries (the open dues summed per date they age from, bucketed here; the customers
    whose balance is above zero); for a past date, one aggregate query."""
    today = today or local_today()
    if _is_live(as_of, today):
        buckets = dict.fromkeys(BUCKET_KEYS, ZERO)
        by_date = (_open_dues(shop=shop, as_of=as_of, today=today).order_by()
                   .values_list("age_from").annotate(owed=Sum("outstanding")))
        for age_from, owed in by_date:
            key = bucket_of(as_of, age_from).key
            buckets[key] += owed
        buckets = {key: quantize_money(amount) for key, amount in buckets.items()}
        return AgingTotals(as_of=as_of, buckets=buckets, total=quantize_money(sum(buckets.values(), ZERO)),
                           customers=Customer.objects.filter(shop=shop, balance__gt=0).count())
    figures = _open_dues(shop=shop, as_of=as_of, today=today).aggregate(
        customers=Count("customer_id", distinct=True), **_bucket_sums(as_of))
    return AgingTotals(
        as_of=as_of,
        buckets={key: quantize_money(figures[key]) for key in BUCKET_KEYS},
        total=quantize_money(figures["total"]),
        customers=figures["customers"],
    )


EXPORT_HEADER = [_("Customer"), _("Phone"), *[bucket.label for bucket in BUCKETS], _("Total")]


@replica_reads
def aging_export_rows(*, shop: Shop, as_of: datetime.date, today: datetime.date | None = None):
    """Rows for the CSV/XLSX download: one per customer, then the totals row; money as
    Decimal. The queries are built now (inside the shop's scope) and read as the download
    is written: as of today or later in keyset chunks of customers (flat memory); for a
    past date with the one GROUP BY query (``iterator()``: on MySQL/MariaDB the driver
    holds that result, one row per owing customer)."""
    today = today or local_today()
    rows = aging_rows(shop=shop, as_of=as_of, today=today)
    totals = aging_totals(shop=shop, as_of=as_of, today=today)
    source = rows if isinstance(rows, _LiveRows) else rows.iterator(chunk_size=_CHUNK)
    total_label = gettext("Total")

    def generate():
        for row in source:
            yield [row["name"], row["phone"], *[quantize_money(row[key]) for key in BUCKET_KEYS],
                   quantize_money(row["total"])]
        yield [total_label, "", *[totals.buckets[key] for key in BUCKET_KEYS], totals.total]

    return generate()
