"""GST summary of a month (issue #12): GSTR-1 sections (B2B empty, B2C large/small by
rate), HSN summary, document summary with cancelled counts, GSTR-3B 3.1, per-invoice
rounding, the tax equal to the invoices' tax, exports, query counts, owners only, and a
clear note for a shop without a GSTIN."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import CreditNote, Invoice
from billing.services.credit_notes import credit_note_create
from billing.totals import LineInput
from customers.services import customer_create
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
    customer = CustomerFactory(shop=shop, address="7 Residency Road, Bengaluru")  # rule 46: ₹50,000 or more
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


# -- B2B in the month, the sections' download, and the credit notes ----------------------------

KARNATAKA_GSTIN = "29AAGCB7383J1Z4"
UP_GSTIN = "09AAGCB7383J1Z6"  # the shop's own state: an intra-state B2B supply


def add_b2b(shop, book):
    """Two B2B invoices and a credit note in May 2026, on top of :func:`sales_book`:

    - 10 May, Bharat Caterers (Karnataka, inter-state): soap 3 × 85 (18 %) + rice 2 × 50 (5 %)
      = 355 taxable + IGST 45.90 + 5.00 = 405.90;
    - 11 May, Lucknow Traders (Uttar Pradesh, intra-state): pen 3 × 10 (12 %) = 30 + CGST 1.80
      + SGST 1.80 = 33.60;
    - 12 May, credit note: 1 soap back from the 10 May invoice: 85 taxable, IGST 15.30.

    With the book's B2C month (935 taxable, CGST 31.55, SGST 31.55, IGST 18.90, tax 82.00):
    invoices 5, taxable 1,320.00, CGST 33.35, SGST 33.35, IGST 69.80, tax 136.50; less the
    credit note: 1,235.00, 33.35, 33.35, 54.50, tax 121.20 (all in 3.1(a): no rate is 0).
    """
    bharat = customer_create(shop=shop, name="Bharat Caterers", gstin=KARNATAKA_GSTIN, address="Bengaluru")
    lucknow = customer_create(shop=shop, name="Lucknow Traders", gstin=UP_GSTIN, address="Lucknow")
    inter = issue(shop, datetime.date(2026, 5, 10), [line(book["soap"], 3), line(book["rice"], 2)], bharat)
    intra = issue(shop, datetime.date(2026, 5, 11), [line(book["pen"], 3)], lucknow)
    soap_line = inter.lines.get(description="Soap")
    credit_note_create(shop=shop, invoice=inter, quantities={soap_line.pk: D("1")}, reason="Damaged",
                       issued_on=datetime.date(2026, 5, 12))
    return {"inter": inter, "intra": intra}


@pytest.fixture
def b2b_month(shop, sales_book):  # noqa: F811
    return add_b2b(shop, sales_book)


def test_b2b_rows_and_the_totals_with_them(shop, b2b_month):
    summary = gst_summary(shop=shop, year=2026, month=5)
    inter, intra = b2b_month["inter"], b2b_month["intra"]
    assert [(r["gstin"], r["recipient"], r["number"], r["issued_on"], r["invoice_value"], r["place_of_supply"],
             r["reverse_charge"], r["rate_label"], *heads(r)) for r in summary["b2b"]] == [
        (UP_GSTIN, "Lucknow Traders", intra.number, datetime.date(2026, 5, 11), D("33.60"), "Uttar Pradesh (09)",
         False, "12", D("30.00"), D("1.80"), D("1.80"), D("0.00"), D("3.60")),
        (KARNATAKA_GSTIN, "Bharat Caterers", inter.number, datetime.date(2026, 5, 10), D("405.90"), "Karnataka (29)",
         False, "5", D("100.00"), D("0.00"), D("0.00"), D("5.00"), D("5.00")),
        (KARNATAKA_GSTIN, "Bharat Caterers", inter.number, datetime.date(2026, 5, 10), D("405.90"), "Karnataka (29)",
         False, "18", D("255.00"), D("0.00"), D("0.00"), D("45.90"), D("45.90")),
    ]
    assert heads(summary["totals"]) == (D("1320.00"), D("33.35"), D("33.35"), D("69.80"), D("136.50"))
    assert summary["invoices"] == 5
    assert [r["invoices"] for r in summary["b2cs"]] == [2, 1, 1, 1]  # B2B invoices are not in B2C
    assert heads(summary["net_totals"]) == (D("1235.00"), D("33.35"), D("33.35"), D("54.50"), D("121.20"))
    assert heads(summary["table_3_1_a"]) == heads(summary["net_totals"])
    assert heads(summary["table_3_1_c"]) == (D("0"),) * 5


def test_tax_equals_the_invoices_tax_with_b2b(shop, b2b_month):
    summary = gst_summary(shop=shop, year=2026, month=5)
    stored = Invoice.objects.filter(shop=shop, issued_on__month=5, voided_at__isnull=True).aggregate(
        tax=Sum("tax_total"), taxable=Sum("taxable_total"))
    assert summary["totals"]["tax"] == D(stored["tax"]) == D("136.50")
    assert summary["totals"]["taxable_value"] == D(stored["taxable"])
    notes = CreditNote.objects.filter(shop=shop).aggregate(tax=Sum("tax_total"))
    assert summary["credit_notes"]["totals"]["tax"] == D(notes["tax"]) == D("15.30")


def _read_sections(response, fmt):
    """The sections' download as ``{section: [row dicts]}``; money columns as Decimal."""
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [["" if v is None else str(v) for v in row]
                for row in openpyxl.load_workbook(io.BytesIO(body)).active.values]
    header, result = rows[0], {}
    for row in rows[1:]:
        record = dict(zip(header, row, strict=True))
        for column in MONEY_COLUMNS:
            record[column] = D(record[column])
        result.setdefault(record["Section"], []).append(record)
    return header, result


