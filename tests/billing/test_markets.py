"""The counter's invoices in Bangladesh and Kenya (issue 16, "Markets").

Bangladesh: the VAT invoice in the Mushak-6.3 layout (VAT and SD Act 2012 s.51; VAT and
SD Rules 2016 rule 40(1)(c),(f)) with supplementary duty per line; Kenya: VAT at 16 %, the
KRA PINs, the eTIMS control unit invoice number and verification QR code, M-Pesa. Every
field is read from the rendered page and from the PDF's text. Payment methods follow the
market, and India's invoices do not change."""

import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import GstRegistration, Membership
from billing.forms.catalogue import ProductForm
from billing.forms.invoices import InvoiceForm, line_form_for_product
from billing.models import Invoice, InvoiceLine, Product
from billing.selectors.documents import invoice_document
from billing.services import BillingError
from billing.services.credit_notes import credit_note_create
from billing.services.etims import invoice_etims_update
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput, compute_totals, sd_and_vat, taxable_from_inclusive
from customers.services import customer_create
from tests.accounts.factories import MembershipFactory
from tests.billing.factories import ProductFactory
from tests.billing.test_invoice_views import post_data, with_lines

D = Decimal
BD_ISSUED = datetime.date(2026, 8, 10)  # Bangladesh's financial year 2026-27 (July–June)
KE_ISSUED = datetime.date(2026, 3, 5)  # Kenya's financial year 2026 (January–December)
SELLER_BIN = "000123456-0101"
BUYER_BIN = "004455667-0203"
SELLER_PIN = "P051234567A"
BUYER_PIN = "A009876543Z"
CU_NUMBER = "KRACU0100000001/152"
QR_URL = "https://etims.kra.go.ke/common/link/etims/receipt/indexEtimsReceiptData?Data=P051234567A00KRACU01"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").replace("&#x27;", "'").split())


def page_text(client, name, invoice) -> str:
    response = client.get(reverse(name, args=[invoice.pk]))
    assert response.status_code == 200
    return text_of(response.content.decode())


def pdf_text(client, invoice) -> str:
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def assert_fields(text: str, fields: dict[str, str]):
    missing = {name: value for name, value in fields.items() if value not in text}
    assert not missing, f"missing from the document: {missing}"


def local_time(invoice, zone) -> str:
    return timezone.localtime(invoice.created_at, zoneinfo.ZoneInfo(zone)).strftime("%H:%M")


@pytest.fixture
def bd_shop(shop, owner):
    shop.country, shop.currency, shop.locale, shop.financial_year_start_month = "BD", "BDT", "bn_BD", 7
    shop.name, shop.address, shop.phone = "Rahman Traders", "12 Kawran Bazar\nDhaka 1215", "02 9112233"
    shop.tax_number, shop.mobile_money = SELLER_BIN, "bKash 01712345678"
    shop.save()
    owner.user.first_name, owner.user.last_name = "Karim", "Rahman"
    owner.user.save()
    return shop


@pytest.fixture
def ke_shop(shop):
    shop.country, shop.currency, shop.locale, shop.financial_year_start_month = "KE", "KES", "en_KE", 1
    shop.name, shop.address, shop.phone = "Wanjiru Stores", "Moi Avenue 14\nNairobi", "020 2223344"
    shop.tax_number, shop.mobile_money = SELLER_PIN, "Till 123456"
    shop.save()
    return shop


def bd_lines(shop):
    """2 × ৳500 of a product with 10 % SD at 15 % VAT, and 1 × ৳200 at 15 % without SD."""
    juice = Product.objects.filter(shop=shop, sku="JUICE-1L").first() or ProductFactory(
        shop=shop, name="Mango juice 1 L", sku="JUICE-1L", sale_price=D("500.00"),
                           tax_rate=D("15"), sd_rate=D("10"), unit="pcs", track_stock=False)
    return [
        LineInput(quantity=D("2"), unit_price=D("500.00"), tax_rate=D("15"), description="Mango juice 1 L",
                  product=juice, unit="pcs"),
        LineInput(quantity=D("1"), unit_price=D("200.00"), tax_rate=D("15"), description="Rice 5 kg", unit="pack"),
    ]


