import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, StockMovement
from billing.services.catalogue import product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Due, Payment
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def rice(shop):
    return product_create(shop=shop, sku="RICE-5", name="Basmati rice", unit="kg", sale_price=D("80.00"),
                          tax_rate=D("5"), hsn_code="1006", low_stock_level=D("2"), opening_stock=D("10"))


@pytest.fixture
def soap(shop):
    return product_create(shop=shop, sku="SOAP", name="Bath soap", unit="pcs", sale_price=D("35.00"),
                          tax_rate=D("18"), opening_stock=D("3"))


def post_data(**overrides):
    data = {
        "customer": "", "issued_on": timezone.localdate().isoformat(), "discount_type": "amount",
        "discount_value": "", "amount_paid": "", "payment_method": "cash", "cash_tendered": "", "due_date": "",
        "notes": "", "line-product": [], "line-description": [], "line-quantity": [], "line-unit_price": [],
        "line-tax_rate": [],
    }
    data.update(overrides)
    return data


def with_lines(data, *lines):
    for product, description, quantity, price, rate in lines:
        data["line-product"].append(str(product.pk) if product else "")
        data["line-description"].append(description)
        data["line-quantity"].append(quantity)
        data["line-unit_price"].append(price)
        data["line-tax_rate"].append(rate)
    return data


def test_new_invoice_page_renders(owner_client):
    response = owner_client.get(reverse("billing:invoice_create"))
    assert response.status_code == 200
    assert "Issue invoice" in response.content.decode()


def test_credit_sale_with_partial_payment_posts_the_remainder_to_the_customer(owner_client, shop, rice, soap):
    customer = CustomerFactory(shop=shop, name="Sunita")
    data = with_lines(post_data(customer=customer.pk, amount_paid="100"),
                      (rice, "Basmati rice", "1.500", "80.00", "5"), (soap, "Bath soap", "2", "35.00", "18"))

    response = owner_client.post(reverse("billing:invoice_create"), data)

    invoice = Invoice.objects.get(shop=shop)
    assert response.status_code == 302 and response.url == invoice.get_absolute_url()
    # 1.5 × 80 = 120 at 5% (+6.00); 2 × 35 = 70 at 18% (+12.60)
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("190.00"), D("18.60"), D("208.60"))
    assert invoice.number.endswith("/0001") and invoice.payment_status == Invoice.PaymentStatus.PARTIAL
    customer.refresh_from_db()
    assert customer.balance == D("108.60")
    assert Due.objects.get(customer=customer).description == f"Invoice {invoice.number}"
    assert Payment.objects.get(customer=customer).amount == D("100.00")
    rice.refresh_from_db()
    soap.refresh_from_db()
    assert (rice.stock_quantity, soap.stock_quantity) == (D("8.500"), D("1.000"))
    page = owner_client.get(customer.get_absolute_url()).content.decode()
    assert f"Invoice {invoice.number}" in page and "₹108.60" in page


