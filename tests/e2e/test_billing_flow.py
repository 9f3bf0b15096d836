"""At the counter, in Chromium: sell two products to a customer with a partial payment;
the invoice shows the balance and the customer's statement carries the remainder."""

from decimal import Decimal

import pytest

from accounts.models import Membership
from billing.services.catalogue import product_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sell_two_products_with_partial_payment(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="counter")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    CustomerFactory(shop=shop, name="Ramesh Yadav", phone="9811100011")
    product_create(shop=shop, sku="ATTA-10", name="Atta 10 kg", unit="pcs", sale_price=Decimal("420.00"),
                   tax_rate=Decimal("5"), opening_stock=Decimal("20"))
    product_create(shop=shop, sku="GHEE-1L", name="Desi ghee 1 L", unit="pcs", sale_price=Decimal("610.00"),
                   tax_rate=Decimal("12"), opening_stock=Decimal("5"))
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("counter")
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name="New sale").click()

    page.locator("#customer-search").fill("ramesh")
    page.locator("[data-action=pick-customer]").first.click()
    page.locator("#product-search").fill("atta")
    page.locator("#product-results [role=option]").first.click()
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    page.locator("#product-search").fill("ghee")
    page.locator("#product-results [role=option]").first.click()
    expect(page.locator("#invoice-lines tr")).to_have_count(2)
    page.locator("#invoice-lines tr").nth(0).locator("input[name=line-quantity]").fill("2")
    # 2 × 420 = 840 (+5% = 42.00); 1 × 610 (+12% = 73.20) → 1,565.20
    page.get_by_test_id("invoice-total").filter(has_text="₹1,565.20").wait_for()
    page.locator("#id_amount_paid").fill("1000")
    page.get_by_test_id("invoice-balance").filter(has_text="₹565.20").wait_for()
    shot(page, "10-new-invoice")
    page.get_by_role("button", name="Issue invoice").click()

    page.get_by_text("₹565.20 added to Ramesh Yadav's dues").wait_for()
    assert page.get_by_test_id("invoice-balance").inner_text() == "₹565.20"
    shot(page, "11-invoice")

    page.get_by_role("link", name="Ramesh Yadav").first.click()
    assert page.get_by_test_id("customer-balance").inner_text() == "₹565.20"
    statement = page.locator("#statement").inner_text()
    assert "Invoice INV/" in statement and "₹1,565.20" in statement and "₹1,000.00" in statement
    page.locator("#customer-purchases").wait_for()
    assert "INV/" in page.locator("#customer-purchases").inner_text()
    shot(page, "12-customer-after-sale")
    assert page.console_errors == []
