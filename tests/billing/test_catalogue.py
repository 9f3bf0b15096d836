"""Catalogue and stock pages: products, stock receive/adjust, categories, tenancy."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from accounts.models import Membership
from billing.models import Category, Product, StockMovement
from billing.services import catalogue as catalogue_services
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from tests.accounts.factories import MembershipFactory
from tests.billing.factories import CategoryFactory, ProductFactory, StockMovementFactory

pytestmark = pytest.mark.django_db


def product_data(tax_rate="5", **overrides):
    """POST data of the product form; ``tax_rate`` is a preset, or ``("other", "12.5")``
    for the preset buttons (``tax_rate_0``) and the Other box (``tax_rate_1``)."""
    preset, other = (tax_rate, "") if isinstance(tax_rate, str) else tax_rate
    data = {"sku": "RICE-5", "name": "Basmati rice 5 kg", "category": "", "unit": "kg", "sale_price": "450.00",
            "tax_rate_0": preset, "tax_rate_1": other, "hsn_code": "1006", "low_stock_level": "2",
            "track_stock": "on", "is_active": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def receive(product, quantity, user=None):
    return catalogue_services.stock_receive(shop=product.shop, product=product, quantity=Decimal(quantity),
                                            created_by=user)


def listed(response):
    return [p.name for p in response.context["page"].object_list]


# --- Create and edit ------------------------------------------------------------------


def test_create_product_with_opening_stock_records_a_movement(owner_client, owner, shop):
    grains = CategoryFactory(shop=shop, name="Grains")

    response = owner_client.post(reverse("billing:product_create"),
                                 product_data(category=grains.pk, opening_stock="12.500"))

    product = Product.objects.get(shop=shop)
    assert response.status_code == 302
    assert response.url == reverse("billing:product_detail", args=[product.pk])
    assert (product.sku, product.name, product.category, product.unit) == ("RICE-5", "Basmati rice 5 kg", grains, "kg")
    assert product.sale_price == Decimal("450.00")
    assert product.tax_rate == Decimal("5.00")
    assert product.stock_quantity == Decimal("12.500")
    movement = StockMovement.objects.get(product=product)
    assert movement.kind == StockMovement.Kind.RECEIVE
    assert movement.quantity == Decimal("12.500")
    assert movement.balance_after == Decimal("12.500")
    assert movement.reason == "Opening stock"
    assert movement.created_by == owner.user
    assert movement.shop == shop


def test_create_product_without_opening_stock_has_no_movement(owner_client, shop):
    response = owner_client.post(reverse("billing:product_create"), product_data(opening_stock="", tax_rate="0",
                                                                                  sale_price="0"))
    product = Product.objects.get(shop=shop)
    assert response.status_code == 302
    assert product.stock_quantity == Decimal("0")
    assert product.sale_price == Decimal("0.00")
    assert not StockMovement.objects.exists()


def test_create_form_shows_tax_presets_and_category_choices_of_this_shop(owner_client, shop, other_owner):
    CategoryFactory(shop=shop, name="Grains")
    CategoryFactory(shop=other_owner.shop, name="Their secret category")

    body = owner_client.get(reverse("billing:product_create")).content.decode()

    assert "Grains" in body
    assert "Their secret category" not in body
    for i, rate in enumerate(("0", "5", "12", "18", "28", "other")):
        assert f'name="tax_rate_0" id="id_tax_rate_{i}" value="{rate}"' in body
    assert 'name="tax_rate_1" id="id_tax_rate_other"' in body
    assert " checked" not in body.split('name="tax_rate_0"', 1)[1].split("tax_rate_1")[0]  # no rate picked yet


@pytest.mark.parametrize(("posted", "stored"), [
    ("0", "0"), ("28", "28"), (("other", "12.5"), "12.5"), (("", "3"), "3"), (("18", "18"), "18"),
    (("18", "18.00"), "18"), (("other", "100"), "100"),
])
def test_tax_rate_from_a_preset_or_the_other_box(owner_client, shop, posted, stored):
    response = owner_client.post(reverse("billing:product_create"), product_data(tax_rate=posted))

    assert response.status_code == 302
    assert Product.objects.get(shop=shop).tax_rate == Decimal(stored)


def test_a_tax_rate_error_is_shown_on_the_form(owner_client, shop):
    response = owner_client.post(reverse("billing:product_create"), product_data(tax_rate=("other", "101")))

    body = response.content.decode()
    assert 'class="d-flex flex-wrap align-items-center gap-2 is-invalid" id="id_tax_rate"' in body
    assert 'class="form-control is-invalid"' in body.split('id="id_tax_rate_other"', 1)[1][:200]
    assert "Enter a tax rate from 0 to 100." in body


def test_edit_form_shows_the_current_tax_rate(owner_client, shop):
    preset = ProductFactory(shop=shop, tax_rate=Decimal("18"))
    custom = ProductFactory(shop=shop, tax_rate=Decimal("12.50"))

    body = owner_client.get(reverse("billing:product_edit", args=[preset.pk])).content.decode()
    assert 'id="id_tax_rate_3" value="18" autocomplete="off" checked>' in body
    assert 'name="tax_rate_1" id="id_tax_rate_other" value=""' in body
    body = owner_client.get(reverse("billing:product_edit", args=[custom.pk])).content.decode()
    assert 'id="id_tax_rate_5" value="other" autocomplete="off" checked>' in body
    assert 'name="tax_rate_1" id="id_tax_rate_other" value="12.5"' in body


@pytest.mark.parametrize("sku", ["RICE-5", "rice-5", "  RICE-5  "])
def test_duplicate_sku_in_the_same_shop_is_a_form_error(owner_client, shop, sku):
    ProductFactory(shop=shop, sku="RICE-5", name="Old rice")

    response = owner_client.post(reverse("billing:product_create"), product_data(sku=sku))

    assert response.status_code == 200
    assert "Another product already has the SKU" in " ".join(response.context["form"].errors["sku"])
    assert Product.objects.filter(shop=shop).count() == 1


def test_duplicate_sku_is_shown_with_the_other_errors_at_once(owner_client, shop):
    ProductFactory(shop=shop, sku="RICE-5")

    response = owner_client.post(reverse("billing:product_create"), product_data(sale_price="-1"))

    errors = response.context["form"].errors
    assert errors["sku"] == ["Another product already has the SKU RICE-5."]
    assert errors["sale_price"] == ["The price cannot be negative."]


def test_services_refuse_duplicate_sku_and_category_name_on_the_field(shop, other_owner):
    catalogue_services.product_create(shop=shop, sku="A-1", name="A", sale_price=Decimal("1"))
    catalogue_services.product_create(shop=other_owner.shop, sku="A-1", name="A", sale_price=Decimal("1"))
    other = catalogue_services.product_create(shop=shop, sku="B-1", name="B", sale_price=Decimal("1"))
    catalogue_services.category_save(shop=shop, name="Grains")

    with pytest.raises(catalogue_services.BillingError) as exc:
        catalogue_services.product_create(shop=shop, sku="a-1", name="A again", sale_price=Decimal("1"))
    assert (exc.value.field, str(exc.value)) == ("sku", "Another product already has the SKU a-1.")
    with pytest.raises(catalogue_services.BillingError) as exc:
        catalogue_services.product_update(shop=shop, product=other, sku="A-1")
    assert exc.value.field == "sku"
    with pytest.raises(catalogue_services.BillingError) as exc:
        catalogue_services.category_save(shop=shop, name=" grains ")
    assert (exc.value.field, str(exc.value)) == ("name", "There is already a category called grains.")
    assert Product.objects.filter(shop=shop).count() == 2


def test_the_same_sku_is_allowed_in_another_shop(owner_client, shop, other_owner):
    ProductFactory(shop=other_owner.shop, sku="RICE-5")

    response = owner_client.post(reverse("billing:product_create"), product_data())

    assert response.status_code == 302
    assert Product.objects.filter(shop=shop, sku="RICE-5").exists()


def test_a_category_of_another_shop_is_refused(owner_client, shop, other_owner):
    theirs = CategoryFactory(shop=other_owner.shop)

    response = owner_client.post(reverse("billing:product_create"), product_data(category=theirs.pk))

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["category"][0]
    assert not Product.objects.exists()


def test_edit_product_changes_details_but_not_stock(owner_client, shop):
    product = ProductFactory(shop=shop, sku="OIL-1", name="Oil", sale_price=Decimal("100"))
    receive(product, "4")
    ProductFactory(shop=shop, sku="TAKEN")
    drinks = CategoryFactory(shop=shop, name="Drinks")
    url = reverse("billing:product_edit", args=[product.pk])

    page = owner_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["sku"] == "OIL-1" and page.context["form"].initial["name"] == "Oil"
    assert 'value="OIL-1"' in page.content.decode()
    response = owner_client.post(url, product_data(sku="OIL-1", name="  Mustard   oil 1 L ", unit="litre",
                                                   sale_price="185.50", tax_rate=("other", "12.5"), hsn_code="1514 99",
                                                   category=drinks.pk, track_stock=None, opening_stock="99"))

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.unit, product.category, product.hsn_code) == ("Mustard oil 1 L", "litre",
                                                                                 drinks, "151499")
    assert (product.sale_price, product.tax_rate) == (Decimal("185.50"), Decimal("12.50"))
    assert product.track_stock is False
    assert product.stock_quantity == Decimal("4.000")  # no opening stock on edit
    assert StockMovement.objects.filter(product=product).count() == 1

    response = owner_client.post(url, product_data(sku="taken", name="Oil"))
    assert response.status_code == 200
    assert "Another product already has the SKU taken" in response.context["form"].errors["sku"][0]
    # The page keeps the saved name, not the refused one.
    assert "Edit Mustard oil 1 L" in response.content.decode()
    product.refresh_from_db()
    assert product.sku == "OIL-1"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sale_price": "abc"}, "sale_price", "Enter an amount in numbers"),
        ({"sale_price": "-1"}, "sale_price", "The price cannot be negative."),
        ({"sale_price": "1e30"}, "sale_price", "That amount is too large"),
        ({"sale_price": "123456789012345678901234567890"}, "sale_price", "That amount is too large"),
        ({"sale_price": "10.555"}, "sale_price", "at most 2 digits after the decimal point"),
        ({"sale_price": "NaN"}, "sale_price", "Enter an amount in numbers"),
        ({"sale_price": "Infinity"}, "sale_price", "Enter an amount in numbers"),
        ({"tax_rate": ("other", "101")}, "tax_rate", "Enter a tax rate from 0 to 100."),
        ({"tax_rate": ("", "-5")}, "tax_rate", "Enter a tax rate from 0 to 100."),
        ({"tax_rate": ("other", "100000")}, "tax_rate", "Enter a tax rate from 0 to 100."),
        ({"tax_rate": ("other", "1e400")}, "tax_rate", "Enter a tax rate from 0 to 100."),
        ({"tax_rate": ("other", "12.555")}, "tax_rate", "at most 2 digits after the decimal point"),
        ({"tax_rate": ("other", "eighteen")}, "tax_rate", "Enter the tax rate as a number"),
        ({"tax_rate": ("other", "NaN")}, "tax_rate", "Enter the tax rate as a number"),
        ({"tax_rate": ("other", "")}, "tax_rate", "Type the tax rate in the Other box"),
        ({"tax_rate": ("", "")}, "tax_rate", "Pick a tax rate (0% if the product is exempt)."),
        ({"tax_rate": ("7", "")}, "tax_rate", "Select a valid choice"),
        ({"tax_rate": ("18", "12")}, "tax_rate", "You picked 18% and typed 12% under Other"),
        ({"hsn_code": "12"}, "hsn_code", "4 to 8 digits"),
        ({"hsn_code": "10O6"}, "hsn_code", "4 to 8 digits"),
        ({"low_stock_level": "lots"}, "low_stock_level", "Enter a quantity in numbers"),
        ({"low_stock_level": "-1"}, "low_stock_level", "cannot be negative"),
        ({"low_stock_level": "1.0005"}, "low_stock_level", "at most 3 digits after the decimal point"),
        ({"opening_stock": "99999999999999"}, "opening_stock", "That quantity is too large"),
        ({"opening_stock": "-3"}, "opening_stock", "cannot be negative"),
        ({"opening_stock": "ten"}, "opening_stock", "Enter a quantity in numbers"),
        ({"unit": "tonne"}, "unit", "Select a valid choice"),
        ({"sku": "   "}, "sku", "This field is required."),
        ({"sku": "RICE 5"}, "sku", "cannot contain spaces"),
        ({"sku": "X" * 41}, "sku", "at most 40 characters"),
        ({"name": ""}, "name", "This field is required."),
        ({"category": "999999999999999999999"}, "category", "Select a valid choice"),
        ({"category": "abc"}, "category", "Select a valid choice"),
    ],
)
def test_bad_product_input_is_a_form_error(owner_client, shop, overrides, field, message):
    response = owner_client.post(reverse("billing:product_create"), product_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Product.objects.exists()


# --- List, search and filters ---------------------------------------------------------


def test_list_shows_this_shops_active_products_with_money_and_low_badge(owner_client, shop, other_owner):
    grains = CategoryFactory(shop=shop, name="Grains")
    rice = ProductFactory(shop=shop, name="Rice", sku="RICE-1", category=grains, unit="kg",
                          sale_price=Decimal("1234.50"), tax_rate=Decimal("5"), low_stock_level=Decimal("5"))
    receive(rice, "2.5")
    ProductFactory(shop=shop, name="Old soap", is_active=False)
    ProductFactory(shop=other_owner.shop, name="Foreign product")

    response = owner_client.get(reverse("billing:product_list"))
    body = response.content.decode()

    assert listed(response) == ["Rice"]
    assert "₹1,234.50" in body
    assert "RICE-1" in body and "Grains" in body and "5%" in body
    assert ">Low</span>" in body
    assert "2.500" in body
    assert "Foreign product" not in body and "Old soap" not in body

    response = owner_client.get(reverse("billing:product_list"), {"inactive": "1"})
    assert listed(response) == ["Old soap", "Rice"]
    assert "Inactive" in response.content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("basmati", ["Basmati rice"]),
    ("RICE", ["Basmati rice", "Rice flour"]),
    ("sg-00", ["Sugar"]),
    ("  sugar  ", ["Sugar"]),
    ("nothing-like-this", []),
])
def test_search_by_name_or_sku(owner_client, shop, query, expected):
    ProductFactory(shop=shop, name="Basmati rice", sku="BR-01")
    ProductFactory(shop=shop, name="Rice flour", sku="RF-01")
    ProductFactory(shop=shop, name="Sugar", sku="SG-007")

    response = owner_client.get(reverse("billing:product_list"), {"q": query})

    assert response.status_code == 200
    assert listed(response) == expected


def test_live_search_with_htmx_returns_only_the_table(owner_client, shop):
    ProductFactory(shop=shop, name="Basmati rice")
    ProductFactory(shop=shop, name="Sugar")

    response = owner_client.get(reverse("billing:product_list"), {"q": "bas"}, headers={"HX-Request": "true"})
    body = response.content.decode()

    assert listed(response) == ["Basmati rice"]
    assert "<html" not in body and "Basmati rice" in body
    # A history restore needs the whole page.
    response = owner_client.get(reverse("billing:product_list"), {"q": "bas"},
                                headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_category_filter(owner_client, shop, other_owner):
    grains = CategoryFactory(shop=shop, name="Grains")
    drinks = CategoryFactory(shop=shop, name="Drinks")
    theirs = CategoryFactory(shop=other_owner.shop, name="Grains")
    ProductFactory(shop=shop, name="Rice", category=grains)
    ProductFactory(shop=shop, name="Tea", category=drinks)
    ProductFactory(shop=shop, name="Loose item")
    ProductFactory(shop=other_owner.shop, name="Their rice", category=theirs)
    url = reverse("billing:product_list")

    assert listed(owner_client.get(url, {"category": grains.pk})) == ["Rice"]
    assert listed(owner_client.get(url, {"category": "none"})) == ["Loose item"]
    assert listed(owner_client.get(url, {"category": theirs.pk})) == []
    assert listed(owner_client.get(url, {"category": "junk"})) == ["Loose item", "Rice", "Tea"]
    assert listed(owner_client.get(url, {"category": "9" * 30})) == ["Loose item", "Rice", "Tea"]
    body = owner_client.get(url, {"category": grains.pk}).content.decode()
    assert f'<option value="{grains.pk}" selected>Grains</option>' in body


def test_low_stock_filter(owner_client, shop):
    low = ProductFactory(shop=shop, name="Low", low_stock_level=Decimal("5"))
    receive(low, "5")  # at the level counts as low
    ok = ProductFactory(shop=shop, name="Plenty", low_stock_level=Decimal("5"))
    receive(ok, "5.001")
    ProductFactory(shop=shop, name="Empty")  # 0 <= 0
    ProductFactory(shop=shop, name="Untracked", track_stock=False, low_stock_level=Decimal("5"))

    response = owner_client.get(reverse("billing:product_list"), {"low": "1"})

    assert listed(response) == ["Empty", "Low"]


def test_list_paginates_25_and_keeps_the_filters(owner_client, shop):
    for i in range(30):
        ProductFactory(shop=shop, name=f"Item {i:02d}", sku=f"IT-{i:02d}")

    first = owner_client.get(reverse("billing:product_list"), {"q": "item"})
    second = owner_client.get(reverse("billing:product_list"), {"q": "item", "page": "2"})

    assert len(listed(first)) == 25
    assert listed(second) == [f"Item {i}" for i in range(25, 30)]
    assert "?q=item&amp;page=2" in first.content.decode()


def test_product_list_query_count_is_constant(owner_client, shop, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            ProductFactory(shop=shop, category=CategoryFactory(shop=shop))

    add(2)
    url = reverse("billing:product_list")
    with CaptureQueriesContext(connection) as few:
        response = owner_client.get(url)
    assert len(listed(response)) == 2
    add(23)
    with django_assert_max_num_queries(len(few)):
        response = owner_client.get(url)
    assert len(listed(response)) == 25


# --- Product page ---------------------------------------------------------------------


def test_product_page_shows_stock_and_movements_newest_first_with_invoice_link(owner_client, owner, shop):
    product = ProductFactory(shop=shop, name="Tea", unit="pack", sale_price=Decimal("10"),
                             low_stock_level=Decimal("10"))
    receive(product, "12", owner.user)
    invoice = invoice_issue(shop=shop, lines=[LineInput(quantity=Decimal("3"), unit_price=Decimal("10"),
                                                        tax_rate=Decimal("0"), description="Tea", product=product)],
                            amount_paid=Decimal("30"), created_by=owner.user)
    catalogue_services.stock_adjust(shop=shop, product=product, quantity=Decimal("-1"), reason="Torn packet",
                                    created_by=owner.user)

    response = owner_client.get(reverse("billing:product_detail", args=[product.pk]))
    body = response.content.decode()

    movements = list(response.context["page"].object_list)
    assert [(m.kind, m.quantity, m.balance_after) for m in movements] == [
        ("adjustment", Decimal("-1.000"), Decimal("8.000")),
        ("sale", Decimal("-3.000"), Decimal("9.000")),
        ("receive", Decimal("12.000"), Decimal("12.000")),
    ]
    assert f'href="{reverse("billing:invoice_detail", args=[invoice.pk])}">{invoice.number}</a>' in body
    assert "Torn packet" in body and owner.user.username in body
    assert "+12" in body and "-3" in body
    assert ">Low</span>" in body  # 8 <= 10


def test_product_page_paginates_movements_by_50(owner_client, shop):
    product = ProductFactory(shop=shop)
    for i in range(55):
        StockMovementFactory(product=product, quantity=Decimal(i + 1), balance_after=Decimal(i + 1))

    first = owner_client.get(reverse("billing:product_detail", args=[product.pk]))
    second = owner_client.get(reverse("billing:product_detail", args=[product.pk]), {"page": "2"})

    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].object_list[0].quantity == Decimal("55")
    assert [m.quantity for m in second.context["page"].object_list] == [Decimal(n) for n in (5, 4, 3, 2, 1)]


# --- Stock: receive and adjust --------------------------------------------------------


def test_receive_stock(owner_client, owner, shop):
    product = ProductFactory(shop=shop, name="Rice", unit="kg")
    receive(product, "2")

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]),
                                 {"action": "receive", "quantity": "5", "reason": " Bill  1042 "}, follow=True)

    product.refresh_from_db()
    assert product.stock_quantity == Decimal("7.000")
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.kind, movement.quantity, movement.balance_after) == ("receive", Decimal("5"), Decimal("7"))
    assert movement.reason == "Bill 1042"
    assert movement.created_by == owner.user
    assert "Received 5 kg of Rice. Stock now 7 kg." in response.content.decode()


def test_quantity_with_three_decimals_is_stored_exactly(owner_client, shop):
    product = ProductFactory(shop=shop, unit="kg")

    owner_client.post(reverse("billing:product_stock", args=[product.pk]), {"action": "receive", "quantity": "1.250"})
    owner_client.post(reverse("billing:product_stock", args=[product.pk]), {"action": "receive", "quantity": "0.001"})

    product.refresh_from_db()
    assert product.stock_quantity == Decimal("1.251")
    assert str(product.stock_quantity) == "1.251"
    assert sorted(StockMovement.objects.filter(product=product).values_list("quantity", flat=True)) == [
        Decimal("0.001"), Decimal("1.250")]


def test_adjust_with_reason(owner_client, shop):
    product = ProductFactory(shop=shop)
    receive(product, "5")

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]),
                                 {"action": "adjust", "quantity": "-2", "reason": "Two packets torn"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock_quantity == Decimal("3")
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", Decimal("-2"), "Two packets torn")


def test_adjust_needs_a_reason(owner_client, shop):
    product = ProductFactory(shop=shop)

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]),
                                 {"action": "adjust", "quantity": "3", "reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the stock is being adjusted."]
    assert not StockMovement.objects.exists()


def test_adjust_below_zero_is_refused_naming_the_product_and_what_is_left(owner_client, shop):
    product = ProductFactory(shop=shop, name="Sugar", unit="kg")
    receive(product, "1.5")

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]),
                                 {"action": "adjust", "quantity": "-2", "reason": "Recount"})

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == ["Not enough stock of Sugar: 1.5 kg left."]
    product.refresh_from_db()
    assert product.stock_quantity == Decimal("1.500")
    assert StockMovement.objects.filter(product=product).count() == 1


def test_adjust_below_zero_is_allowed_when_the_product_allows_it(owner_client, shop):
    product = ProductFactory(shop=shop, allow_negative_stock=True)
    receive(product, "1")

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]),
                                 {"action": "adjust", "quantity": "-3", "reason": "Sold off the books"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock_quantity == Decimal("-2")
    body = owner_client.get(reverse("billing:product_detail", args=[product.pk])).content.decode()
    assert "-2" in body


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"action": "receive", "quantity": "0"}, "quantity", "The quantity must be more than zero."),
    ({"action": "receive", "quantity": "-4"}, "quantity", "The quantity must be more than zero."),
    ({"action": "receive", "quantity": "abc"}, "quantity", "Enter a quantity in numbers"),
    ({"action": "receive", "quantity": "1e20"}, "quantity", "That quantity is too large"),
    ({"action": "receive", "quantity": "1" * 40}, "quantity", "That quantity is too large"),
    ({"action": "receive", "quantity": "1.2345"}, "quantity", "at most 3 digits after the decimal point"),
    ({"action": "receive", "quantity": "Infinity"}, "quantity", "Enter a quantity in numbers"),
    ({"action": "receive", "quantity": ""}, "quantity", "This field is required."),
    ({"action": "steal", "quantity": "1"}, "action", "Select a valid choice"),
    ({"action": "receive", "quantity": "1", "reason": "x" * 201}, "reason", "at most 200 characters"),
])
def test_bad_stock_input_is_a_form_error(owner_client, shop, data, field, message):
    product = ProductFactory(shop=shop)

    response = owner_client.post(reverse("billing:product_stock", args=[product.pk]), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not StockMovement.objects.exists()


def test_a_cashier_may_neither_receive_nor_adjust_stock(client, shop, staff):
    """Receiving and adjusting stock are a manager's (accounts.permissions): a cashier's
    sales take stock out through the invoice, never through this page."""
    product = ProductFactory(shop=shop)
    receive(product, "5")
    client.force_login(staff.user)
    url = reverse("billing:product_stock", args=[product.pk])

    assert client.get(url, {"action": "adjust"}).status_code == 403
    assert client.post(url, {"action": "adjust", "quantity": "-5", "reason": "gone"}).status_code == 403
    assert client.post(url, {"action": "receive", "quantity": "2"}).status_code == 403
    product.refresh_from_db()
    assert product.stock_quantity == Decimal("5")


# --- Categories -----------------------------------------------------------------------


def test_category_list_counts_products_and_adds_a_category(owner_client, shop, other_owner):
    grains = CategoryFactory(shop=shop, name="Grains")
    ProductFactory(shop=shop, category=grains)
    ProductFactory(shop=shop, category=grains, is_active=False)
    CategoryFactory(shop=other_owner.shop, name="Not mine")
    url = reverse("billing:category_list")

    response = owner_client.get(url)
    assert [(c.name, c.product_count, c.active_count) for c in response.context["categories"]] == [("Grains", 2, 1)]
    assert "Not mine" not in response.content.decode()

    response = owner_client.post(url, {"name": "  Cold   drinks "})
    assert response.status_code == 302
    assert list(Category.objects.filter(shop=shop).values_list("name", flat=True)) == ["Cold drinks", "Grains"]


@pytest.mark.parametrize("name", ["Grains", "grains", " GRAINS "])
def test_duplicate_category_name_is_a_form_error(owner_client, shop, name):
    CategoryFactory(shop=shop, name="Grains")

    response = owner_client.post(reverse("billing:category_list"), {"name": name})

    assert response.status_code == 200
    assert "There is already a category called" in response.context["form"].errors["name"][0]
    assert Category.objects.filter(shop=shop).count() == 1


def test_the_same_category_name_is_allowed_in_another_shop(owner_client, shop, other_owner):
    CategoryFactory(shop=other_owner.shop, name="Grains")
    assert owner_client.post(reverse("billing:category_list"), {"name": "Grains"}).status_code == 302
    assert Category.objects.filter(shop=shop, name="Grains").exists()


def test_bad_category_name_is_a_form_error(owner_client, shop):
    for name, message in (("   ", "This field is required."), ("x" * 81, "at most 80 characters")):
        response = owner_client.post(reverse("billing:category_list"), {"name": name})
        assert response.status_code == 200
        assert message in response.context["form"].errors["name"][0]
    assert not Category.objects.exists()


def test_rename_category(owner_client, shop):
    grains = CategoryFactory(shop=shop, name="Grains")
    CategoryFactory(shop=shop, name="Drinks")
    url = reverse("billing:category_edit", args=[grains.pk])

    assert 'value="Grains"' in owner_client.get(url).content.decode()
    assert owner_client.post(url, {"name": "Grains & pulses"}).status_code == 302
    grains.refresh_from_db()
    assert grains.name == "Grains & pulses"
    # Changing only the case of its own name is fine.
    assert owner_client.post(url, {"name": "GRAINS & PULSES"}).status_code == 302

    response = owner_client.post(url, {"name": "drinks"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["There is already a category called drinks."]
    assert "Rename GRAINS &amp; PULSES" in response.content.decode()
    grains.refresh_from_db()
    assert grains.name == "GRAINS & PULSES"


def test_catalogue_modules_import_without_a_scope():
    """Form classes are built at import, outside any request's scope: they must not
    query a tenant model then (``manage.py check`` imports them that way). The test has
    no shop fixture, so it runs with no scope."""
    import importlib

    from django_scopes import get_scope

    import billing.forms.catalogue
    import billing.views.catalogue

    assert get_scope() == {}
    importlib.reload(billing.forms.catalogue)
    importlib.reload(billing.views.catalogue)
    assert "sku" in billing.forms.catalogue.ProductForm.base_fields


# --- Tenancy --------------------------------------------------------------------------


@pytest.fixture
def foreign(other_owner):
    """Shop B's catalogue: a category and a product with stock."""
    shop = other_owner.shop
    category = CategoryFactory(shop=shop, name="Theirs")
    product = ProductFactory(shop=shop, category=category, sku="THEIRS", name="Their product")
    with scope(shop=shop):
        receive(product, "5")
    return {"category": category, "product": product}


