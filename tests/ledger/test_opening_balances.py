"""``ledger.services.opening.opening_balances_post``: many opening balances at once, each a
dated due, with the customers' stored figures exactly as ``due_create`` leaves them
(``check_ledger`` finds nothing), all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from customers.models import Customer
from ledger.models import Allocation, Due
from ledger.selectors.drift import ledger_drift
from ledger.services import LedgerError
from ledger.services.opening import OPENING_BALANCE, OpeningBalance, opening_balances_post
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record, payment_record

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 1)


def drift(shop):
    with scopes_disabled():
        return ledger_drift(shops=[shop])


def test_posts_dated_dues_and_sets_the_stored_figures(shop, owner):
    asha, ravi = CustomerFactory(shop=shop), CustomerFactory(shop=shop)

    dues = opening_balances_post(shop=shop, created_by=owner.user, rows=[
        OpeningBalance(customer_id=asha.pk, amount=Decimal("1500"), incurred_on=APRIL),
        OpeningBalance(customer_id=ravi.pk, amount=Decimal("99.5"), incurred_on=APRIL,
                       due_date=datetime.date(2026, 5, 1)),
    ])

    assert [(d.customer_id, d.amount, d.outstanding, d.incurred_on, d.description) for d in dues] == [
        (asha.pk, Decimal("1500.00"), Decimal("1500.00"), APRIL, OPENING_BALANCE),
        (ravi.pk, Decimal("99.50"), Decimal("99.50"), APRIL, OPENING_BALANCE)]
    asha.refresh_from_db()
    ravi.refresh_from_db()
    assert (asha.balance, asha.oldest_open_due_date) == (Decimal("1500.00"), None)
    assert (ravi.balance, ravi.oldest_open_due_date) == (Decimal("99.50"), datetime.date(2026, 5, 1))
    assert asha.last_activity_at is not None and ravi.last_activity_at is not None
    stored = Due.objects.get(pk=dues[0].pk)
    assert (stored.outstanding, stored.created_by) == (Decimal("1500.00"), owner.user)
    assert stored.history.get().history_user == owner.user  # history kept, with the author
    assert drift(shop) == []


def test_adds_to_a_customer_with_open_dues(shop):
    customer = CustomerFactory(shop=shop)
    due_record(customer, "200", incurred_on=APRIL, due_date=datetime.date(2026, 6, 1))

    opening_balances_post(shop=shop, rows=[
        OpeningBalance(customer_id=customer.pk, amount=Decimal("50"), incurred_on=datetime.date(2026, 3, 1),
                       due_date=datetime.date(2026, 3, 15)),
        OpeningBalance(customer_id=customer.pk, amount=Decimal("25"), incurred_on=datetime.date(2026, 3, 1)),
    ])

    customer.refresh_from_db()
    assert customer.balance == Decimal("275.00")
    assert customer.oldest_open_due_date == datetime.date(2026, 3, 15)
    assert drift(shop) == []


def test_a_customer_with_credit_has_it_applied_to_the_opening_balance(shop):
    customer = CustomerFactory(shop=shop)
    payment = payment_record(customer, "80", received_on=APRIL)  # credit: nothing was owed

    [due] = opening_balances_post(shop=shop, rows=[
        OpeningBalance(customer_id=customer.pk, amount=Decimal("100"), incurred_on=APRIL)])

    customer.refresh_from_db()
    assert customer.balance == Decimal("20.00")
    assert Due.objects.get(pk=due.pk).outstanding == Decimal("20.00")
    assert Allocation.objects.get(payment=payment).amount == Decimal("80.00")
    assert drift(shop) == []


@pytest.mark.parametrize(("row", "message"), [
    ({"amount": Decimal("0")}, "Opening balance 2: The amount must be more than zero."),
    ({"amount": Decimal("-5")}, "Opening balance 2: The amount must be more than zero."),
    ({"amount": "lots"}, "Opening balance 2: Enter an amount"),
    ({"incurred_on": datetime.date(1999, 12, 31)}, "Opening balance 2: Enter a date from 01 Jan 2000 on."),
    ({"due_date": datetime.date(2026, 3, 1)}, "Opening balance 2: the due date cannot be before"),
])
def test_a_bad_row_refuses_them_all(shop, row, message):
    first, second = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    fields = {"customer_id": second.pk, "amount": Decimal("10"), "incurred_on": APRIL, **row}

    with pytest.raises(LedgerError) as caught:
        opening_balances_post(shop=shop, rows=[
            OpeningBalance(customer_id=first.pk, amount=Decimal("10"), incurred_on=APRIL), OpeningBalance(**fields)])

    assert message in str(caught.value)
    assert not Due.objects.exists()
    assert set(Customer.objects.values_list("balance", flat=True)) == {Decimal("0.00")}


def test_a_customer_of_another_shop_is_refused_and_nothing_written(shop, other_owner):
    mine = CustomerFactory(shop=shop)
    theirs = CustomerFactory(shop=other_owner.shop)

    with pytest.raises(LedgerError, match="does not belong to this shop"):
        opening_balances_post(shop=shop, rows=[
            OpeningBalance(customer_id=mine.pk, amount=Decimal("10"), incurred_on=APRIL),
            OpeningBalance(customer_id=theirs.pk, amount=Decimal("10"), incurred_on=APRIL)])

    with scopes_disabled():
        assert not Due.objects.exists()
        assert Customer.objects.get(pk=theirs.pk).balance == 0


def test_queries_do_not_grow_with_the_rows(shop):
    def queries(count):
        customers = [CustomerFactory(shop=shop) for _ in range(count)]
        rows = [OpeningBalance(customer_id=c.pk, amount=Decimal("10"), incurred_on=APRIL) for c in customers]
        with CaptureQueriesContext(connection) as context:
            opening_balances_post(shop=shop, rows=rows)
        return len(context.captured_queries)

    assert queries(3) == queries(40)
    assert drift(shop) == []


def test_nothing_to_post_writes_nothing(shop):
    assert opening_balances_post(shop=shop, rows=[]) == []