def issue_bd(shop, owner, **kwargs):
    buyer = customer_create(shop=shop, name="Dhaka Caterers Ltd", address="7 Motijheel C/A\nDhaka 1000",
                            tax_number=BUYER_BIN)
    kwargs.setdefault("issued_on", BD_ISSUED)
    return invoice_issue(shop=shop, lines=bd_lines(shop), customer=buyer, discount_value=D("120"),
                         amount_paid=D("500"), payment_method="bkash", created_by=owner.user, **kwargs)


def issue_ke(shop, owner=None, **kwargs):
    buyer = customer_create(shop=shop, name="Mombasa Hotels Ltd", address="Nkrumah Road 3\nMombasa",
                            tax_number=BUYER_PIN)
    items = [LineInput(quantity=D("3"), unit_price=D("250.00"), tax_rate=D("16"), description="Sugar 2 kg",
                       unit="pack")]
    kwargs.setdefault("issued_on", KE_ISSUED)
    return invoice_issue(shop=shop, lines=items, customer=buyer, amount_paid=D("870"), payment_method="mpesa",
                         created_by=owner.user if owner else None, **kwargs)


# --- SD and VAT arithmetic -------------------------------------------------------------------


def test_sd_then_vat_on_a_line_with_discount():
    """SD = taxable × SD rate; VAT = (taxable + SD) × VAT rate; value = taxable + SD + VAT."""
    lines = [LineInput(quantity=D("2"), unit_price=D("500.00"), tax_rate=D("15"), sd_rate=D("10")),
             LineInput(quantity=D("1"), unit_price=D("200.00"), tax_rate=D("15"), sd_rate=D("0"))]
    totals = compute_totals(lines, discount_value=D("120"), with_sd=True)
    first, second = totals.lines
    # The ৳120 discount is spread 100 + 20 over the nets 1000 and 200.
    assert (first.line_net, first.discount, first.taxable_value) == (D("1000.00"), D("100.00"), D("900.00"))
    assert (first.sd_amount, first.tax) == (D("90.00"), D("148.50"))  # 900 × 10 %; 990 × 15 %
    assert (second.taxable_value, second.sd_amount, second.tax) == (D("180.00"), D("0.00"), D("27.00"))
    assert totals.taxable_total == D("1080.00")
    assert totals.sd_total == D("90.00")
    assert totals.tax_total == D("175.50")
    assert totals.total == D("1345.50") == totals.taxable_total + totals.sd_total + totals.tax_total
    assert totals.round_off_amount == 0
    [row] = totals.tax_rows
    assert (row.rate, row.taxable_value, row.sd, row.tax, row.base) == (D("15"), D("1080.00"), D("90.00"),
                                                                         D("175.50"), D("1170.00"))
    assert sd_and_vat(D("900.00"), D("10"), D("15")) == (D("90.00"), D("148.50"))


def test_a_tax_inclusive_price_holds_sd_and_vat():
    assert taxable_from_inclusive(D("126.50"), D("15"), D("10")) == D("100.00")
    assert taxable_from_inclusive(D("105.00"), D("5")) == D("100.00")
    totals = compute_totals([LineInput(quantity=D("1"), unit_price=D("126.50"), tax_rate=D("15"), sd_rate=D("10"),
                                       price_includes_tax=True)], with_sd=True)
    assert (totals.taxable_total, totals.sd_total, totals.tax_total, totals.total) == (
        D("100.00"), D("10.00"), D("16.50"), D("126.50"))
    # A price the rates do not divide evenly: the rounding is shown, the total is the price.
    totals = compute_totals([LineInput(quantity=D("3"), unit_price=D("99.00"), tax_rate=D("15"), sd_rate=D("20"),
                                       price_includes_tax=True)], with_sd=True)
    assert totals.total == D("297.00")
    assert totals.taxable_total + totals.sd_total + totals.tax_total + totals.round_off_amount == D("297.00")


