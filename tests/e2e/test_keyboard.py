"""The counter by keyboard, in Chromium: Enter in a search box never issues the invoice,
a whole sale runs on the arrow keys and Enter, the focus lands where the cashier types
next, and after a server error it goes to the first error."""

import re
from decimal import Decimal

import pytest

from accounts.models import Membership
from billing.models import CashMovement, Invoice
from billing.services.catalogue import product_create
from billing.services.drawer import drawer_setup
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import log_in, page_at, record_posts

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = Decimal


@pytest.fixture
def counter_shop(enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="cashier")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    CustomerFactory(shop=shop, name="Sunil Sharma", phone="9811100011")
    CustomerFactory(shop=shop, name="Sushma Sharma", phone="9811100022")
    for sku, name, price, stock in [("SUG-1", "Sugar 1 kg", "48.00", "30"), ("SALT-1", "Salt 1 kg", "25.00", "30"),
                                    ("OIL-1", "Mustard oil 1 L", "160.00", "10"),
                                    ("OIL-5", "Mustard oil 5 L", "780.00", "4"),
                                    ("DAL-1", "Toor dal 1 kg", "140.00", "0")]:
        product_create(shop=shop, sku=sku, name=name, unit="pcs", sale_price=D(price), tax_rate=D("0"),
                       opening_stock=D(stock))
    return shop


def _options(page, box):
    return page.locator(f"#{box}-results [role=option]")


def _active(page):
    return page.evaluate("() => [document.activeElement.id, document.activeElement.name]")


def test_enter_in_the_counters_search_boxes_issues_nothing(live_server, page, counter_shop, shot):
    """The audit's case: a customer picked, one line added, then "sugar" and Enter. The
    invoice must not be issued: Enter picks the highlighted product or does nothing."""
    log_in(page, live_server.url, "cashier")
    page.goto(f"{live_server.url}/invoices/new/")
    posts = record_posts(page)
    page.locator("#customer-search").fill("sunil")
    _options(page, "customer").first.click()
    page.locator("#product-search").fill("salt")
    _options(page, "product").first.click()
    expect(page.locator("#invoice-lines tr")).to_have_count(1)

    # Enter before any result arrived, or on a search that found nothing: nothing at all.
    page.locator("#product-search").fill("zzz")
    page.locator("#product-search").press("Enter")
    page.locator("#product-results .list-group-item").get_by_text("No active product matches “zzz”.").wait_for()
    page.locator("#product-search").press("Enter")
    page.locator("#customer-search").fill("nobody")
    page.locator("#customer-search").press("Enter")
    page.locator("#customer-results .list-group-item").get_by_text("No customer matches “nobody”.").wait_for()
    page.locator("#customer-search").press("Enter")

    # "sugar" and Enter once its results are in: the highlighted product is added.
    page.locator("#product-search").fill("sugar")
    expect(_options(page, "product")).to_have_count(1)
    page.locator("#product-search").press("Enter")
    expect(page.locator("#invoice-lines tr")).to_have_count(2)
    expect(page.locator("#invoice-lines tr").nth(1).locator("input[name=line-description]")).to_have_value(
        "Sugar 1 kg")

    # Enter in the other fields submits nothing either.
    for field in ["#invoice-lines tr >> nth=1 >> input[name=line-quantity]", "#id_amount_paid", "#id_notes",
                  "#id_discount_value"]:
        page.locator(field).press("Enter")
    page.wait_for_timeout(500)

    assert posts == []
    assert page.url == f"{live_server.url}/invoices/new/"
    assert not Invoice.objects.exists()
    shot(page, "40-counter-enter-issues-nothing")
    assert page.console_errors == []


def test_without_javascript_enter_in_the_counter_submits_nothing(live_server, browser, counter_shop):
    """The form's default button is disabled, so the browser's own Enter-to-submit does
    nothing even where khata.js does not run."""
    with page_at(browser, 1280, java_script_enabled=False) as page:
        log_in(page, live_server.url, "cashier")
        page.goto(f"{live_server.url}/invoices/new/")
        posts = record_posts(page)
        for field in ["#product-search", "#customer-search", "#id_amount_paid"]:
            page.locator(field).fill("sugar" if "search" in field else "10")
            page.locator(field).press("Enter")
        page.wait_for_timeout(500)
        assert posts == []
        assert page.url == f"{live_server.url}/invoices/new/"


