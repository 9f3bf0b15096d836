"""``/api/v1/products/``, ``/api/v1/categories/`` and ``/api/v1/invoices/``."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Category, Invoice, Product, StockMovement
from billing.services.catalogue import category_save, product_create
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
PRODUCTS, CATEGORIES, INVOICES = "/api/v1/products/", "/api/v1/categories/", "/api/v1/invoices/"


@pytest.fixture
def rice(shop):
    staples = category_save(shop=shop, name="Staples")
    return product_create(shop=shop, sku="RICE", name="Rice", category=staples, unit="kg",
                          sale_price=Decimal("50"), tax_rate=Decimal("5"), opening_stock=Decimal("10"))


def test_product_create_with_opening_stock(api, shop):
    oils = category_save(shop=shop, name="Oils")
    response = api.post(PRODUCTS, {"sku": "OIL1", "name": "Mustard oil", "category": oils.pk, "unit": "litre",
                                   "sale_price": "180", "tax_rate": "5", "opening_stock": "12.5"})
    assert response.status_code == 201, response.content
    product = response.json()
    assert (product["sale_price"], product["tax_rate"], product["stock_quantity"]) == ("180.00", "5.00", "12.500")
    assert StockMovement.objects.filter(shop=shop, product_id=product["id"], kind="receive").count() == 1


def test_a_duplicate_sku_is_a_field_error(api, shop, rice):
    response = api.post(PRODUCTS, {"sku": "rice", "name": "Other rice", "sale_price": "1"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "sku", "detail": "Another product already has the SKU rice.",
                                          "code": "rule"}]


def test_product_update_never_touches_stock(api, shop, rice):
    url = reverse("api:v1:product-detail", kwargs={"pk": rice.pk})
    response = api.patch(url, {"sale_price": "55", "stock_quantity": "999"})
    assert response.status_code == 200
    assert (response.json()["sale_price"], response.json()["stock_quantity"]) == ("55.00", "10.000")


def test_receive_and_adjust_stock(api, shop, rice):
    received = api.post(reverse("api:v1:product-receive", kwargs={"pk": rice.pk}), {"quantity": "2.5"})
    assert received.status_code == 201
    assert (received.json()["quantity"], received.json()["balance_after"]) == ("2.500", "12.500")
    no_reason = api.post(reverse("api:v1:product-adjust", kwargs={"pk": rice.pk}), {"quantity": "-1"})
    assert no_reason.status_code == 400
    too_many = api.post(reverse("api:v1:product-adjust", kwargs={"pk": rice.pk}),
                        {"quantity": "-20", "reason": "Count"})
    assert too_many.status_code == 400
    assert too_many.json()["detail"] == "Not enough stock of Rice: 12.5 kg left."
    adjusted = api.post(reverse("api:v1:product-adjust", kwargs={"pk": rice.pk}), {"quantity": "-2", "reason": "Rats"})
    assert adjusted.json()["balance_after"] == "10.500"
    rice.refresh_from_db()
    assert rice.stock_quantity == Decimal("10.5")


def test_delete_deactivates_the_product(api, shop, rice):
    assert api.delete(reverse("api:v1:product-detail", kwargs={"pk": rice.pk})).status_code == 204
    rice.refresh_from_db()
    assert rice.is_active is False
    assert api.get(PRODUCTS).json()["results"] == []
    assert [p["sku"] for p in api.get(PRODUCTS, {"include_inactive": "true"}).json()["results"]] == ["RICE"]


def test_product_filters(api, shop, rice):
    product_create(shop=shop, sku="SALT", name="Salt", unit="pcs", sale_price=Decimal("20"),
                   low_stock_level=Decimal("5"))

    def skus(params):
        return [p["sku"] for p in api.get(PRODUCTS, params).json()["results"]]

    assert skus({}) == ["RICE", "SALT"]
    assert skus({"q": "sal"}) == ["SALT"]
    assert skus({"low_stock": "true"}) == ["SALT"]
    assert skus({"category": str(rice.category_id)}) == ["RICE"]
    assert skus({"category": "none"}) == ["SALT"]
    assert skus({"ordering": "-sale_price"}) == ["RICE", "SALT"]


def test_categories(api, shop, rice):
    created = api.post(CATEGORIES, {"name": "Oils"})
    assert created.status_code == 201 and created.json()["product_count"] == 0
    assert api.post(CATEGORIES, {"name": "oils"}).status_code == 400
    staples = api.get(reverse("api:v1:category-detail", kwargs={"pk": rice.category_id})).json()
    assert (staples["name"], staples["product_count"], staples["active_count"]) == ("Staples", 1, 1)
    renamed = api.patch(reverse("api:v1:category-detail", kwargs={"pk": rice.category_id}), {"name": "Grains"})
    assert renamed.json()["name"] == "Grains"
    assert api.delete(reverse("api:v1:category-detail", kwargs={"pk": rice.category_id})).status_code == 204
    rice.refresh_from_db()
    assert rice.category_id is None
    assert list(Category.objects.filter(shop=shop).values_list("name", flat=True)) == ["Oils"]


def test_issue_an_invoice_on_credit(api, shop, rice):
    customer = CustomerFactory(shop=shop)
    response = api.post(INVOICES, {"customer": customer.pk, "amount_paid": "50", "payment_method": "upi",
                                   "lines": [{"product": rice.pk, "quantity": "2"},
                                             {"description": "Carry bag", "quantity": "1", "unit_price": "5",
                                              "tax_rate": "0"}]})
    assert response.status_code == 201, response.content
    invoice = response.json()
    assert invoice["number"].startswith("INV/")
    assert (invoice["total"], invoice["amount_paid"], invoice["balance_due"], invoice["status"]) == (
        "110.00", "50.00", "60.00", "partial")
    assert [(line["description"], line["quantity"], line["unit_price"]) for line in invoice["lines"]] == [
        ("Rice", "2.000", "50.00"), ("Carry bag", "1.000", "5.00")]
    rice.refresh_from_db()
    customer.refresh_from_db()
    assert rice.stock_quantity == 8 and customer.balance == 60


def test_a_walk_in_sale_must_be_paid_in_full(api, shop, rice):
    response = api.post(INVOICES, {"amount_paid": "10", "lines": [{"product": rice.pk, "quantity": "1"}]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "amount_paid"
    assert not Invoice.objects.filter(shop=shop).exists()


@pytest.mark.parametrize(("lines", "field"), [
    ([], "lines"),
    ([{"quantity": "1"}], "lines.0.description"),
    ([{"description": "x", "quantity": "0", "unit_price": "1", "tax_rate": "0"}], "lines.0.quantity"),
    ([{"description": "x", "quantity": "1", "unit_price": "1", "tax_rate": "101"}], "lines.0.tax_rate"),
])
def test_bad_lines_are_field_errors(api, shop, lines, field):
    response = api.post(INVOICES, {"lines": lines})
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]


def test_void_an_invoice_and_read_its_pdf(api, shop, rice):
    customer = CustomerFactory(shop=shop)
    invoice = api.post(INVOICES, {"customer": customer.pk, "lines": [{"product": rice.pk, "quantity": "3"}]}).json()
    pdf = api.get(invoice["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    voided = api.post(reverse("api:v1:invoice-void", kwargs={"pk": invoice["id"]}), {"reason": "Returned"}).json()
    assert (voided["status"], voided["balance_due"]) == ("void", "0.00")
    rice.refresh_from_db()
    customer.refresh_from_db()
    assert rice.stock_quantity == 10 and customer.balance == 0


def test_invoice_list_filters(api, shop, rice):
    asha, ravi = CustomerFactory(shop=shop, name="Asha"), CustomerFactory(shop=shop, name="Ravi")
    paid = api.post(INVOICES, {"customer": asha.pk, "amount_paid": "52.50",
                               "lines": [{"product": rice.pk, "quantity": "1"}]}).json()
    unpaid = api.post(INVOICES, {"customer": ravi.pk, "issued_on": "2026-11-02",
                                 "lines": [{"product": rice.pk, "quantity": "1"}]}).json()

    def numbers(params):
        return [i["number"] for i in api.get(INVOICES, params).json()["results"]]

    assert numbers({"status": "paid"}) == [paid["number"]]
    assert numbers({"status": "unpaid"}) == [unpaid["number"]]
    assert numbers({"q": "ravi"}) == [unpaid["number"]]
    assert numbers({"customer": asha.pk}) == [paid["number"]]
    assert numbers({"issued_before": "2026-11-02", "issued_after": "2026-11-02"}) == [unpaid["number"]]
    assert Product.objects.get(pk=rice.pk).stock_quantity == 8


def test_an_mrp_product_sells_at_its_mrp_and_the_place_of_supply_sets_igst(api, shop):
    shop.gstin, shop.gst_registration = "09AAGCB7383J1Z6", "regular"
    shop.save()
    tea = product_create(shop=shop, sku="TEA", name="Tea", unit="pcs", sale_price=Decimal("105"),
                         price_includes_tax=True, tax_rate=Decimal("5"), opening_stock=Decimal("5"))
    same_state = api.post(INVOICES, {"amount_paid": "105", "lines": [{"product": tea.pk, "quantity": "1"}]}).json()
    assert (same_state["total"], same_state["taxable_total"], same_state["tax_total"]) == ("105.00", "100.00", "5.00")
    assert (same_state["place_of_supply"], same_state["is_inter_state"]) == ("09", False)
    other = api.post(INVOICES, {"amount_paid": "105", "place_of_supply": "27",
                                "lines": [{"product": tea.pk, "quantity": "1"}]})
    assert other.status_code == 201, other.content
    assert (other.json()["place_of_supply"], other.json()["is_inter_state"], other.json()["total"]) == (
        "27", True, "105.00")
    bad = api.post(INVOICES, {"amount_paid": "105", "place_of_supply": "99",
                              "lines": [{"product": tea.pk, "quantity": "1"}]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "place_of_supply"
