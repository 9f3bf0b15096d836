"""Lawful GST documents (issue #15): place of supply → tax heads, the B2B tax invoice with
every field rule 46 of the CGST Rules 2017 asks for, the unregistered recipient's large
invoice (rule 46(e)), and the bill of supply (rule 49) of a composition or unregistered
shop in its own series. Fields are read from the rendered page and from the PDF's text."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import GstRegistration
from billing.models import Invoice, Series
from billing.services import BillingError
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from customers.services import customer_create
from reports.selectors.gst import gst_summary
from tests.billing.test_invoice_views import post_data, with_lines

D = Decimal
ISSUED = datetime.date(2026, 5, 12)  # financial year 26-27
SHOP_GSTIN = "27AAPFU0939F1ZV"  # Maharashtra
KARNATAKA_GSTIN = "29AAGCB7383J1Z4"
MAHARASHTRA_GSTIN = "27AAGCB7383J1Z8"


@pytest.fixture
def gst_shop(shop):
    shop.name, shop.address, shop.phone = "Sharma General Store", "14 MG Road\nPune 411001", "020 4001234"
    shop.gstin, shop.gst_registration = SHOP_GSTIN, GstRegistration.REGULAR
    shop.save()
    return shop


def customer(shop, name="Bharat Caterers", gstin="", state="", address="7 Residency Road\nBengaluru 560025"):
    return customer_create(shop=shop, name=name, gstin=gstin, state=state, address=address)


def lines(price="1000.00", quantity="2", rate="18", **kwargs):
    return [LineInput(quantity=D(quantity), unit_price=D(price), tax_rate=D(rate), description="Steel thali set",
                      hsn_code="7323", unit="pcs", **kwargs)]


def issue(shop, buyer=None, items=None, **kwargs):
    kwargs.setdefault("issued_on", ISSUED)
    items = items or lines()
    if buyer is None and "amount_paid" not in kwargs:
        from billing.services.invoices import sale_terms, sale_totals
        terms = sale_terms(shop=shop, customer=None, place_of_supply=kwargs.get("place_of_supply", ""))
        kwargs["amount_paid"] = sale_totals(terms=terms, lines=items)[1].total
    return invoice_issue(shop=shop, lines=items, customer=buyer, **kwargs)


def page_text(client, invoice) -> str:
    html = client.get(reverse("billing:invoice_print", args=[invoice.pk])).content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&amp;", "&").split())


def pdf_text(client, invoice) -> str:
    """The PDF's text, lower case (the stylesheet prints titles and labels in capitals)."""
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split()).lower()


def assert_fields(text: str, fields: dict[str, str]):
    missing = {name: value for name, value in fields.items() if value not in text}
    assert not missing, f"missing from the document: {missing}"


# -- place of supply → tax heads --------------------------------------------------------------


def test_place_of_supply_follows_the_customer_and_sets_the_tax_heads(gst_shop):
    local = issue(gst_shop, customer(gst_shop, gstin=MAHARASHTRA_GSTIN))
    assert (local.place_of_supply, local.is_inter_state, local.gst_split) == ("27", False, True)
    assert local.tax_total == D("360.00")  # CGST 180 + SGST 180 on 2000
    other = issue(gst_shop, customer(gst_shop, name="Karnataka Traders", gstin=KARNATAKA_GSTIN))
    assert (other.place_of_supply, other.is_inter_state) == ("29", True)
    by_state = issue(gst_shop, customer(gst_shop, name="Goa Hotel", state="30"))
    assert (by_state.place_of_supply, by_state.is_inter_state, by_state.recipient_gstin) == ("30", True, "")


def test_walk_in_and_customer_without_state_are_the_shops_state(gst_shop):
    walk_in = issue(gst_shop)
    assert (walk_in.place_of_supply, walk_in.is_inter_state) == ("27", False)
    plain = issue(gst_shop, customer(gst_shop, name="Asha"))
    assert (plain.place_of_supply, plain.is_inter_state) == ("27", False)


