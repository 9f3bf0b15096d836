"""Issuing and voiding invoices (DESIGN §6): stock, the customer's ledger, refusals that
write nothing, and the operator admin over billing. After every scenario the ledger
has no drift and every product's stock equals the sum of its movements."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope

from accounts.models import User
from billing.models import (
    Category,
    Denomination,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Product,
    StockMovement,
)
from billing.services import BillingError
from billing.services.catalogue import category_save, product_create, product_update, stock_receive
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Allocation, Due, Payment
from ledger.selectors.drift import ledger_drift
from ledger.selectors.entries import due_outstanding
from ledger.services import entries as ledger
from tests.accounts.factories import ShopFactory
from tests.customers.factories import CustomerFactory

D = Decimal
DAY = datetime.date(2026, 5, 10)   # financial year 26-27
GSTIN = "09ABCDE1234F1Z5"


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop)


def make_product(shop, sku="RICE", name="Rice", price="80.00", rate="0", stock=None, unit=Product.Unit.PCS,
                 **fields):
    return product_create(shop=shop, sku=sku, name=name, sale_price=D(price), tax_rate=D(rate), unit=unit,
                          opening_stock=D(stock) if stock is not None else None, **fields)


def sale(product, quantity, price=None, rate=None):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price if price is None else D(price),
                     tax_rate=product.tax_rate if rate is None else D(rate), description=product.name,
                     product=product, hsn_code=product.hsn_code, unit=product.unit)


def free_text(description, quantity, price, rate="0"):
    return LineInput(quantity=D(quantity), unit_price=D(price), tax_rate=D(rate), description=description)


def issue(shop, lines, **kwargs):
    kwargs.setdefault("issued_on", DAY)
    return invoice_issue(shop=shop, lines=lines, **kwargs)


def stock_of(product) -> Decimal:
    return Product.objects.get(pk=product.pk).stock_quantity


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def assert_books_exact(shop):
    """No ledger drift; each product's stock is the sum of its movements and its
    latest movement's ``balance_after``."""
    assert ledger_drift(shops=[shop]) == []
    for product in Product.objects.filter(shop=shop):
        movements = list(StockMovement.objects.filter(shop=shop, product=product))
        assert sum((m.quantity for m in movements), D("0")) == product.stock_quantity, product
        if movements:
            assert movements[0].balance_after == product.stock_quantity, product


def snapshot(shop):
    """Everything an invoice could write, to prove a refusal wrote nothing."""
    return {
        "invoices": Invoice.objects.filter(shop=shop).count(),
        "lines": InvoiceLine.objects.filter(shop=shop).count(),
        "movements": StockMovement.objects.filter(shop=shop).count(),
        "dues": Due.objects.filter(shop=shop).count(),
        "payments": Payment.objects.filter(shop=shop).count(),
        "allocations": Allocation.objects.filter(shop=shop).count(),
        "sequences": sorted(InvoiceSequence.objects.filter(shop=shop).values_list("financial_year", "last_number")),
        "stock": sorted(Product.objects.filter(shop=shop).values_list("pk", "stock_quantity")),
        "balances": sorted(Customer.objects.filter(shop=shop).values_list("pk", "balance")),
    }


# --- stock ------------------------------------------------------------------------------------


def test_issue_decrements_stock_with_sale_movements(shop, owner):
    rice = make_product(shop, unit=Product.Unit.KG, stock="10")
    invoice = issue(shop, [sale(rice, "1.250")], amount_paid=D("100.00"), created_by=owner.user)

    assert invoice.number == "INV/26-27/0001"
    assert stock_of(rice) == D("8.750")
    movement = StockMovement.objects.get(shop=shop, kind=StockMovement.Kind.SALE)
    assert (movement.product, movement.quantity, movement.balance_after) == (rice, D("-1.250"), D("8.750"))
    assert movement.invoice == invoice
    assert movement.reason == "Invoice INV/26-27/0001"
    assert movement.created_by == owner.user

    issue(shop, [sale(rice, "0.005")], amount_paid=D("0.40"))
    assert stock_of(rice) == D("8.745")
    assert StockMovement.objects.filter(shop=shop).first().balance_after == D("8.745")
    assert_books_exact(shop)