def test_a_whole_sale_from_the_keyboard(live_server, page, counter_shop, shot):
    """Customer and two products picked with the arrow keys, quantities typed, paid part,
    issued: no mouse. The focus always lands in the field the cashier types next."""
    log_in(page, live_server.url, "cashier")
    page.goto(f"{live_server.url}/invoices/new/")
    keyboard = page.keyboard
    assert _active(page)[0] == "customer-search"  # the page opens in the customer search

    keyboard.type("sharma")
    expect(_options(page, "customer")).to_have_count(2)
    search = page.locator("#customer-search")
    expect(search).to_have_attribute("aria-expanded", "true")
    first, second = _options(page, "customer").all()
    expect(search).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(page.locator("#customer-search-status")).to_have_text(
        "2 customers found. Up and down arrows to choose, Enter to pick.")
    keyboard.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(second).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    keyboard.press("Enter")
    expect(page.locator("#picked-customer-label")).to_have_text("Sushma Sharma · 9811100022")
    assert _active(page)[0] == "product-search"  # on to the products

    keyboard.type("mustard")
    expect(_options(page, "product")).to_have_count(2)
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    keyboard.press("ArrowUp")  # back to the second option
    expect(page.locator("#product-search")).to_have_attribute("aria-activedescendant",
                                                               _options(page, "product").nth(1).get_attribute("id"))
    keyboard.press("Enter")  # Mustard oil 5 L
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    expect(page.locator("#invoice-lines input[name=line-quantity]")).to_be_focused()
    keyboard.type("2")  # the prefilled 1 is selected: typing replaces it
    keyboard.press("Enter")  # back to the product search
    assert _active(page)[0] == "product-search"

    # Escape closes the list; the down arrow opens it again.
    keyboard.type("sug")
    expect(_options(page, "product")).to_have_count(1)
    keyboard.press("Escape")
    expect(_options(page, "product")).to_have_count(0)
    expect(page.locator("#product-search")).to_have_attribute("aria-expanded", "false")
    keyboard.press("ArrowDown")
    expect(_options(page, "product")).to_have_count(1)

    # A product with no stock says so and cannot be picked.
    page.locator("#product-search").fill("toor")
    option = _options(page, "product").first
    expect(option).to_contain_text("Out of stock, cannot be sold")
    expect(option).to_have_attribute("aria-disabled", "true")
    keyboard.press("ArrowDown")
    keyboard.press("Enter")
    expect(page.locator("#product-search-status")).to_have_text("Toor dal 1 kg is out of stock and cannot be sold.")
    expect(page.locator("#invoice-lines tr")).to_have_count(1)

    page.locator("#product-search").fill("sugar")
    expect(_options(page, "product")).to_have_text(re.compile("Sugar 1 kg"))
    keyboard.press("Enter")
    expect(page.locator("#invoice-lines tr")).to_have_count(2)
    keyboard.type("3")
    # 2 × 780 + 3 × 48 = 1,704.00, read out when it changes.
    expect(page.locator("#totals-status")).to_have_text("Total ₹1,704.00. Balance to the customer's dues ₹1,704.00.")

    # Tab on to "Paid now", then to the one button that issues the invoice.
    for _ in range(40):
        if _active(page)[0] == "id_amount_paid":
            break
        keyboard.press("Tab")
    keyboard.type("1000")
    expect(page.locator("#totals-status")).to_have_text("Total ₹1,704.00. Balance to the customer's dues ₹704.00.")
    for _ in range(40):
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Issue invoice":
            break
        keyboard.press("Tab")
    shot(page, "41-counter-keyboard-sale")
    with page.expect_navigation():
        keyboard.press("Enter")

    page.get_by_text("₹704.00 added to Sushma Sharma's dues").wait_for()
    invoice = Invoice.objects.get()
    lines = [(line.description, line.quantity) for line in invoice.lines.order_by("pk")]
    assert lines == [("Mustard oil 5 L", D("2")), ("Sugar 1 kg", D("3"))]
    assert (invoice.customer.name, invoice.total, invoice.amount_paid) == ("Sushma Sharma", D("1704.00"),
                                                                            D("1000.00"))
    assert page.console_errors == []


def test_after_a_server_error_the_focus_goes_to_the_first_error(live_server, page, counter_shop, shot):
    log_in(page, live_server.url, "cashier")
    page.goto(f"{live_server.url}/invoices/new/")
    page.locator("#product-search").fill("salt")  # a walk-in sale
    expect(_options(page, "product")).to_have_count(1)
    page.locator("#product-search").press("Enter")
    expect(page.locator("#invoice-lines tr")).to_have_count(1)
    page.get_by_test_id("invoice-total").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Issue invoice").click()  # not paid: refused by the service

    paid = page.locator("#id_amount_paid")
    expect(paid).to_be_focused()
    expect(paid).to_have_class(re.compile(r"\bis-invalid\b"))
    assert "A walk-in sale must be paid in full." in page.locator("main").inner_text()
    shot(page, "42-counter-error-focus")

    # A line the form refuses: the focus goes to that line's field, which names its error.
    page.locator("input[name=line-quantity]").fill("0")
    page.locator("#id_amount_paid").fill("25")
    with page.expect_navigation():
        page.get_by_role("button", name="Issue invoice").click()
    quantity = page.locator("input[name=line-quantity]")
    expect(quantity).to_be_focused()
    expect(quantity).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + quantity.get_attribute("aria-describedby"))
    expect(error).to_have_text("The quantity must be more than zero.")
    assert not Invoice.objects.exists()


def test_enter_in_the_other_search_boxes_and_counts_issues_nothing(live_server, page, counter_shop):
    """The customer list's search only searches; Enter in a drawer count moves to the next
    count instead of saving the count (which writes the cash book)."""
    drawer_setup(shop=counter_shop)  # the usual notes and coins, none counted
    movements = CashMovement.objects.count()
    log_in(page, live_server.url, "cashier")
    posts = record_posts(page)

    page.goto(f"{live_server.url}/customers/")
    page.locator("#customer-search").fill("sushma")
    page.locator("#customer-search").press("Enter")
    page.wait_for_load_state("networkidle")
    assert "Sushma Sharma" in page.locator("#customer-results").inner_text()
    assert "Sunil Sharma" not in page.locator("#customer-results").inner_text()

    page.goto(f"{live_server.url}/drawer/")
    counts = page.locator("[data-testid=drawer-table] tbody input[type=number]")
    counts.first.fill("2")
    counts.first.press("Enter")
    expect(counts.nth(1)).to_be_focused()
    counts.last.fill("1")
    counts.last.press("Enter")
    expect(counts.last).to_be_focused()
    page.wait_for_timeout(500)

    assert posts == []
    assert CashMovement.objects.count() == movements