def test_walk_in_must_pay_in_full(owner_client, shop, rice):
    data = with_lines(post_data(amount_paid="10"), (rice, "Basmati rice", "1", "80.00", "5"))

    response = owner_client.post(reverse("billing:invoice_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["amount_paid"] == [
        "A walk-in sale must be paid in full. Choose a customer to sell on credit."]
    assert not Invoice.objects.exists()
    # What was entered stays on the page.
    assert 'value="Basmati rice"' in response.content.decode()


def test_insufficient_stock_is_an_error_naming_the_product_and_nothing_is_written(owner_client, shop, soap):
    data = with_lines(post_data(amount_paid="165.20"), (soap, "Bath soap", "4", "35.00", "18"))

    response = owner_client.post(reverse("billing:invoice_create"), data)

    assert response.status_code == 200
    assert "Not enough stock of Bath soap: 3 pcs left." in response.context["errors"]
    assert not Invoice.objects.exists()
    assert StockMovement.objects.filter(kind="sale").count() == 0
    soap.refresh_from_db()
    assert soap.stock_quantity == D("3.000")


@pytest.mark.parametrize(("quantity", "price", "rate", "message"), [
    ("0", "10", "5", "The quantity must be more than zero."),
    ("abc", "10", "5", "Enter a quantity such as 2 or 1.250."),
    ("1", "-1", "5", "This cannot be negative."),
    ("1", "10", "101", "Between 0 and 100."),
    ("1.0001", "10", "5", "Use at most 3 digits after the point."),
])
def test_bad_line_values_are_shown_on_the_line(owner_client, shop, quantity, price, rate, message):
    data = with_lines(post_data(), (None, "Loose sugar", quantity, price, rate))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 200
    [line] = response.context["line_forms"]
    assert message in str(line.errors)
    assert not Invoice.objects.exists()


def test_no_lines_is_an_error(owner_client):
    response = owner_client.post(reverse("billing:invoice_create"), post_data())
    assert "Add at least one item to the invoice." in response.context["errors"]


def test_bad_discount_is_a_form_error(owner_client, rice):
    data = with_lines(post_data(discount_value="500", amount_paid="0"), (rice, "Rice", "1", "80", "5"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.context["form"].errors["discount_value"] == ["The discount is more than the invoice subtotal."]


def test_customer_of_another_shop_is_refused(owner_client, other_owner, rice):
    foreign = CustomerFactory(shop=other_owner.shop)
    data = with_lines(post_data(customer=foreign.pk), (rice, "Rice", "1", "80", "5"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.context["form"].errors["customer"] == ["Choose one of your active customers."]
    assert not Invoice.objects.exists()


def test_product_of_another_shop_is_refused(owner_client, other_owner):
    foreign = product_create(shop=other_owner.shop, sku="X", name="Foreign", unit="pcs", sale_price=D("1"),
                             tax_rate=D("0"))
    data = with_lines(post_data(amount_paid="1"), (foreign, "Foreign", "1", "1", "0"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert "That product is not in your catalogue." in str(response.context["line_forms"][0].errors)
    assert not Invoice.objects.exists()


def test_totals_preview_with_gst_split_and_round_off(owner_client, shop, rice):
    shop.gstin = "09ABCDE1234F1Z5"
    shop.save()
    data = with_lines(post_data(round_off="on", amount_paid="50"), (rice, "Rice", "1.333", "80.00", "5"))

    response = owner_client.post(reverse("billing:invoice_totals"), data)

    totals = response.context["totals"]
    # 1.333 × 80 = 106.64; CGST/SGST 2.5% = 2.67 each; 111.98 → 112.00
    assert (totals.subtotal, totals.tax_total, totals.round_off_amount, totals.total) == (
        D("106.64"), D("5.34"), D("0.02"), D("112.00"))
    body = response.content.decode()
    assert "CGST 2.5%" in body and "SGST 2.5%" in body
    assert response.context["balance"] == D("62.00")
    assert not Invoice.objects.exists()


def test_totals_preview_explains_what_is_missing(owner_client):
    response = owner_client.post(reverse("billing:invoice_totals"), post_data())
    assert response.context["problem"] == "Add items to see the total."
    response = owner_client.post(reverse("billing:invoice_totals"),
                                 with_lines(post_data(), (None, "x", "zero", "1", "0")))
    assert response.context["problem"] == "Fix the highlighted items to see the total."


def test_product_and_customer_search_are_scoped_to_the_shop(owner_client, shop, other_owner, rice):
    product_create(shop=other_owner.shop, sku="RICE-X", name="Basmati rice other", unit="kg",
                   sale_price=D("1"), tax_rate=D("0"))
    CustomerFactory(shop=shop, name="Asha Rice")
    CustomerFactory(shop=other_owner.shop, name="Asha Foreign")

    products = owner_client.get(reverse("billing:invoice_product_search"), {"q": "rice"}).context["products"]
    assert products == [rice]
    customers = owner_client.get(reverse("billing:invoice_customer_search"), {"q": "asha"}).context["customers"]
    assert [c.name for c in customers] == ["Asha Rice"]


def test_line_row_is_prefilled_from_the_product(owner_client, rice):
    response = owner_client.get(reverse("billing:invoice_line"), {"product": rice.pk})
    body = response.content.decode()
    assert 'value="Basmati rice"' in body and 'value="80.00"' in body and 'value="5.00"' in body


def issue(shop, customer=None, paid="0", day=None, product=None, quantity="1"):
    lines = [LineInput(quantity=D(quantity), unit_price=D("100.00"), tax_rate=D("0"), description="Item",
                       product=product)]
    total = D("100.00") * D(quantity)
    return invoice_issue(shop=shop, lines=lines, customer=customer, amount_paid=D(paid) if customer else total,
                         issued_on=day or timezone.localdate())


def test_invoice_list_filters(owner_client, shop):
    asha = CustomerFactory(shop=shop, name="Asha")
    first = issue(shop, asha, paid="100", day=datetime.date(2026, 4, 2))
    second = issue(shop, asha, paid="40", day=datetime.date(2026, 5, 10))
    third = issue(shop, None, day=datetime.date(2026, 6, 1))

    def numbers(**params):
        return [i.number for i in owner_client.get(reverse("billing:invoice_list"), params).context["page"]]

    assert numbers() == [third.number, second.number, first.number]
    assert numbers(status="partial") == [second.number]
    assert numbers(customer=asha.pk) == [second.number, first.number]
    assert numbers(date_from="2026-05-01", date_to="2026-05-31") == [second.number]
    assert numbers(q="0003") == [third.number]
    assert numbers(date_from="not-a-date") == [third.number, second.number, first.number]


def test_invoice_detail_and_void(owner_client, shop, rice):
    customer = CustomerFactory(shop=shop)
    invoice = issue(shop, customer, paid="30", product=rice, quantity="2")
    rice.refresh_from_db()
    assert rice.stock_quantity == D("8.000")

    detail = owner_client.get(invoice.get_absolute_url())
    assert invoice.number in detail.content.decode()

    response = owner_client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"reason": "Wrong customer"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    rice.refresh_from_db()
    customer.refresh_from_db()
    assert invoice.is_voided and rice.stock_quantity == D("10.000") and customer.balance == D("0.00")


def test_staff_cannot_void_an_invoice(client, staff, shop):
    invoice = issue(shop)
    client.force_login(staff.user)
    assert client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"reason": "x"}).status_code == 403
    invoice.refresh_from_db()
    assert not invoice.is_voided


def test_customer_purchases_panel_and_sales_panel(owner_client, shop, soap):
    customer = CustomerFactory(shop=shop)
    invoice = issue(shop, customer, paid="100")
    issue(shop, None, product=soap, quantity="3")

    panel = owner_client.get(reverse("billing:customer_purchases", args=[customer.pk]))
    assert panel.context["invoices"] == [invoice]
    sales = owner_client.get(reverse("billing:sales_panel")).context["sales"]
    assert (sales.today_total, sales.today_count) == (D("400.00"), 2)
    assert [p.name for p in sales.low_stock] == ["Bath soap"]


def test_customer_page_loads_the_purchases_panel(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    page = owner_client.get(customer.get_absolute_url()).content.decode()
    assert reverse("billing:customer_purchases", args=[customer.pk]) in page


def test_archived_customer_cannot_be_invoiced(owner_client, shop, rice):
    customer = CustomerFactory(shop=shop, is_archived=True)
    data = with_lines(post_data(customer=customer.pk), (rice, "Rice", "1", "80", "5"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.context["form"].errors["customer"] == ["Choose one of your active customers."]
    assert Customer.objects.get(pk=customer.pk).balance == D("0.00")


def test_invoice_page_shows_tax_by_rate_split_for_a_gst_shop(owner_client, shop, rice):
    shop.gstin = "09ABCDE1234F1Z5"
    shop.save()
    invoice = invoice_issue(shop=shop, amount_paid=D("84.00"), lines=[
        LineInput(quantity=D("1"), unit_price=D("80.00"), tax_rate=D("5"), description="Rice", product=rice)])
    body = owner_client.get(invoice.get_absolute_url()).content.decode()
    assert "CGST 2.5%" in body and "SGST 2.5%" in body and "₹2.00" in body
