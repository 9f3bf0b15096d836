"""Sales report (issue #12): by product, category and day, the totals row, top customers,
void invoices excluded, financial-year boundaries, exports read back, a fixed number of
queries, and owners only. Figures worked out by hand in :func:`sales_book`."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from billing.models import Product
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput, compute_totals
from reports.periods import Preset, preset_period
from reports.selectors.sales import (
    sales_by_category,
    sales_by_day,
    sales_by_product,
    sales_summary,
    sales_top_customers,
)
from tests.billing.factories import CategoryFactory, ProductFactory
from tests.factories import CustomerFactory
from tests.scoping import no_scope

D = Decimal
MAY_1, MAY_31 = datetime.date(2026, 5, 1), datetime.date(2026, 5, 31)
GSTIN = "09ABCDE1234F1Z5"



def line(product, quantity):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price, tax_rate=product.tax_rate,
                     description=product.name, product=product)


def issue(shop, day, lines, customer=None, **kwargs):
    if customer is None:
        kwargs.setdefault("amount_paid", compute_totals(lines, gst_split=bool(shop.gstin),
                                                        inter_state=kwargs.get("inter_state", False)).total)
    return invoice_issue(shop=shop, lines=lines, customer=customer, issued_on=day, **kwargs)


@pytest.fixture
def sales_book(shop):
    """A GST shop's May 2026 (financial year 26-27) and its neighbours:

    - 3 May, Asha: rice 10 kg × 50 (5 %) + soap 2 × 85 (18 %) = 670 + 25 + 30.60 = 725.60
    - 3 May, Ravi: rice 3 kg × 50 = 150 + 7.50 = 157.50
    - 4 May, Asha, inter-state: soap 1 × 85 + pen 3 × 10 (12 %, no category) = 115 + 15.30 + 3.60 = 133.90
    - 4 May, Ravi: rice 100 kg = 5250.00, voided
    - 31 Mar 2026 (FY 25-26), walk-in: rice 1 kg = 52.50; 1 Apr 2026 (FY 26-27), walk-in: soap 1 = 100.30
    """
    shop.gstin = GSTIN
    shop.save()
    grains, home = CategoryFactory(shop=shop, name="Grains"), CategoryFactory(shop=shop, name="Home")
    common = {"shop": shop, "allow_negative_stock": True}
    rice = ProductFactory(category=grains, name="Rice", unit=Product.Unit.KG, sale_price=D("50.00"),
                          tax_rate=D("5"), hsn_code="1006", **common)
    soap = ProductFactory(category=home, name="Soap", sale_price=D("85.00"), tax_rate=D("18"), hsn_code="3402",
                          **common)
    pen = ProductFactory(name="Pen", sale_price=D("10.00"), tax_rate=D("12"), hsn_code="9608", **common)
    asha = CustomerFactory(shop=shop, name="Asha")
    ravi = CustomerFactory(shop=shop, name="Ravi")
    issue(shop, datetime.date(2026, 3, 31), [line(rice, 1)])
    issue(shop, datetime.date(2026, 4, 1), [line(soap, 1)])
    issue(shop, datetime.date(2026, 5, 3), [line(rice, 10), line(soap, 2)], asha)
    issue(shop, datetime.date(2026, 5, 3), [line(rice, 3)], ravi)
    issue(shop, datetime.date(2026, 5, 4), [line(soap, 1), line(pen, 3)], asha, inter_state=True)
    void = issue(shop, datetime.date(2026, 5, 4), [line(rice, 100)], ravi)
    invoice_void(shop=shop, invoice=void, reason="Entered twice")
    return {"rice": rice, "soap": soap, "pen": pen, "asha": asha, "ravi": ravi}


def test_summary_excludes_void_invoices(shop, sales_book):
    assert sales_summary(shop=shop, start=MAY_1, end=MAY_31) == {
        "invoices": 3, "void_count": 1, "taxable_value": D("935.00"), "tax": D("82.00"),
        "total": D("1017.00"), "average_bill": D("339.00")}


def test_by_product(shop, sales_book):
    rows = sales_by_product(shop=shop, start=MAY_1, end=MAY_31)
    assert [(r["name"], r["quantity"], r["taxable_value"], r["tax"], r["total"], r["invoices"]) for r in rows] == [
        ("Rice", D("13"), D("650.00"), D("32.50"), D("682.50"), 2),
        ("Soap", D("3"), D("255.00"), D("45.90"), D("300.90"), 2),
        ("Pen", D("3"), D("30.00"), D("3.60"), D("33.60"), 1),
    ]
    assert rows[0]["product_id"] == sales_book["rice"].pk


def test_by_category(shop, sales_book):
    rows = sales_by_category(shop=shop, start=MAY_1, end=MAY_31)
    assert [(r["name"], r["quantity"], r["taxable_value"], r["tax"], r["total"]) for r in rows] == [
        ("Grains", D("13"), D("650.00"), D("32.50"), D("682.50")),
        ("Home", D("3"), D("255.00"), D("45.90"), D("300.90")),
        ("No category", D("3"), D("30.00"), D("3.60"), D("33.60")),
    ]


def test_by_day(shop, sales_book):
    rows = sales_by_day(shop=shop, start=MAY_1, end=MAY_31)
    assert rows == [
        {"day": datetime.date(2026, 5, 3), "invoices": 2, "quantity": D("15"), "taxable_value": D("820.00"),
         "tax": D("63.10"), "total": D("883.10")},
        {"day": datetime.date(2026, 5, 4), "invoices": 1, "quantity": D("4"), "taxable_value": D("115.00"),
         "tax": D("18.90"), "total": D("133.90")},
    ]


def test_top_customers(shop, sales_book):
    rows = sales_top_customers(shop=shop, start=MAY_1, end=MAY_31)
    assert [(r["name"], r["invoices"], r["total"]) for r in rows] == [("Asha", 2, D("859.50")),
                                                                       ("Ravi", 1, D("157.50"))]


def test_financial_year_boundary(shop, sales_book):
    """31 Mar 2026 is in FY 25-26; 1 Apr 2026 starts FY 26-27."""
    this_fy = preset_period(Preset.THIS_FY, today=datetime.date(2026, 5, 20))
    assert (this_fy.start, this_fy.end) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    summary = sales_summary(shop=shop, start=this_fy.start, end=this_fy.end)
    assert (summary["invoices"], summary["total"]) == (4, D("1117.30"))
    last_fy = sales_summary(shop=shop, start=datetime.date(2025, 4, 1), end=datetime.date(2026, 3, 31))
    assert (last_fy["invoices"], last_fy["total"]) == (1, D("52.50"))


def test_empty_period(shop, sales_book):
    summary = sales_summary(shop=shop, start=datetime.date(2026, 6, 1), end=datetime.date(2026, 6, 30))
    assert summary["invoices"] == 0 and summary["average_bill"] == D("0.00") and summary["total"] == D("0.00")


def test_other_shops_sales_not_counted(shop, sales_book, other_owner):
    other = other_owner.shop
    with scope(shop=other):
        product = ProductFactory(shop=other, sale_price=D("1000.00"), allow_negative_stock=True)
        issue(other, datetime.date(2026, 5, 3), [line(product, 1)])
    assert sales_summary(shop=shop, start=MAY_1, end=MAY_31)["total"] == D("1017.00")


URL = "reports:sales"
MAY = {"period": "custom", "start": "2026-05-01", "end": "2026-05-31"}


def test_page_shows_figures(owner_client, shop, sales_book):
    response = owner_client.get(reverse(URL), MAY)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Rice", "Grains", "No category", "Asha", "₹1,017.00", "₹339.00", "₹682.50", "3 May 2026"):
        assert text in body, text


def test_csv_export_reads_back(owner_client, shop, sales_book):
    response = owner_client.get(reverse(URL), {**MAY, "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Product", "SKU", "Category", "Unit", "Quantity", "Taxable value", "Tax", "Total", "Invoices"]
    assert rows[1][0] == "Rice" and rows[1][4:8] == ["13.000", "650.00", "32.50", "682.50"]
    assert [r[0] for r in rows[2:]] == ["Soap", "Pen", "Total (invoices)"]
    assert rows[-1][5:] == ["935.00", "82.00", "1017.00", "3"]


def test_xlsx_export_by_day_reads_back(owner_client, shop, sales_book):
    response = owner_client.get(reverse(URL), {**MAY, "export": "xlsx", "by": "day"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0] == ("Day", "Invoices", "Quantity", "Taxable value", "Tax", "Total")
    assert values[1][0].date() == datetime.date(2026, 5, 3)
    assert [D(str(v)) for v in values[1][1:]] == [D(2), D(15), D("820"), D("63.1"), D("883.1")]
    assert values[2][0].date() == datetime.date(2026, 5, 4)
    assert values[3][0] == "Total" and [D(str(v)) for v in values[3][3:]] == [D("935"), D("82"), D("1017")]
    assert len(values) == 4


def test_bad_range_is_a_form_error(owner_client, shop, sales_book):
    response = owner_client.get(reverse(URL), {"period": "custom", "start": "2026-05-31", "end": "2026-05-01"})
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()


def test_staff_gets_403(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse(URL), {"export": "csv"}).status_code == 403


def _page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(URL), MAY).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_shop(owner_client, shop, sales_book):
    small = _page_queries(owner_client)
    for n in range(6):
        customer = CustomerFactory(shop=shop)
        product = ProductFactory(shop=shop, sale_price=D("7.00"), allow_negative_stock=True,
                                 category=CategoryFactory(shop=shop))
        issue(shop, datetime.date(2026, 5, 10 + n), [line(product, 2), line(sales_book["rice"], 1)], customer)
    assert _page_queries(owner_client) == small


@pytest.mark.parametrize("by", ["product", "category", "day", "customers"])
def test_downloads_stream_after_the_request_scope_ends(owner_client, shop, sales_book, by):
    response = owner_client.get(reverse(URL), {**MAY, "export": "csv", "by": by})
    with no_scope():
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[-1][0].startswith("Total") and len(rows) >= 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_top_customers_download_reads_back_with_its_totals_row(owner_client, shop, sales_book, fmt):
    page = owner_client.get(reverse(URL), MAY).content.decode()
    assert 'data-testid="top-customers-csv"' in page and "Total of these customers" in page
    response = owner_client.get(reverse(URL), {**MAY, "export": fmt, "by": "customers"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [["" if v is None else str(v) for v in row]
                for row in openpyxl.load_workbook(io.BytesIO(body)).active.values]
    assert rows[0] == ["Customer", "Phone", "Invoices", "Bought"]
    assert [(r[0], int(r[2]), D(r[3])) for r in rows[1:]] == [
        ("Asha", 2, D("859.50")), ("Ravi", 1, D("157.50")), ("Total of these customers", 3, D("1017.00"))]