def test_a_chosen_place_of_supply_overrides_the_default(gst_shop):
    invoice = issue(gst_shop, place_of_supply="29")
    assert (invoice.place_of_supply, invoice.is_inter_state) == ("29", True)
    invoice = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN), place_of_supply="27")
    assert (invoice.place_of_supply, invoice.is_inter_state) == ("27", False)


def test_an_unknown_place_of_supply_is_refused(gst_shop):
    with pytest.raises(BillingError) as exc:
        issue(gst_shop, place_of_supply="99")
    assert exc.value.field == "place_of_supply"
    assert not Invoice.objects.filter(shop=gst_shop).exists()


def test_counter_form_has_a_place_of_supply_and_no_inter_state_box(owner_client, gst_shop):
    form = owner_client.get(reverse("billing:invoice_create")).context["form"]
    assert "is_inter_state" not in form.fields and "place_of_supply" in form.fields
    assert form.fields["place_of_supply"].choices[0] == (
        "", "Customer's state, else Maharashtra (27)")
    data = with_lines(post_data(place_of_supply="29", amount_paid="2360.00"),
                      (None, "Steel thali set", "2", "1000.00", "18"))
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get(shop=gst_shop)
    assert (invoice.place_of_supply, invoice.is_inter_state, invoice.tax_total) == ("29", True, D("360.00"))
    bad = owner_client.post(reverse("billing:invoice_create"), {**data, "place_of_supply": "99"})
    assert bad.status_code == 200 and "place_of_supply" in bad.context["form"].errors


def test_totals_panel_says_the_place_and_the_heads(owner_client, gst_shop):
    data = with_lines(post_data(place_of_supply="29"), (None, "Steel thali set", "2", "1000.00", "18"))
    body = owner_client.post(reverse("billing:invoice_totals"), data).content.decode()
    assert "Place of supply: <strong>Karnataka (29)</strong> · inter-state, IGST" in body
    assert "IGST 18%" in body


# -- the B2B tax invoice (rule 46) ------------------------------------------------------------


RULE_46 = {
    "(a) supplier's name": "Sharma General Store",
    "(a) supplier's address": "14 MG Road",
    "(a) supplier's GSTIN": f"GSTIN: {SHOP_GSTIN}",
    "(b) serial number": "INV/26-27/0001",
    "(c) date": "12 May 2026",
    "(d) recipient's name": "Bharat Caterers",
    "(d) recipient's address": "7 Residency Road",
    "(d) recipient's GSTIN": f"GSTIN: {KARNATAKA_GSTIN}",
    "(f) HSN code": "7323",
    "(g) description": "Steel thali set",
    "(h) quantity and unit": "2 pcs",
    "(i) total value": "₹2,360.00",
    "(j) taxable value": "₹2,000.00",
    "(k) rate of tax": "18%",
    "(l) amount of tax": "₹360.00",
    "(m) place of supply": "Place of supply: Karnataka (29)",
    "(o) reverse charge": "Tax payable on reverse charge: No",
    "(p) signature": "Authorised signatory",
    "title": "Tax Invoice",
}


def test_b2b_invoice_carries_every_rule_46_field_on_the_page_and_in_the_pdf(owner_client, gst_shop):
    invoice = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN))
    assert invoice.is_b2b and len(invoice.number) <= 16
    html = page_text(owner_client, invoice)
    assert_fields(html, RULE_46)
    assert "IGST" in html and "CGST" not in html
    pdf = pdf_text(owner_client, invoice)
    # pypdf may break a line inside a long value; the fields are compared without spaces too.
    squeezed = pdf.replace(" ", "")
    missing = [name for name, value in RULE_46.items()
               if value.lower() not in pdf and value.replace(" ", "").lower() not in squeezed]
    assert not missing, f"missing from the PDF: {missing}"


def test_recipient_details_are_snapshotted_at_issue(owner_client, gst_shop):
    buyer = customer(gst_shop, gstin=KARNATAKA_GSTIN)
    invoice = issue(gst_shop, buyer)
    from customers.services import customer_update
    customer_update(customer=buyer, name="Renamed Ltd", gstin="", address="Elsewhere")
    text = page_text(owner_client, invoice)
    assert "Bharat Caterers" in text and KARNATAKA_GSTIN in text and "Renamed Ltd" not in text