def test_without_sd_the_sd_rate_is_ignored_and_totals_do_not_change():
    lines = [LineInput(quantity=D("2"), unit_price=D("500.00"), tax_rate=D("18"), sd_rate=D("10")),
             LineInput(quantity=D("3"), unit_price=D("99.00"), tax_rate=D("12"), price_includes_tax=True)]
    plain = [LineInput(quantity=D("2"), unit_price=D("500.00"), tax_rate=D("18")),
             LineInput(quantity=D("3"), unit_price=D("99.00"), tax_rate=D("12"), price_includes_tax=True)]
    for options in ({}, {"gst_split": True}, {"gst_split": True, "inter_state": True}):
        with_rate = compute_totals(lines, discount_value=D("50"), round_off=True, **options)
        without = compute_totals(plain, discount_value=D("50"), round_off=True, **options)
        assert with_rate.tax_rows == without.tax_rows
        assert [(t.line_net, t.discount, t.taxable_value) for t in with_rate.lines] == [
            (t.line_net, t.discount, t.taxable_value) for t in without.lines]
        for name in ("subtotal", "discount_total", "taxable_total", "tax_total", "round_off_amount", "total"):
            assert getattr(with_rate, name) == getattr(without, name), name
        assert with_rate.sd_total == 0 and all(line.sd_amount == 0 for line in with_rate.lines)


def test_a_bangladeshi_invoice_takes_the_products_sd_and_numbers_in_the_july_year(bd_shop, owner):
    invoice = issue_bd(bd_shop, owner)
    assert invoice.number == "INV/26-27/0001"  # July–June: August 2026 is in 2026-27
    assert invoice.tax_scheme == "vat_bd"
    assert (invoice.supplier_tax_number, invoice.recipient_tax_number) == (SELLER_BIN, BUYER_BIN)
    assert (invoice.subtotal, invoice.discount_total, invoice.taxable_total) == (D("1200.00"), D("120.00"),
                                                                                  D("1080.00"))
    assert (invoice.sd_total, invoice.tax_total, invoice.total) == (D("90.00"), D("175.50"), D("1345.50"))
    juice, rice = InvoiceLine.objects.filter(invoice=invoice).order_by("position")
    assert (juice.sd_rate, juice.sd_amount, juice.taxable_value) == (D("10"), D("90.00"), D("900.00"))
    assert (rice.sd_rate, rice.sd_amount) == (D("0"), D("0"))
    assert invoice.due.amount == D("1345.50")
    assert invoice.balance_due == D("845.50")
    # June 2027 is still 2026-27; July 2027 starts 2027-28.
    assert issue_bd(bd_shop, owner, issued_on=datetime.date(2026, 6, 30)).number == "INV/25-26/0001"
    # A line's own SD rate wins over its product's.
    items = bd_lines(bd_shop)[:1]
    items[0].sd_rate = D("0")
    walk_in = invoice_issue(shop=bd_shop, lines=items, amount_paid=D("1150.00"), issued_on=BD_ISSUED)
    assert (walk_in.sd_total, walk_in.tax_total, walk_in.total) == (D("0"), D("150.00"), D("1150.00"))


def test_sd_is_charged_only_in_bangladesh(ke_shop):
    product = ProductFactory(shop=ke_shop, sale_price=D("100.00"), tax_rate=D("16"), sd_rate=D("10"), track_stock=False)
    invoice = invoice_issue(shop=ke_shop, issued_on=KE_ISSUED, amount_paid=D("232.00"), lines=[
        LineInput(quantity=D("2"), unit_price=D("100.00"), tax_rate=D("16"), description="Soap", product=product)])
    assert (invoice.taxable_total, invoice.sd_total, invoice.tax_total, invoice.total) == (
        D("200.00"), D("0"), D("32.00"), D("232.00"))
    assert InvoiceLine.objects.get(invoice=invoice).sd_amount == 0
    assert invoice.number == "INV/26/0001"  # Kenya's financial year is the calendar year