def test_lines_are_stored_as_snapshots(shop):
    rice = make_product(shop, unit=Product.Unit.KG, stock="10", rate="5", hsn_code="1006")
    invoice = issue(shop, [sale(rice, "1.250"), free_text("Delivery", "1", "20.00")], amount_paid=D("125.00"))
    product_update(shop=shop, product=rice, name="Basmati rice", sale_price=D("95.00"), tax_rate=D("12"))

    first, second = invoice.lines.all()
    assert (first.position, first.product, first.description, first.hsn_code, first.unit) == (
        1, rice, "Rice", "1006", "kg")
    assert (first.quantity, first.unit_price, first.tax_rate, first.line_net) == (
        D("1.250"), D("80.00"), D("5"), D("100.00"))
    assert (second.position, second.product, second.description, second.quantity) == (2, None, "Delivery", D("1"))
    assert invoice.total == D("125.00")  # 120.00 + 5 % of 100.00
    assert_books_exact(shop)


def test_editing_a_product_read_before_a_sale_keeps_the_sales_stock(shop):
    rice = make_product(shop, unit=Product.Unit.KG, stock="10")
    form_copy = Product.objects.get(pk=rice.pk)       # e.g. the edit page was opened
    issue(shop, [sale(rice, "4")], amount_paid=D("320.00"))
    product_update(shop=shop, product=form_copy, name="Sona masoori", low_stock_level=D("2"))
    stored = Product.objects.get(pk=rice.pk)
    assert (stored.name, stored.low_stock_level, stored.stock_quantity) == ("Sona masoori", D("2.000"), D("6.000"))
    assert_books_exact(shop)


def test_untracked_products_and_free_text_lines_move_no_stock(shop):
    service = make_product(shop, sku="SVC", name="Tailoring", price="150.00", track_stock=False)
    issue(shop, [sale(service, "3"), free_text("Carry bag", "1", "5.00")], amount_paid=D("455.00"))
    assert stock_of(service) == D("0.000")
    assert not StockMovement.objects.filter(shop=shop).exists()
    assert_books_exact(shop)


def test_insufficient_stock_is_refused_and_writes_nothing(shop, customer):
    rice = make_product(shop, unit=Product.Unit.KG, stock="2.750")
    dal = make_product(shop, sku="DAL", name="Toor dal", price="120.00", stock="5")
    issue(shop, [sale(dal, "1")], customer=customer, amount_paid=D("0"))   # takes INV/26-27/0001
    before = snapshot(shop)

    with pytest.raises(BillingError) as exc:
        issue(shop, [sale(dal, "2"), sale(rice, "3")], customer=customer, amount_paid=D("50.00"))
    assert str(exc.value) == "Not enough stock of Rice: 2.75 kg left."
    assert exc.value.field == "quantity"
    assert snapshot(shop) == before
    assert_books_exact(shop)


def test_insufficient_stock_with_none_left(shop):
    soap = make_product(shop, sku="SOAP", name="Soap", price="40.00")
    with pytest.raises(BillingError, match=r"Not enough stock of Soap: 0 pcs left\."):
        issue(shop, [sale(soap, "1")], amount_paid=D("40.00"))
    assert not Invoice.objects.filter(shop=shop).exists()
    assert not InvoiceSequence.objects.filter(shop=shop).exists()


def test_allow_negative_stock(shop):
    bread = make_product(shop, sku="BRD", name="Bread", price="45.00", stock="1", allow_negative_stock=True)
    issue(shop, [sale(bread, "3")], amount_paid=D("135.00"))
    assert stock_of(bread) == D("-2.000")
    movement = StockMovement.objects.filter(shop=shop).first()
    assert (movement.kind, movement.quantity, movement.balance_after) == (StockMovement.Kind.SALE, D("-3"), D("-2"))
    assert_books_exact(shop)


