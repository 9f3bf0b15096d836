"""Invoice documents: amount in words, the document selector (tax by rate equals the
stored tax), the A4 print page, the 80 mm receipt, the PDF download, void, tenancy and
query counts."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Denomination, Invoice
from billing.selectors.documents import invoice_document
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput, compute_totals
from billing.words import amount_in_words
from core.money import format_money
from core.pdf import static_fetcher
from tests.customers.factories import CustomerFactory

D = Decimal
GSTIN = "09ABCDE1234F1Z5"
ISSUED = datetime.date(2026, 5, 12)  # financial year 26-27


def inr(amount) -> str:
    return format_money(D(amount), "INR", "en_IN")


def grocery_lines() -> list[LineInput]:
    """Nets 900 + 180 + 255 = 1335; tax 5 % of 900 = 45, 12 % of 180 = 21.60, 18 % of 255 = 45.90."""
    return [
        LineInput(quantity=D("2"), unit_price=D("450.00"), tax_rate=D("5"), description="Basmati rice 5 kg",
                  hsn_code="1006", unit="pack"),
        LineInput(quantity=D("1.5"), unit_price=D("120.00"), tax_rate=D("12"), description="Cashew nuts",
                  hsn_code="0801", unit="kg"),
        LineInput(quantity=D("3"), unit_price=D("85.00"), tax_rate=D("18"), description="Dish soap 500 ml",
                  hsn_code="3402", unit="pcs"),
    ]


def issue(shop, lines=None, customer="new", **kwargs) -> Invoice:
    """Issue an invoice of ``lines`` (default: :func:`grocery_lines`) dated ``ISSUED``, for a
    new customer (``customer=None``: a walk-in sale, paid in full unless told)."""
    lines = lines or grocery_lines()
    if customer == "new":
        customer = CustomerFactory(shop=shop, name="Asha Verma", phone="9812345678", address="12 Lake View, Pune")
    kwargs.setdefault("issued_on", ISSUED)
    if customer is None and "amount_paid" not in kwargs:
        options = {k: kwargs[k] for k in ("discount_type", "discount_value", "round_off", "inter_state") if k in kwargs}
        kwargs["amount_paid"] = compute_totals(lines, gst_split=bool(shop.gstin), **options).total
    return invoice_issue(shop=shop, lines=lines, customer=customer, **kwargs)


@pytest.fixture
def gst_shop(shop):
    shop.gstin = GSTIN
    shop.name = "Sharma General Store"
    shop.address = "14 MG Road\nLucknow 226001"
    shop.phone = "0522 4001234"
    shop.save()
    return shop


def pdf_title(content: bytes) -> str:
    """The document title from a PDF's metadata (WeasyPrint compresses its objects and
    writes a non-ASCII title as UTF-16 hex)."""
    blobs = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        try:
            blobs.append(zlib.decompressobj().decompress(content[match.end():]))
        except zlib.error:
            continue
    found = re.search(rb"/Title <feff([0-9a-fA-F]+)>|/Title \(([^)]*)\)", b"".join(blobs))
    assert found, "the PDF has no title"
    if found[1]:
        return bytes.fromhex(found[1].decode()).decode("utf-16-be")
    return found[2].decode("latin-1")


def text_of(response) -> str:
    """The page's text with tags and repeated whitespace removed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Amount in words -----------------------------------------------------------------


@pytest.mark.parametrize(("amount", "expected"), [
    ("0", "Rupees Zero Only"),
    ("1", "Rupees One Only"),
    ("10.50", "Rupees Ten and Fifty Paise Only"),
    ("100000", "Rupees One Lakh Only"),
    ("12345678.90", "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight "
                    "and Ninety Paise Only"),
    ("123456.50", "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Fifty Paise Only"),
    ("0.01", "Rupees Zero and One Paisa Only"),
    ("101", "Rupees One Hundred One Only"),
    ("999999999999.99", "Rupees Ninety-Nine Thousand Nine Hundred Ninety-Nine Crore Ninety-Nine Lakh "
                        "Ninety-Nine Thousand Nine Hundred Ninety-Nine and Ninety-Nine Paise Only"),
])
def test_amount_in_words_inr(amount, expected):
    assert amount_in_words(D(amount), "INR", "en_IN") == expected