def test_large_invoice_to_an_unregistered_recipient_prints_delivery_address_and_state(owner_client, gst_shop):
    buyer = customer(gst_shop, name="Ravi Kumar", state="29")
    small = issue(gst_shop, buyer, lines(price="100.00"))
    assert "Delivery address" not in page_text(owner_client, small)
    large = issue(gst_shop, buyer, lines(price="25000.00"))  # 50,000 taxable, 59,000 with IGST
    expected = {"delivery address": "Delivery address 7 Residency Road Bengaluru 560025",
                "state name and code": "State: Karnataka (29)", "name": "Ravi Kumar"}
    assert_fields(page_text(owner_client, large), expected)
    pdf = pdf_text(owner_client, large)
    assert "delivery address 7 residency road" in pdf and "state: karnataka (29)" in pdf


def test_a_delivery_address_entered_is_printed(owner_client, gst_shop):
    invoice = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN), delivery_address="Site 4, Hosur Road")
    assert "Delivery address Site 4, Hosur Road" in page_text(owner_client, invoice)


def test_gst_report_lists_b2b_invoices_by_recipient_gstin(gst_shop):
    b2b = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN))
    issue(gst_shop)  # walk-in: B2C
    summary = gst_summary(shop=gst_shop, year=2026, month=5)
    assert [(r["gstin"], r["number"], r["place_of_supply"], r["rate_label"], r["taxable_value"], r["igst"],
             r["invoice_value"]) for r in summary["b2b"]] == [
        (KARNATAKA_GSTIN, b2b.number, "Karnataka (29)", "18", D("2000.00"), D("360.00"), D("2360.00"))]
    assert [r["invoices"] for r in summary["b2cs"]] == [1]  # the walk-in only
    assert summary["table_3_1_a"]["taxable_value"] == D("4000.00")
    assert summary["invoices"] == 2


# -- the bill of supply (rule 49) ---------------------------------------------------------------


RULE_49 = {
    "supplier's name": "Sharma General Store",
    "supplier's address": "14 MG Road",
    "supplier's GSTIN": f"GSTIN: {SHOP_GSTIN}",
    "serial number": "BOS/26-27/0001",
    "date": "12 May 2026",
    "recipient's name": "Bharat Caterers",
    "recipient's address": "7 Residency Road",
    "recipient's GSTIN": f"GSTIN: {KARNATAKA_GSTIN}",
    "HSN code": "7323",
    "description": "Steel thali set",
    "value": "₹2,000.00",
    "signature": "Authorised signatory",
    "title": "Bill of Supply",
    "composition words": "Composition taxable person, not eligible to collect tax on supplies",
}


def test_composition_shop_issues_bills_of_supply_in_their_own_series(owner_client, gst_shop):
    gst_shop.gst_registration = GstRegistration.COMPOSITION
    gst_shop.save()
    bill = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN))
    assert (bill.number, bill.series, bill.gst_split) == ("BOS/26-27/0001", Series.BILL_OF_SUPPLY, False)
    assert (bill.taxable_total, bill.tax_total, bill.total) == (D("2000.00"), D("0.00"), D("2000.00"))
    assert bill.lines.get().tax_rate == 0
    second = issue(gst_shop)
    assert second.number == "BOS/26-27/0002"
    html = page_text(owner_client, bill)
    assert_fields(html, RULE_49)
    for tax_word in ("CGST", "SGST", "IGST", "Tax by rate", "reverse charge"):
        assert tax_word not in html
    pdf = pdf_text(owner_client, bill)
    squeezed = pdf.replace(" ", "")
    missing = [name for name, value in RULE_49.items()
               if value.lower() not in pdf and value.replace(" ", "").lower() not in squeezed]
    assert not missing, f"missing from the PDF: {missing}"
    # Back to regular: tax invoices continue their own series from 1.
    gst_shop.gst_registration = GstRegistration.REGULAR
    gst_shop.save()
    assert issue(gst_shop).number == "INV/26-27/0001"