def test_the_same_product_on_two_lines_counts_both(shop):
    oil = make_product(shop, sku="OIL", name="Oil", price="150.00", unit=Product.Unit.LITRE, stock="5")
    with pytest.raises(BillingError, match=r"Not enough stock of Oil: 5 litre left\."):
        issue(shop, [sale(oil, "3"), sale(oil, "3")], amount_paid=D("900.00"))
    assert stock_of(oil) == D("5.000")

    invoice = issue(shop, [sale(oil, "2"), sale(oil, "2.5")], amount_paid=D("675.00"))
    assert stock_of(oil) == D("0.500")
    moved = StockMovement.objects.filter(shop=shop, invoice=invoice)
    assert sum(m.quantity for m in moved) == D("-4.500")
    assert invoice.lines.count() == 2
    assert_books_exact(shop)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (free_text("Soap", "3", "33.333"), "price"),       # prices have 2 places
        (free_text("Rice", "0.3333", "80.00"), "quantity"),  # quantities have 3 places
        (free_text("Pen", "1", "10.00", rate="12.345"), "tax rate"),
        (free_text("Pen", "0", "10.00"), "quantity"),
        (free_text("Pen", "-1", "10.00"), "quantity"),
        (free_text("Pen", "1", "-10.00"), "price"),
        (free_text("Pen", "1", "10.00", rate="101"), "tax rate"),
        (free_text("  ", "1", "10.00"), "description"),
    ],
)
def test_bad_lines_are_refused(shop, line, message):
    before = snapshot(shop)
    with pytest.raises(BillingError, match=message):
        issue(shop, [line], amount_paid=D("100.00"))
    assert snapshot(shop) == before


def test_an_invoice_needs_a_line(shop):
    with pytest.raises(BillingError, match="at least one item"):
        issue(shop, [])


# --- the customer's ledger ------------------------------------------------------------------------


def test_credit_sale_posts_a_due_and_the_counter_payment(shop, customer, owner):
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", rate="18", stock="10")
    invoice = issue(shop, [sale(pen, "1")], customer=customer, amount_paid=D("50.00"),
                    payment_method=Payment.Method.UPI, due_date=DAY + datetime.timedelta(days=15),
                    created_by=owner.user)

    assert (invoice.total, invoice.amount_paid, invoice.balance_due) == (D("118.00"), D("50.00"), D("68.00"))
    assert invoice.payment_status == Invoice.PaymentStatus.PARTIAL
    due = invoice.due
    assert (due.customer, due.amount, due.description, due.incurred_on) == (
        customer, D("118.00"), "Invoice INV/26-27/0001", DAY)
    assert due.due_date == DAY + datetime.timedelta(days=15)
    payment = invoice.payment
    assert (payment.customer, payment.amount, payment.method, payment.reference, payment.received_on) == (
        customer, D("50.00"), Payment.Method.UPI, "INV/26-27/0001", DAY)
    assert list(Allocation.objects.filter(payment=payment).values_list("due", "amount")) == [(due.pk, D("50.00"))]
    assert due_outstanding(due) == D("68.00")
    assert balance(customer) == D("68.00")
    assert_books_exact(shop)


def test_unpaid_credit_sale(shop, customer):
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", rate="18", stock="10")
    invoice = issue(shop, [sale(pen, "1")], customer=customer)
    assert invoice.payment_status == Invoice.PaymentStatus.UNPAID
    assert invoice.payment is None
    assert invoice.due.amount == D("118.00")
    assert not Payment.objects.filter(shop=shop).exists()
    assert balance(customer) == D("118.00")
    assert_books_exact(shop)


def test_customer_paying_in_full(shop, customer):
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", rate="18", stock="10")
    invoice = issue(shop, [sale(pen, "2")], customer=customer, amount_paid=D("236.00"))
    assert invoice.payment_status == Invoice.PaymentStatus.PAID
    assert due_outstanding(invoice.due) == D("0.00")
    assert balance(customer) == D("0.00")
    assert_books_exact(shop)


