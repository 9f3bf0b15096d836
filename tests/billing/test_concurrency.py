"""Concurrent invoices (DESIGN §6): stock never oversold, numbers never duplicated or
skipped, the ledger exact. Each call runs on its own thread and connection.

Real row locks need MariaDB/MySQL; these tests are skipped, with the reason, on SQLite.
"""

import datetime
from decimal import Decimal

import pytest
from django_scopes import scope

from billing.models import Invoice, InvoiceSequence, Product, StockMovement
from billing.services import BillingError
from billing.services.catalogue import product_create, stock_receive
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from ledger.selectors.drift import ledger_drift
from ledger.services import entries as ledger
from tests.accounts.factories import ShopFactory
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory

D = Decimal
DAY = datetime.date(2026, 9, 1)   # financial year 26-27


def run_concurrently(*calls):
    """Run the calls together; return ``(results, billing_errors)``. Any other
    exception fails the test."""
    outcomes = run_together(*calls)
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, BillingError)]
    assert not unexpected, unexpected
    refused = [o for o in outcomes if isinstance(o, BillingError)]
    return [o for o in outcomes if not isinstance(o, Exception)], refused


def sale(product, quantity):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price, tax_rate=product.tax_rate,
                     description=product.name, product=product)


def assert_stock_exact(product, expected):
    product = Product.objects.get(pk=product.pk)
    assert product.stock_quantity == D(expected)
    movements = list(StockMovement.objects.filter(product=product))
    assert sum((m.quantity for m in movements), D("0")) == product.stock_quantity
    assert movements[0].balance_after == product.stock_quantity
    # Each movement's balance follows from the one before it.
    running = D("0")
    for movement in reversed(movements):
        running += movement.quantity
        assert movement.balance_after == running


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_invoices_for_the_last_units_never_oversell(enter_scope):
    shop = enter_scope(ShopFactory())
    soap = product_create(shop=shop, sku="SOAP", name="Soap", sale_price=D("40.00"), opening_stock=D("3"))

    calls = [lambda: invoice_issue(shop=shop, lines=[sale(soap, "1")], amount_paid=D("40.00"), issued_on=DAY)
             for _ in range(8)]
    issued, refused = run_concurrently(*calls)

    assert len(issued) == 3
    assert len(refused) == 5
    assert all(str(exc).startswith("Not enough stock of Soap") for exc in refused)
    assert_stock_exact(soap, "0.000")
    assert StockMovement.objects.filter(product=soap, kind=StockMovement.Kind.SALE).count() == 3
    # The refused sales gave their numbers back: 0001..0003, nothing skipped.
    assert sorted(Invoice.objects.filter(shop=shop).values_list("number", flat=True)) == [
        "INV/26-27/0001", "INV/26-27/0002", "INV/26-27/0003"]
    assert InvoiceSequence.objects.get(shop=shop).last_number == 3


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_fractional_sales_and_receipts_keep_stock_exact(enter_scope):
    shop = enter_scope(ShopFactory())
    customer = CustomerFactory(shop=shop)
    rice = product_create(shop=shop, sku="RICE", name="Rice", unit=Product.Unit.KG, sale_price=D("80.00"),
                          opening_stock=D("5.000"))

    calls = [lambda: invoice_issue(shop=shop, lines=[sale(rice, "1.250")], customer=customer,
                                   amount_paid=D("20.00"), issued_on=DAY)
             for _ in range(6)]
    calls.append(lambda: stock_receive(shop=shop, product=rice, quantity=D("0.500")))
    results, refused = run_concurrently(*calls)

    sold = sum(1 for r in results if isinstance(r, Invoice))
    # 5.500 kg at most: 4 sales of 1.250 (5.000) fit, a 5th never does.
    assert sold == 4
    assert len(refused) == 2
    assert_stock_exact(rice, "0.500")
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.balance == sold * (D("100.00") - D("20.00"))
    assert ledger_drift(shops=[shop]) == []


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_invoices_take_consecutive_numbers_from_a_new_sequence(enter_scope):
    shop = enter_scope(ShopFactory())   # no InvoiceSequence row yet: the first invoices create it
    pen = product_create(shop=shop, sku="PEN", name="Pen", sale_price=D("10.00"), opening_stock=D("100"))

    calls = [lambda: invoice_issue(shop=shop, lines=[sale(pen, "1")], amount_paid=D("10.00"), issued_on=DAY)
             for _ in range(6)]
    issued, refused = run_concurrently(*calls)

    assert refused == []
    assert sorted(invoice.number for invoice in issued) == [f"INV/26-27/{n:04d}" for n in range(1, 7)]
    assert sorted(Invoice.objects.filter(shop=shop).values_list("sequence_number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert InvoiceSequence.objects.get(shop=shop, financial_year="26-27").last_number == 6
    assert_stock_exact(pen, "94.000")


def in_scope_of(shop, call):
    """``call`` run in ``shop``'s scope (as a request of that shop), for run_together."""
    def run():
        with scope(shop=shop):
            return call()
    return run


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_across_shops_and_years_with_a_void(enter_scope):
    shop, other = enter_scope(ShopFactory()), ShopFactory(invoice_prefix="B")
    pen = product_create(shop=shop, sku="PEN", name="Pen", sale_price=D("10.00"), opening_stock=D("100"))
    with scope(shop=other):
        their_pen = product_create(shop=other, sku="PEN", name="Pen", sale_price=D("10.00"),
                                   opening_stock=D("100"))
    first = invoice_issue(shop=shop, lines=[sale(pen, "1")], amount_paid=D("10.00"), issued_on=DAY)
    next_year = datetime.date(2027, 4, 1)

    calls = []
    for _ in range(4):
        calls.append(lambda: invoice_issue(shop=shop, lines=[sale(pen, "1")], amount_paid=D("10.00"),
                                           issued_on=DAY))
        calls.append(lambda: invoice_issue(shop=shop, lines=[sale(pen, "1")], amount_paid=D("10.00"),
                                           issued_on=next_year))
        calls.append(in_scope_of(other, lambda: invoice_issue(shop=other, lines=[sale(their_pen, "1")],
                                                              amount_paid=D("10.00"), issued_on=DAY)))
    calls.append(lambda: invoice_void(shop=shop, invoice=first, reason="Test"))
    _, refused = run_concurrently(*calls)

    assert refused == []
    numbers = sorted(Invoice.objects.filter(shop=shop).values_list("number", flat=True))
    assert numbers == [f"INV/26-27/{n:04d}" for n in range(1, 6)] + [f"INV/27-28/{n:04d}" for n in range(1, 5)]
    assert_stock_exact(pen, "92.000")   # 100 - 9 sold + 1 voided
    with scope(shop=other):
        assert sorted(Invoice.objects.filter(shop=other).values_list("number", flat=True)) == [
            f"B/26-27/{n:04d}" for n in range(1, 5)]
        assert_stock_exact(their_pen, "96.000")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_credit_sales_and_payments_keep_the_ledger_exact(enter_scope):
    shop = enter_scope(ShopFactory())
    customer = CustomerFactory(shop=shop)
    tea = product_create(shop=shop, sku="TEA", name="Tea", sale_price=D("50.00"), opening_stock=D("50"))

    calls = []
    for _ in range(3):
        calls.append(lambda: invoice_issue(shop=shop, lines=[sale(tea, "2")], customer=customer,
                                           amount_paid=D("30.00"), issued_on=DAY))
        calls.append(lambda: ledger.payment_create(shop=shop, customer=customer, amount=D("25.00"),
                                                   received_on=DAY))
    _, refused = run_concurrently(*calls)

    assert refused == []
    assert Customer.objects.get(pk=customer.pk).balance == 3 * (D("100.00") - D("30.00")) - 3 * D("25.00")
    assert ledger_drift(shops=[shop]) == []
    assert_stock_exact(tea, "44.000")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_credit_sales_to_one_customer_in_two_financial_years(enter_scope):
    # Different years take different sequence rows, so only the customer's row orders them.
    shop = enter_scope(ShopFactory())
    customer = CustomerFactory(shop=shop)
    line = LineInput(quantity=D("1"), unit_price=D("100.00"), tax_rate=D("0"), description="Repair")

    calls = []
    for _ in range(3):
        calls.append(lambda: invoice_issue(shop=shop, lines=[line], customer=customer, amount_paid=D("40.00"),
                                           issued_on=DAY))
        calls.append(lambda: invoice_issue(shop=shop, lines=[line], customer=customer, amount_paid=D("40.00"),
                                           issued_on=datetime.date(2027, 4, 2)))
    _, refused = run_concurrently(*calls)

    assert refused == []
    assert Customer.objects.get(pk=customer.pk).balance == 6 * D("60.00")
    assert ledger_drift(shops=[shop]) == []
