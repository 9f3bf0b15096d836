"""Concurrent writes for one customer must leave the exact balance (DESIGN §5).

Real row locks need MariaDB/MySQL; these tests are skipped, with the reason, on SQLite.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from ledger.models import Allocation
from ledger.selectors.drift import ledger_drift
from ledger.services import entries as ledger
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory


def run_concurrently(*calls):
    """Run the calls together; every one must succeed."""
    errors = [r for r in run_together(*calls) if isinstance(r, Exception)]
    assert not errors, errors


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_payments_leave_the_exact_balance(enter_scope):
    customer = CustomerFactory()
    shop = enter_scope(customer.shop)  # the calls run in the caller's scope, as requests of the shop
    today = timezone.localdate()
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("1000"), description="Rice", incurred_on=today)

    run_concurrently(
        lambda: ledger.payment_create(shop=shop, customer=customer, amount=Decimal("300"), received_on=today),
        lambda: ledger.payment_create(shop=shop, customer=customer, amount=Decimal("450.50"), received_on=today),
    )

    customer = Customer.objects.get(pk=customer.pk)
    assert customer.balance == Decimal("249.50")
    assert sum(a.amount for a in Allocation.objects.filter(shop=shop)) == Decimal("750.50")
    assert ledger_drift(shops=[shop]) == []


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_and_dues_never_over_allocate(enter_scope):
    customer = CustomerFactory()
    shop = enter_scope(customer.shop)  # the calls run in the caller's scope, as requests of the shop
    today = timezone.localdate()
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("100"), description="Tea", incurred_on=today)

    calls = []
    for _ in range(3):
        calls.append(lambda: ledger.payment_create(shop=shop, customer=customer, amount=Decimal("80"),
                                                   received_on=today))
        calls.append(lambda: ledger.due_create(shop=shop, customer=customer, amount=Decimal("50"),
                                               description="Milk", incurred_on=today))
    run_concurrently(*calls)

    customer = Customer.objects.get(pk=customer.pk)
    assert customer.balance == Decimal("100") + 3 * Decimal("50") - 3 * Decimal("80")
    assert ledger_drift(shops=[shop]) == []
