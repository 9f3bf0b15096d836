"""Figures a shopkeeper checks every day, in Chromium: a cash sale paid with a larger
note puts the note in the drawer and takes the change out; the rest of an on-account
sale paid later on the customer's page shows the invoice as Paid."""

from decimal import Decimal

import pytest

from accounts.models import Membership
from billing.models import Denomination
from billing.services import drawer as drawer_services
from billing.services.catalogue import product_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main button[type=submit]").click()


def pick_product(page, query):
    page.locator("#product-search").fill(query)
    page.locator("#product-results [role=option]").first.click()


def test_cash_sale_with_change_then_the_rest_paid_later(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="figures")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    CustomerFactory(shop=shop, name="Kavita Rao", phone="9811100022")
    product_create(shop=shop, sku="SAREE", name="Cotton saree", unit="pcs", sale_price=Decimal("1000.00"),
                   tax_rate=Decimal("0"), opening_stock=Decimal("10"))
    for value in ("2000", "500", "100"):
        Denomination.objects.create(shop=shop, value=Decimal(value), count=0)
    drawer_services.drawer_set_counts(shop=shop, counts={Decimal("500"): 4, Decimal("100"): 5})  # ₹2,500
    base = live_server.url
    login(page, base, "figures")

    # 1. A walk-in cash sale of ₹1,000 paid with one ₹2,000 note.
    page.goto(f"{base}/invoices/new/")
    pick_product(page, "saree")
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    page.get_by_test_id("invoice-total").filter(has_text="₹1,000.00").wait_for()
    page.locator("#id_amount_paid").fill("1000")
    page.get_by_test_id("notes-tendered").locator("summary").click()
    page.get_by_label("₹2,000.00 ×").fill("1")
    page.locator("#id_cash_tendered").fill("2000")
    shot(page, "20-cash-sale-notes-tendered")
    page.get_by_role("button", name="Issue invoice").click()
    page.get_by_text("Give ₹1,000.00 change.").wait_for()
    shot(page, "21-cash-sale-issued")

    page.goto(f"{base}/drawer/")
    # ₹2,500 + the ₹2,000 note − ₹1,000 change = ₹3,500
    assert page.get_by_test_id("drawer-balance").inner_text() == "₹3,500.00"
    rows = {row.get_attribute("data-value"): row.locator("input").input_value()
            for row in page.locator("[data-testid=drawer-table] tbody tr").all()}
    assert rows == {"2000.00": "1", "500.00": "2", "100.00": "5"}
    shot(page, "22-drawer-after-cash-sale")

    # 2. An on-account sale to Kavita, ₹400 paid now; she pays the rest from her page.
    page.goto(f"{base}/invoices/new/")
    page.locator("#customer-search").fill("kavita")
    page.locator("[data-action=pick-customer]").first.click()
    pick_product(page, "saree")
    page.get_by_test_id("invoice-total").filter(has_text="₹1,000.00").wait_for()
    page.locator("#id_amount_paid").fill("400")
    page.locator("#id_payment_method").select_option("upi")
    page.get_by_role("button", name="Issue invoice").click()
    page.get_by_text("₹600.00 added to Kavita Rao's dues").wait_for()
    invoice_url = page.url
    expect(page.locator("main")).to_contain_text("Partly paid")

    page.get_by_role("link", name="Kavita Rao").first.click()
    page.get_by_role("link", name="Mark paid").first.click()
    assert page.get_by_test_id("mark-paid-amount").inner_text() == "₹600.00"
    page.locator("#id_method").select_option("cash")
    shot(page, "23-mark-paid")
    page.get_by_role("button", name="Record ₹600.00 received").click()
    page.get_by_text("as paid (₹600.00 received, cash)").wait_for()
    assert page.get_by_test_id("customer-balance").inner_text() == "₹0.00"

    page.goto(invoice_url)
    expect(page.locator("main")).to_contain_text("Paid")
    assert page.get_by_test_id("invoice-balance").inner_text() == "₹0.00"
    payments = page.locator("#invoice-payments").inner_text()
    assert "At the counter (UPI)" in payments and "Later payment (Cash)" in payments
    shot(page, "24-invoice-paid-later")

    page.goto(f"{base}/invoices/?status=paid")
    assert page.locator("main table").inner_text().count("INV/") == 2
    page.goto(f"{base}/invoices/?status=partial")
    assert "INV/" not in page.locator("main table").inner_text()

    # The ₹600 cash paid on her page went into the drawer too (as an amount: no notes given).
    page.goto(f"{base}/drawer/")
    assert page.get_by_test_id("drawer-balance").inner_text() == "₹4,100.00"
    assert page.console_errors == []