def test_a_bangladeshi_return_gives_back_its_share_of_sd_and_vat(bd_shop, owner):
    invoice = issue_bd(bd_shop, owner)
    juice = InvoiceLine.objects.get(invoice=invoice, position=1)
    note = credit_note_create(shop=bd_shop, invoice=invoice, quantities={juice.pk: D("1")}, reason="Leaking pack",
                              created_by=owner.user)
    # Half the line: taxable 450, SD 45, VAT (450 + 45) × 15 % = 74.25.
    assert (note.taxable_total, note.sd_total, note.tax_total, note.total) == (
        D("450.00"), D("45.00"), D("74.25"), D("569.25"))
    rest = credit_note_create(shop=bd_shop, invoice=invoice, reason="All back", created_by=owner.user,
                              quantities={juice.pk: D("1"), InvoiceLine.objects.get(invoice=invoice,
                                                                                     position=2).pk: D("1")})
    assert rest.sd_total == D("45.00")
    assert note.total + rest.total == invoice.total


# --- Bangladesh: the Mushak-6.3 -----------------------------------------------------------------


def mushak_fields(invoice) -> dict[str, str]:
    """What the Mushak-6.3 asks of this invoice (rule 40(1)(c),(f)), as the page shows it."""
    return {
        "form": "Mushak-6.3",
        "title": "Tax Invoice",
        "rule": "rule 40 of the VAT and SD Rules, 2016",
        "seller's name": "Name of the registered person: Rahman Traders",
        "seller's BIN": f"BIN of the registered person: {SELLER_BIN}",
        "seller's address": "Address of the registered person (place of issue): 12 Kawran Bazar Dhaka 1215",
        "buyer's name": "Name of the buyer: Dhaka Caterers Ltd",
        "buyer's BIN": f"BIN of the buyer: {BUYER_BIN}",
        "buyer's address": "Address of the buyer: 7 Motijheel C/A Dhaka 1000",
        "number": "Invoice no. INV/26-27/0001",
        "date of issue": "Date of issue 10 Aug 2026",
        "time of issue": f"Time of issue {local_time(invoice, 'Asia/Dhaka')}",
        "columns": "Serial no. Description of goods or services Unit of supply Quantity Unit price (৳) "
                   "Total price (৳) Discount (৳) Value (৳) SD rate SD amount (৳) VAT rate VAT amount (৳) "
                   "Value including all duties and taxes (৳)",
        # serial, description, unit, quantity, unit price, total price, discount, value, SD rate and
        # amount, VAT rate and amount, value including all duties and taxes
        "line 1": "1 Mango juice 1 L pcs 2 500.00 1,000.00 100.00 900.00 10% 90.00 15% 148.50 1,138.50",
        "line 2": "2 Rice 5 kg pack 1 200.00 200.00 20.00 180.00 0% 0.00 15% 27.00 207.00",
        "column totals": "Total 1,200.00 120.00 1,080.00 90.00 175.50 1,345.50",
        "SD total": "Supplementary duty (SD) ৳90.00",
        "VAT total": "VAT ৳175.50",
        "total": "Total ৳1,345.50",
        "in words": "Taka One Thousand Three Hundred Forty-Five and Fifty Poisha Only",
        "authorised person": "Name of the authorised person: Karim Rahman",
        "signature": "Signature and seal of the authorised person",
        "mobile money": "Pay by bKash/Nagad: bKash 01712345678",
    }


def test_the_mushak_page_and_pdf_carry_every_field(owner_client, bd_shop, owner):
    invoice = issue_bd(bd_shop, owner)
    fields = mushak_fields(invoice)
    response = owner_client.get(reverse("billing:invoice_print", args=[invoice.pk]))
    assert [t.name for t in response.templates][0] == "billing/documents/invoice_a4_mushak.html"
    assert_fields(text_of(response.content.decode()), fields)
    # The PDF prints labels and titles in capitals (the stylesheet's text-transform).
    assert_fields(pdf_text(owner_client, invoice).lower(), {name: value.lower() for name, value in fields.items()})
    assert "GSTIN" not in text_of(response.content.decode())


