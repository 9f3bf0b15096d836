"""Cash book reads: the drawer's balance against its counts, one day's cash book, the
day closes, and a drift check of the stored balance. Nothing here writes.

Money is Decimal in the shop's currency; movement amounts are signed (+ in, − out).
Days are the shop's local days (the active time zone).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.models import Shop
from billing.models import CashClose, CashDrawer, CashMovement, Denomination
from core.money import ZERO, quantize_money, rounded_sum
from ledger.models import Payment, Refund
from ledger.selectors.drift import Drift


def _sum(queryset) -> Decimal:
    total = queryset.aggregate(total=rounded_sum("amount"))["total"]
    return quantize_money(total)


def drawer_balance(*, shop: Shop) -> Decimal:
    """The drawer's balance by the cash book (Decimal; 0 for a shop with no movement)."""
    balance = CashDrawer.objects.filter(shop=shop).values_list("balance", flat=True).first()
    return quantize_money(balance if balance is not None else ZERO)


def cash_drift(*, shop: Shop) -> Decimal:
    """Stored balance minus the sum of the shop's movements (Decimal; 0 when right)."""
    return drawer_balance(shop=shop) - _sum(CashMovement.objects.filter(shop=shop))


def drawer_drift(shop: Shop) -> list[Drift]:
    """Where the shop's cash book disagrees with itself or with the ledger (empty: none).
    Registered with ``ledger.selectors.drift.register_drift_check``, so ``check_ledger`` runs it:

    - the drawer's stored balance is the sum of its movements;
    - every cash payment recorded on a customer's page (not posted by an invoice) came
      into the drawer once, and went out again once if it was voided;
    - likewise every cash refund went out once, and came back once if voided.
    """
    problems = []
    drift = cash_drift(shop=shop)
    if drift:
        problems.append(Drift(shop.pk, None, f"cash drawer stores {drawer_balance(shop=shop)}, "
                                             f"its movements add up to {drawer_balance(shop=shop) - drift}"))

    def counts(kind, column):
        rows = (CashMovement.objects.filter(shop=shop, kind=kind).exclude(**{f"{column}__isnull": True})
                .values_list(column, "amount"))
        found: dict[int, list[Decimal]] = {}
        for pk, amount in rows:
            found.setdefault(pk, []).append(amount)
        return found

    received, returned = counts("payment", "payment"), counts("payment_void", "payment")
    for payment in Payment.objects.filter(shop=shop, method=Payment.Method.CASH, source=""):
        expected_in = [payment.amount]
        expected_out = [-payment.amount] if payment.is_voided else []
        if received.get(payment.pk, []) != expected_in or returned.get(payment.pk, []) != expected_out:
            problems.append(Drift(shop.pk, payment.customer_id,
                                  f"cash payment {payment.pk} of {payment.amount}"
                                  f"{' (void)' if payment.is_voided else ''} is in the cash book as "
                                  f"{received.get(payment.pk, [])} in and {returned.get(payment.pk, [])} out"))
    paid_back, restored = counts("refund", "refund_pk"), counts("refund_void", "refund_pk")
    for refund in Refund.objects.filter(shop=shop, method=Refund.Method.CASH):
        expected_out = [-refund.amount]
        expected_in = [refund.amount] if refund.is_voided else []
        if paid_back.get(refund.pk, []) != expected_out or restored.get(refund.pk, []) != expected_in:
            problems.append(Drift(shop.pk, refund.customer_id,
                                  f"cash refund {refund.pk} of {refund.amount}{' (void)' if refund.is_voided else ''}"
                                  f" is in the cash book as {paid_back.get(refund.pk, [])} out and "
                                  f"{restored.get(refund.pk, [])} back"))
    return problems


@dataclass(frozen=True)
class DrawerSummary:
    """What the drawer holds. ``balance``: by the cash book (Σ movements). ``counted``:
    Σ value × count of its notes and coins. ``unsorted``: balance − counted, the cash that
    moved as an amount only since the last count (negative: more notes than the book
    says). ``pieces``: notes and coins held. ``last_close``: the latest ``CashClose`` or
    None. ``movements_since_close``: movements after it (all, without one)."""

    balance: Decimal
    counted: Decimal
    pieces: int
    last_close: CashClose | None
    movements_since_close: int

    @property
    def unsorted(self) -> Decimal:
        return self.balance - self.counted