def test_mrp_price_on_a_bill_of_supply_is_charged_as_it_stands(gst_shop):
    gst_shop.gst_registration = GstRegistration.COMPOSITION
    gst_shop.save()
    bill = issue(gst_shop, items=lines(price="105.00", quantity="1", rate="5", price_includes_tax=True))
    assert (bill.taxable_total, bill.tax_total, bill.total) == (D("105.00"), D("0.00"), D("105.00"))


def test_unregistered_shop_bill_of_supply_has_no_gstin_and_no_composition_words(owner_client, shop):
    shop.name, shop.gst_registration, shop.state = "Corner Shop", GstRegistration.UNREGISTERED, "09"
    shop.save()
    bill = issue(shop, customer(shop, name="Asha"))
    assert bill.number == "BOS/26-27/0001" and bill.tax_total == 0
    text = page_text(owner_client, bill)
    assert "Bill of Supply" in text and "Composition taxable person" not in text and "GSTIN" not in text
    receipt = owner_client.get(reverse("billing:invoice_receipt", args=[bill.pk])).content.decode()
    assert "Bill of Supply" in receipt


def test_counter_form_of_a_composition_shop_has_no_place_of_supply(owner_client, gst_shop):
    gst_shop.gst_registration = GstRegistration.COMPOSITION
    gst_shop.save()
    form = owner_client.get(reverse("billing:invoice_create")).context["form"]
    assert "place_of_supply" not in form.fields
    data = with_lines(post_data(), (None, "Steel thali set", "2", "1000.00", "18"))
    body = owner_client.post(reverse("billing:invoice_totals"), data).content.decode()
    assert "Bill of supply" in body and 'data-total="2000.00"' in body


def test_receipt_carries_the_reverse_charge_line_on_a_tax_invoice_only(owner_client, gst_shop):
    invoice = issue(gst_shop, customer(gst_shop, gstin=KARNATAKA_GSTIN))
    receipt = owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk])).content.decode()
    assert "Tax payable on reverse charge: <strong>No</strong>" in receipt
    gst_shop.gst_registration = GstRegistration.COMPOSITION
    gst_shop.save()
    bill = issue(gst_shop)
    receipt = owner_client.get(reverse("billing:invoice_receipt", args=[bill.pk])).content.decode()
    assert "reverse charge" not in receipt


# -- a walk-in tax invoice of ₹50,000 or more (rule 46(e)) ----------------------------------------


def large_lines():
    return lines(price="25000.00")  # 2 × 25,000 = 50,000 taxable, 59,000 with tax


def test_large_walk_in_invoice_needs_the_buyers_name_delivery_address_and_state(owner_client, gst_shop):
    for kwargs, field, message in [
        ({}, "buyer_name", "A walk-in tax invoice of ₹50,000.00 or more must show the buyer's name (GST rule 46)."),
        ({"buyer_name": "Ravi Kumar"}, "delivery_address", "must show the delivery address (GST rule 46)."),
        ({"buyer_name": "Ravi Kumar", "delivery_address": "Plot 9"}, "buyer_state", "must show the buyer's state"),
        ({"buyer_name": "Ravi Kumar", "delivery_address": "Plot 9", "buyer_state": "99"}, "buyer_state",
         "Choose a state from the list."),
    ]:
        with pytest.raises(BillingError) as exc:
            issue(gst_shop, items=large_lines(), **kwargs)
        assert exc.value.field == field and message in str(exc.value)
    assert not Invoice.objects.filter(shop=gst_shop).exists()
    # Below ₹50,000 a walk-in needs nothing.
    assert issue(gst_shop, items=lines(price="20000.00")).recipient_name == ""

    invoice = issue(gst_shop, items=large_lines(), buyer_name="  Ravi   Kumar ",
                    delivery_address="Plot 9, Whitefield\nBengaluru 560066", buyer_state="29")
    assert (invoice.customer, invoice.recipient_name, invoice.recipient_state, invoice.recipient_gstin) == (
        None, "Ravi Kumar", "29", "")
    assert invoice.recipient_address == invoice.delivery_address == "Plot 9, Whitefield\nBengaluru 560066"
    # Delivered in Karnataka: the buyer's state is the place of supply (IGST), unless another is chosen.
    assert (invoice.place_of_supply, invoice.is_inter_state) == ("29", True)
    expected = {"name": "Bill to Ravi Kumar", "delivery address": "Delivery address Plot 9, Whitefield Bengaluru",
                "state name and code": "State: Karnataka (29)"}
    assert_fields(page_text(owner_client, invoice), expected)
    pdf = pdf_text(owner_client, invoice)
    assert "ravi kumar" in pdf and "plot 9, whitefield" in pdf and "state: karnataka (29)" in pdf
    receipt = owner_client.get(reverse("billing:invoice_receipt", args=[invoice.pk])).content.decode()
    assert "Ravi Kumar" in receipt and "Karnataka (29)" in receipt