def test_the_mushak_receipt_and_invoice_page(owner_client, bd_shop, owner):
    invoice = issue_bd(bd_shop, owner)
    receipt = page_text(owner_client, "billing:invoice_receipt", invoice)
    assert_fields(receipt, {"form": "Mushak-6.3 Tax Invoice", "seller's BIN": f"BIN: {SELLER_BIN}",
                            "date and time": f"10-08-2026 {local_time(invoice, 'Asia/Dhaka')}",
                            "buyer's BIN": f"BIN {BUYER_BIN}", "SD": "SD ৳90.00", "VAT": "VAT ৳175.50",
                            "line": "(SD 10%, 15%)", "total": "TOTAL ৳1,345.50",
                            "mobile money": "Pay by bKash/Nagad: bKash 01712345678"})
    detail = page_text(owner_client, "billing:invoice_detail", invoice)
    assert_fields(detail, {"layout": "Mushak-6.3 VAT invoice (Bangladesh)", "seller": f"Seller's BIN {SELLER_BIN}",
                           "buyer": f"Buyer's BIN {BUYER_BIN}",
                           "time": f"Time of issue 10 Aug 2026 {local_time(invoice, 'Asia/Dhaka')}",
                           "SD": "Supplementary duty (SD) ৳90.00", "VAT": "VAT 15% ৳175.50",
                           "paid": "Paid at the counter (bKash) ৳500.00"})
    assert "eTIMS" not in detail


def test_the_buyer_bin_is_snapshotted_at_issue(owner_client, bd_shop, owner):
    invoice = issue_bd(bd_shop, owner)
    invoice.customer.tax_number = "999999999-0000"
    invoice.customer.save()
    bd_shop.tax_number = "111111111-1111"
    bd_shop.save()
    text = page_text(owner_client, "billing:invoice_print", invoice)
    assert f"BIN of the buyer: {BUYER_BIN}" in text and f"BIN of the registered person: {SELLER_BIN}" in text


def test_a_walk_in_mushak_sale(owner_client, bd_shop, owner):
    invoice = invoice_issue(shop=bd_shop, lines=bd_lines(bd_shop), amount_paid=D("1495.00"), payment_method="nagad",
                            issued_on=BD_ISSUED, created_by=owner.user)
    assert invoice.total == D("1495.00")  # 1000 + 100 SD + 165 VAT; 200 + 30 VAT
    text = page_text(owner_client, "billing:invoice_print", invoice)
    assert "Name of the buyer: Walk-in customer" in text and "Paid (Nagad) ৳1,495.00" in text


def test_the_counter_shows_sd_in_its_live_totals(owner_client, bd_shop):
    juice = bd_lines(bd_shop)[0].product
    data = with_lines(post_data(discount_value="100"), (juice, "Mango juice 1 L", "2", "500.00", "15"))
    text = text_of(owner_client.post(reverse("billing:invoice_totals"), data).content.decode())
    assert "Supplementary duty (SD) ৳90.00" in text
    assert "VAT 15% on ৳990.00 ৳148.50" in text
    assert "Total ৳1,138.50" in text


# --- Kenya: KRA PINs, eTIMS, M-Pesa ----------------------------------------------------------------


def kenya_fields(invoice) -> dict[str, str]:
    return {
        "title": "Tax Invoice",
        "seller": "Wanjiru Stores Moi Avenue 14 Nairobi",
        "seller's PIN": f"KRA PIN: {SELLER_PIN}",
        "buyer": "Mombasa Hotels Ltd Nkrumah Road 3 Mombasa",
        "buyer's PIN": f"KRA PIN: {BUYER_PIN}",
        "number": "Invoice no. INV/26/0001",
        "date": "Date 5 Mar 2026",
        "time": f"Time {local_time(invoice, 'Africa/Nairobi')}",
        "line": "1 Sugar 2 kg 3 pack KSh 250.00 KSh 750.00 16%",
        "VAT by rate": "16% KSh 750.00 KSh 120.00",
        "VAT": "VAT KSh 120.00",
        "total": "Total KSh 870.00",
        "paid": "Paid (M-Pesa) KSh 870.00",
        "M-Pesa": "Pay by M-Pesa: Till 123456",
    }


