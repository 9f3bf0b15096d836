"""Reports in Chromium: the owner sees the charts on the dashboard (the sales chart with a
bar for each day that had sales) and on the aging report, with their figures beside them,
and downloads the aging report as CSV."""

import csv
import io
from decimal import Decimal

import pytest
from django_scopes import scope

from accounts.models import Membership
from tests.billing.factories import ProductFactory
from tests.e2e.helpers import log_in
from tests.factories import CustomerFactory, MembershipFactory
from tests.reports.helpers import aging_book, days, pay
from tests.reports.test_sales import issue, line

#: Walk-in sales (paid at the counter: outstanding stays 3,140) over the last 30 days:
#: (days ago, price, quantity) → 500.00, 120.00 and 300.00.
SALES = [(2, "250.00", 2), (9, "120.00", 1), (20, "75.00", 4)]

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_sees_charts_and_downloads_csv(live_server, page, shot):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="reports-owner")
    shop = owner.shop
    with scope(shop=shop):
        aging_book(shop)  # outstanding 3,140 (see tests/reports/helpers.py)
        pay(shop, CustomerFactory(shop=shop, name="Esha"), Decimal("75"))
        for ago, price, quantity in SALES:
            product = ProductFactory(shop=shop, sale_price=Decimal(price), tax_rate=Decimal("0"), track_stock=False)
            issue(shop, days(-ago), [line(product, quantity)])
    base = live_server.url
    log_in(page, base, "reports-owner")

    # The dashboard loads the chart panel (htmx) with its three charts and their tables.
    panel = page.get_by_test_id("charts-panel")
    panel.wait_for()
    expect(panel.locator("svg")).to_have_count(3)
    expect(page.get_by_test_id("sales-chart-table").locator("tbody tr")).to_have_count(30)
    # one bar per day with sales, its figure in the table beside the chart
    expect(page.get_by_test_id("sales-chart").locator("svg rect:not([height='0.0'])")).to_have_count(3)
    for figure in ("₹500.00", "₹120.00", "₹300.00"):
        expect(page.get_by_test_id("sales-chart-table")).to_contain_text(figure)
    expect(page.get_by_test_id("aging-chart-table")).to_contain_text("₹1,000.00")
    assert page.get_by_test_id("total-outstanding").inner_text() == "₹3,140.00"
    shot(page, "60-dashboard-charts")

    # Reports from the nav, then the aging report.
    page.get_by_role("link", name="Reports").click()
    page.get_by_test_id("report-link").filter(has_text="Aging").click()
    expect(page.get_by_test_id("aging-total")).to_have_text("₹3,140.00")
    expect(page.get_by_test_id("aging-table").locator("tbody tr")).to_have_count(3)
    shot(page, "61-aging-report")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith("aging-") and download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[-1][0] == "Total" and rows[-1][-1] == "3140.00"
    assert [r[0] for r in rows[1:-1]] == ["Asha", "Bala", "Devi"]

    # Remind everyone 1–30 days late: Asha has an email.
    page.get_by_test_id("remind-d1_30").click()
    page.get_by_text("1 reminder queued for 1–30 days.").wait_for()

    # A bad date is a message on the page, not an error page.
    page.goto(f"{base}/reports/collections/?period=custom&start=2026-02-30&end=2026-03-01")
    expect(page.get_by_test_id("period-errors")).to_contain_text("Enter the start date as YYYY-MM-DD.")
    shot(page, "62-collections-bad-date")
    assert not page.console_errors