def test_counter_payment_goes_to_the_invoice_not_to_older_dues(shop, customer):
    ledger.due_create(shop=shop, customer=customer, amount=D("50.00"), description="Old tab",
                      incurred_on=DAY - datetime.timedelta(days=40), due_date=DAY - datetime.timedelta(days=10))
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", stock="10")
    invoice = issue(shop, [sale(pen, "1")], customer=customer, amount_paid=D("100.00"))
    assert due_outstanding(invoice.due) == D("0.00")
    assert balance(customer) == D("50.00")
    assert Customer.objects.get(pk=customer.pk).oldest_open_due_date == DAY - datetime.timedelta(days=10)
    assert_books_exact(shop)


def test_customer_with_credit_buying_on_credit(shop, customer):
    ledger.payment_create(shop=shop, customer=customer, amount=D("30.00"), received_on=DAY)
    assert balance(customer) == D("-30.00")
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", stock="10")

    invoice = issue(shop, [sale(pen, "1")], customer=customer)
    # The credit was applied at once, so the invoice is part paid by it.
    assert invoice.payment_status == Invoice.PaymentStatus.PARTIAL
    assert (invoice.paid_at_counter, invoice.amount_paid, invoice.balance_due) == (D("0"), D("30.00"), D("70.00"))
    assert due_outstanding(invoice.due) == D("70.00")
    assert balance(customer) == D("70.00")
    assert_books_exact(shop)


def test_customer_with_credit_paying_more_than_is_left_owing(shop, customer):
    ledger.payment_create(shop=shop, customer=customer, amount=D("30.00"), received_on=DAY)
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", stock="10")

    invoice = issue(shop, [sale(pen, "1")], customer=customer, amount_paid=D("80.00"))
    assert invoice.payment_status == Invoice.PaymentStatus.PAID  # 30 of credit and 70 of the 80 paid
    assert invoice.payment.amount == D("80.00")
    assert due_outstanding(invoice.due) == D("0.00")
    assert balance(customer) == D("-10.00")   # -30 + 100 - 80
    assert_books_exact(shop)


def test_walk_in_sale_paid_in_full_posts_nothing_to_the_ledger(shop):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    invoice = issue(shop, [sale(pen, "3")], amount_paid=D("30.00"))
    assert invoice.customer is None
    assert invoice.payment_status == Invoice.PaymentStatus.PAID
    assert invoice.due is None and invoice.payment is None
    assert not Due.objects.filter(shop=shop).exists()
    assert not Payment.objects.filter(shop=shop).exists()
    assert_books_exact(shop)


@pytest.mark.parametrize("paid", ["0", "29.99"])
def test_walk_in_sale_must_be_paid_in_full(shop, paid):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="walk-in sale must be paid in full") as exc:
        issue(shop, [sale(pen, "3")], amount_paid=D(paid))
    assert exc.value.field == "amount_paid"
    assert snapshot(shop) == before


@pytest.mark.parametrize("with_customer", [True, False])
def test_amount_paid_above_the_total_is_refused(shop, customer, with_customer):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="more than the invoice total of ₹30.00") as exc:
        issue(shop, [sale(pen, "3")], customer=customer if with_customer else None, amount_paid=D("30.01"))
    assert exc.value.field == "amount_paid"
    assert snapshot(shop) == before


def test_negative_amount_paid_is_refused(shop, customer):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    with pytest.raises(BillingError, match="cannot be negative") as exc:
        issue(shop, [sale(pen, "1")], customer=customer, amount_paid=D("-1"))
    assert exc.value.field == "amount_paid"


def test_archived_customer_is_refused(shop):
    archived = CustomerFactory(shop=shop, is_archived=True)
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="active customer of this shop") as exc:
        issue(shop, [sale(pen, "1")], customer=archived)
    assert exc.value.field == "customer"
    assert snapshot(shop) == before


def test_another_shops_customer_is_refused(shop):
    stranger = CustomerFactory(shop=ShopFactory())
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="active customer of this shop") as exc:
        issue(shop, [sale(pen, "1")], customer=stranger)
    assert exc.value.field == "customer"
    assert snapshot(shop) == before
    assert not Due.objects.filter(customer=stranger).exists()


