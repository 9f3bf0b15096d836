"""Ledger reads: a customer's dues and statement, the dashboard figures, drift checks.

All amounts are ``Decimal`` in the shop's currency.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, DecimalField, F, Min, Q, Sum, Value, When
from django.db.models.functions import Abs, Coalesce, Round
from django.utils import timezone

from accounts.models import Shop
from accounts.money import ZERO, quantize_money
from customers.models import Customer
from ledger.models import Allocation, Due, Payment, Refund

# Half the smallest money unit: stored and recomputed amounts closer than this are equal
# (SQLite computes decimal sums in binary floats).
HALF_CENT = Decimal(1).scaleb(-settings.MONEY_DECIMAL_PLACES) / 2


def _with_allocated(qs):
    # Rounded to the money scale: SQLite sums decimal columns as binary floats
    # (0.70 + 0.10 < 0.80 there), which would make a paid due look open.
    return qs.annotate(allocated=Coalesce(Round(Sum("allocations__amount"), settings.MONEY_DECIMAL_PLACES), ZERO))


def _set_status(due: Due, today: datetime.date) -> Due:
    """Attach ``allocated``, ``status``, ``status_label`` and ``is_overdue`` to a due (from
    its stored ``outstanding``)."""
    if due.is_voided:
        due.allocated = ZERO
        due.status = Due.Status.VOID
    else:
        due.allocated = due.amount - due.outstanding
        if due.outstanding <= 0:
            due.status = Due.Status.PAID
        elif due.allocated > 0:
            due.status = Due.Status.PARTIAL
        else:
            due.status = Due.Status.OPEN
    due.status_label = Due.Status(due.status).label
    due.is_overdue = due.status in (Due.Status.OPEN, Due.Status.PARTIAL) and bool(due.due_date) and due.due_date < today
    return due


def customer_open_dues(*, customer: Customer, today: datetime.date | None = None) -> list[Due]:
    """Unpaid, unvoided dues of ``customer``, oldest due date first, with
    ``outstanding``/``status``/``is_overdue`` set."""
    today = today or timezone.localdate()
    dues = (
        Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True, outstanding__gt=0)
        .order_by(Coalesce("due_date", "incurred_on"), "incurred_on", "pk")
    )
    return [_set_status(due, today) for due in dues]


def statement_open_dues(statement: "Statement") -> list[Due]:
    """The open dues among a statement's entries, in the order ``customer_open_dues``
    gives (oldest due date first), without another query: the customer page reads its
    statement anyway."""
    dues = [line.entry for line in statement.lines
            if line.kind == "due" and not line.voided and line.entry.outstanding > 0]
    return sorted(dues, key=lambda due: (due.due_date or due.incurred_on, due.incurred_on, due.pk))


@dataclass
class StatementLine:
    """One row of a statement: a due or a refund (debit) or a payment (credit)."""

    date: datetime.date
    kind: str  # "due", "payment" or "refund"
    entry: Due | Payment | Refund
    description: str
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal
    voided: bool


@dataclass
class Statement:
    lines: list[StatementLine] = field(default_factory=list)
    total_dues: Decimal = ZERO
    total_payments: Decimal = ZERO
    total_refunds: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.total_dues - self.total_payments + self.total_refunds


def customer_statement(*, customer: Customer) -> Statement:
    """Every due, payment and refund of ``customer`` in date order with a running balance.

    Voided entries are listed (marked ``voided``) but do not move the balance. Three
    queries whatever the number of entries.
    """
    today = timezone.localdate()
    dues = Due.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    payments = Payment.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    rows = []
    for due in dues:
        _set_status(due, today)
        rows.append((due.incurred_on, due.created_at, 0, due.pk, "due", due))
    for payment in payments:
        rows.append((payment.received_on, payment.created_at, 1, payment.pk, "payment", payment))
    refunds = Refund.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    for refund in refunds:
        rows.append((refund.refunded_on, refund.created_at, 2, refund.pk, "refund", refund))
    rows.sort(key=lambda r: r[:4])
    statement = Statement()
    balance = ZERO
    for date, _created, _order, _pk, kind, entry in rows:
        voided = entry.is_voided
        if kind == "due":
            if not voided:
                balance += entry.amount
                statement.total_dues += entry.amount
            description = entry.description
            debit, credit = entry.amount, None
        elif kind == "refund":
            if not voided:
                balance += entry.amount
                statement.total_refunds += entry.amount
            description = f"Refund of credit ({entry.get_method_display()})"
            if entry.reference:
                description += f" ref {entry.reference}"
            description += f" · {entry.reason}"
            debit, credit = entry.amount, None
        else:
            if not voided:
                balance -= entry.amount
                statement.total_payments += entry.amount
            description = f"Payment ({entry.get_method_display()})"
            if entry.reference:
                description += f" ref {entry.reference}"
            if entry.note:
                description += f" · {entry.note}"
            debit, credit = None, entry.amount
        statement.lines.append(StatementLine(date=date, kind=kind, entry=entry, description=description,
                                             debit=debit, credit=credit, balance=balance, voided=voided))
    return statement


@dataclass
class DashboardSummary:
    customers_count: int
    total_outstanding: Decimal
    total_credit: Decimal
    overdue_amount: Decimal
    overdue_customers: int
    overdue_dues: int
    collected_this_month: Decimal


def dashboard_summary(*, shop: Shop, today: datetime.date | None = None) -> DashboardSummary:
    """Headline figures for the dashboard: three aggregate queries, independent of size.

    ``total_outstanding`` sums positive customer balances (what customers owe net of
    their own credit); ``overdue_amount`` is the unpaid part of dues whose due date
    has passed.
    """
    today = today or timezone.localdate()
    customers = Customer.objects.filter(shop=shop).aggregate(
        count=Count("pk", filter=Q(is_archived=False)),
        outstanding=Coalesce(Sum("balance", filter=Q(balance__gt=0)), ZERO),
        credit=Coalesce(Sum("balance", filter=Q(balance__lt=0)), ZERO),
        overdue_customers=Count("pk", filter=Q(balance__gt=0, oldest_open_due_date__lt=today)),
    )
    # Open dues past their due date, read from the index (shop, outstanding, due_date) alone:
    # a void due's outstanding is 0, so no other column is needed.
    overdue = Due.objects.filter(shop=shop, outstanding__gt=0, due_date__lt=today).aggregate(
        unpaid=Coalesce(Sum("outstanding"), ZERO),
        open_count=Count("pk"),
    )
    month_start = today.replace(day=1)
    collected = Payment.objects.filter(shop=shop, voided_at__isnull=True, received_on__gte=month_start,
                                       received_on__lte=today).aggregate(total=Coalesce(Sum("amount"), ZERO))
    return DashboardSummary(
        customers_count=customers["count"],
        total_outstanding=customers["outstanding"],
        total_credit=-customers["credit"],
        overdue_amount=quantize_money(overdue["unpaid"]),
        overdue_customers=customers["overdue_customers"],
        overdue_dues=overdue["open_count"],
        collected_this_month=collected["total"],
    )


def top_debtors(*, shop: Shop, limit: int = 5) -> list[Customer]:
    """The ``limit`` customers who owe the most (positive balance), largest first."""
    return list(Customer.objects.filter(shop=shop, balance__gt=0).order_by("-balance", "pk")[:limit])


@dataclass
class RecentEntry:
    kind: str  # "due" or "payment"
    entry: Due | Payment
    customer: Customer
    amount: Decimal
    created_at: datetime.datetime
    date: datetime.date


def recent_entries(*, shop: Shop, limit: int = 10) -> list[RecentEntry]:
    """The ``limit`` most recently recorded dues and payments, newest first (two queries)."""
    dues = Due.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")[:limit]
    payments = Payment.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")[:limit]
    entries = [RecentEntry("due", d, d.customer, d.amount, d.created_at, d.incurred_on) for d in dues]
    entries += [RecentEntry("payment", p, p.customer, p.amount, p.created_at, p.received_on) for p in payments]
    entries.sort(key=lambda e: (e.created_at, e.entry.pk), reverse=True)
    return entries[:limit]


def _payment_credit(shop: Shop) -> dict[int, Decimal]:
    """Per customer id, what their active payments hold unallocated (before refunds)."""
    credit: dict[int, Decimal] = {}
    rows = (_with_allocated(Payment.objects.filter(shop=shop, voided_at__isnull=True))
            .filter(allocated__lt=F("amount")).values_list("customer", "amount", "allocated"))
    for customer_id, amount, allocated in rows:
        credit[customer_id] = credit.get(customer_id, ZERO) + quantize_money(amount - allocated)
    return credit


@dataclass
class Drift:
    """One disagreement between stored figures and what the entries say."""

    shop_id: int
    customer_id: int | None
    problem: str


#: Checks that later apps add to ``ledger_drift`` (ledger cannot import them, DESIGN §2):
#: each is called with a shop and returns a list of ``Drift``. Billing registers its invoice
#: and cash drawer checks in ``BillingConfig.ready()``.
_drift_checks: list = []


def register_drift_check(check) -> None:
    """Add ``check(shop) -> list[Drift]`` to what ``ledger_drift`` (and so ``check_ledger``)
    verifies. Registering the same function twice adds it once."""
    if check not in _drift_checks:
        _drift_checks.append(check)


def ledger_drift(*, shops=None) -> list[Drift]:
    """Recompute every customer's balance and earliest open due date, and every due's
    outstanding, from the entries and check every allocation; return each disagreement
    (empty list: all exact).

    Run outside any scope restriction (``scopes_disabled()``); ``shops`` limits the
    check to some shops. The checks registered with ``register_drift_check`` run too.
    """
    shops = list(shops) if shops is not None else list(Shop.objects.all())
    problems: list[Drift] = []
    for shop in shops:
        due_totals = dict(
            Due.objects.filter(shop=shop, voided_at__isnull=True).values_list("customer").annotate(t=Sum("amount"))
            .values_list("customer", "t")
        )
        payment_totals = dict(
            Payment.objects.filter(shop=shop, voided_at__isnull=True).values_list("customer")
            .annotate(t=Sum("amount")).values_list("customer", "t")
        )
        refund_totals = dict(
            Refund.objects.filter(shop=shop, voided_at__isnull=True).values_list("customer")
            .annotate(t=Sum("amount")).values_list("customer", "t")
        )
        open_dues = _with_allocated(
            Due.objects.filter(shop=shop, voided_at__isnull=True, due_date__isnull=False)
        ).filter(allocated__lt=F("amount"))
        # Group in an outer query: ``.values("customer")`` straight on ``open_dues`` would
        # regroup its per-due Sum by customer (and amount), pooling the dues' allocations.
        earliest = dict(
            Due.objects.filter(pk__in=open_dues.values("pk")).values("customer").annotate(d=Min("due_date"))
            .values_list("customer", "d")
        )
        # The allocation rule: credit left on a payment (after refunds) is applied to open
        # dues at once, so no customer may have both; and refunds never exceed that credit.
        with_open_dues = set(
            _with_allocated(Due.objects.filter(shop=shop, voided_at__isnull=True))
            .filter(allocated__lt=F("amount")).values_list("customer", flat=True)
        )
        unallocated = _payment_credit(shop)
        for customer_id in sorted(set(unallocated) | set(refund_totals)):
            credit = unallocated.get(customer_id, ZERO) - quantize_money(refund_totals.get(customer_id) or ZERO)
            if credit < 0:
                problems.append(Drift(shop.pk, customer_id, f"refunds exceed the payment credit by {-credit}"))
            elif credit > 0 and customer_id in with_open_dues:
                problems.append(Drift(shop.pk, customer_id, "has unapplied payment credit while dues are open"))
        for customer_id, balance, stored_date in Customer.objects.filter(shop=shop).values_list(
                "pk", "balance", "oldest_open_due_date"):
            expected = quantize_money(due_totals.get(customer_id, ZERO) - payment_totals.get(customer_id, ZERO)
                                      + refund_totals.get(customer_id, ZERO))
            if balance != expected:
                problems.append(Drift(shop.pk, customer_id, f"balance is {balance}, entries say {expected}"))
            expected_date = earliest.get(customer_id)
            if stored_date != expected_date:
                problems.append(Drift(shop.pk, customer_id,
                                      f"oldest open due date is {stored_date}, entries say {expected_date}"))
        for due in _with_allocated(Due.objects.filter(shop=shop)).filter(
                Q(allocated__gt=F("amount")) | Q(voided_at__isnull=False, allocated__gt=0)):
            problems.append(Drift(shop.pk, due.customer_id,
                                  f"due {due.pk} has {quantize_money(due.allocated)} allocated of "
                                  f"{due.amount}{' (void)' if due.is_voided else ''}"))
        # The stored outstanding of every due (amount minus its allocations; 0 when void).
        expected = Case(When(voided_at__isnull=False, then=Value(ZERO)), default=F("amount") - F("allocated"),
                        output_field=DecimalField(max_digits=settings.MONEY_MAX_DIGITS + 1,
                                                  decimal_places=settings.MONEY_DECIMAL_PLACES))
        for due in (_with_allocated(Due.objects.filter(shop=shop)).annotate(expected=expected)
                    .annotate(difference=Abs(F("outstanding") - F("expected")))
                    .filter(difference__gte=HALF_CENT)):
            problems.append(Drift(shop.pk, due.customer_id, f"due {due.pk} stores {due.outstanding} outstanding, "
                                                            f"entries say {quantize_money(due.expected)}"))
        for payment in _with_allocated(Payment.objects.filter(shop=shop)).filter(
                Q(allocated__gt=F("amount")) | Q(voided_at__isnull=False, allocated__gt=0)):
            problems.append(Drift(shop.pk, payment.customer_id,
                                  f"payment {payment.pk} has {quantize_money(payment.allocated)} allocated of "
                                  f"{payment.amount}{' (void)' if payment.is_voided else ''}"))
        for allocation in Allocation.objects.filter(shop=shop).exclude(
                payment__customer_id=F("due__customer_id"), payment__shop=shop, due__shop=shop):
            problems.append(Drift(shop.pk, None, f"allocation {allocation.pk} links entries of different customers"))
        for check in _drift_checks:
            problems.extend(check(shop))
    return problems