def test_the_kenyan_invoice_page_and_pdf_carry_pins_etims_and_m_pesa(owner_client, ke_shop, owner):
    invoice = issue_ke(ke_shop, owner)
    assert (invoice.tax_scheme, invoice.supplier_tax_number, invoice.recipient_tax_number) == (
        "vat_ke", SELLER_PIN, BUYER_PIN)
    fields = kenya_fields(invoice)
    html = owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])).content.decode()
    assert_fields(text_of(html), fields)
    assert "eTIMS" not in text_of(html) and "<svg" not in html  # nothing to print before the control unit signs
    assert_fields(pdf_text(owner_client, invoice).lower(), {name: value.lower() for name, value in fields.items()})

    invoice_etims_update(shop=ke_shop, invoice=invoice, cu_number=CU_NUMBER, qr_url=QR_URL, user=owner.user)
    etims = {"CU number": f"CU invoice no. {CU_NUMBER}",
             "eTIMS": f"KRA eTIMS Control unit invoice number: {CU_NUMBER}",
             "QR": "Scan the code to verify this invoice with KRA."}
    html = owner_client.get(reverse("billing:invoice_print", args=[invoice.pk])).content.decode()
    assert_fields(text_of(html), {**fields, **etims})
    # The QR code encodes the verification link (segno, as the UPI code).
    assert invoice_document(invoice=Invoice.objects.get(pk=invoice.pk))["etims_qr_svg"] in html
    assert 'class="etims-qr"' in html
    assert_fields(pdf_text(owner_client, invoice).lower(),
                  {name: value.lower() for name, value in {**fields, **etims}.items()})
    receipt = page_text(owner_client, "billing:invoice_receipt", invoice)
    assert_fields(receipt, {"seller": f"KRA PIN: {SELLER_PIN}", "buyer": f"KRA PIN {BUYER_PIN}",
                            "CU": f"CU no. {CU_NUMBER}", "VAT": "VAT KSh 120.00",
                            "M-Pesa": "Pay by M-Pesa: Till 123456"})
    receipt_html = owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk])).content.decode()
    assert 'class="etims-qr"' in receipt_html


def test_the_product_form_starts_at_the_markets_vat_rate(bd_shop):
    form = ProductForm(shop=bd_shop)
    assert form.initial["tax_rate"] == D("15")
    assert "sd_rate" in form.fields
    assert 'value="15" autocomplete="off" checked' in str(form["tax_rate"])
    assert 'value="7.5"' in str(form["tax_rate"])  # Bangladesh's reduced rates, not GST's slabs
    assert 'value="28"' not in str(form["tax_rate"])
    assert line_form_for_product(None, shop=bd_shop).initial["tax_rate"] == D("15")


def test_product_sd_rate_is_saved_from_the_form_in_bangladesh_only(owner_client, bd_shop):
    data = {"sku": "CIG-20", "name": "Cigarettes 20", "unit": "pack", "sale_price": "350", "tax_rate_0": "15",
            "tax_rate_1": "", "sd_rate": "65", "low_stock_level": "0", "track_stock": "on", "is_active": "on"}
    response = owner_client.post(reverse("billing:product_create"), data)
    assert response.status_code == 302, text_of(response.content.decode())
    product = Product.objects.get(shop=bd_shop, sku="CIG-20")
    assert (product.tax_rate, product.sd_rate) == (D("15"), D("65"))
    assert "Supplementary duty (SD) 65%" in page_text(owner_client, "billing:product_detail", product)


@pytest.mark.parametrize(("country", "rate", "has_sd"), [("KE", D("16"), False), ("IN", None, False),
                                                        ("ZZ", None, False), ("BD", D("15"), True)])
def test_product_form_per_country(shop, country, rate, has_sd):
    shop.country = country
    shop.save()
    form = ProductForm(shop=shop)
    assert form.initial.get("tax_rate") == rate
    assert ("sd_rate" in form.fields) is has_sd
    if country == "IN":
        assert str(form.fields["tax_rate"].label) == "Tax rate (GST)"
        assert 'value="28"' in str(form["tax_rate"])


# --- Payment methods per market -----------------------------------------------------------------


@pytest.mark.parametrize(("country", "methods"), [
    ("IN", ["cash", "upi", "card", "bank", "other"]),
    ("BD", ["cash", "bkash", "nagad", "card", "bank", "other"]),
    ("KE", ["cash", "mpesa", "card", "bank", "other"]),
    ("ZZ", ["cash", "card", "bank", "other"]),
])
def test_paid_now_methods_follow_the_market(owner_client, shop, country, methods):
    shop.country = country
    shop.save()
    assert [value for value, _label in InvoiceForm(shop=shop).fields["payment_method"].choices] == methods
    html = owner_client.get(reverse("billing:invoice_create")).content.decode()
    offered = re.findall(r'<option value="([a-z]+)"', html.split('name="payment_method"')[1].split("</select>")[0])
    assert offered == methods