@pytest.mark.parametrize(("amount", "currency", "locale", "expected"), [
    ("1234", "KES", "en_KE", "Kenyan Shillings One Thousand Two Hundred Thirty-Four Only"),
    ("1000000.01", "USD", "en_US", "US Dollars One Million and One Cent Only"),
    ("250.05", "NGN", "en_NG", "Naira Two Hundred Fifty and Five Kobo Only"),
    ("150000", "PKR", "en_PK", "Pakistani Rupees One Lakh Fifty Thousand Only"),
    ("150000", "USD", "en_IN", "US Dollars One Lakh Fifty Thousand Only"),
    ("7", "EUR", "en_US", "EUR Seven Only"),
])
def test_amount_in_words_other_currencies(amount, currency, locale, expected):
    assert amount_in_words(D(amount), currency, locale) == expected


def test_amount_in_words_rounds_to_paise_and_refuses_negative():
    assert amount_in_words(D("10.505"), "INR", "en_IN") == "Rupees Ten and Fifty-One Paise Only"
    with pytest.raises(ValueError):
        amount_in_words(D("-1"), "INR", "en_IN")


# --- Selector ------------------------------------------------------------------------


@pytest.mark.parametrize("gstin", [GSTIN, ""])
@pytest.mark.parametrize("inter_state", [False, True])
@pytest.mark.parametrize(("discount_type", "discount_value", "round_off"), [
    ("amount", D("0"), False),
    ("percent", D("10"), True),
    ("percent", D("7.5"), False),
    ("amount", D("99.99"), True),
])
def test_tax_breakdown_adds_up_to_the_stored_tax(shop, gstin, inter_state, discount_type, discount_value, round_off):
    shop.gstin = gstin
    shop.save()
    lines = [*grocery_lines(),
             LineInput(quantity=D("0.333"), unit_price=D("99.99"), tax_rate=D("5"), description="Loose tea"),
             LineInput(quantity=D("7"), unit_price=D("3.33"), tax_rate=D("28"), description="Cola 250 ml"),
             LineInput(quantity=D("1"), unit_price=D("40.00"), tax_rate=D("0"), description="Fresh milk")]
    invoice = issue(shop, lines, inter_state=inter_state, discount_type=discount_type,
                    discount_value=discount_value, round_off=round_off)

    doc = invoice_document(invoice=invoice)

    assert doc["tax_matches"]
    assert doc["tax_row_totals"]["tax"] == invoice.tax_total
    assert doc["tax_row_totals"]["taxable_value"] == invoice.taxable_total
    assert [row.rate_label for row in doc["tax_rows"]] == ["0", "5", "12", "18", "28"]
    for row in doc["tax_rows"]:
        if doc["tax_mode"] == "cgst_sgst":
            assert row.cgst == row.sgst and row.tax == row.cgst + row.sgst and row.igst == 0
        elif doc["tax_mode"] == "igst":
            assert row.igst == row.tax and row.cgst == row.sgst == 0
        else:
            assert row.cgst == row.sgst == row.igst == 0
    expected_mode = "tax" if not gstin else "igst" if inter_state else "cgst_sgst"
    assert doc["tax_mode"] == expected_mode


def test_document_fields(gst_shop):
    invoice = issue(gst_shop, discount_type="percent", discount_value=D("10"), amount_paid=D("500"))
    doc = invoice_document(invoice=invoice)
    assert doc["title"] == "Tax Invoice"
    assert doc["customer"].name == "Asha Verma"
    assert [line.quantity_label for line in doc["lines"]] == ["2", "1.5", "3"]
    assert doc["discount_label"] == "10%"
    assert doc["discount_total"] == D("133.50")
    assert doc["paid"] == D("500.00")
    assert doc["balance"] == invoice.total - D("500.00")
    assert doc["payment_status"] == "Partly paid"
    assert doc["filename"] == "INV-26-27-0001.pdf"
    assert doc["amount_in_words"] == amount_in_words(invoice.total, "INR", "en_IN")
    # CGST/SGST at half the rate: 2.5 %, 6 %, 9 %.
    assert [row.half_rate_label for row in doc["tax_rows"]] == ["2.5", "6", "9"]


# --- A4 print page -------------------------------------------------------------------