def test_another_shops_product_is_refused(shop):
    other = ShopFactory()
    with scope(shop=other):
        theirs = make_product(other, sku="PEN", name="Their pen", price="10.00", stock="10")
        before_other = snapshot(other)
    before = snapshot(shop)
    with pytest.raises(BillingError, match="products of this shop"):
        issue(shop, [sale(theirs, "1")], amount_paid=D("10.00"))
    assert snapshot(shop) == before
    with scope(shop=other):
        assert snapshot(other) == before_other
        assert stock_of(theirs) == D("10.000")


def test_discount_and_round_off_are_stored(shop, customer):
    rice = make_product(shop, unit=Product.Unit.KG, rate="5", stock="10")
    soap = make_product(shop, sku="SOAP", name="Soap", price="33.33", rate="18", stock="10")
    invoice = issue(shop, [sale(rice, "1.250"), sale(soap, "3")], customer=customer, discount_type="percent",
                    discount_value=D("10"), round_off=True)
    invoice = Invoice.objects.get(pk=invoice.pk)

    # nets 100.00 + 99.99; 10 % = 20.00 spread 10.00 / 10.00; tax 4.50 + 16.20 (16.1982);
    # 179.99 + 20.70 = 200.69 → 201.00
    assert (invoice.discount_type, invoice.discount_value, invoice.round_off) == ("percent", D("10.00"), True)
    assert (invoice.subtotal, invoice.discount_total, invoice.taxable_total) == (
        D("199.99"), D("20.00"), D("179.99"))
    assert (invoice.tax_total, invoice.round_off_amount, invoice.total) == (D("20.70"), D("0.31"), D("201.00"))
    assert [(line.line_net, line.discount, line.taxable_value) for line in invoice.lines.all()] == [
        (D("100.00"), D("10.00"), D("90.00")), (D("99.99"), D("10.00"), D("89.99"))]
    assert invoice.due.amount == D("201.00")
    assert balance(customer) == D("201.00")
    assert_books_exact(shop)


def test_a_bad_discount_is_refused_on_the_discount_field(shop):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="more than the invoice subtotal") as exc:
        issue(shop, [sale(pen, "1")], discount_value=D("10.01"), amount_paid=D("0"))
    assert exc.value.field == "discount_value"
    assert snapshot(shop) == before


def test_gst_split_follows_the_shops_gstin(shop):
    pen = make_product(shop, sku="PEN", name="Pen", price="94.68", rate="5", stock="10")
    plain = issue(shop, [sale(pen, "1")], amount_paid=D("99.41"))
    assert plain.gst_split is False and plain.tax_total == D("4.73")

    shop.gstin = GSTIN
    shop.save()
    split = issue(shop, [sale(pen, "1")], amount_paid=D("99.42"))
    assert split.gst_split is True and split.is_inter_state is False
    assert split.tax_total == D("4.74")   # CGST 2.37 + SGST 2.37
    inter = issue(shop, [sale(pen, "1")], amount_paid=D("99.41"), inter_state=True)
    assert inter.gst_split is True and inter.is_inter_state is True
    assert inter.tax_total == D("4.73")   # IGST
    assert_books_exact(shop)


def test_zero_total_invoice_for_a_customer_posts_nothing(shop, customer):
    sample = make_product(shop, sku="SMP", name="Sample", price="0.00", stock="5")
    invoice = issue(shop, [sale(sample, "2")], customer=customer)
    assert invoice.total == D("0.00")
    assert invoice.payment_status == Invoice.PaymentStatus.PAID
    assert invoice.due is None and invoice.payment is None
    assert stock_of(sample) == D("3.000")
    assert balance(customer) == D("0.00")
    assert_books_exact(shop)


# --- void ---------------------------------------------------------------------------------------


