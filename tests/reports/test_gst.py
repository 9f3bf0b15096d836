"""GST summary of a month (issue #12): GSTR-1 sections (B2B empty, B2C large/small by
rate), HSN summary, document summary with cancelled counts, GSTR-3B 3.1, per-invoice
rounding, the tax equal to the invoices' tax, exports, query counts, owners only, and a
clear note for a shop without a GSTIN."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice
from reports.selectors.gst import gst_summary
from tests.billing.factories import ProductFactory
from tests.factories import CustomerFactory
from tests.reports.test_sales import GSTIN, issue, line
from tests.reports.test_sales import sales_book as sales_book  # noqa: F401 (a fixture)

D = Decimal
URL = "reports:gst"



def heads(row):
    return tuple(row[k] for k in ("taxable_value", "cgst", "sgst", "igst", "tax"))


def test_b2c_small_by_rate_and_totals(shop, sales_book):  # noqa: F811
    summary = gst_summary(shop=shop, year=2026, month=5)
    assert summary["b2b"] == [] and summary["b2cl"] == []
    assert [(r["inter_state"], r["rate_label"], r["invoices"], *heads(r)) for r in summary["b2cs"]] == [
        (False, "5", 2, D("650.00"), D("16.25"), D("16.25"), D("0.00"), D("32.50")),
        (False, "18", 1, D("170.00"), D("15.30"), D("15.30"), D("0.00"), D("30.60")),
        (True, "12", 1, D("30.00"), D("0.00"), D("0.00"), D("3.60"), D("3.60")),
        (True, "18", 1, D("85.00"), D("0.00"), D("0.00"), D("15.30"), D("15.30")),
    ]
    # by place of supply: the customers have no state, so an invoice's is the shop's (from
    # its GSTIN: Uttar Pradesh); the inter-state one was issued with the bare flag, no place
    assert [(r["state"], r["inter_state"]) for r in summary["b2cs"]] == [
        ("Uttar Pradesh (09)", False), ("Uttar Pradesh (09)", False), ("not recorded", True), ("not recorded", True)]
    assert heads(summary["table_3_1_a"]) == (D("935.00"), D("31.55"), D("31.55"), D("18.90"), D("82.00"))
    assert summary["invoices"] == 3


def test_b2c_rows_split_by_place_of_supply(shop, sales_book):  # noqa: F811
    maharashtra = CustomerFactory(shop=shop, name="Mumbai buyer", state="27")
    issue(shop, datetime.date(2026, 5, 6), [line(sales_book["soap"], 1)], maharashtra)
    issue(shop, datetime.date(2026, 5, 7), [line(sales_book["soap"], 2)], place_of_supply="29")
    rows = [(r["state"], r["inter_state"], r["rate_label"], r["invoices"], r["igst"])
            for r in gst_summary(shop=shop, year=2026, month=5)["b2cs"] if r["rate_label"] == "18"]
    assert rows == [
        ("Uttar Pradesh (09)", False, "18", 1, D("0.00")),   # Asha's, 3 May
        ("Karnataka (29)", True, "18", 1, D("30.60")),       # walk-in, supplied to Karnataka
        ("Maharashtra (27)", True, "18", 1, D("15.30")),     # the customer's state
        ("not recorded", True, "18", 1, D("15.30")),         # 4 May, the bare inter-state flag
    ]


def test_tax_equals_the_invoices_tax(shop, sales_book):  # noqa: F811
    summary = gst_summary(shop=shop, year=2026, month=5)
    stored = Invoice.objects.filter(shop=shop, issued_on__month=5, voided_at__isnull=True).aggregate(
        tax=Sum("tax_total"), taxable=Sum("taxable_total"))
    assert summary["totals"]["tax"] == D(stored["tax"]) == D("82.00")
    assert summary["totals"]["taxable_value"] == D(stored["taxable"])


def test_hsn_summary(shop, sales_book):  # noqa: F811
    rows = gst_summary(shop=shop, year=2026, month=5)["hsn"]
    assert [(r["hsn"], r["uqc"], r["rate_label"], r["quantity"], *heads(r)) for r in rows] == [
        ("1006", "KGS", "5", D("13"), D("650.00"), D("16.25"), D("16.25"), D("0.00"), D("32.50")),
        ("3402", "PCS", "18", D("3"), D("255.00"), D("15.30"), D("15.30"), D("15.30"), D("45.90")),
        ("9608", "PCS", "12", D("3"), D("30.00"), D("0.00"), D("0.00"), D("3.60"), D("3.60")),
    ]


def test_document_summary_counts_cancelled_per_financial_year(shop, sales_book):  # noqa: F811
    assert gst_summary(shop=shop, year=2026, month=5)["documents"] == [
        {"series": "26-27", "first": "INV/26-27/0002", "last": "INV/26-27/0005", "total": 4, "cancelled": 1,
         "net": 3}]
    assert gst_summary(shop=shop, year=2026, month=4)["documents"] == [
        {"series": "26-27", "first": "INV/26-27/0001", "last": "INV/26-27/0001", "total": 1, "cancelled": 0,
         "net": 1}]
    march = gst_summary(shop=shop, year=2026, month=3)
    assert [(d["series"], d["first"]) for d in march["documents"]] == [("25-26", "INV/25-26/0001")]
    assert march["totals"]["tax"] == D("2.50")


def test_rounding_is_per_invoice_then_summed(shop):
    """Two invoices of 10.25 at 5 %: CGST = SGST = 0.25625 → 0.26 per invoice, 1.04 in all
    (rounding the month's 20.50 once would give 0.51 + 0.51 = 1.02)."""
    shop.gstin = GSTIN
    shop.save()
    item = ProductFactory(shop=shop, sale_price=D("10.25"), tax_rate=D("5"), hsn_code="1006",
                          allow_negative_stock=True)
    for day in (2, 3):
        issue(shop, datetime.date(2026, 5, day), [line(item, 1)])
    summary = gst_summary(shop=shop, year=2026, month=5)
    assert heads(summary["b2cs"][0]) == (D("20.50"), D("0.52"), D("0.52"), D("0.00"), D("1.04"))
    assert summary["totals"]["tax"] == D("1.04")


def test_b2c_large_is_inter_state_over_two_and_a_half_lakh(shop):
    shop.gstin = GSTIN
    shop.save()
    exempt = ProductFactory(shop=shop, sale_price=D("250000.00"), tax_rate=D("0"), allow_negative_stock=True)
    taxed = ProductFactory(shop=shop, sale_price=D("250000.00"), tax_rate=D("12"), allow_negative_stock=True)
    customer = CustomerFactory(shop=shop)
    issue(shop, datetime.date(2026, 5, 2), [line(exempt, 1)], customer, inter_state=True)  # exactly 2.5 lakh
    issue(shop, datetime.date(2026, 5, 2), [line(taxed, 1)], customer, inter_state=True)   # 2,80,000
    issue(shop, datetime.date(2026, 5, 2), [line(taxed, 1)], customer)                     # intra-state
    summary = gst_summary(shop=shop, year=2026, month=5)
    assert [(r["rate_label"], r["invoices"], r["taxable_value"], r["igst"]) for r in summary["b2cl"]] == [
        ("12", 1, D("250000.00"), D("30000.00"))]
    assert [(r["inter_state"], r["rate_label"], r["taxable_value"]) for r in summary["b2cs"]] == [
        (False, "12", D("250000.00")), (True, "0", D("250000.00"))]
    assert heads(summary["table_3_1_c"])[0] == D("250000.00")
    assert summary["table_3_1_a"]["taxable_value"] == D("500000.00")


MAY = {"month": "2026-05"}


def test_page(owner_client, shop, sales_book):  # noqa: F811
    body = owner_client.get(reverse(URL), MAY).content.decode()
    for text in ("No invoices to customers with a GSTIN in this month", "state: not recorded", "INV/26-27/0005",
                 "1006", "KGS", "₹82.00", "3.1(a)"):
        assert text in body, text
    assert 'Total tax: <span data-testid="gst-total-tax">₹82.00</span>' in body


def test_shop_without_gstin_sees_a_note(owner_client, shop):
    response = owner_client.get(reverse(URL), MAY)
    assert response.status_code == 200
    assert "has no GSTIN" in response.content.decode()


def test_bad_month_is_a_form_error(owner_client, shop, sales_book):  # noqa: F811
    response = owner_client.get(reverse(URL), {"month": "2026-13"})
    assert response.status_code == 200
    assert "Enter the month as YYYY-MM" in response.content.decode()


def test_csv_export_of_hsn_reads_back(owner_client, shop, sales_book):  # noqa: F811
    response = owner_client.get(reverse(URL), {**MAY, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Section", "Inter-state", "Rate %", "Invoices"]
    b2cs = [r for r in rows[1:] if r[0] == "B2C small"]
    assert sum(D(r[-1]) for r in b2cs) == D("82.00")


def test_xlsx_export_reads_back(owner_client, shop, sales_book):  # noqa: F811
    response = owner_client.get(reverse(URL), {**MAY, "export": "xlsx", "section": "hsn"})
    values = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert values[0][:3] == ("HSN", "UQC", "Rate %")
    assert values[1][0] == "1006" and D(str(values[1][4])) == D("650")


def test_staff_gets_403(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse(URL), MAY).status_code == 403


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(URL), MAY).status_code == 200
    return len(queries)


def test_query_count_does_not_grow(owner_client, shop, sales_book):  # noqa: F811
    small = _queries(owner_client)
    for n in range(5):
        product = ProductFactory(shop=shop, sale_price=D("3.00"), tax_rate=D("28"), hsn_code=f"{4000 + n}",
                                 allow_negative_stock=True)
        issue(shop, datetime.date(2026, 5, 20 + n), [line(product, 2)], CustomerFactory(shop=shop),
              inter_state=bool(n % 2))
    assert _queries(owner_client) == small
