"""At the counter, in Chromium: a USB barcode scanner types digits and Enter into the
product box. Two scans of one product make one line of quantity 2, an unknown code says
so and keeps the focus in the box, Enter never issues the sale, and the sale issues."""

from decimal import Decimal

import pytest

from accounts.models import Membership
from billing.models import Invoice
from billing.services.catalogue import product_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import log_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEA = "8901030865275"     # EAN-13
SOAP = "96385074"         # EAN-8


def scan(page, code):
    """Type the code as a scanner does (one key after another) and press Enter."""
    box = page.locator("#product-search")
    box.press_sequentially(code)
    box.press("Enter")


def test_scan_two_barcodes_into_a_sale_and_issue_it(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="scanner")
    shop = enter_scope(owner.shop)
    CustomerFactory(shop=shop, name="Meena Iyer", phone="9811100022")
    product_create(shop=shop, sku="TEA-250", name="Tea 250 g", sale_price=Decimal("120.00"), tax_rate=Decimal("5"),
                   barcode=TEA, opening_stock=Decimal("10"))
    product_create(shop=shop, sku="SOAP", name="Neem soap", sale_price=Decimal("40.00"), tax_rate=Decimal("18"),
                   barcode=SOAP, opening_stock=Decimal("10"))
    log_in(page, live_server.url, "scanner")
    page.goto(f"{live_server.url}/invoices/new/")
    page.locator("#customer-search").fill("meena")
    page.locator("[data-action=pick-customer]").first.click()
    box = page.locator("#product-search")
    expect(box).to_be_focused()

    scan(page, TEA)
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    scan(page, SOAP)
    expect(page.locator("#invoice-lines tr")).to_have_count(2)
    scan(page, TEA)
    tea = page.locator("#invoice-lines tr").filter(has=page.locator("input[value='Tea 250 g']"))
    expect(tea.locator("input[name=line-quantity]")).to_have_value("2")
    expect(page.locator("#invoice-lines tr")).to_have_count(2)
    expect(box).to_be_focused()
    expect(box).to_have_value("")
    page.get_by_test_id("invoice-total").wait_for()
    shot(page, "scan-counter-after-two-scans")

    scan(page, "4006381333931")   # a valid EAN-13 the shop does not sell
    expect(page.get_by_test_id("scan-message")).to_have_text("No product has the barcode 4006381333931.")
    expect(box).to_be_focused()
    expect(box).to_have_value("4006381333931")
    assert Invoice.objects.count() == 0          # none of the Enters issued the sale
    shot(page, "scan-unknown-code")
    box.fill("")
    expect(page.get_by_test_id("scan-message")).to_be_hidden()

    page.get_by_role("button", name="Issue invoice").click()
    page.get_by_text("added to Meena Iyer's dues").wait_for()
    invoice = Invoice.objects.get()
    assert sorted((line.description, line.quantity) for line in invoice.lines.all()) == [
        ("Neem soap", Decimal("1.000")), ("Tea 250 g", Decimal("2.000"))]
    assert page.console_errors == []