def test_void_returns_stock_and_voids_the_ledger_entries(shop, customer, owner):
    rice = make_product(shop, unit=Product.Unit.KG, stock="10")
    dal = make_product(shop, sku="DAL", name="Toor dal", price="120.00", stock="4")
    invoice = issue(shop, [sale(rice, "1.250"), sale(dal, "2")], customer=customer, amount_paid=D("200.00"))
    assert balance(customer) == D("140.00")

    invoice_void(shop=shop, invoice=invoice, reason=" Wrong customer ", voided_by=owner.user)

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.is_voided and invoice.void_reason == "Wrong customer" and invoice.voided_by == owner.user
    assert (stock_of(rice), stock_of(dal)) == (D("10.000"), D("4.000"))
    returned = {m.product_id: (m.quantity, m.balance_after)
                for m in StockMovement.objects.filter(shop=shop, kind=StockMovement.Kind.SALE_VOID)}
    assert returned == {rice.pk: (D("1.250"), D("10.000")), dal.pk: (D("2.000"), D("4.000"))}
    assert all(m.invoice_id == invoice.pk for m in StockMovement.objects.filter(kind=StockMovement.Kind.SALE_VOID))
    assert invoice.due.is_voided and invoice.payment.is_voided
    assert invoice.due.void_reason == "Invoice INV/26-27/0001 voided: Wrong customer"
    assert balance(customer) == D("0.00")
    assert_books_exact(shop)


def test_void_keeps_the_number_used(shop):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    first = issue(shop, [sale(pen, "1")], amount_paid=D("10.00"))
    invoice_void(shop=shop, invoice=first, reason="Test sale")
    second = issue(shop, [sale(pen, "1")], amount_paid=D("10.00"))
    assert (first.number, second.number) == ("INV/26-27/0001", "INV/26-27/0002")
    assert Invoice.objects.get(pk=first.pk).number == "INV/26-27/0001"
    assert InvoiceSequence.objects.get(shop=shop).last_number == 2
    assert stock_of(pen) == D("9.000")
    assert_books_exact(shop)


def test_void_restores_a_customers_credit(shop, customer):
    ledger.payment_create(shop=shop, customer=customer, amount=D("30.00"), received_on=DAY)
    pen = make_product(shop, sku="PEN", name="Pen", price="100.00", stock="10")
    on_credit = issue(shop, [sale(pen, "1")], customer=customer)
    part_paid = issue(shop, [sale(pen, "1")], customer=customer, amount_paid=D("80.00"))
    assert balance(customer) == D("90.00")   # -30 + 100 + 100 - 80

    invoice_void(shop=shop, invoice=part_paid, reason="Returned")
    assert balance(customer) == D("70.00")
    assert_books_exact(shop)
    invoice_void(shop=shop, invoice=on_credit, reason="Returned")
    assert balance(customer) == D("-30.00")
    assert stock_of(pen) == D("10.000")
    assert_books_exact(shop)


def test_void_of_a_walk_in_sale(shop):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    invoice = issue(shop, [sale(pen, "4")], amount_paid=D("40.00"))
    invoice_void(shop=shop, invoice=invoice, reason="Cancelled")
    assert stock_of(pen) == D("10.000")
    assert not Due.objects.filter(shop=shop).exists()
    assert_books_exact(shop)


def test_void_twice_is_refused(shop, customer):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    invoice = issue(shop, [sale(pen, "1")], customer=customer)
    invoice_void(shop=shop, invoice=invoice, reason="Mistake")
    before = snapshot(shop)
    with pytest.raises(BillingError, match="already void"):
        invoice_void(shop=shop, invoice=invoice, reason="Again")
    assert snapshot(shop) == before
    assert Invoice.objects.get(pk=invoice.pk).void_reason == "Mistake"
    assert_books_exact(shop)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_void_needs_a_reason(shop, customer, reason):
    pen = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    invoice = issue(shop, [sale(pen, "1")], customer=customer)
    before = snapshot(shop)
    with pytest.raises(BillingError, match="reason") as exc:
        invoice_void(shop=shop, invoice=invoice, reason=reason)
    assert exc.value.field == "reason"
    assert snapshot(shop) == before
    assert not Invoice.objects.get(pk=invoice.pk).is_voided