def test_large_invoice_to_a_customer_without_an_address_needs_a_delivery_address(gst_shop):
    buyer = customer(gst_shop, name="Ravi Kumar", address="")
    with pytest.raises(BillingError) as exc:
        issue(gst_shop, buyer, large_lines())
    assert exc.value.field == "delivery_address"
    assert str(exc.value).startswith("Ravi Kumar has no address: a tax invoice of ₹50,000.00 or more")
    invoice = issue(gst_shop, buyer, large_lines(), delivery_address="Plot 9, Whitefield")
    assert invoice.delivery_address == "Plot 9, Whitefield"
    # A registered buyer (GSTIN) needs no address under rule 46(e).
    assert issue(gst_shop, customer(gst_shop, name="Bharat", gstin=KARNATAKA_GSTIN, address=""), large_lines())


def test_counter_form_asks_for_the_walk_in_buyer_of_a_large_invoice(owner_client, gst_shop):
    page = owner_client.get(reverse("billing:invoice_create")).content.decode()
    assert 'data-testid="walk-in-buyer"' in page and 'name="buyer_name"' in page and 'name="buyer_state"' in page
    data = with_lines(post_data(amount_paid="59000.00"), (None, "Steel thali set", "2", "25000.00", "18"))
    totals = owner_client.post(reverse("billing:invoice_totals"), data).content.decode()
    assert 'data-testid="buyer-needed"' in totals and "must show the buyer&#x27;s name" in totals
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["buyer_name"] == [
        "A walk-in tax invoice of ₹50,000.00 or more must show the buyer's name (GST rule 46). Enter it under "
        "“Buyer's details”, or choose a customer."]
    assert response.context["form"].buyer_open
    data.update(buyer_name="Ravi Kumar", delivery_address="Plot 9, Whitefield", buyer_state="29")
    assert 'data-testid="buyer-needed"' not in owner_client.post(reverse("billing:invoice_totals"),
                                                                  data).content.decode()
    response = owner_client.post(reverse("billing:invoice_create"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get(shop=gst_shop)
    assert (invoice.recipient_name, invoice.recipient_state, invoice.total) == ("Ravi Kumar", "29", D("59000.00"))


# -- credit notes (rule 53(1A)) -------------------------------------------------------------------


RULE_53 = {
    "(a) supplier's name": "Sharma General Store",
    "(a) supplier's address": "14 MG Road",
    "(a) supplier's GSTIN": f"GSTIN: {SHOP_GSTIN}",
    "(b) nature of the document": "Credit Note",
    "(c) serial number": "CN/26-27/0001",
    "(d) date": "15 May 2026",
    "(e) recipient's name": "Bharat Caterers",
    "(e) recipient's address": "7 Residency Road",
    "(e) recipient's GSTIN": f"GSTIN: {KARNATAKA_GSTIN}",
    "recipient's state": "State: Karnataka (29)",
    "place of supply": "Place of supply: Karnataka (29)",
    "(g) original invoice and its date": "INV/26-27/0001 of 12 May 2026",
    "(h) taxable value": "₹1,000.00",
    "(h) rate of tax": "18%",
    "(h) tax credited": "₹180.00",
    "(h) value": "₹1,180.00",
    "(i) signature": "Authorised signatory",
}


def credit_note_texts(client, note) -> tuple[str, str]:
    html = client.get(reverse("billing:credit_note_print", args=[note.pk])).content.decode()
    page = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())
    response = client.get(reverse("billing:credit_note_pdf", args=[note.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    pdf = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split()).lower()
    return page, pdf


def test_b2b_credit_note_carries_every_rule_53_field_on_the_page_and_in_the_pdf(owner_client, gst_shop):
    from billing.services.credit_notes import credit_note_create

    buyer = customer(gst_shop, gstin=KARNATAKA_GSTIN)
    invoice = issue(gst_shop, buyer)
    from customers.services import customer_update
    customer_update(customer=buyer, name="Renamed Ltd", gstin="", address="Elsewhere")  # the invoice's copy counts
    note = credit_note_create(shop=gst_shop, invoice=invoice, quantities={invoice.lines.get().pk: D("1")},
                              reason="Dented", issued_on=datetime.date(2026, 5, 15))
    page, pdf = credit_note_texts(owner_client, note)
    assert_fields(page, RULE_53)
    assert "IGST" in page and "SGST" not in page and "Renamed Ltd" not in page
    squeezed = pdf.replace(" ", "")
    missing = [name for name, value in RULE_53.items()
               if value.lower() not in pdf and value.replace(" ", "").lower() not in squeezed]
    assert not missing, f"missing from the PDF: {missing}"
    slip = owner_client.get(reverse("billing:credit_note_receipt", args=[note.pk])).content.decode()
    for value in ("Bharat Caterers", KARNATAKA_GSTIN, "Karnataka (29)", "INV/26-27/0001 12-05-2026",
                  f"GSTIN: {SHOP_GSTIN}"):
        assert value in slip, value


def test_credit_note_to_an_unregistered_buyer_of_a_large_invoice_prints_the_delivery_details(owner_client,
                                                                                            gst_shop):
    from billing.services.credit_notes import credit_note_create

    invoice = issue(gst_shop, items=large_lines(), buyer_name="Ravi Kumar", delivery_address="Plot 9, Whitefield",
                    buyer_state="29")
    note = credit_note_create(shop=gst_shop, invoice=invoice, quantities={invoice.lines.get().pk: D("1")},
                              reason="Dented", refund_method="cash", issued_on=ISSUED)
    page, pdf = credit_note_texts(owner_client, note)
    assert_fields(page, {"name": "Issued to Ravi Kumar", "delivery address": "Delivery address Plot 9, Whitefield",
                         "state": "State: Karnataka (29)", "invoice": "INV/26-27/0001 of 12 May 2026"})
    assert "ravi kumar" in pdf and "plot 9, whitefield" in pdf


# -- the shop's GST registration ------------------------------------------------------------------


SETTINGS = {"name": "Shop", "currency": "INR", "locale": "en_IN", "invoice_prefix": "INV",
            "financial_year_start_month": "4", "remind_days_before": "2", "remind_every_days_after": "7",
            "remind_max_after": "3"}


def test_an_indian_shop_without_a_gstin_must_choose_its_registration(owner_client, shop):
    url = reverse("accounts:shop_settings")
    form = owner_client.get(url).context["form"]
    assert form.fields["gst_registration"].choices[0] == ("", "Not under GST (outside India)")
    response = owner_client.post(url, {**SETTINGS, "gst_registration": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["gst_registration"] == [
        "Choose the shop's GST registration: without a GSTIN it is “Unregistered” (bills of supply, no tax "
        "charged)."]
    # With a GSTIN, or outside India, it may stay empty; a post without the field keeps the shop's choice.
    assert owner_client.post(url, {**SETTINGS, "gst_registration": "", "gstin": SHOP_GSTIN}).status_code == 302
    assert owner_client.post(url, {**SETTINGS, "gst_registration": "", "gstin": "", "country": "KE",
                                   "currency": "KES", "locale": "en_KE"}).status_code == 302
    owner_client.post(url, {**SETTINGS, "country": "IN", "gst_registration": "unregistered", "state": "09"})
    assert owner_client.post(url, SETTINGS).status_code == 302
    shop.refresh_from_db()
    assert (shop.gst_registration, shop.gst_mode) == ("unregistered", GstRegistration.UNREGISTERED)
