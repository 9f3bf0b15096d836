"""A shopkeeper's first session, in Chromium: register → add a customer → add a due →
record a partial payment → the customer page and the dashboard show what is owed."""

import datetime

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_customer_due_partial_payment(live_server, page, shot):
    base = live_server.url
    today = timezone.localdate()

    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/accounts/login/")
    page.get_by_role("link", name="Register a new shop").click()
    page.get_by_label("Username").fill("meera")
    page.get_by_label("Email").fill("meera@example.com")
    page.locator("#id_password1").fill("Strong-pass-987")
    page.get_by_label("Password confirmation").fill("Strong-pass-987")
    page.get_by_label("Shop name").fill("Meera Provisions")
    page.get_by_label("Shop phone").fill("9876501234")
    shot(page, "01-register")
    page.get_by_role("button", name="Create shop and log in").click()

    page.get_by_text("Your shop “Meera Provisions” is ready").wait_for()
    page.get_by_label("Name").fill("Sunita Devi")
    page.get_by_label("Phone").fill("98765 11111")
    page.get_by_role("button", name="Add customer").click()

    page.get_by_role("heading", name="Sunita Devi").wait_for()
    page.get_by_role("link", name="Add due").click()
    page.get_by_label("Amount").fill("1500")
    page.get_by_label("Description").fill("Rice 25 kg, oil 5 L")
    page.locator("#id_incurred_on").fill((today - datetime.timedelta(days=20)).isoformat())
    page.get_by_label("Due date").fill((today - datetime.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Add due").click()
    page.get_by_text("Recorded a due of ₹1,500.00").wait_for()

    page.get_by_role("link", name="Record payment").click()
    page.get_by_label("Amount").fill("0")
    page.get_by_role("button", name="Record payment").click()
    page.get_by_text("The amount must be more than zero.").wait_for()
    shot(page, "02-payment-error")
    page.get_by_label("Amount").fill("600")
    page.get_by_label("Method").select_option("upi")
    page.get_by_label("Reference").fill("UPI-4471")
    page.get_by_role("button", name="Record payment").click()

    page.get_by_text("Recorded a payment of ₹600.00").wait_for()
    assert page.get_by_test_id("customer-balance").inner_text() == "₹900.00"
    assert "Partially paid" in page.locator("#open-dues").inner_text()
    statement = page.locator("#statement").inner_text()
    assert "Payment (UPI) ref UPI-4471" in statement
    assert "₹900.00" in statement
    shot(page, "03-customer")

    page.get_by_role("link", name="Dashboard").click()
    assert page.get_by_test_id("total-outstanding").inner_text() == "₹900.00"
    assert page.get_by_test_id("overdue-amount").inner_text() == "₹900.00"
    assert page.get_by_test_id("collected-this-month").inner_text() == "₹600.00"
    shot(page, "04-dashboard")

    page.get_by_role("link", name="Customers").first.click()
    page.get_by_label("Search by name or phone").fill("11111")
    page.wait_for_url("**/customers/?q=11111*")
    assert "Sunita Devi" in page.locator("#customer-results").inner_text()
    page.get_by_label("Search by name or phone").fill("nobody")
    page.get_by_text("No customer matches “nobody”.").wait_for()
    shot(page, "05-customers-search")
    assert page.console_errors == []