def test_void_returns_what_the_sale_took_even_if_tracking_changed(shop):
    untracked = make_product(shop, sku="BAG", name="Bag", price="5.00", track_stock=False)
    tracked = make_product(shop, sku="PEN", name="Pen", price="10.00", stock="10")
    invoice = issue(shop, [sale(untracked, "2"), sale(tracked, "3")], amount_paid=D("40.00"))
    # Tracking switched on for the bag and off for the pen after the sale.
    product_update(shop=shop, product=Product.objects.get(pk=untracked.pk), track_stock=True)
    product_update(shop=shop, product=Product.objects.get(pk=tracked.pk), track_stock=False)

    invoice_void(shop=shop, invoice=invoice, reason="Returned")
    assert stock_of(untracked) == D("0.000")     # the sale took none, the void gives none
    assert stock_of(tracked) == D("10.000")      # the 3 taken come back
    assert_books_exact(shop)


def test_another_shops_invoice_cannot_be_voided(shop):
    other = ShopFactory()
    with scope(shop=other):
        pen = make_product(other, sku="PEN", name="Pen", price="10.00", stock="10")
        theirs = issue(other, [sale(pen, "1")], amount_paid=D("10.00"))
    with pytest.raises(Invoice.DoesNotExist):
        invoice_void(shop=shop, invoice=theirs, reason="Not mine")
    with scope(shop=other):
        assert not Invoice.objects.get(pk=theirs.pk).is_voided
        assert stock_of(pen) == D("9.000")


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pass-word-123"))
    return client


@pytest.fixture
def billing_rows(shop, customer):
    """One of everything the billing admin shows."""
    category = category_save(shop=shop, name="Grocery")
    rice = make_product(shop, unit=Product.Unit.KG, stock="10", category=category, rate="5")
    for _ in range(24):   # more than the product page's recent-movements inline shows
        stock_receive(shop=shop, product=rice, quantity=D("1"))
    invoice = issue(shop, [sale(rice, "1.250")], customer=customer, amount_paid=D("50.00"))
    denomination = Denomination.objects.create(shop=shop, value=D("500.00"), count=3)
    return {"category": category, "product": rice, "invoice": invoice, "denomination": denomination,
            "movement": StockMovement.objects.filter(shop=shop).first(),
            "sequence": InvoiceSequence.objects.get(shop=shop)}


ADMIN_MODELS = {
    "category": "category", "product": "product", "movement": "stockmovement", "invoice": "invoice",
    "denomination": "denomination", "sequence": "invoicesequence",
}