MONEY_COLUMNS = ("Taxable value", "CGST", "SGST", "IGST", "Cess", "Tax")
TOTAL, NET = "Total", "Total less credit notes"
TABLE_A, TABLE_C = "GSTR-3B 3.1(a) outward taxable supplies", "GSTR-3B 3.1(c) nil rated and exempted supplies"


def _column_sums(rows):
    return {column: sum((r[column] for r in rows), D("0")) for column in MONEY_COLUMNS}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sections_download_has_b2b_credit_notes_and_3b_and_adds_up(owner_client, shop, b2b_month, fmt):
    response = owner_client.get(reverse(URL), {**MAY, "export": fmt, "section": "sections"})
    assert response.status_code == 200
    header, sections = _read_sections(response, fmt)
    assert header[:4] == ["Section", "Inter-state", "Rate %", "Invoices"] and header[-1] == "Tax"
    assert {"Recipient GSTIN", "Recipient", "Invoice", "Date", "Invoice value", "Place of supply",
            "Reverse charge", "Cess"} <= set(header)
    b2b = sections["B2B"]
    assert [(r["Recipient GSTIN"], r["Invoice"], r["Rate %"], r["Place of supply"], r["Reverse charge"])
            for r in b2b] == [
        (UP_GSTIN, b2b_month["intra"].number, "12", "Uttar Pradesh (09)", "N"),
        (KARNATAKA_GSTIN, b2b_month["inter"].number, "5", "Karnataka (29)", "N"),
        (KARNATAKA_GSTIN, b2b_month["inter"].number, "18", "Karnataka (29)", "N")]
    assert b2b[1]["Date"].startswith("2026-05-10") and D(b2b[1]["Invoice value"]) == D("405.90")
    # the rows of the sections add up to the Total row, which is the summary's
    (total,) = sections[TOTAL]
    supplies = b2b + sections["B2C small"] + sections.get("B2C large", [])
    assert _column_sums(supplies) == {k: total[k] for k in MONEY_COLUMNS}
    assert (total["Taxable value"], total["Tax"], total["Invoices"]) == (D("1320.00"), D("136.50"), "5")
    # the credit notes (negative) take the Total to the net, and 3.1(a) + 3.1(c) is the net
    (credit,) = sections["Credit notes"]
    assert (credit["Rate %"], credit["Taxable value"], credit["IGST"], credit["CGST"]) == (
        "18", D("-85.00"), D("-15.30"), D("0"))
    (net,) = sections[NET]
    assert _column_sums([total, credit]) == {k: net[k] for k in MONEY_COLUMNS}
    assert _column_sums(sections[TABLE_A] + sections[TABLE_C]) == {k: net[k] for k in MONEY_COLUMNS}
    assert (net["Taxable value"], net["IGST"], net["Tax"]) == (D("1235.00"), D("54.50"), D("121.20"))