def test_print_page_intra_state_tax_invoice(owner_client, gst_shop):
    invoice = issue(gst_shop, amount_paid=D("1000"))
    response = owner_client.get(reverse("billing:invoice_print", args=[invoice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "Tax Invoice" in text
    assert "Sharma General Store" in text and "14 MG Road" in text and "0522 4001234" in text
    assert f"GSTIN: {GSTIN}" in text
    assert "INV/26-27/0001" in text and "12 May 2026" in text and "Intra-state" in text
    assert "Asha Verma" in text and "9812345678" in text and "12 Lake View, Pune" in text
    for description, hsn in [("Basmati rice 5 kg", "1006"), ("Cashew nuts", "0801"), ("Dish soap 500 ml", "3402")]:
        assert description in text and hsn in text
    assert "2 pack" in text and "1.5 kg" in text and "3 pcs" in text
    # Tax by rate as CGST + SGST at half rates, no IGST.
    assert "CGST" in text and "SGST" in text and "IGST" not in text
    for half_rate, half_tax in [("2.5%", "22.50"), ("6%", "10.80"), ("9%", "22.95")]:
        assert f"{half_rate} {inr(half_tax)} {half_rate} {inr(half_tax)}" in text
    assert f"CGST {inr('56.25')} SGST {inr('56.25')}" in text  # totals box
    assert f"Subtotal {inr('1335')}" in text
    assert f"Total {inr('1447.50')}" in text
    assert "Rupees One Thousand Four Hundred Forty-Seven and Fifty Paise Only" in text
    assert f"Paid (Cash) {inr('1000')}" in text
    assert f"Balance due {inr('447.50')}" in text
    assert "Partly paid" in text
    assert "Thank you" in text
    assert 'data-action="print"' in html
    assert reverse("billing:invoice_pdf", args=[invoice.pk]) in html
    assert "void-watermark" not in html
    # No inline scripts or handlers (strict CSP later).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_print_page_inter_state_shows_igst(owner_client, gst_shop):
    invoice = issue(gst_shop, inter_state=True)
    text = text_of(owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])))
    assert "Inter-state" in text
    assert "IGST" in text and "CGST" not in text and "SGST" not in text
    for rate, tax in [("5%", "45.00"), ("12%", "21.60"), ("18%", "45.90")]:
        assert tax in text and rate in text
    assert f"IGST {inr('112.50')}" in text


def test_print_page_without_gstin_shows_plain_tax(owner_client, shop):
    invoice = issue(shop)
    text = text_of(owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])))
    assert "Tax Invoice" not in text and "Invoice" in text
    assert "GSTIN" not in text and "CGST" not in text and "IGST" not in text
    assert f"Tax {inr('112.50')}" in text
    assert f"Total {inr('1447.50')}" in text
    assert "1006" in text  # HSN codes still shown when the lines have them


def test_print_page_in_another_currency(owner_client, shop):
    shop.currency, shop.locale = "KES", "en_KE"
    shop.save()
    lines = [LineInput(quantity=D("2"), unit_price=D("617.00"), tax_rate=D("0"), description="Maize flour 2 kg")]
    invoice = issue(shop, lines)
    text = text_of(owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])))
    assert "Kenyan Shillings One Thousand Two Hundred Thirty-Four Only" in text
    assert f"Total {' '.join(format_money(D('1234'), 'KES', 'en_KE').split())}" in text
    assert "HSN/SAC" not in text  # no codes on the lines and not a tax invoice


def test_print_page_discount_round_off_and_walk_in(owner_client, gst_shop):
    invoice = issue(gst_shop, customer=None, discount_type="percent", discount_value=D("10"), round_off=True,
                    payment_method="upi")
    assert invoice.round_off_amount != 0
    text = text_of(owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])))
    assert "Walk-in customer" in text
    assert f"Discount (10%) spread over lines in proportion −{inr('133.50')}" in text
    assert f"Taxable value {inr('1201.50')}" in text
    assert "Round-off" in text
    assert f"Paid (UPI) {inr(invoice.total)}" in text
    assert f"Balance due {inr('0')}" in text
    assert invoice.total == invoice.total.to_integral_value()


def test_void_invoice_shows_watermark_and_reason(owner_client, gst_shop):
    invoice = issue(gst_shop)
    invoice_void(shop=gst_shop, invoice=invoice, reason="Wrong customer picked")
    for name in ("billing:invoice_print", "billing:invoice_receipt"):
        response = owner_client.get(reverse(name, args=[invoice.pk]))
        assert response.status_code == 200
        assert 'class="void-watermark"' in response.content.decode()
        assert "Wrong customer picked" in text_of(response)
    response = owner_client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response.context["is_voided"]


# --- Receipt -------------------------------------------------------------------------


