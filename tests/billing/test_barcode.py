"""Product barcodes (issue #15): EAN-13/EAN-8 check digits, unique per shop, and the
counter's scan lookup."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.barcodes import clean_barcode, ean_check_digit, is_valid_ean
from billing.models import Product
from billing.services import BillingError
from billing.services.catalogue import product_create, product_update
from tests.billing.test_catalogue import product_data

D = Decimal
EAN13 = "4006381333931"   # a real EAN-13 (check digit 1)
EAN8 = "96385074"         # a real EAN-8 (check digit 4)


@pytest.mark.parametrize(("code", "valid"), [
    (EAN13, True), ("4006381333932", False), ("8901030865275", True), ("8901030865278", False),
    (EAN8, True), ("96385075", False), ("40063813339", False), ("abcdefgh", False),
])
def test_ean_check_digit(code, valid):
    assert is_valid_ean(code) is valid


def test_check_digit_of_the_leading_digits():
    assert ean_check_digit(EAN13[:-1]) == 1
    assert ean_check_digit(EAN8[:-1]) == 4


@pytest.mark.parametrize("code", [EAN13, EAN8, "ABC-123", "012345678905", "12345", " 4006381333931 "])
def test_valid_or_other_codes_are_accepted_as_they_are(code):
    assert clean_barcode(code) == code.strip()


def test_empty_is_none():
    assert clean_barcode("") is None
    assert clean_barcode("   ") is None
    assert clean_barcode(None) is None


@pytest.mark.parametrize(("code", "message"), [
    ("4006381333932", "4006381333932 is not a valid EAN-13 barcode: its check digit should be 1."),
    ("96385075", "96385075 is not a valid EAN-8 barcode: its check digit should be 4."),
    ("AB 12", "A barcode is one word"),
    ("9" * 33, "at most 32 characters"),
])
def test_bad_codes_are_refused(code, message):
    with pytest.raises(BillingError) as exc:
        clean_barcode(code)
    assert message in str(exc.value) and exc.value.field == "barcode"


def test_barcode_is_unique_per_shop_but_not_across_shops(shop, other_owner):
    product_create(shop=shop, sku="A", name="A", sale_price=D("1"), barcode=EAN13)
    with pytest.raises(BillingError) as exc:
        product_create(shop=shop, sku="B", name="B", sale_price=D("1"), barcode=EAN13)
    assert exc.value.field == "barcode" and "already has the barcode" in str(exc.value)
    # Products without a barcode never collide.
    product_create(shop=shop, sku="C", name="C", sale_price=D("1"), barcode="")
    product_create(shop=shop, sku="D", name="D", sale_price=D("1"), barcode=None)
    assert Product.objects.filter(shop=shop, barcode__isnull=True).count() == 2
    from django_scopes import scope
    with scope(shop=other_owner.shop):
        product_create(shop=other_owner.shop, sku="A", name="A", sale_price=D("1"), barcode=EAN13)


def test_update_keeps_its_own_barcode_and_refuses_a_bad_one(shop):
    product = product_create(shop=shop, sku="A", name="A", sale_price=D("1"), barcode=EAN13)
    product_update(shop=shop, product=product, barcode=EAN13, name="A2")
    with pytest.raises(BillingError, match="check digit should be 4"):
        product_update(shop=shop, product=product, barcode="96385075")
    product.refresh_from_db()
    assert product.barcode == EAN13


def test_product_form_shows_a_bad_check_digit_on_the_field(owner_client, shop):
    response = owner_client.post(reverse("billing:product_create"), product_data(barcode="4006381333932"))
    assert response.status_code == 200
    assert "its check digit should be 1" in response.content.decode()
    assert not Product.objects.exists()
    response = owner_client.post(reverse("billing:product_create"), product_data(barcode=EAN13))
    assert response.status_code == 302
    assert Product.objects.get().barcode == EAN13


def test_scan_finds_the_shops_active_product_only(owner_client, shop, other_owner):
    product = product_create(shop=shop, sku="A", name="Tea", sale_price=D("10"), barcode=EAN13,
                             opening_stock=D("5"))
    url = reverse("billing:invoice_product_scan")
    data = owner_client.get(url, {"code": EAN13}).json()
    assert data == {"found": True, "product": product.pk, "name": "Tea", "sellable": True,
                    "line_url": f"{reverse('billing:invoice_line')}?product={product.pk}"}
    assert owner_client.get(url, {"code": "12345"}).json() == {
        "found": False, "message": "No product has the barcode 12345."}
    # Another shop's barcode is unknown here.
    from django_scopes import scope
    with scope(shop=other_owner.shop):
        product_create(shop=other_owner.shop, sku="X", name="Foreign", sale_price=D("1"), barcode=EAN8)
    assert owner_client.get(url, {"code": EAN8}).json()["found"] is False
    product_update(shop=shop, product=product, is_active=False)
    assert owner_client.get(url, {"code": EAN13}).json()["found"] is False


def test_scan_of_an_out_of_stock_product_says_it_cannot_be_sold(owner_client, shop):
    product_create(shop=shop, sku="A", name="Tea", sale_price=D("10"), barcode=EAN13)
    data = owner_client.get(reverse("billing:invoice_product_scan"), {"code": EAN13}).json()
    assert data["found"] is True and data["sellable"] is False


def test_product_search_matches_the_exact_barcode(owner_client, shop):
    product_create(shop=shop, sku="A", name="Tea", sale_price=D("10"), barcode=EAN13)
    body = owner_client.get(reverse("billing:invoice_product_search"), {"q": EAN13}).content.decode()
    assert "Tea" in body


def test_viewer_cannot_scan(client, shop):
    from accounts.models import Membership
    from tests.accounts.factories import MembershipFactory
    viewer = MembershipFactory(shop=shop, role=Membership.Role.VIEWER)
    client.force_login(viewer.user)
    assert client.get(reverse("billing:invoice_product_scan"), {"code": EAN13}).status_code == 403
