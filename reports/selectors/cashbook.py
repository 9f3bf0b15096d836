"""The cash book over a period, from the drawer's cash movements: per day, the opening
balance, cash in, cash out and the closing balance. Two aggregate queries (the balance
before the period, the in/out per day grouped by the shop's local date) whatever the number
of movements. Amounts are ``Decimal`` in the shop's currency; ``cash_in``/``cash_out`` ≥ 0."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, Round, TruncDate
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.models import CashMovement
from billing.selectors.cash import day_bounds
from core.db import replica_reads
from core.money import ZERO, quantize_money, rounded_sum
from reports.periods import Period


@dataclass
class CashDay:
    """One day with movements: ``opening``, ``cash_in``, ``cash_out``, ``movements``
    (count) and ``closing`` = opening + in − out."""

    day: datetime.date
    opening: Decimal
    cash_in: Decimal
    cash_out: Decimal
    movements: int

    @property
    def closing(self) -> Decimal:
        return self.opening + self.cash_in - self.cash_out


@dataclass
class CashBook:
    """``opening`` at the start of ``period``, ``days`` (only days with movements, in
    order), the period's ``cash_in``/``cash_out`` and ``closing``."""

    period: Period
    opening: Decimal
    days: list[CashDay] = field(default_factory=list)
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.cash_in - self.cash_out


@replica_reads
def cash_book_report(*, shop, period: Period) -> CashBook:
    """The :class:`CashBook` of ``shop`` over ``period``; days are the active time zone's."""
    start, _end = day_bounds(period.start)
    _start, end = day_bounds(period.end)
    movements = CashMovement.objects.filter(shop=shop).order_by()
    opening = quantize_money(movements.filter(created_at__lt=start).aggregate(total=rounded_sum("amount"))["total"])
    book = CashBook(period=period, opening=opening)
    per_day = (movements.filter(created_at__gte=start, created_at__lt=end)
               .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
               .values("day")
               .annotate(cash_in=_sum_where(Q(amount__gt=0)),
                         cash_out=_sum_where(Q(amount__lt=0)), movements=Count("pk"))
               .order_by("day"))
    balance = opening
    for row in per_day:
        day = CashDay(day=row["day"], opening=balance, cash_in=quantize_money(row["cash_in"]),
                      cash_out=-quantize_money(row["cash_out"]), movements=row["movements"])
        book.days.append(day)
        book.cash_in += day.cash_in
        book.cash_out += day.cash_out
        balance = day.closing
    return book


def _sum_where(condition: Q):
    """``Sum("amount", filter=condition)`` rounded to the money scale, 0 without rows."""
    return Coalesce(Round(Sum("amount", filter=condition), settings.MONEY_DECIMAL_PLACES), ZERO)


EXPORT_HEADER = [_("Date"), _("Opening"), _("Cash in"), _("Cash out"), _("Closing"), _("Movements")]


def cash_book_export_rows(book: CashBook):
    """Rows for the download: one per day with movements, then the period's totals."""
    for day in book.days:
        yield [day.day, day.opening, day.cash_in, day.cash_out, day.closing, day.movements]
    yield [gettext("Total"), book.opening, book.cash_in, book.cash_out, book.closing,
           sum(day.movements for day in book.days)]