@pytest.mark.parametrize("key", list(ADMIN_MODELS))
def test_admin_pages_render(admin_client, billing_rows, key):
    model = ADMIN_MODELS[key]
    obj = billing_rows[key]
    changelist = admin_client.get(reverse(f"admin:billing_{model}_changelist"))
    assert changelist.status_code == 200
    assert obj in changelist.context["cl"].result_list
    searched = admin_client.get(reverse(f"admin:billing_{model}_changelist") + "?q=r")
    assert searched.status_code == 200 and "cl" in searched.context
    change = admin_client.get(reverse(f"admin:billing_{model}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert change.context["original"] == obj
    assert escape(str(obj)) in change.content.decode()


def test_admin_changelist_filters(admin_client, billing_rows, shop):
    invoices = reverse("admin:billing_invoice_changelist")
    for query in (f"?shop__id__exact={shop.pk}", "?voided_at__isempty=1",
                  "?issued_on__year=2026", f"?q={billing_rows['invoice'].customer.name}", "?q=INV/26-27"):
        response = admin_client.get(invoices + query)
        assert response.status_code == 200, query
        assert "INV/26-27/0001" in response.content.decode(), query
    products = reverse("admin:billing_product_changelist")
    for query in (f"?shop__id__exact={shop.pk}", f"?category__id__exact={billing_rows['category'].pk}",
                  "?is_active__exact=1", "?q=RICE"):
        response = admin_client.get(products + query)
        assert response.status_code == 200 and "RICE" in response.content.decode(), query
    movements = reverse("admin:billing_stockmovement_changelist") + f"?product__id__exact={billing_rows['product'].pk}"
    assert admin_client.get(movements).status_code == 200


def test_admin_history_pages_render(admin_client, billing_rows):
    for model, key in (("product", "product"), ("invoice", "invoice"), ("denomination", "denomination")):
        url = reverse(f"admin:billing_{model}_history", args=[billing_rows[key].pk])
        response = admin_client.get(url)
        assert response.status_code == 200
        assert response.context["object"] == billing_rows[key]
        assert escape(str(billing_rows[key])) in response.content.decode()


def test_stock_movements_are_view_only_in_admin(admin_client, billing_rows):
    movement = billing_rows["movement"]
    assert admin_client.get(reverse("admin:billing_stockmovement_add")).status_code == 403
    assert admin_client.post(reverse("admin:billing_stockmovement_delete", args=[movement.pk]),
                             {"post": "yes"}).status_code == 403
    response = admin_client.post(reverse("admin:billing_stockmovement_change", args=[movement.pk]),
                                 {"quantity": "99", "balance_after": "99"})
    assert response.status_code == 403
    assert StockMovement.objects.get(pk=movement.pk).quantity == movement.quantity


def inline_management(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
    for i, (pk, parent_pk) in enumerate(rows):
        data[f"{prefix}-{i}-id"] = pk
        data[f"{prefix}-{i}-{'invoice' if prefix == 'lines' else 'product'}"] = parent_pk
    return data


def test_invoice_admin_changes_only_the_notes(admin_client, billing_rows):
    invoice = billing_rows["invoice"]
    assert admin_client.get(reverse("admin:billing_invoice_add")).status_code == 403
    assert admin_client.post(reverse("admin:billing_invoice_delete", args=[invoice.pk]),
                             {"post": "yes"}).status_code == 403

    data = {"notes": "Customer asked for a copy", "total": "1.00", "amount_paid": "1.00",
            "voided_at_0": "2026-05-10", "voided_at_1": "10:00", "number": "X"}
    data.update(inline_management("lines", [(line.pk, invoice.pk) for line in invoice.lines.all()]))
    response = admin_client.post(reverse("admin:billing_invoice_change", args=[invoice.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.notes == "Customer asked for a copy"
    assert (stored.number, stored.total, stored.amount_paid, stored.voided_at) == (
        invoice.number, invoice.total, invoice.amount_paid, None)
    assert stored.history.first().history_user.username == "root"
    # No "Revert" from history: an old version would undo a void behind the services' back.
    version = stored.history.last()
    page = admin_client.get(reverse("admin:billing_invoice_simple_history", args=[invoice.pk, version.history_id]))
    assert page.status_code == 200
    assert "Revert" not in page.content.decode()


def test_product_admin_keeps_stock_read_only_and_category_in_the_shop(admin_client, billing_rows, shop):
    rice = billing_rows["product"]
    foreign = category_save(shop=ShopFactory(), name="Elsewhere")
    url = reverse("admin:billing_product_change", args=[rice.pk])
    page = admin_client.get(url).content.decode()
    assert "recent stock movements (latest 20)" in page.lower()
    recent = list(StockMovement.objects.filter(product=rice).order_by("-created_at", "-pk")[:20])
    base = {"shop": shop.pk, "sku": "RICE", "name": "Rice (loose)", "unit": "kg", "sale_price": "82.00",
            "tax_rate": "5", "hsn_code": "", "low_stock_level": "0", "track_stock": "on", "is_active": "on",
            "stock_quantity": "999"}
    base.update(inline_management("movements", [(m.pk, rice.pk) for m in recent]))

    response = admin_client.post(url, {**base, "category": foreign.pk})
    assert response.status_code == 200
    assert "Choose a category of the product&#x27;s shop." in response.content.decode()
    assert Product.objects.get(pk=rice.pk).category == billing_rows["category"]

    response = admin_client.post(url, {**base, "category": billing_rows["category"].pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Product.objects.get(pk=rice.pk)
    assert (stored.name, stored.sale_price, stored.stock_quantity) == ("Rice (loose)", D("82.00"), D("32.750"))
    assert StockMovement.objects.filter(product=rice).count() == 26
    assert Category.objects.filter(shop=shop).count() == 1