def test_query_count_does_not_grow_with_b2b_invoices(owner_client, shop, sales_book):  # noqa: F811
    small = _queries(owner_client)
    add_b2b(shop, sales_book)
    assert _queries(owner_client) == small


def test_rounding_is_per_invoice_in_b2b_and_credit_notes_too(shop):
    """Per invoice (and per credit note), per rate, per head: two B2B invoices of 10.25 at 5 %
    have CGST 0.26 each (0.25625 rounded half up), not 0.51 for the 20.50 together."""
    shop.gstin = GSTIN
    shop.save()
    item = ProductFactory(shop=shop, sale_price=D("10.25"), tax_rate=D("5"), hsn_code="1006",
                          allow_negative_stock=True)
    buyer = customer_create(shop=shop, name="Lucknow Traders", gstin=UP_GSTIN, address="Lucknow")
    invoices = [issue(shop, datetime.date(2026, 5, day), [line(item, 1)], buyer) for day in (2, 3)]
    for invoice in invoices:
        credit_note_create(shop=shop, invoice=invoice, quantities={invoice.lines.get().pk: D("1")}, reason="Back",
                           issued_on=datetime.date(2026, 5, 4))
    summary = gst_summary(shop=shop, year=2026, month=5)
    assert [r["cgst"] for r in summary["b2b"]] == [D("0.26"), D("0.26")]
    assert heads(summary["totals"]) == (D("20.50"), D("0.52"), D("0.52"), D("0.00"), D("1.04"))
    assert heads(summary["credit_notes"]["totals"]) == (D("20.50"), D("0.52"), D("0.52"), D("0.00"), D("1.04"))
    assert summary["credit_notes"]["count"] == 2
    assert heads(summary["net_totals"]) == (D("0.00"),) * 5


#: (price, rate %, inter-state): each head lands on exactly half a paisa before rounding, where
#: a float would often read just below it; the GST portal (and the invoice) rounds it up.
HALF_PAISA = [
    ("1.25", "28", False),   # CGST = SGST = 0.175 → 0.18 each (as a float, 0.17499…)
    ("1.00", "5", False),    # 0.025 → 0.03 each
    ("0.50", "18", False),   # 0.045 → 0.05 each
    ("2.50", "18", False),   # 0.225 → 0.23 each
    ("2.00", "0.25", False),  # 0.0025 → 0.00 each
    ("0.50", "3", True),     # IGST 0.015 → 0.02 (as a float, 0.01499…)
    ("0.35", "5", True),     # 0.0175 → 0.02
    ("10.10", "5", True),    # 0.505 → 0.51 (as a float, 0.50499…)
]


def test_database_rounding_matches_the_invoices_at_half_a_paisa(shop):
    """The sections round in SQL (SQLite and MariaDB): each case above gives the figure the
    invoice stored (``billing.totals``, Decimal ROUND_HALF_UP)."""
    shop.gstin = GSTIN
    shop.save()
    for day, (price, rate, inter) in enumerate(HALF_PAISA, start=1):
        issue(shop, datetime.date(2026, 5, day),
              [LineInput(quantity=D(1), unit_price=D(price), tax_rate=D(rate), description="Item")], inter_state=inter)
    summary = gst_summary(shop=shop, year=2026, month=5)
    by_rate = {(r["inter_state"], r["rate_label"]): (r["cgst"], r["igst"]) for r in summary["b2cs"]}
    assert by_rate == {(False, "0.25"): (D("0.00"), D("0.00")), (False, "5"): (D("0.03"), D("0.00")),
                       (False, "18"): (D("0.28"), D("0.00")), (False, "28"): (D("0.18"), D("0.00")),
                       (True, "3"): (D("0.00"), D("0.02")), (True, "5"): (D("0.00"), D("0.53"))}
    stored = Invoice.objects.filter(shop=shop, issued_on__month=5).aggregate(tax=Sum("tax_total"))
    assert summary["totals"]["tax"] == D(stored["tax"]) == D("1.53")
