"""A customer opens their shared statement link in Chromium: sees what they owe and the
UPI QR code, and reports a payment that waits for the shopkeeper."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Membership
from ledger.models import Payment, PaymentClaim
from ledger.services import entries as ledger
from ledger.services.statements import statement_link_get_or_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_statement_page_shows_qr_and_takes_a_payment_claim(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, shop__name="Gupta Kirana", shop__upi_id="gupta@okaxis")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    today = timezone.localdate()
    customer = CustomerFactory(shop=shop, name="Ravi Kumar")
    other = CustomerFactory(shop=shop, name="Someone Else")
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("1250.50"), description="Atta 10 kg",
                      incurred_on=today - datetime.timedelta(days=10), due_date=today - datetime.timedelta(days=3))
    ledger.due_create(shop=shop, customer=other, amount=Decimal("999"), description="Other's due",
                      incurred_on=today)
    link, _ = statement_link_get_or_create(shop=shop, customer=customer)

    page.goto(f"{live_server.url}/s/{link.token}/")
    expect(page.get_by_test_id("customer-name")).to_have_text("Ravi Kumar")
    qr = page.get_by_role("img", name="UPI QR code to pay ₹1,250.50 to Gupta Kirana")
    assert qr.is_visible()
    box = qr.locator("svg").bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    href = page.get_by_test_id("upi-link").get_attribute("href")
    assert href.startswith("upi://pay?pa=gupta%40okaxis&pn=Gupta%20Kirana&am=1250.50&cu=INR")
    body = page.locator("body").inner_text()
    assert "Atta 10 kg" in body and "Other's due" not in body and "Someone Else" not in body
    shot(page, "30-statement-qr")

    page.get_by_label("Amount paid").fill("500")
    page.get_by_label("UPI reference").fill("412345678901")
    page.get_by_role("button", name="Send to the shop").click()
    page.get_by_text("Thank you").wait_for()
    shot(page, "31-statement-claim-sent")

    claim = PaymentClaim.objects.get(link=link)
    assert (claim.amount, claim.status) == (Decimal("500.00"), PaymentClaim.Status.PENDING)
    assert not Payment.objects.filter(customer=customer).exists()
