"""Every main page works in Chromium with the Content-Security-Policy on: no CSP
violation (or any other console error) while loading and using it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Membership
from billing.services.catalogue import category_save, product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from ledger.services.statements import statement_link_get_or_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_main_pages_have_no_csp_violations(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="csp-owner")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    shop.upi_id = "shop@okaxis"
    shop.save()
    today = timezone.localdate()
    customer = CustomerFactory(shop=shop, name="Asha Verma", email="asha@example.com")
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("900"), description="Rice",
                      incurred_on=today - datetime.timedelta(days=20), due_date=today - datetime.timedelta(days=5))
    category = category_save(shop=shop, name="Staples")
    product = product_create(shop=shop, sku="DAL", name="Toor dal", category=category, unit="kg",
                             sale_price=Decimal("140"), tax_rate=Decimal("5"), opening_stock=Decimal("10"))
    invoice = invoice_issue(shop=shop, customer=customer, amount_paid=Decimal("0"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("140"), tax_rate=Decimal("5"), description="Toor dal",
                  product=product)])
    link, _ = statement_link_get_or_create(shop=shop, customer=customer)

    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("csp-owner")
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    paths = [
        "/", "/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/dues/new/",
        f"/customers/{customer.pk}/payments/new/", f"/customers/{customer.pk}/edit/", "/invoices/",
        f"/invoices/{invoice.pk}/", f"/invoices/{invoice.pk}/print/", f"/invoices/{invoice.pk}/receipt/",
        "/products/", f"/products/{product.pk}/", "/products/new/", "/categories/", "/drawer/", "/messages/",
        "/claims/", "/accounts/shop/settings/", "/accounts/password/change/",
        "/drawer/book/", "/drawer/close/", "/drawer/closes/", "/drawer/movements/new/",
    ]
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    # Live search and the counter page's htmx and scripts.
    page.goto(f"{base}/customers/")
    page.get_by_label("Search by name or phone").fill("asha")
    page.wait_for_url("**/customers/?q=asha*")
    page.goto(f"{base}/invoices/new/")
    page.locator("#product-search").fill("dal")
    page.locator("#product-results [role=option]").first.click()
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    page.locator("[data-action=pay-full]").wait_for()
    shot(page, "20-csp-new-invoice")
    # The customer's public statement, with its UPI QR code.
    page.goto(f"{base}/s/{link.token}/")
    page.wait_for_load_state("networkidle")
    shot(page, "21-csp-public-statement")

    assert violations == []
    assert [e for e in page.console_errors if "favicon" not in e] == []
