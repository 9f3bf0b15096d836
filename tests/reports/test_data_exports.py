"""The data exports (``/reports/exports/``, issue #13): customers, ledger entries, invoices
with lines, products and stock movements as CSV and XLSX, read back to the book's figures."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from accounts.models import Membership
from billing.models import Invoice, InvoiceLine, Product, StockMovement
from billing.services.catalogue import category_save, product_create, stock_adjust
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Due, Payment, Refund
from reports.selectors import exports as selectors
from reports.selectors.exports import DATASETS
from tests.accounts.factories import MembershipFactory
from tests.factories import CustomerFactory
from tests.reports.helpers import aging_book, days, due, pay, refund, today
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

THIS_YEAR = {"period": "custom", "start": days(-364).isoformat(), "end": today().isoformat()}


def book(shop):
    """The aging book (dues, payments, a voided due, a customer in credit), a refund, a
    voided payment, products with stock movements, and three invoices (one voided, one
    walk-in)."""
    people = aging_book(shop)
    refund(shop, people["chitra"], "30")
    wrong = pay(shop, people["asha"], "5", on=-2)
    from ledger.services.entries import payment_void

    payment_void(shop=shop, payment=wrong, reason="Typed twice")
    staples = category_save(shop=shop, name="Staples")
    dal = product_create(shop=shop, sku="DAL", name="Toor dal", category=staples, unit="kg",
                         sale_price=Decimal("120"), tax_rate=Decimal("5"), opening_stock=Decimal("20"))
    soap = product_create(shop=shop, sku="SOAP", name="Soap", unit="pcs", sale_price=Decimal("35"),
                          tax_rate=Decimal("18"), cost_price=Decimal("28"), opening_stock=Decimal("50"))
    stock_adjust(shop=shop, product=soap, quantity=Decimal("-1"), reason="Damaged")
    invoice_issue(shop=shop, customer=people["asha"], issued_on=today(), lines=[
        LineInput(quantity=Decimal("1.500"), unit_price=Decimal("120"), tax_rate=Decimal("5"), description="Toor dal",
                  product=dal),
        LineInput(quantity=Decimal("2"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                  product=soap)], amount_paid=Decimal("50"))
    invoice_issue(shop=shop, issued_on=today(), amount_paid=Decimal("41.30"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                  product=soap)])
    voided = invoice_issue(shop=shop, customer=people["bala"], issued_on=today(), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("120"), tax_rate=Decimal("5"), description="Dal",
                  product=dal)])
    invoice_void(shop=shop, invoice=voided, reason="Wrong customer")
    return people


def download(client, dataset, fmt, query=None):
    response = client.get(reverse("reports:export_download", args=[dataset, fmt]), query or {})
    assert response.status_code == 200, response.content[:500]
    with no_scope():  # the server reads the body after the request's scope has ended
        body = b"".join(response.streaming_content)
    return response, body


def csv_table(client, dataset, query=None) -> list[dict]:
    response, body = download(client, dataset, "csv", query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    assert reader.fieldnames == DATASETS[dataset].header
    return list(reader)


def xlsx_table(client, dataset, query=None) -> list[dict]:
    _response, body = download(client, dataset, "xlsx", query)
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == DATASETS[dataset].header
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def money(text) -> Decimal:
    return Decimal(text) if text not in ("", None) else None


@pytest.fixture
def viewer_client(client, shop):
    client.force_login(MembershipFactory(shop=shop, role=Membership.Role.VIEWER).user)
    return client


# The page and who may use it -----------------------------------------------------------------------------------------


def test_the_page_lists_every_dataset_with_its_downloads(owner_client, shop):
    response = owner_client.get(reverse("reports:exports"), {"period": "this_month"})
    assert response.status_code == 200
    html = response.content.decode()
    for key, spec in DATASETS.items():
        assert spec.title in html
        for fmt in ("csv", "xlsx"):
            url = reverse("reports:export_download", args=[key, fmt])
            assert (f'href="{url}?period=this_month"' in html) == spec.dated
            assert f'href="{url}"' in html or spec.dated
    assert reverse("reports:exports") in owner_client.get(reverse("reports:index")).content.decode()


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.VIEWER])
def test_managers_and_viewers_may_download(client, shop, role):
    CustomerFactory(shop=shop, name="Asha")
    client.force_login(MembershipFactory(shop=shop, role=role).user)
    assert client.get(reverse("reports:exports")).status_code == 200
    assert [row["Name"] for row in csv_table(client, "customers")] == ["Asha"]


def test_a_cashier_gets_403_on_the_page_and_every_download(client, shop):
    CustomerFactory(shop=shop, name="Asha")
    client.force_login(MembershipFactory(shop=shop, role=Membership.Role.CASHIER).user)
    assert client.get(reverse("reports:exports")).status_code == 403
    for key in DATASETS:
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("reports:export_download", args=[key, fmt]))
            assert response.status_code == 403
            assert not response.streaming


def test_unknown_dataset_or_format_is_a_404(owner_client):
    assert owner_client.get(reverse("reports:export_download", args=["passwords", "csv"])).status_code == 404
    assert owner_client.get(reverse("reports:export_download", args=["customers", "pdf"])).status_code == 404


def test_a_bad_period_shows_the_error_instead_of_a_download(owner_client, shop):
    response = owner_client.get(reverse("reports:export_download", args=["entries", "csv"]),
                                {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 400
    assert not response.streaming
    assert "The end date cannot be before the start date." in response.content.decode()


# Each export, read back ------------------------------------------------------------------------------------------


def test_customers_export_has_every_customer_with_their_balance(owner_client, shop):
    book(shop)
    CustomerFactory(shop=shop, name="=HYPERLINK(\"evil\")", is_archived=True)
    rows = csv_table(owner_client, "customers")
    customers = list(Customer.objects.filter(shop=shop).order_by("name", "pk"))
    assert [r["Name"] for r in rows] == [("'" + c.name if c.name.startswith("=") else c.name) for c in customers]
    assert {r["Name"]: money(r["Balance"]) for r in rows if r["Name"] != "'=HYPERLINK(\"evil\")"} == {
        c.name: c.balance for c in customers if not c.name.startswith("=")}
    assert sum(money(r["Balance"]) for r in rows) == sum(c.balance for c in customers)
    assert {r["Name"]: r["Archived"] for r in rows}["'=HYPERLINK(\"evil\")"] == "Yes"
    assert xlsx_table(owner_client, "customers")[0]["Name"] == rows[0]["Name"]


def test_entries_export_has_every_due_payment_and_refund_of_the_period(owner_client, shop):
    book(shop)
    rows = csv_table(owner_client, "entries", THIS_YEAR)

    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["Kind"], []).append(row)
    start = days(-364)
    dues = Due.objects.filter(shop=shop, incurred_on__gte=start)
    payments = Payment.objects.filter(shop=shop, received_on__gte=start)
    refunds = Refund.objects.filter(shop=shop, refunded_on__gte=start)
    assert len(by_kind["Due"]) == dues.count() and len(by_kind["Payment"]) == payments.count()
    assert len(by_kind["Refund"]) == refunds.count() == 1
    assert sum(money(r["Amount"]) for r in by_kind["Due"]) == sum(d.amount for d in dues)
    assert sum(money(r["Amount"]) for r in by_kind["Payment"]) == sum(p.amount for p in payments)
    assert [money(r["Amount"]) for r in by_kind["Refund"]] == [Decimal("30.00")]
    # Voided entries are there, marked with the day and the reason.
    voided = [(r["Kind"], r["Amount"], r["Void reason"]) for r in rows if r["Voided on"]]
    assert ("Due", "700.00", "Entered twice") in voided and ("Payment", "5.00", "Typed twice") in voided
    assert all(r["Voided on"] == today().isoformat() for r in rows if r["Voided on"])
    # By date; a due's description, a payment's method, an invoice's due names its invoice.
    assert [r["Date"] for r in rows] == sorted(r["Date"] for r in rows)
    methods = {r["Description / method"] for r in by_kind["Payment"]}
    assert "Cash" in methods and any(m.startswith("Cash: ") for m in methods)  # with its note
    assert any(r["Reference"].startswith("Invoice ") for r in by_kind["Due"])
    assert {r["Customer"] for r in rows} >= {"Asha", "Bala", "Chitra", "Devi"}


def test_entries_outside_the_period_are_left_out(owner_client, shop):
    book(shop)
    rows = csv_table(owner_client, "entries", {"period": "custom", "start": days(-100).isoformat(),
                                                "end": days(-90).isoformat()})
    # Only Bala's 1000 given 95 days ago falls in those days.
    assert [(r["Date"], r["Kind"], r["Customer"], r["Amount"]) for r in rows] == [
        (days(-95).isoformat(), "Due", "Bala", "1000.00")]


def test_invoices_export_has_one_row_per_line_with_the_invoice_totals(owner_client, shop):
    book(shop)
    rows = csv_table(owner_client, "invoices", THIS_YEAR)
    lines = InvoiceLine.objects.filter(shop=shop).select_related("invoice")
    assert len(rows) == lines.count() == 4
    invoices = {r["Invoice"]: r for r in rows}
    assert len(invoices) == Invoice.objects.filter(shop=shop).count() == 3
    for invoice in Invoice.objects.filter(shop=shop).select_related("due"):
        row = invoices[invoice.number]
        assert money(row["Invoice total"]) == invoice.total
        assert money(row["Invoice tax"]) == invoice.tax_total
        assert money(row["Paid at counter"]) == invoice.paid_at_counter
        assert money(row["Balance due"]) == invoice.balance_due
        assert row["Status"] == invoice.get_payment_status_display()
    assert sum(money(r["Taxable value"]) for r in rows) == sum(line.taxable_value for line in lines)
    assert {r["Customer"] for r in rows} == {"Asha", "Bala", "Walk-in"}
    assert [r["Status"] for r in rows if r["Voided on"]] == ["Void"]
    first = [r for r in rows if r["Customer"] == "Asha"]
    assert [(r["Line"], r["SKU"], r["Quantity"], r["Unit price"]) for r in first] == [
        ("1", "DAL", "1.500", "120.00"), ("2", "SOAP", "2.000", "35.00")]
    # Read back from Excel: the same figures, as numbers.
    sheet = xlsx_table(owner_client, "invoices", THIS_YEAR)
    assert [r["Invoice"] for r in sheet] == [r["Invoice"] for r in rows]
    assert sum(Decimal(str(r["Line net"])) for r in sheet) == sum(money(r["Line net"]) for r in rows)
    assert all(isinstance(r["Invoice total"], (int, float)) for r in sheet)


def test_products_export(owner_client, shop):
    book(shop)
    rows = csv_table(owner_client, "products")
    assert [(r["SKU"], r["Name"], r["Category"], r["Stock"], r["Sale price"], r["Cost price"]) for r in rows] == [
        ("SOAP", "Soap", "", f"{Product.objects.get(sku='SOAP').stock_quantity:.3f}", "35.00", "28.00"),
        ("DAL", "Toor dal", "Staples", f"{Product.objects.get(sku='DAL').stock_quantity:.3f}", "120.00", "")]
    assert rows[0]["Stock"] == "46.000"  # 50 − 1 damaged − 2 − 1 sold
    sheet = xlsx_table(owner_client, "products")
    assert [(r["SKU"], r["Stock"]) for r in sheet] == [("SOAP", 46), ("DAL", 18.5)]


def test_stock_movements_export(owner_client, shop):
    book(shop)
    rows = csv_table(owner_client, "movements", THIS_YEAR)
    movements = StockMovement.objects.filter(shop=shop)
    assert len(rows) == movements.count()
    for sku in ("DAL", "SOAP"):
        mine = [r for r in rows if r["SKU"] == sku]
        assert sum(money(r["Quantity"]) for r in mine) == Product.objects.get(sku=sku).stock_quantity
        assert money(mine[-1]["Stock after"]) == Product.objects.get(sku=sku).stock_quantity
    kinds = {r["Kind"] for r in rows}
    assert kinds == {"Received / purchase", "Sale", "Sale voided", "Adjustment"}
    assert all(r["Invoice"] for r in rows if r["Kind"] in ("Sale", "Sale voided"))
    sheet = xlsx_table(owner_client, "movements", THIS_YEAR)
    assert [r["Kind"] for r in sheet] == [r["Kind"] for r in rows]
    assert isinstance(sheet[0]["Time"], datetime.datetime)


# Tenancy and scale -----------------------------------------------------------------------------------------------


def test_another_shops_rows_never_appear(owner_client, shop, other_owner):
    book(shop)
    theirs = other_owner.shop
    with scope(shop=theirs):
        stranger = CustomerFactory(shop=theirs, name="Stranger")
        due(theirs, stranger, 777, incurred=-1, description="Secret goods")
        pay(theirs, stranger, 77)
        product = product_create(shop=theirs, sku="SECRET", name="Secret product", unit="pcs",
                                 sale_price=Decimal("1"), tax_rate=Decimal("0"), opening_stock=Decimal("3"))
        invoice_issue(shop=theirs, customer=stranger, issued_on=today(), lines=[
            LineInput(quantity=Decimal("1"), unit_price=Decimal("1"), tax_rate=Decimal("0"), description="Secret",
                      product=product)])
    for key, spec in DATASETS.items():
        for fmt in ("csv", "xlsx"):
            _response, body = download(owner_client, key, fmt, THIS_YEAR if spec.dated else None)
            rows = csv.reader(io.StringIO(body.decode("utf-8-sig"))) if fmt == "csv" else (
                load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))
            # Compare whole cells: a timestamp's microseconds may well contain the digits 777.
            cells = [str(cell) for row in rows for cell in row if cell is not None]
            assert not [c for c in cells if "Stranger" in c or "SECRET" in c or "Secret" in c], (key, fmt)
            assert not [c for c in cells if c.replace(",", "") in ("777", "777.0", "777.00")], (key, fmt)


def _grow(shop, n=15):
    product = Product.objects.get(shop=shop, sku="SOAP")
    for i in range(n):
        customer = CustomerFactory(shop=shop)
        due(shop, customer, 10 + i, incurred=-(i % 20))
        pay(shop, customer, 5, on=-(i % 7), method=["cash", "upi"][i % 2])
        stock_adjust(shop=shop, product=product, quantity=Decimal("1"), reason="Found")
        invoice_issue(shop=shop, customer=customer, issued_on=today(), lines=[
            LineInput(quantity=Decimal("1"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                      product=product)])
    refund(shop, Customer.objects.get(shop=shop, name="Chitra"), "10")


def _queries(client, key, fmt):
    query = THIS_YEAR if DATASETS[key].dated else None
    with CaptureQueriesContext(connection) as captured:
        download(client, key, fmt, query)
    return len(captured.captured_queries)


@pytest.mark.parametrize("key", sorted(DATASETS))
def test_queries_do_not_grow_with_rows(owner_client, shop, key):
    book(shop)
    small = _queries(owner_client, key, "csv")
    _grow(shop)
    assert _queries(owner_client, key, "csv") == small
    assert _queries(owner_client, key, "xlsx") == small


def test_rows_are_read_in_chunks_and_none_is_lost_between_them(owner_client, shop, monkeypatch):
    """With 2 rows per query, entries of the same day fall on both sides of a chunk's end."""
    book(shop)
    whole = csv_table(owner_client, "entries", THIS_YEAR)
    before = _queries(owner_client, "entries", "csv")
    monkeypatch.setattr(selectors, "CHUNK_SIZE", 2)

    chunked = csv_table(owner_client, "entries", THIS_YEAR)

    assert chunked == whole and len(whole) > 6
    dues, payments, refunds = (Due.objects.filter(shop=shop).count(), Payment.objects.filter(shop=shop).count(),
                               Refund.objects.filter(shop=shop).count())
    # One query per chunk of 2 (plus the one that finds a stream's end): the growth is by chunks only.
    extra = sum(n // 2 + 1 for n in (dues, payments, refunds)) - 3
    assert _queries(owner_client, "entries", "csv") == before + extra


def test_the_download_reads_rows_in_the_shops_scope_after_the_request(owner_client, shop):
    CustomerFactory(shop=shop, name="Asha")
    response = owner_client.get(reverse("reports:export_download", args=["customers", "csv"]))
    with no_scope():
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Asha" in body
