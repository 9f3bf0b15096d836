"""Tablet, phone and paper, in Chromium: no page scrolls sideways at 390 or 768 px, the
counter's item names keep their room, dashboard figures are whole, touch targets are at
least 24 px, the skip link works, and a printed statement keeps every row whole."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Membership
from billing.services.catalogue import product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from ledger.services.statements import statement_link_get_or_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import horizontal_overflow, log_in, page_at

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = Decimal
FILLER = ("two bags of basmati rice, one tin of groundnut oil, assorted spices for the wedding "
          "feast and a carton of biscuits for the guests")


@pytest.fixture
def busy_shop(enter_scope):
    """A shop whose customer has a long account: dues with long descriptions (each marked
    BEGINnn … FINISnn), payments, a share link; products with long names."""
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="layout", shop__upi_id="shop@okaxis")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    customer = CustomerFactory(shop=shop, name="Annapurna Mess (Rakesh Soni)", email="rakesh@example.com",
                               address="Shop 4, Station Road, Near the Old Water Tank, Jhansi")
    start = timezone.localdate() - datetime.timedelta(days=90)
    for i in range(36):
        day = start + datetime.timedelta(days=2 * i)
        ledger.due_create(shop=shop, customer=customer, amount=D("1234.50") + i, incurred_on=day,
                          description=f"BEGIN{i:02d} {FILLER} FINIS{i:02d}",
                          due_date=day + datetime.timedelta(days=15))
        if i % 3 == 2:
            ledger.payment_create(shop=shop, customer=customer, amount=D("2000"), received_on=day,
                                  method="upi", reference=f"UPI{i:04d}5678")
    statement_link_get_or_create(shop=shop, customer=customer)
    product_create(shop=shop, sku="OIL-SOY-5L", name="Fortune Soya Health Refined Soyabean Oil 5 L jar",
                   unit="pcs", sale_price=D("638.10"), tax_rate=D("5"), opening_stock=D("2"),
                   low_stock_level=D("4"))
    product_create(shop=shop, sku="TEA-1", name="Tata Tea Premium 1 kg", unit="pcs", sale_price=D("12345.00"),
                   tax_rate=D("5"), opening_stock=D("90"))
    big = CustomerFactory(shop=shop, name="Karthik Subramanian Venkataraman")
    ledger.due_create(shop=shop, customer=big, amount=D("98765432.10"), description="Wholesale order",
                      incurred_on=timezone.localdate())
    return shop, customer


@pytest.mark.parametrize("width", [390, 768])
def test_customer_page_and_counter_do_not_scroll_sideways(live_server, browser, busy_shop, width, shot):
    shop, customer = busy_shop
    with page_at(browser, width) as page:
        log_in(page, live_server.url, "layout")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.locator("#customer-purchases").wait_for()
        page.wait_for_load_state("networkidle")
        assert horizontal_overflow(page) == 0
        shot(page, f"50-customer-page-{width}")

        page.goto(f"{live_server.url}/invoices/new/?customer={customer.pk}")
        for count, query in enumerate(("soya", "tea"), start=1):
            page.locator("#product-search").fill(query)
            expect(page.locator("#product-results [role=option]")).to_have_count(1)
            page.locator("#product-search").press("Enter")
            expect(page.locator("#invoice-lines tr")).to_have_count(count)
        page.get_by_test_id("invoice-total").wait_for()
        assert horizontal_overflow(page) == 0
        # The item name keeps its room (the audit found it squeezed to ~40 px): on a phone the
        # whole width of the line, on a tablet what the figures leave, still the widest field.
        name = page.locator("#invoice-lines input[name=line-description]").first.bounding_box()
        lines = page.locator("#invoice-lines").bounding_box()
        assert name["width"] >= (0.85 if width < 768 else 0.4) * lines["width"] and name["width"] > 200
        for field in ("line-quantity", "line-unit_price", "line-tax_rate"):
            box = page.locator(f"#invoice-lines input[name={field}]").first.bounding_box()
            assert box["width"] >= 70 and box["x"] + box["width"] <= lines["x"] + lines["width"] + 0.5
        shot(page, f"51-counter-{width}")
        assert page.console_errors == []


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_dashboard_figures_are_whole_and_low_stock_names_clear_of_counts(live_server, browser, busy_shop, width,
                                                                           shot):
    with page_at(browser, width) as page:
        log_in(page, live_server.url, "layout")
        page.locator("#sales-panel").wait_for()
        page.wait_for_load_state("networkidle")
        assert horizontal_overflow(page) == 0
        cut = page.evaluate("""() => {
          const cut = [];
          for (const el of document.querySelectorAll('main .amount, main .stat-value')) {
            const box = el.getBoundingClientRect();
            const clip = el.closest('.table-responsive, .card') || el.closest('main');
            const edge = clip.getBoundingClientRect();
            const block = getComputedStyle(el).display !== 'inline';
            const scrolls = clip.classList.contains('table-responsive') && clip.scrollWidth > clip.clientWidth;
            if (box.right > edge.right + 0.5 || box.left < edge.left - 0.5
                || (block && el.scrollWidth > el.clientWidth + 1) || scrolls) {
              cut.push(el.textContent.trim());
            }
          }
          return cut;
        }""")
        assert cut == []
        overlaps = page.evaluate("""() => [...document.querySelectorAll('#sales-panel .name-figure')].filter(li => {
          const [name, figure] = li.children;
          const a = name.getBoundingClientRect(), b = figure.getBoundingClientRect();
          return a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom;
        }).map(li => li.textContent.trim())""")
        assert overlaps == []
        low = page.locator("#sales-panel .name-figure").first
        expect(low).to_contain_text("Fortune Soya Health Refined Soyabean Oil 5 L jar")
        shot(page, f"52-dashboard-{width}")


def test_touch_targets_are_at_least_24_px(live_server, page, busy_shop):
    shop, customer = busy_shop
    log_in(page, live_server.url, "layout")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    voids = page.locator("#statement a", has_text="Void")
    assert voids.count() == 48
    for box in (voids.nth(i).bounding_box() for i in (0, 47)):
        assert box["width"] >= 24 and box["height"] >= 24
    page.goto(f"{live_server.url}/products/")
    for checkbox in page.locator("input[type=checkbox]").all():
        box = checkbox.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    page.goto(f"{live_server.url}/invoices/new/")
    box = page.get_by_label("Round off to the nearest rupee").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24


def test_skip_link_and_landmarks(live_server, page, busy_shop):
    shop, customer = busy_shop
    log_in(page, live_server.url, "layout")  # on the dashboard, where nothing has the focus yet
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    page.keyboard.press("Tab")  # the next stop is inside main, past the navigation
    assert page.evaluate("() => document.activeElement.closest('main') !== null")

    invoice_id = _an_invoice(shop, customer)
    for path in (f"/invoices/{invoice_id}/print/", f"/invoices/{invoice_id}/receipt/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("main")).to_have_count(1)
        assert page.locator("main article").count() == 1


def _an_invoice(shop, customer):
    invoice = invoice_issue(shop=shop, customer=customer, amount_paid=D("0"), lines=[
        LineInput(quantity=D("1"), unit_price=D("10"), tax_rate=D("0"), description="Matches")])
    return invoice.pk


def _pdf_pages(pdf_bytes):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


def _rows_split(pages, numbers):
    """The BEGINnn … FINISnn rows whose two ends are printed on different pages."""
    split = []
    for i in numbers:
        start = next(n for n, text in enumerate(pages) if f"BEGIN{i:02d}" in text)
        if f"FINIS{i:02d}" not in pages[start]:
            split.append(i)
    return split


@pytest.mark.parametrize("statement", ["customer page", "public link"])
def test_a_printed_statement_keeps_every_row_whole(live_server, browser, busy_shop, statement, tmp_path):
    shop, customer = busy_shop
    with page_at(browser, 1280) as page:
        if statement == "customer page":
            log_in(page, live_server.url, "layout")
            page.goto(f"{live_server.url}/customers/{customer.pk}/")
            page.locator("#customer-purchases").wait_for()
        else:
            link, _ = statement_link_get_or_create(shop=shop, customer=customer)
            page.goto(f"{live_server.url}/s/{link.token}/")
        page.wait_for_load_state("networkidle")

        page.emulate_media(media="print")
        styles = page.evaluate("""() => {
          const style = (el) => el ? getComputedStyle(el) : null;
          return {
            row: style(document.querySelector('#statement tbody tr')).breakInside,
            foot: style(document.querySelector('#statement tfoot')).display,
            head: style(document.querySelector('#statement thead')).display,
            purchases: style(document.querySelector('#customer-purchases'))?.display ?? 'none',
            buttons: [...document.querySelectorAll('.btn')].filter(b => getComputedStyle(b).display !== 'none').length,
          };
        }""")
        assert styles == {"row": "avoid", "foot": "table-row-group", "head": "table-header-group",
                          "purchases": "none", "buttons": 0}

        pdf = page.pdf(format="A4", print_background=True)
        (tmp_path / "statement.pdf").write_bytes(pdf)
    pages = _pdf_pages(pdf)
    text = "\n".join(pages)
    assert len(pages) >= 2  # long enough for rows to meet a page break
    assert _rows_split(pages, range(36)) == []
    assert text.count("Closing balance") == 1  # the footer is printed once, at the end
    for absent in ("Purchases", "New invoice", "Record payment", "Void", "Send to the shop", "Download PDF"):
        assert absent not in text
