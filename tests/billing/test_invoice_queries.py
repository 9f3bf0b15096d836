"""Issuing, voiding and crediting an invoice cost the same number of queries however many
lines it has (issue 17): the products are locked in one query (in id order), the lines and
the stock movements are one INSERT each, the stock levels one UPDATE. Stock stays the sum
of its movements and the ledger stays clean. The counter page's POST: tests/test_query_counts.py."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from billing.models import CashDrawer, Product, StockMovement
from billing.services import BillingError
from billing.services.catalogue import product_create
from billing.services.credit_notes import credit_note_create
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from ledger.selectors.drift import ledger_drift
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def make_products(shop, n, stock="50"):
    return [
        product_create(
            shop=shop,
            sku=f"Q-{i}",
            name=f"Item {i}",
            unit="pcs",
            sale_price=D("10.00"),
            tax_rate=D("5"),
            opening_stock=D(stock),
        )
        for i in range(n)
    ]


def lines(products, quantity="2"):
    return [
        LineInput(quantity=D(quantity), unit_price=D("10.00"), tax_rate=D("5"), description=p.name, product=p)
        for p in products
    ]


def assert_stock_is_the_sum_of_its_movements(shop):
    for product in Product.objects.filter(shop=shop):
        moved = sum((m.quantity for m in StockMovement.objects.filter(shop=shop, product=product)), D(0))
        assert product.stock_quantity == moved, product.name
        last = StockMovement.objects.filter(shop=shop, product=product).order_by("created_at", "pk").last()
        assert last is None or last.balance_after == product.stock_quantity


def assert_books_clean(shop):
    with scopes_disabled():
        assert ledger_drift(shops=[shop]) == []
    assert_stock_is_the_sum_of_its_movements(shop)


@pytest.fixture
def customer(shop):
    CashDrawer.objects.get_or_create(shop=shop)  # a drawer that has taken cash before
    return CustomerFactory(shop=shop)


def test_issuing_costs_the_same_for_one_line_and_ten(shop, owner, customer, django_assert_max_num_queries):
    products = make_products(shop, 10)
    counts = {}
    for n in (1, 10):
        # 42: the due and the counter payment each move the shop's customer totals (one UPDATE each).
        with django_assert_max_num_queries(42) as captured:
            invoice = invoice_issue(
                shop=shop, lines=lines(products[:n]), customer=customer, amount_paid=D("5"), created_by=owner.user
            )
        counts[n] = len(captured)
        assert invoice.lines.count() == n
        assert StockMovement.objects.filter(shop=shop, invoice=invoice, kind=StockMovement.Kind.SALE).count() == n
    assert counts[1] == counts[10], counts
    stock = dict(Product.objects.filter(shop=shop).values_list("sku", "stock_quantity"))
    assert stock["Q-0"] == D("46") and stock["Q-1"] == D("48") and stock["Q-9"] == D("48")
    assert_books_clean(shop)


def test_a_product_on_several_lines_moves_once_by_their_sum(shop, customer):
    (rice,) = make_products(shop, 1)
    invoice = invoice_issue(shop=shop, lines=lines([rice, rice], quantity="1.5"), customer=customer)
    movement = StockMovement.objects.get(shop=shop, invoice=invoice)
    assert (movement.quantity, movement.balance_after) == (D("-3"), D("47"))
    assert_books_clean(shop)


def test_an_untracked_product_moves_no_stock(shop, customer):
    tracked, untracked = make_products(shop, 2)
    Product.objects.filter(pk=untracked.pk).update(track_stock=False)
    untracked.refresh_from_db()
    invoice = invoice_issue(shop=shop, lines=lines([tracked, untracked]), customer=customer)
    assert list(StockMovement.objects.filter(shop=shop, invoice=invoice).values_list("product_id", flat=True)) == [
        tracked.pk
    ]
    untracked.refresh_from_db()
    assert untracked.stock_quantity == D("50")


def test_short_stock_names_the_first_short_product_and_writes_nothing(shop, customer):
    plenty, short, also_short = make_products(shop, 3, stock="1")
    Product.objects.filter(pk=plenty.pk).update(stock_quantity=D("10"))
    StockMovement.objects.filter(shop=shop, product=plenty).update(quantity=D("10"), balance_after=D("10"))
    with pytest.raises(BillingError, match=f"Not enough stock of {short.name}: 1 pcs left") as refused:
        invoice_issue(shop=shop, lines=lines([also_short, plenty, short]), customer=customer)
    assert refused.value.field == "quantity"
    assert not StockMovement.objects.filter(shop=shop, kind=StockMovement.Kind.SALE).exists()
    assert dict(Product.objects.filter(shop=shop).values_list("pk", "stock_quantity")) == {
        plenty.pk: D("10"),
        short.pk: D("1"),
        also_short.pk: D("1"),
    }
    assert_books_clean(shop)


def test_selling_below_zero_where_allowed(shop, customer):
    (product,) = make_products(shop, 1, stock="1")
    Product.objects.filter(pk=product.pk).update(allow_negative_stock=True)
    invoice = invoice_issue(shop=shop, lines=lines([product], quantity="3"), customer=customer)
    assert StockMovement.objects.get(shop=shop, invoice=invoice).balance_after == D("-2")
    assert_books_clean(shop)


def test_voiding_costs_the_same_for_one_line_and_ten(shop, owner, customer, django_assert_max_num_queries):
    products = make_products(shop, 10)
    one = invoice_issue(shop=shop, lines=lines(products[:1]), customer=customer, amount_paid=D("5"))
    ten = invoice_issue(shop=shop, lines=lines(products), customer=customer, amount_paid=D("5"))
    counts = {}
    for invoice in (one, ten):
        with django_assert_max_num_queries(60) as captured:
            invoice_void(shop=shop, invoice=invoice, reason="Wrong", voided_by=owner.user)
        counts[invoice.lines.count()] = len(captured)
    assert counts[1] == counts[10], counts
    assert set(Product.objects.filter(shop=shop).values_list("stock_quantity", flat=True)) == {D("50")}
    assert StockMovement.objects.filter(shop=shop, kind=StockMovement.Kind.SALE_VOID).count() == 11
    assert_books_clean(shop)


def test_a_credit_note_costs_the_same_for_one_line_and_ten(shop, owner, customer, django_assert_max_num_queries):
    products = make_products(shop, 10)
    one = invoice_issue(shop=shop, lines=lines(products[:1]), customer=customer)
    ten = invoice_issue(shop=shop, lines=lines(products), customer=customer)
    counts = {}
    for invoice in (one, ten):
        quantities = {line.pk: D("1") for line in invoice.lines.all()}
        with django_assert_max_num_queries(60) as captured:
            credit_note_create(
                shop=shop, invoice=invoice, quantities=quantities, reason="Damaged", created_by=owner.user
            )
        counts[len(quantities)] = len(captured)
    assert counts[1] == counts[10], counts
    stock = dict(Product.objects.filter(shop=shop).values_list("sku", "stock_quantity"))
    assert stock["Q-0"] == D("48") and stock["Q-9"] == D("49")
    assert StockMovement.objects.filter(shop=shop, kind=StockMovement.Kind.RETURN).count() == 11
    assert_books_clean(shop)