def test_receipt_essentials_and_change(owner_client, gst_shop):
    Denomination.objects.create(shop=gst_shop, value=D("50"), count=2)
    Denomination.objects.create(shop=gst_shop, value=D("2"), count=2)
    invoice = issue(gst_shop, customer=None, round_off=True, cash_tendered=D("1500"))
    assert invoice.total == D("1448.00") and invoice.change_given == D("52.00")
    response = owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk]))
    assert response.status_code == 200
    text = text_of(response)
    assert "Sharma General Store" in text and "INV/26-27/0001" in text and "12-05-2026" in text
    assert f"2 pack × {inr('450')} (5%) {inr('900')}" in text
    assert f"1.5 kg × {inr('120')} (12%) {inr('180')}" in text
    assert f"3 × {inr('85')} (18%) {inr('255')}" in text  # "pcs" is implied on a receipt
    assert f"TOTAL {inr('1448')}" in text
    assert "Tax summary" in text and f"18% {inr('255')} {inr('45.90')}" in text
    assert f"Cash tendered {inr('1500')}" in text
    assert f"Change given {inr('52')}" in text
    assert f"Balance due {inr('0')}" in text
    assert 'data-action="print"' in response.content.decode()


def test_receipt_without_change_has_no_change_line(owner_client, gst_shop):
    invoice = issue(gst_shop, amount_paid=D("0"))
    text = text_of(owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk])))
    assert "Change given" not in text and "Cash tendered" not in text
    assert f"Balance due {inr('1447.50')}" in text


# --- PDF -----------------------------------------------------------------------------


def test_pdf_download(owner_client, gst_shop):
    invoice = issue(gst_shop)
    response = owner_client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-26-27-0001.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert len(response.content) > 5_000
    assert pdf_title(response.content) == "Tax Invoice INV/26-27/0001 · Sharma General Store"
    # The PDF is the A4 template with the screen-only toolbar left out.
    assert response.context["pdf"] is True
    assert response.context["invoice"].number == "INV/26-27/0001"
    assert response.context["tax_mode"] == "cgst_sgst"
    assert [t.name for t in response.templates][0] == "billing/documents/invoice_a4.html"


def test_pdf_fetcher_reads_static_files_from_disk_and_refuses_others():
    fetcher = static_fetcher()
    response = fetcher.fetch("http://testserver/static/css/invoice-print.css")
    assert b"@page a4" in response.read()
    assert response.content_type == "text/css"
    with pytest.raises(ValueError):
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///static/css/invoice-print.css")
    with pytest.raises(ValueError):
        fetcher.fetch("http://testserver/static/css/missing.css")


def test_pdf_fetcher_reads_collected_static_files(settings, tmp_path):
    """In production ``{% static %}`` names the collected (hashed) file, which only the
    staticfiles storage knows."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "invoice-print.0123abcd.css").write_text("@page a4 { size: A4 }")
    settings.STATIC_ROOT = str(tmp_path)
    response = static_fetcher().fetch("https://shop.example.com/static/css/invoice-print.0123abcd.css")
    assert response.read() == b"@page a4 { size: A4 }"


# --- Access and tenancy --------------------------------------------------------------

DOCUMENT_URLS = ["billing:invoice_print", "billing:invoice_receipt", "billing:invoice_pdf"]


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_another_shops_invoice_is_404(client, owner, other_owner, name):
    invoice = issue(owner.shop)
    client.force_login(other_owner.user)
    assert client.get(reverse(name, args=[invoice.pk])).status_code == 404
    assert client.get(reverse(name, args=[invoice.pk + 1000])).status_code == 404


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_staff_can_open_documents(client, staff, name):
    invoice = issue(staff.shop)
    client.force_login(staff.user)
    response = client.get(reverse(name, args=[invoice.pk]))
    assert response.status_code == 200
    assert response.context["invoice"] == invoice
    if name == "billing:invoice_pdf":
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    else:
        assert invoice.number in text_of(response)


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_anonymous_is_sent_to_login(client, shop, name):
    invoice = issue(shop)
    response = client.get(reverse(name, args=[invoice.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def _many_lines(count: int) -> list[LineInput]:
    rates = [D("0"), D("5"), D("12"), D("18"), D("28")]
    return [LineInput(quantity=D(i % 4 + 1), unit_price=D("10.25") * (i + 1), tax_rate=rates[i % 5],
                      description=f"Item {i}", hsn_code=f"{1000 + i}", unit="pcs") for i in range(count)]


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_query_count_does_not_grow_with_lines(owner_client, gst_shop, name, django_assert_max_num_queries):
    few = issue(gst_shop, _many_lines(3), discount_type="percent", discount_value=D("5"))
    many = issue(gst_shop, _many_lines(30), discount_type="percent", discount_value=D("5"))
    counts = []
    for invoice in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(reverse(name, args=[invoice.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(5):  # session, user, membership, invoice (+shop, customer, due), lines
        owner_client.get(reverse(name, args=[many.pk]))