def drawer_summary(*, shop: Shop, denominations: list[Denomination] | None = None) -> DrawerSummary:
    """The drawer's :class:`DrawerSummary`; ``denominations`` (the shop's rows, if the
    caller has them) saves a query."""
    if denominations is None:
        denominations = list(Denomination.objects.filter(shop=shop))
    last_close = CashClose.objects.filter(shop=shop).select_related("created_by").first()
    since = CashMovement.objects.filter(shop=shop)
    if last_close is not None:
        since = since.filter(created_at__gt=last_close.created_at)
    return DrawerSummary(
        balance=drawer_balance(shop=shop),
        counted=quantize_money(sum((d.value * d.count for d in denominations), ZERO)),
        pieces=sum(d.count for d in denominations),
        last_close=last_close,
        movements_since_close=since.count(),
    )


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of ``day`` and of the next day, aware, in the active time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)


@dataclass
class CashBookDay:
    """One day of the cash book. ``opening``: balance at the start of the day;
    ``rows``: ``[(movement, balance after it), …]`` in time order; ``cash_in`` /
    ``cash_out`` (both ≥ 0) and ``closing`` (balance at the end of the day, or now for
    today). ``closes``: that day's ``CashClose`` rows. ``previous``/``following``: the
    days before and after (``following`` None for today)."""

    day: datetime.date
    opening: Decimal
    rows: list[tuple[CashMovement, Decimal]] = field(default_factory=list)
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO
    closes: list[CashClose] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.cash_in - self.cash_out

    @property
    def previous(self) -> datetime.date:
        return self.day - datetime.timedelta(days=1)

    @property
    def following(self) -> datetime.date | None:
        return None if self.day >= timezone.localdate() else self.day + datetime.timedelta(days=1)


def cash_book_day(*, shop: Shop, day: datetime.date) -> CashBookDay:
    """The cash book of ``day``: the opening balance (Σ of every earlier movement), each
    movement of the day with who recorded it and what it follows (invoice, payment), and
    the running balance."""
    start, end = day_bounds(day)
    movements = CashMovement.objects.filter(shop=shop)
    book = CashBookDay(day=day, opening=_sum(movements.filter(created_at__lt=start)))
    balance = book.opening
    for movement in (movements.filter(created_at__gte=start, created_at__lt=end)
                     .select_related("created_by", "invoice", "payment", "close").order_by("created_at", "pk")):
        balance += movement.amount
        book.rows.append((movement, balance))
        if movement.amount > 0:
            book.cash_in += movement.amount
        else:
            book.cash_out -= movement.amount
    book.closes = list(CashClose.objects.filter(shop=shop, created_at__gte=start, created_at__lt=end)
                       .select_related("created_by").order_by("created_at", "pk"))
    return book


def close_list(*, shop: Shop):
    """The shop's day closes, latest first (a queryset, for paging)."""
    return CashClose.objects.filter(shop=shop).select_related("created_by").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ClosePreview:
    """A count against the book, before the day is closed. ``rows``:
    ``[(denomination, pieces by the book (int), pieces counted (int), amount counted −
    amount by the book (Decimal)), …]``. ``expected``: the balance by the cash book;
    ``by_notes``: Σ value × pieces by the book (less than ``expected`` by the cash that
    moved as an amount only); ``counted``; ``difference`` = counted − expected."""

    rows: list[tuple[Denomination, int, int, Decimal]]
    expected: Decimal
    by_notes: Decimal
    counted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


def close_preview(*, shop: Shop, denominations: list[Denomination], counts: dict[Decimal, int]) -> ClosePreview:
    """Compare ``counts`` (``{value: pieces}``; a missing value counts 0) with the
    drawer's ``denominations`` (its rows) and balance. Writes nothing."""
    rows = []
    for denomination in denominations:
        counted = counts.get(denomination.value) or 0
        rows.append((denomination, denomination.count, counted, (counted - denomination.count) * denomination.value))
    return ClosePreview(
        rows=rows,
        expected=drawer_balance(shop=shop),
        by_notes=quantize_money(sum((d.value * d.count for d in denominations), ZERO)),
        counted=quantize_money(sum((d.value * (counts.get(d.value) or 0) for d in denominations), ZERO)),
    )