@pytest.mark.parametrize(("country", "refused"), [("IN", "mpesa"), ("BD", "upi"), ("KE", "bkash"), ("ZZ", "upi")])
def test_a_method_of_another_market_is_refused(shop, country, refused):
    shop.country = country
    shop.save()
    items = [LineInput(quantity=D("1"), unit_price=D("100.00"), tax_rate=D("0"), description="Bread")]
    with pytest.raises(BillingError) as error:
        invoice_issue(shop=shop, lines=items, amount_paid=D("100.00"), payment_method=refused)
    assert error.value.field == "payment_method"
    assert not Invoice.objects.filter(shop=shop).exists()


def test_the_counter_takes_bkash_in_bangladesh(owner_client, bd_shop):
    juice = bd_lines(bd_shop)[0].product
    data = with_lines(post_data(amount_paid="1265.00", payment_method="bkash"),
                      (juice, "Mango juice 1 L", "2", "500.00", "15"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 302, text_of(response.content.decode())
    invoice = Invoice.objects.get(shop=bd_shop)
    assert (invoice.payment_method, invoice.sd_total, invoice.total) == ("bkash", D("100.00"), D("1265.00"))
    refused = with_lines(post_data(amount_paid="1265.00", payment_method="upi"),
                         (juice, "Mango juice 1 L", "2", "500.00", "15"))
    response = owner_client.post(reverse("billing:invoice_create"), refused)
    assert response.status_code == 200 and Invoice.objects.filter(shop=bd_shop).count() == 1


# --- The eTIMS form ---------------------------------------------------------------------------


def etims_url(invoice):
    return reverse("billing:invoice_etims", args=[invoice.pk])


def test_the_etims_form_records_the_references(owner_client, ke_shop, owner):
    invoice = issue_ke(ke_shop, owner)
    page = owner_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'data-testid="etims-form"' in page and "No eTIMS control unit invoice number yet" in page
    response = owner_client.post(etims_url(invoice), {"etims_cu_number": f" {CU_NUMBER} ", "etims_qr_url": QR_URL})
    assert response.status_code == 302 and response.url == invoice.get_absolute_url()
    invoice.refresh_from_db()
    assert (invoice.etims_cu_number, invoice.etims_qr_url) == (CU_NUMBER, QR_URL)
    assert invoice.history.first().history_user == owner.user
    detail = owner_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert CU_NUMBER in detail and 'class="etims-qr"' in detail
    # A GET only shows the invoice.
    assert owner_client.get(etims_url(invoice)).url == invoice.get_absolute_url()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"etims_cu_number": CU_NUMBER, "etims_qr_url": "javascript:alert(1)"}, "etims_qr_url", "starting with https://"),
    ({"etims_cu_number": CU_NUMBER, "etims_qr_url": "http://etims.kra.go.ke/x"}, "etims_qr_url",
     "starting with https://"),
    ({"etims_cu_number": "KRA CU <b>1</b>", "etims_qr_url": ""}, "etims_cu_number", "letters, digits, / and -"),
])
def test_the_etims_form_refuses_bad_references(owner_client, ke_shop, owner, data, field, message):
    invoice = issue_ke(ke_shop, owner)
    response = owner_client.post(etims_url(invoice), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.etims_cu_number, invoice.etims_qr_url) == ("", "")


