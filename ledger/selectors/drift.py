"""The ledger's check of itself (``manage.py check_ledger``): every figure the services
store, recomputed from the entries. All amounts are ``Decimal`` in the shop's currency."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, Min, Q, Sum, Value, When
from django.db.models.functions import Abs

from accounts.models import Shop
from core.money import CENT, ZERO, money_output_field, quantize_money, rounded_sum
from customers.models import Customer, CustomerTotals
from ledger.models import Allocation, Due, Payment, Refund

# Half the smallest money unit: stored and recomputed amounts closer than this are equal
# (SQLite computes decimal sums in binary floats).
HALF_CENT = CENT / 2


def _with_allocated(qs):
    """``qs`` (dues or payments) with ``allocated``: the sum of their allocations, rounded
    to the money scale (:func:`core.money.rounded_sum`)."""
    return qs.annotate(allocated=rounded_sum("allocations__amount"))


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
    """Recompute every customer's balance and earliest open due date, every due's
    outstanding and each shop's customer totals, from the entries and check every
    allocation; return each disagreement (empty list: all exact).

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
        # The shop's customer totals as the entries say (the balances) and the rows (the count).
        totals_expected = {"active_customers": 0, "outstanding": ZERO, "credit": ZERO}
        for customer_id, balance, stored_date, archived in Customer.objects.filter(shop=shop).values_list(
                "pk", "balance", "oldest_open_due_date", "is_archived"):
            expected = quantize_money(due_totals.get(customer_id, ZERO) - payment_totals.get(customer_id, ZERO)
                                      + refund_totals.get(customer_id, ZERO))
            totals_expected["active_customers"] += 0 if archived else 1
            totals_expected["outstanding"] += max(expected, ZERO)
            totals_expected["credit"] += max(-expected, ZERO)
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
                        output_field=money_output_field(extra_digits=1))
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
        problems.extend(_totals_drift(shop, totals_expected))
        for check in _drift_checks:
            problems.extend(check(shop))
    return problems


def _totals_drift(shop: Shop, expected: dict) -> list[Drift]:
    """The shop's stored customer totals (``customers.models.CustomerTotals``) against
    ``expected`` (``active_customers`` int; ``outstanding``, ``credit`` Decimal: the sums
    of the balances the entries say). A shop without the row has nothing stored to be
    wrong (the dashboard builds it from the customers when it first reads it)."""
    stored = CustomerTotals.objects.filter(shop=shop).values("active_customers", "outstanding", "credit").first()
    if stored is None:
        return []
    names = {"active_customers": "active customers", "outstanding": "outstanding", "credit": "credit held"}
    return [Drift(shop.pk, None, f"customer totals: {label} is {stored[key]}, "
                                 f"{'customers say' if key == 'active_customers' else 'entries say'} {expected[key]}")
            for key, label in names.items() if stored[key] != expected[key]]