TENANCY = {
    "billing:product_detail": (lambda f: {"product_id": f["product"].pk}, {}),
    "billing:product_edit": (lambda f: {"product_id": f["product"].pk}, product_data(sku="HIJACK")),
    "billing:product_stock": (lambda f: {"product_id": f["product"].pk},
                              {"action": "adjust", "quantity": "-5", "reason": "malice"}),
    "billing:category_edit": (lambda f: {"category_id": f["category"].pk}, {"name": "Hijacked"}),
}


def _snapshot(shop):
    """Shop ``shop``'s catalogue rows, read in its own scope."""
    with scope(shop=shop):
        return (list(Product.objects.filter(shop=shop).values_list("pk", "sku", "name", "stock_quantity")),
                list(Category.objects.filter(shop=shop).values_list("pk", "name")),
                StockMovement.objects.filter(shop=shop).count())


@pytest.mark.parametrize("name", sorted(TENANCY))
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.CASHIER])
def test_another_shops_ids_are_404_and_nothing_changes(client, owner, foreign, other_owner, name, method, role):
    kwargs, data = TENANCY[name]
    before = _snapshot(other_owner.shop)
    assert before[2] == 1  # their stock receipt: a snapshot that can change
    user = owner.user if role == Membership.Role.OWNER else MembershipFactory(shop=owner.shop, role=role).user
    client.force_login(user)

    response = getattr(client, method)(reverse(name, kwargs=kwargs(foreign)), data)

    assert response.status_code == 404
    assert _snapshot(other_owner.shop) == before


def test_tenancy_table_covers_every_catalogue_url_with_an_id():
    from tests.test_tenancy import object_url_names

    catalogue = {"billing:product_detail", "billing:product_edit", "billing:product_stock", "billing:category_edit"}
    assert catalogue <= object_url_names()
    assert set(TENANCY) == catalogue


def test_a_signalling_nan_tax_rate_is_a_form_error_not_a_500(owner_client, shop):
    response = owner_client.post(reverse("billing:product_create"), {
        "sku": "X1", "name": "X", "unit": "pcs", "sale_price": "1", "tax_rate_0": "", "tax_rate_1": "sNaN",
        "low_stock_level": "0"})
    assert response.status_code == 200
    assert "Enter the tax rate as a number, such as 18." in response.content.decode()