def test_etims_needs_the_sale_permission(client, ke_shop, owner):
    invoice = issue_ke(ke_shop, owner)
    viewer = MembershipFactory(shop=ke_shop, role=Membership.Role.VIEWER)
    client.force_login(viewer.user)
    assert 'data-testid="etims-form"' not in client.get(reverse("billing:invoice_detail",
                                                                 args=[invoice.pk])).content.decode()
    assert client.post(etims_url(invoice), {"etims_cu_number": CU_NUMBER}).status_code == 403
    cashier = MembershipFactory(shop=ke_shop, role=Membership.Role.CASHIER)
    client.force_login(cashier.user)
    assert client.post(etims_url(invoice), {"etims_cu_number": CU_NUMBER}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.etims_cu_number == CU_NUMBER


def test_another_shops_invoice_is_404_for_etims(client, owner, other_owner, cross_shop):
    shop = owner.shop
    shop.country, shop.currency, shop.locale = "KE", "KES", "en_KE"
    shop.save()
    invoice = issue_ke(shop)
    client.force_login(other_owner.user)
    for method in ("get", "post"):
        response = getattr(client, method)(etims_url(invoice), {"etims_cu_number": CU_NUMBER, "etims_qr_url": QR_URL})
        assert response.status_code == 404, method
    invoice.refresh_from_db()
    assert (invoice.etims_cu_number, invoice.etims_qr_url) == ("", "")


def test_etims_belongs_to_kenyan_invoices_that_are_not_void(owner_client, shop, owner):
    indian = invoice_issue(shop=shop, amount_paid=D("100.00"), lines=[
        LineInput(quantity=D("1"), unit_price=D("100.00"), tax_rate=D("0"), description="Bread")])
    assert 'data-testid="etims-form"' not in owner_client.get(indian.get_absolute_url()).content.decode()
    response = owner_client.post(etims_url(indian), {"etims_cu_number": CU_NUMBER}, follow=True)
    assert "eTIMS references belong on Kenyan VAT invoices only." in response.content.decode()
    indian.refresh_from_db()
    assert indian.etims_cu_number == ""
    shop.country, shop.currency, shop.locale = "KE", "KES", "en_KE"
    shop.save()
    kenyan = issue_ke(shop)
    invoice_void(shop=shop, invoice=kenyan, reason="Wrong buyer")
    with pytest.raises(BillingError, match="void"):
        invoice_etims_update(shop=shop, invoice=kenyan, cu_number=CU_NUMBER)


# --- India is unchanged ---------------------------------------------------------------------------


def test_an_indian_gst_invoice_is_unchanged(owner_client, shop, owner):
    shop.gstin, shop.gst_registration = "27AAPFU0939F1ZV", GstRegistration.REGULAR
    shop.tax_number, shop.mobile_money = "IGNORED", "IGNORED"  # not India's fields
    shop.save()
    product = ProductFactory(shop=shop, sale_price=D("1000.00"), tax_rate=D("18"), sd_rate=D("10"), track_stock=False)
    items = [LineInput(quantity=D("2"), unit_price=D("1000.00"), tax_rate=D("18"), description="Steel thali set",
                       hsn_code="7323", product=product)]
    invoice = invoice_issue(shop=shop, lines=items, customer=customer_create(shop=shop, name="Asha Verma"),
                            issued_on=datetime.date(2026, 5, 12), payment_method="upi", amount_paid=D("100"),
                            discount_value=D("50"), round_off=True)
    expected = compute_totals(items, discount_value=D("50"), round_off=True, gst_split=True)
    assert (invoice.tax_scheme, invoice.number, invoice.series) == ("gst", "INV/26-27/0001", "invoice")
    assert (invoice.taxable_total, invoice.tax_total, invoice.round_off_amount, invoice.total) == (
        expected.taxable_total, expected.tax_total, expected.round_off_amount, expected.total)
    assert invoice.sd_total == 0 and InvoiceLine.objects.get(invoice=invoice).sd_amount == 0
    assert (invoice.supplier_tax_number, invoice.recipient_tax_number) == ("", "")
    response = owner_client.get(reverse("billing:invoice_print", args=[invoice.pk]))
    assert [t.name for t in response.templates][0] == "billing/documents/invoice_a4.html"
    text = text_of(response.content.decode())
    assert "Tax Invoice" in text and "GSTIN: 27AAPFU0939F1ZV" in text and "CGST" in text
    for absent in ("Mushak", "KRA", "BIN", "eTIMS", "Pay by", "IGNORED", "Supplementary", "Time"):
        assert absent not in text, absent
    detail = page_text(owner_client, "billing:invoice_detail", invoice)
    for absent in ("Mushak", "KRA", "BIN", "eTIMS", "Supplementary", "SD %", "VAT"):
        assert absent not in detail, absent
    assert "HSN" in detail and "Tax %" in detail
