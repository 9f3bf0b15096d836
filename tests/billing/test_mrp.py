"""Tax-inclusive (MRP) prices (issue #15): the taxable value is worked back from the price
per line (ROUND_HALF_UP), the difference is a rounding line, and the total is what the
customer sees on the pack. Exclusive prices keep working."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Product
from billing.services.catalogue import product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput, compute_totals
from tests.billing.test_catalogue import product_data
from tests.billing.test_invoice_views import post_data, with_lines
from tests.customers.factories import CustomerFactory

D = Decimal


def incl(quantity, price, rate):
    return LineInput(quantity=D(quantity), unit_price=D(price), tax_rate=D(rate), description="MRP item",
                     price_includes_tax=True)


def excl(quantity, price, rate):
    return LineInput(quantity=D(quantity), unit_price=D(price), tax_rate=D(rate), description="Item")


def figures(totals):
    return (totals.taxable_total, totals.tax_total, totals.inclusive_rounding, totals.round_off_amount, totals.total)


def test_one_unit_at_mrp_105_and_5_percent():
    totals = compute_totals([incl("1", "105.00", "5")], gst_split=True)
    assert figures(totals) == (D("100.00"), D("5.00"), D("0.00"), D("0.00"), D("105.00"))
    assert (totals.tax_rows[0].cgst, totals.tax_rows[0].sgst) == (D("2.50"), D("2.50"))
    assert totals.lines[0].taxable_value == D("100.00") and totals.lines[0].line_net == D("105.00")


def test_many_units_round_half_up_per_line_and_show_the_difference():
    # 3 × 99 = 297 at 18 %: 297 / 1.18 = 251.694… → 251.69; CGST = SGST = 22.6521 → 22.65.
    totals = compute_totals([incl("3", "99.00", "18")], gst_split=True)
    assert figures(totals) == (D("251.69"), D("45.30"), D("0.01"), D("0.01"), D("297.00"))


def test_rounding_can_be_negative_and_depends_on_the_heads():
    # 20 / 1.18 = 16.949… → 16.95; CGST = SGST = 1.5255 → 1.53: 20.01, so −0.01 brings it to 20.
    assert figures(compute_totals([incl("1", "20.00", "18")], gst_split=True)) == (
        D("16.95"), D("3.06"), D("-0.01"), D("-0.01"), D("20.00"))
    # IGST 3.051 → 3.05: 20.00 exactly.
    assert figures(compute_totals([incl("1", "20.00", "18")], gst_split=True, inter_state=True)) == (
        D("16.95"), D("3.05"), D("0.00"), D("0.00"), D("20.00"))
    # Plain tax (no GST split) works back the same way.
    assert figures(compute_totals([incl("1", "105.00", "5")])) == (
        D("100.00"), D("5.00"), D("0.00"), D("0.00"), D("105.00"))


def test_mixed_rates_and_price_kinds():
    lines = [incl("3", "99.00", "18"), excl("1", "50.00", "18"), incl("1", "105.00", "5")]
    totals = compute_totals(lines, gst_split=True)
    # 18 %: 251.69 + 50 = 301.69 taxable, CGST = SGST = 27.15; the customer sees 297 + 50 + 9.00 = 356.00.
    assert [(row.rate, row.taxable_value, row.tax) for row in totals.tax_rows] == [
        (D("5"), D("100.00"), D("5.00")), (D("18"), D("301.69"), D("54.30"))]
    assert figures(totals) == (D("401.69"), D("59.30"), D("0.01"), D("0.01"), D("461.00"))
    assert totals.subtotal == D("452.00")  # 297 + 50 + 105, each as priced


def test_exclusive_prices_are_unchanged():
    totals = compute_totals([excl("1", "100.00", "5")], gst_split=True)
    assert figures(totals) == (D("100.00"), D("5.00"), D("0.00"), D("0.00"), D("105.00"))


def test_a_discount_comes_off_the_price_the_customer_sees():
    totals = compute_totals([incl("1", "105.00", "5")], discount_type="percent", discount_value=D("10"),
                            gst_split=True)
    assert totals.discount_total == D("10.50")
    assert figures(totals) == (D("90.00"), D("4.50"), D("0.00"), D("0.00"), D("94.50"))
    # An amount spread over an MRP line and a before-tax line: 10.50 and 10.00.
    totals = compute_totals([incl("1", "105.00", "5"), excl("1", "100.00", "5")], discount_value=D("20.50"),
                            gst_split=True)
    assert [line.discount for line in totals.lines] == [D("10.50"), D("10.00")]
    assert [line.taxable_value for line in totals.lines] == [D("90.00"), D("90.00")]
    assert figures(totals) == (D("180.00"), D("9.00"), D("0.00"), D("0.00"), D("189.00"))


def test_round_off_on_top_of_the_inclusive_rounding():
    totals = compute_totals([incl("1", "10.50", "5")], round_off=True, gst_split=True)
    assert figures(totals) == (D("10.00"), D("0.50"), D("0.00"), D("0.50"), D("11.00"))
    totals = compute_totals([incl("3", "99.00", "18")], round_off=True, gst_split=True)
    assert figures(totals) == (D("251.69"), D("45.30"), D("0.01"), D("0.01"), D("297.00"))
    assert totals.taxable_total + totals.tax_total + totals.round_off_amount == totals.total


# -- products and invoices ------------------------------------------------------------------


@pytest.fixture
def atta(shop):
    return product_create(shop=shop, sku="ATTA-5", name="Atta 5 kg", unit="pack", sale_price=D("290.00"),
                          price_includes_tax=True, tax_rate=D("5"), opening_stock=D("10"))


def test_issuing_an_mrp_product_stores_the_worked_back_figures(shop, atta):
    customer = CustomerFactory(shop=shop)
    invoice = invoice_issue(shop=shop, customer=customer, lines=[LineInput(
        quantity=D("2"), unit_price=atta.sale_price, tax_rate=atta.tax_rate, description=atta.name, product=atta,
        price_includes_tax=atta.price_includes_tax)])
    line = invoice.lines.get()
    # 580 / 1.05 = 552.380… → 552.38; tax 27.62 (5 % of 552.38 = 27.619 → 27.62): 580.00.
    assert (line.unit_price, line.price_includes_tax, line.line_net, line.taxable_value) == (
        D("290.00"), True, D("580.00"), D("552.38"))
    assert (invoice.taxable_total, invoice.tax_total, invoice.round_off_amount, invoice.total) == (
        D("552.38"), D("27.62"), D("0.00"), D("580.00"))
    assert invoice.due.amount == D("580.00")


def test_counter_form_posts_the_price_kind(owner_client, shop, atta):
    data = with_lines(post_data(amount_paid="297.00"), (None, "Biscuits", "3", "99.00", "18"))
    data["line-price_includes_tax"] = ["1"]
    response = owner_client.post(reverse("billing:invoice_create"), data)
    invoice = Invoice.objects.get(shop=shop)
    assert response.status_code == 302
    assert (invoice.taxable_total, invoice.tax_total, invoice.round_off_amount, invoice.total) == (
        D("251.69"), D("45.30"), D("0.01"), D("297.00"))


def test_counter_line_for_a_product_carries_its_price_kind(owner_client, shop, atta):
    body = owner_client.get(reverse("billing:invoice_line"), {"product": atta.pk}).content.decode()
    assert '<option value="1" selected>incl. tax</option>' in body
    totals = owner_client.post(reverse("billing:invoice_totals"), with_lines(
        post_data(issued_on=timezone.localdate().isoformat()), (atta, atta.name, "1", "105.00", "5"))
        | {"line-price_includes_tax": ["1"]}).content.decode()
    assert 'data-total="105.00"' in totals and "₹105.00" in totals


def test_product_form_defaults_to_the_shops_price_kind_and_saves_it(owner_client, shop):
    shop.prices_include_tax = True
    shop.save()
    body = owner_client.get(reverse("billing:product_create")).content.decode()
    assert 'name="price_includes_tax"' in body and "Price includes tax (MRP)" in body
    assert owner_client.get(reverse("billing:product_create")).context["form"]["price_includes_tax"].value() is True
    owner_client.post(reverse("billing:product_create"), product_data(price_includes_tax="on"))
    product = Product.objects.get(shop=shop)
    assert product.price_includes_tax is True
    detail = owner_client.get(product.get_absolute_url()).content.decode()
    assert "MRP · incl. 5% tax" in detail
    listing = owner_client.get(reverse("billing:product_list")).content.decode()
    assert "incl. tax (MRP)" in listing


def test_product_form_exclusive_price(owner_client, shop):
    shop.prices_include_tax = False
    shop.save()
    assert owner_client.get(reverse("billing:product_create")).context["form"]["price_includes_tax"].value() is False
    owner_client.post(reverse("billing:product_create"), product_data())
    product = Product.objects.get(shop=shop)
    assert product.price_includes_tax is False
    assert "+ 5% tax" in owner_client.get(product.get_absolute_url()).content.decode()


def plain_text(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())


def test_an_mrp_invoice_adds_up_on_paper(owner_client, shop):
    """3 × ₹99 at 18 % with no discount: the taxable value (251.69), the tax and the rounding
    (+0.01) are all printed, so the figures add up to the ₹297.00 total on every document."""
    shop.gstin = "09ABCDE1234F1Z5"
    shop.save()
    invoice = invoice_issue(shop=shop, customer=CustomerFactory(shop=shop), lines=[incl("3", "99.00", "18")])
    assert (invoice.subtotal, invoice.discount_total, invoice.taxable_total, invoice.round_off_amount) == (
        D("297.00"), D("0.00"), D("251.69"), D("0.01"))
    page = plain_text(owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])).content.decode())
    assert ("Subtotal ₹297.00 Taxable value ₹251.69 CGST ₹22.65 SGST ₹22.65 Rounding +₹0.01 Total ₹297.00"
            in page)
    assert "Discount" not in page
    receipt = plain_text(owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk])).content.decode())
    assert "Subtotal ₹297.00 Taxable value ₹251.69 CGST ₹22.65 SGST ₹22.65 Rounding +₹0.01 TOTAL ₹297.00" in receipt
    # The live counter says the same before the invoice is issued.
    data = with_lines(post_data(), (None, "Biscuits", "3", "99.00", "18")) | {"line-price_includes_tax": ["1"]}
    panel = plain_text(owner_client.post(reverse("billing:invoice_totals"), data).content.decode())
    assert "Subtotal ₹297.00 Taxable value ₹251.69" in panel and "Rounding (prices incl. tax) ₹0.01" in panel
    # Prices before tax and no discount: the taxable value is the subtotal, printed once.
    plain = invoice_issue(shop=shop, customer=CustomerFactory(shop=shop), lines=[excl("1", "100.00", "5")])
    assert "Taxable value ₹" not in plain_text(
        owner_client.get(reverse("billing:invoice_print", args=[plain.pk])).content.decode()).split("Subtotal")[1]
