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
