from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.services.entries import payment_void
from reports.periods import add_months, month_start
from reports.selectors.charts import dues_vs_payments, sales_by_day
from tests.factories import CustomerFactory
from tests.reports.helpers import aging_book, due, pay, today

D = Decimal
pytestmark = pytest.mark.django_db


def test_dues_vs_payments_per_month_by_hand(shop):
    customer = CustomerFactory(shop=shop)
    this_month = month_start(today())
    last_month = add_months(this_month, -1)
    due(shop, customer, 300, incurred=(this_month - today()).days)  # the 1st of this month
    due(shop, customer, 200, incurred=(last_month - today()).days)  # the 1st of last month
    pay(shop, customer, 120, on=(this_month - today()).days)
    payment_void(shop=shop, payment=pay(shop, customer, 50, on=0), reason="Typo")
    due(shop, customer, 999, incurred=(add_months(this_month, -12) - today()).days)  # 13 months back: left out
    months = dues_vs_payments(shop=shop, today=today())
    assert len(months) == 12
    assert months[0].month == add_months(this_month, -11) and months[-1].month == this_month
    assert (months[-1].dues, months[-1].payments) == (D("300.00"), D("120.00"))
    assert (months[-2].dues, months[-2].payments) == (D("200.00"), D("0.00"))
    assert sum(m.dues for m in months) == D("500.00")


def test_dashboard_loads_the_chart_panel_for_the_owner(owner_client, shop, staff, client):
    html = owner_client.get(reverse("ledger:dashboard")).content.decode()
    assert f'hx-get="{reverse("reports:charts_panel")}"' in html
    client.force_login(staff.user)
    assert reverse("reports:charts_panel") not in client.get(reverse("ledger:dashboard")).content.decode()


def test_panel_draws_svg_with_its_numbers_beside_it(owner_client, shop):
    aging_book(shop)
    pay(shop, CustomerFactory(shop=shop), 75)
    response = owner_client.get(reverse("reports:charts_panel"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 3 and "<script" not in html
    assert 'data-testid="aging-chart-table"' in html and 'data-testid="dues-payments-chart-table"' in html
    # the aging chart's table shows the aging totals
    aging_table = html[html.index('data-testid="aging-chart-table"'):]
    assert "₹1,000.00" in aging_table and "₹110.00" in aging_table
    assert "<rect" in html and "<title>Outstanding, 91–120: ₹1,000.00</title>" in html
    # the full charts page, too
    assert owner_client.get(reverse("reports:charts")).status_code == 200


def test_sales_per_day_for_30_days_by_hand(shop):
    import datetime

    from billing.services.invoices import invoice_issue, invoice_void
    from billing.totals import LineInput

    def sell(amount, day):
        return invoice_issue(shop=shop, issued_on=today() + datetime.timedelta(days=day), amount_paid=D(amount),
                             lines=[LineInput(quantity=D("1"), unit_price=D(amount), tax_rate=D("0"),
                                              description="Tea")])

    sell("100", 0)
    sell("50.50", 0)
    sell("70", -29)  # the first day shown
    sell("999", -30)  # a day too early: left out
    invoice_void(shop=shop, invoice=sell("400", -3), reason="Wrong item")  # void: left out

    days = sales_by_day(shop=shop, today=today())

    assert len(days) == 30 and days[0].day == today() - datetime.timedelta(days=29) and days[-1].day == today()
    assert (days[-1].total, days[-1].count) == (D("150.50"), 2)
    assert (days[0].total, days[0].count) == (D("70.00"), 1)
    assert days[-4].total == D("0.00") and days[-4].count == 0
    assert sum(d.total for d in days) == D("220.50")
