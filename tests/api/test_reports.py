"""``/api/v1/reports/aging/`` and ``/api/v1/reports/sales/``: the reports' figures."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AGING, SALES = "/api/v1/reports/aging/", "/api/v1/reports/sales/"


def test_aging_buckets_and_pages(api, shop):
    today = timezone.localdate()
    for i, (amount, days_late) in enumerate([("100", 10), ("250.50", 45), ("30", -3)]):
        customer = CustomerFactory(shop=shop, name=f"C{i}")
        ledger.due_create(shop=shop, customer=customer, amount=Decimal(amount), description="x",
                          incurred_on=today - datetime.timedelta(days=max(days_late, 0) + 1),
                          due_date=today - datetime.timedelta(days=days_late))
    first = api.get(AGING, {"page_size": 2}).json()
    assert first["as_of"] == today.isoformat()
    assert (first["total"], first["customers"]) == ("380.50", 3)
    assert {b["key"]: b["amount"] for b in first["buckets"]} == {
        "current": "30.00", "d1_30": "100.00", "d31_60": "250.50", "d61_90": "0.00", "d91_120": "0.00",
        "d120_plus": "0.00"}
    assert [(r["name"], r["total"]) for r in first["results"]] == [("C1", "250.50"), ("C0", "100.00")]
    assert first["next_page"] == 2
    second = api.get(AGING, {"page_size": 2, "page": 2}).json()
    assert [r["name"] for r in second["results"]] == ["C2"] and second["next_page"] is None


def test_aging_as_of_a_past_date_and_bad_dates(api, shop):
    customer = CustomerFactory(shop=shop)
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("40"), description="x",
                      incurred_on=datetime.date(2026, 1, 10))
    past = api.get(AGING, {"date": "2026-01-09"}).json()
    assert past["total"] == "0.00"
    assert api.get(AGING, {"date": "2026-02-30"}).status_code == 400
    assert api.get(AGING, {"date": "1800-01-01"}).status_code == 400


def test_sales_in_a_range(api, shop):
    customer = CustomerFactory(shop=shop, name="Asha")
    invoice_issue(shop=shop, customer=customer, issued_on=datetime.date(2026, 11, 3), lines=[
        LineInput(quantity=Decimal("2"), unit_price=Decimal("50"), tax_rate=Decimal("5"), description="Rice")])
    sales = api.get(SALES, {"start": "2026-11-01", "end": "2026-11-30"}).json()
    assert sales["summary"] == {"invoices": 1, "void_count": 0, "taxable_value": "100.00", "tax": "5.00",
                                "total": "105.00", "average_bill": "105.00"}
    assert sales["by_day"] == [{"day": "2026-11-03", "invoices": 1, "quantity": "2.000", "taxable_value": "100.00",
                                "tax": "5.00", "total": "105.00"}]
    assert sales["by_product"][0]["name"] == "Rice"
    assert sales["top_customers"][0]["name"] == "Asha"


def test_sales_range_errors(api, shop):
    reversed_range = api.get(SALES, {"start": "2026-11-30", "end": "2026-11-01"})
    assert reversed_range.status_code == 400
    assert reversed_range.json()["errors"][0]["field"] == "end"
    assert api.get(SALES, {"start": "2026-11-01"}).status_code == 400
    assert api.get(SALES, {"start": "2000-01-01", "end": "2099-12-31"}).status_code == 400
