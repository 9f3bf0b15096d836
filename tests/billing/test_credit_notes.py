"""Credit notes (sale returns, issue #15): totals and tax per rate, stock, the ledger
(balance, statement, check_ledger), the cash book, numbering per financial year, the
returned-quantity limit, double submit, voiding, permissions and the pages."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.permissions import PermissionError as RolePermissionError
from billing.models import CashMovement, CreditNote, Invoice, InvoiceLine, StockMovement
from billing.selectors.cash import drawer_balance
from billing.services import BillingError
from billing.services.catalogue import product_create
from billing.services.credit_notes import credit_note_create
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Payment
from ledger.selectors.drift import ledger_drift
from ledger.selectors.entries import customer_statement
from ledger.services import entries as ledger
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

D = Decimal
DAY = datetime.date(2026, 5, 10)   # financial year 26-27
GSTIN = "09ABCDE1234F1Z5"
CREDIT = CreditNote.RefundMethod.CREDIT
CASH = CreditNote.RefundMethod.CASH


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Asha")


@pytest.fixture
def rice(shop):
    return product_create(shop=shop, sku="RICE", name="Rice", sale_price=D("100"), tax_rate=D("5"),
                          opening_stock=D("20"))


@pytest.fixture
def soap(shop):
    return product_create(shop=shop, sku="SOAP", name="Soap", sale_price=D("50"), tax_rate=D("18"),
                          opening_stock=D("20"))


def line(product, quantity):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price, tax_rate=product.tax_rate,
                     description=product.name, product=product)


def lines_of(invoice):
    return {il.description: il for il in InvoiceLine.objects.filter(invoice=invoice)}


def balance(customer):
    return Customer.objects.get(pk=customer.pk).balance


def assert_books_clean(shop):
    from django_scopes import scopes_disabled
    with scopes_disabled():
        assert ledger_drift(shops=[shop]) == []


def test_partial_return_reverses_tax_per_rate_and_reduces_what_is_owed(shop, customer, rice, soap, owner):
    shop.gstin = GSTIN
    shop.save()
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4"), line(soap, "2")])
    # 400 + 5% = 420; 100 + 18% = 118 → 538 owed
    assert invoice.total == D("538.00")
    by = lines_of(invoice)

    note = credit_note_create(shop=shop, invoice=invoice, quantities={by["Rice"].pk: D("1"), by["Soap"].pk: D("1")},
                              reason="Damaged", issued_on=DAY, created_by=owner.user)

    assert note.number == "CN/26-27/0001"
    assert note.taxable_total == D("150.00")
    assert note.tax_total == D("14.00")          # 5 (5% of 100) + 9 (18% of 50)
    assert note.total == D("164.00")
    assert note.gst_split and not note.is_inter_state
    assert sorted((li.tax_rate, li.taxable_value) for li in note.lines.all()) == [
        (D("5.00"), D("100.00")), (D("18.00"), D("50.00"))]
    # All of it comes off the invoice's due: a payment of source "Credit note …".
    assert note.applied_to_invoice == D("164.00") and note.credit_amount == 0 and note.refund_amount == 0
    assert note.payment.source == "Credit note CN/26-27/0001"
    assert note.payment.method == Payment.Method.OTHER
    invoice.due.refresh_from_db()
    assert invoice.due.outstanding == D("374.00")
    assert invoice.due.amount == D("538.00")       # the due keeps its amount
    assert balance(customer) == D("374.00")
    # Stock came back through RETURN movements.
    rice.refresh_from_db()
    soap.refresh_from_db()
    assert (rice.stock_quantity, soap.stock_quantity) == (D("17"), D("19"))
    movement = StockMovement.objects.get(product=rice, kind=StockMovement.Kind.RETURN)
    assert movement.quantity == D("1") and movement.invoice == invoice and "CN/26-27/0001" in movement.reason
    # The statement shows it as a credit note.
    rows = [(row.description, row.credit) for row in customer_statement(customer=customer).lines]
    assert ("Credit note CN/26-27/0001 · Return against invoice INV/26-27/0001", D("164.00")) in rows
    assert_books_clean(shop)


def test_paid_invoice_return_becomes_customer_credit(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "2")],
                            amount_paid=D("210"), payment_method="upi")
    note = credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("1")},
                              reason="Unopened", refund_method=CREDIT, issued_on=DAY)
    assert note.total == D("105.00")
    assert (note.applied_to_invoice, note.credit_amount) == (D("0"), D("105.00"))
    assert note.payment is None and note.credit_payment.amount == D("105.00")
    assert balance(customer) == D("-105.00")        # credit held
    # The credit is applied to the next due recorded.
    ledger.due_create(shop=shop, customer=customer, amount=D("50"), description="Tea", incurred_on=DAY)
    assert balance(customer) == D("-55.00")
    assert_books_clean(shop)


def test_part_owed_part_paid_cash_refund_goes_through_the_cash_book(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "2")],
                            amount_paid=D("150"), payment_method="cash")   # 210 total, 60 owed
    drawer_before = drawer_balance(shop=shop)
    note = credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("2")},
                              reason="Wrong rice", refund_method=CASH, issued_on=DAY)
    assert note.total == D("210.00")
    assert (note.applied_to_invoice, note.credit_amount, note.refund_amount) == (D("60.00"), D("0"), D("150.00"))
    assert balance(customer) == D("0")
    movement = CashMovement.objects.get(kind=CashMovement.Kind.REFUND, reference=note.number)
    assert movement.amount == D("-150.00") and movement.invoice == invoice
    assert drawer_balance(shop=shop) == drawer_before - D("150.00")
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.PAID
    assert_books_clean(shop)


def test_walk_in_sale_is_refunded_in_cash_or_upi_never_credit(shop, rice):
    invoice = invoice_issue(shop=shop, issued_on=DAY, lines=[line(rice, "1")], amount_paid=D("105"))
    pk = lines_of(invoice)["Rice"].pk
    with pytest.raises(BillingError) as exc:
        credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x", refund_method=CREDIT,
                           issued_on=DAY)
    assert exc.value.field == "refund_method"
    note = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x",
                              refund_method=CreditNote.RefundMethod.UPI, issued_on=DAY)
    assert note.refund_amount == D("105.00") and note.payment is None and note.credit_payment is None
    assert not CashMovement.objects.filter(kind=CashMovement.Kind.REFUND).exists()
    assert_books_clean(shop)


def test_two_partial_returns_cannot_exceed_what_was_sold(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "3")])
    pk = lines_of(invoice)["Rice"].pk
    first = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="a", issued_on=DAY)
    second = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1.5")}, reason="b", issued_on=DAY)
    assert (first.number, second.number) == ("CN/26-27/0001", "CN/26-27/0002")
    with pytest.raises(BillingError) as exc:
        credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="c", issued_on=DAY)
    assert exc.value.field == f"quantity_{pk}"
    assert "At most 0.5 of Rice can be returned: 3 sold (2.5 already returned)" in str(exc.value)
    assert CreditNote.objects.count() == 2
    last = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("0.5")}, reason="d", issued_on=DAY)
    # All the notes add up to the invoice total exactly, and nothing is owed.
    assert first.total + second.total + last.total == invoice.total == D("315.00")
    assert balance(customer) == 0
    rice.refresh_from_db()
    assert rice.stock_quantity == D("20")
    assert_books_clean(shop)


def test_full_return_with_discount_and_round_off_credits_the_invoice_total(shop, customer, rice, soap):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "1"), line(soap, "1")],
                            discount_type="percent", discount_value=D("7"), round_off=True)
    by = lines_of(invoice)
    note = credit_note_create(shop=shop, invoice=invoice, quantities={by["Rice"].pk: D("1"), by["Soap"].pk: D("1")},
                              reason="All back", issued_on=DAY)
    assert note.total == invoice.total
    assert note.discount_total == invoice.discount_total
    assert note.taxable_total == invoice.taxable_total
    assert balance(customer) == 0
    assert_books_clean(shop)


@pytest.mark.parametrize(("quantity", "message"), [
    ("5", "At most 4 of Rice can be returned: 4 sold."),
    ("-1", "cannot be negative"),
    ("0.0001", "at most 3 digits"),
])
def test_bad_quantities_are_refused_on_the_line_and_nothing_is_written(shop, customer, rice, quantity, message):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    pk = lines_of(invoice)["Rice"].pk
    with pytest.raises(BillingError) as exc:
        credit_note_create(shop=shop, invoice=invoice, quantities={pk: D(quantity)}, reason="x", issued_on=DAY)
    assert message in str(exc.value) and exc.value.field == f"quantity_{pk}"
    assert not CreditNote.objects.exists()
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.RETURN).exists()


def test_nothing_returned_or_no_reason_is_refused(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    pk = lines_of(invoice)["Rice"].pk
    with pytest.raises(BillingError, match="at least one line"):
        credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("0")}, reason="x", issued_on=DAY)
    with pytest.raises(BillingError) as exc:
        credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="  ", issued_on=DAY)
    assert exc.value.field == "reason"


def test_numbering_is_per_financial_year(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=datetime.date(2026, 3, 20), lines=[line(rice, "3")])
    pk = lines_of(invoice)["Rice"].pk
    march = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="a",
                               issued_on=datetime.date(2026, 3, 31))
    april = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="b",
                               issued_on=datetime.date(2026, 4, 1))
    assert (march.number, april.number) == ("CN/25-26/0001", "CN/26-27/0001")
    assert invoice.number == "INV/25-26/0001"   # invoices keep their own series


def test_double_submit_returns_the_first_note_and_writes_nothing(shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    pk = lines_of(invoice)["Rice"].pk
    key = uuid.uuid4()
    first = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x", issued_on=DAY,
                               idempotency_key=key)
    again = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x", issued_on=DAY,
                               idempotency_key=key)
    assert again.pk == first.pk
    assert CreditNote.objects.count() == 1
    assert Payment.objects.filter(source__startswith="Credit note").count() == 1
    rice.refresh_from_db()
    assert rice.stock_quantity == D("17")


def test_invoice_with_credit_notes_cannot_be_voided(shop, customer, rice, owner):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("1")}, reason="x",
                       issued_on=DAY)
    with pytest.raises(BillingError, match="has credit notes \\(CN/26-27/0001\\)"):
        invoice_void(shop=shop, invoice=invoice, reason="mistake", voided_by=owner.user)
    invoice.refresh_from_db()
    assert not invoice.is_voided


def test_void_invoice_takes_no_credit_note(shop, customer, rice, owner):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    invoice_void(shop=shop, invoice=invoice, reason="mistake", voided_by=owner.user)
    with pytest.raises(BillingError, match="is void"):
        credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("1")},
                           reason="x", issued_on=DAY)


def test_cashier_may_not_raise_a_credit_note(shop, customer, rice, staff):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    with pytest.raises(RolePermissionError):
        credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("1")},
                           reason="x", issued_on=DAY, membership=staff)
    assert not CreditNote.objects.exists()


# --- Pages ------------------------------------------------------------------------------


def test_form_raises_a_partial_return_and_a_double_submit_records_it_once(owner_client, shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4")])
    pk = lines_of(invoice)["Rice"].pk
    url = reverse("billing:credit_note_create", args=[invoice.pk])
    page = owner_client.get(url)
    assert page.status_code == 200 and f'name="quantity_{pk}"' in page.content.decode()
    data = {f"quantity_{pk}": "1", "reason": "Torn bag", "issued_on": DAY.isoformat(), "refund_method": "credit",
            "idempotency_key": str(uuid.uuid4())}
    response = owner_client.post(url, data)
    note = CreditNote.objects.get()
    assert response.status_code == 302 and response["Location"] == note.get_absolute_url()
    owner_client.post(url, data)
    assert CreditNote.objects.count() == 1
    detail = owner_client.get(note.get_absolute_url()).content.decode()
    assert "CN/26-27/0001" in detail and "Torn bag" in detail
    for name in ("credit_note_print", "credit_note_receipt"):
        body = owner_client.get(reverse(f"billing:{name}", args=[note.pk])).content.decode()
        assert "Credit Note" in body and "CN/26-27/0001" in body and invoice.number in body
    assert "CN/26-27/0001" in owner_client.get(reverse("billing:credit_note_list")).content.decode()
    account = owner_client.get(reverse("ledger:customer_account", args=[customer.pk])).content.decode()
    assert "Credit note CN/26-27/0001" in account


def test_form_shows_the_limit_error_on_the_line(owner_client, shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "2")])
    pk = lines_of(invoice)["Rice"].pk
    response = owner_client.post(reverse("billing:credit_note_create", args=[invoice.pk]), {
        f"quantity_{pk}": "3", "reason": "x", "issued_on": DAY.isoformat(), "refund_method": "credit"})
    assert response.status_code == 200
    assert "At most 2 of Rice can be returned: 2 sold." in response.content.decode()
    assert not CreditNote.objects.exists()


def test_credit_note_pdf_downloads(owner_client, shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "2")])
    note = credit_note_create(shop=shop, invoice=invoice, quantities={lines_of(invoice)["Rice"].pk: D("1")},
                              reason="x", issued_on=DAY)
    response = owner_client.get(reverse("billing:credit_note_pdf", args=[note.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "CN-26-27-0001.pdf" in response["Content-Disposition"]


def test_cashier_gets_403_on_the_form(client, shop, customer, rice):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "2")])
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)
    client.force_login(cashier.user)
    pk = lines_of(invoice)["Rice"].pk
    url = reverse("billing:credit_note_create", args=[invoice.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {f"quantity_{pk}": "1", "reason": "x", "issued_on": DAY.isoformat(),
                             "refund_method": "credit"}).status_code == 403
    assert not CreditNote.objects.exists()


def test_gst_summary_lists_credit_notes_and_they_reduce_the_month(shop, customer, rice, soap):
    from reports.selectors.gst import gst_summary

    shop.gstin = GSTIN
    shop.save()
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[line(rice, "4"), line(soap, "2")])
    by = lines_of(invoice)
    before = gst_summary(shop=shop, year=2026, month=5)
    assert before["table_3_1_a"]["taxable_value"] == D("500.00")
    credit_note_create(shop=shop, invoice=invoice, quantities={by["Rice"].pk: D("1"), by["Soap"].pk: D("1")},
                       reason="x", issued_on=DAY)

    summary = gst_summary(shop=shop, year=2026, month=5)

    rows = {row["rate"]: row for row in summary["credit_notes"]["rows"]}
    assert (rows[D("5")]["taxable_value"], rows[D("5")]["cgst"], rows[D("5")]["sgst"]) == (
        D("100.00"), D("2.50"), D("2.50"))
    assert (rows[D("18")]["taxable_value"], rows[D("18")]["tax"]) == (D("50.00"), D("9.00"))
    assert summary["credit_notes"]["count"] == 1
    assert summary["credit_notes"]["numbers"] == ["CN/26-27/0001", "CN/26-27/0001"]
    assert summary["table_3_1_a"]["taxable_value"] == D("350.00")
    assert summary["net_totals"]["tax"] == before["totals"]["tax"] - D("14.00")
    assert summary["totals"] == before["totals"]       # the invoice sections themselves are unchanged


# -- MRP (tax-inclusive) returns --------------------------------------------------------------


@pytest.fixture
def biscuits(shop):
    return product_create(shop=shop, sku="BISC", name="Biscuits", sale_price=D("99"), price_includes_tax=True,
                          tax_rate=D("18"), opening_stock=D("20"))


def mrp_line(product, quantity):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price, tax_rate=product.tax_rate,
                     description=product.name, product=product, price_includes_tax=True)


def document_texts(client, note) -> dict[str, str]:
    """The A4 page, the 80 mm slip and the PDF of ``note`` as plain text (tags stripped)."""
    import io
    import re

    from pypdf import PdfReader

    texts = {}
    for name in ("credit_note_print", "credit_note_receipt"):
        html = client.get(reverse(f"billing:{name}", args=[note.pk])).content.decode()
        texts[name] = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())
    pdf = client.get(reverse("billing:credit_note_pdf", args=[note.pk])).content
    texts["pdf"] = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())
    return texts


def tax_by_rate(document_lines, invoice):
    from billing.selectors.documents import invoice_tax_rows

    return {row.rate: (row.taxable_value, row.cgst, row.sgst, row.tax)
            for row in invoice_tax_rows(invoice=invoice, lines=list(document_lines), with_sd=False)}


def test_mrp_partial_return_credits_what_was_paid_with_no_discount(owner_client, shop, customer, biscuits):
    shop.gstin = GSTIN
    shop.save()
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[mrp_line(biscuits, "3")])
    # 297 paid: 251.69 taxable + CGST 22.65 + SGST 22.65 + 0.01 rounding.
    assert (invoice.taxable_total, invoice.tax_total, invoice.round_off_amount, invoice.total) == (
        D("251.69"), D("45.30"), D("0.01"), D("297.00"))
    pk = lines_of(invoice)["Biscuits"].pk

    note = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="Crushed",
                              issued_on=DAY)

    # One pack at ₹99: 99 / 1.18 = 83.898… → 83.90 taxable; CGST = SGST = 7.551 → 7.55: 99.00 exactly.
    assert (note.subtotal, note.discount_total, note.taxable_total, note.tax_total, note.round_off_amount,
            note.total) == (D("99.00"), D("0.00"), D("83.90"), D("15.10"), D("0.00"), D("99.00"))
    returned = note.lines.get()
    assert (returned.price_includes_tax, returned.line_net, returned.discount, returned.taxable_value) == (
        True, D("99.00"), D("0.00"), D("83.90"))
    # Tax per rate is the invoice's share: a third of CGST 22.65 + SGST 22.65 (7.55 each).
    assert tax_by_rate(note.lines.all(), note) == {D("18"): (D("83.90"), D("7.55"), D("7.55"), D("15.10"))}
    texts = document_texts(owner_client, note)
    for name, text in texts.items():
        assert "Discount" not in text, name
        assert "99.00" in text and "83.90" in text, name
    assert "Taxable value ₹83.90" in texts["credit_note_print"]
    assert "CGST ₹7.55 SGST ₹7.55" in texts["credit_note_print"]
    assert "incl. tax" in texts["credit_note_print"]

    # The last two packs take what is left: the notes add up to the invoice, figure by figure.
    rest = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("2")}, reason="Crushed",
                              issued_on=DAY)
    assert (rest.discount_total, rest.taxable_total, rest.tax_total, rest.round_off_amount, rest.total) == (
        D("0.00"), D("167.79"), D("30.20"), D("0.01"), D("198.00"))
    assert note.taxable_total + rest.taxable_total == invoice.taxable_total
    assert note.tax_total + rest.tax_total == invoice.tax_total
    assert note.total + rest.total == invoice.total
    assert balance(customer) == 0
    assert "Rounding +₹0.01" in document_texts(owner_client, rest)["credit_note_print"]
    assert_books_clean(shop)


def test_mrp_full_return_reverses_the_invoice_exactly(owner_client, shop, customer, biscuits, rice):
    shop.gstin = GSTIN
    shop.save()
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY,
                            lines=[mrp_line(biscuits, "3"), line(rice, "1")])
    by = lines_of(invoice)
    note = credit_note_create(shop=shop, invoice=invoice, quantities={by["Biscuits"].pk: D("3"),
                                                                      by["Rice"].pk: D("1")},
                              reason="All back", issued_on=DAY)
    assert (note.subtotal, note.discount_total, note.taxable_total, note.tax_total, note.round_off_amount,
            note.total) == (invoice.subtotal, D("0.00"), invoice.taxable_total, invoice.tax_total,
                            invoice.round_off_amount, invoice.total)
    assert note.total == D("402.00")  # 297 at MRP + 100 + 5 % tax
    assert tax_by_rate(note.lines.all(), note) == tax_by_rate(invoice.lines.all(), invoice)
    texts = document_texts(owner_client, note)
    for name, text in texts.items():
        assert "Discount" not in text, name
    assert "Rounding +₹0.01" in texts["credit_note_print"]
    assert "Taxable value ₹351.69" in texts["credit_note_print"]
    assert balance(customer) == 0
    assert_books_clean(shop)


def test_mrp_return_with_a_discount_takes_only_the_invoices_discount(shop, customer, biscuits):
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[mrp_line(biscuits, "3")],
                            discount_value=D("27.00"))
    # 297 − 27 = 270 paid: 270 / 1.18 = 228.81 taxable + 41.19 tax.
    assert (invoice.discount_total, invoice.taxable_total, invoice.tax_total, invoice.total) == (
        D("27.00"), D("228.81"), D("41.19"), D("270.00"))
    pk = lines_of(invoice)["Biscuits"].pk
    note = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x", issued_on=DAY)
    # A third of the line: 99 − 9 discount = 90 paid: 76.27 taxable + 13.73 tax.
    assert (note.subtotal, note.discount_total, note.taxable_total, note.tax_total, note.total) == (
        D("99.00"), D("9.00"), D("76.27"), D("13.73"), D("90.00"))
    rest = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("2")}, reason="x", issued_on=DAY)
    assert rest.discount_total == D("18.00")
    assert (note.taxable_total + rest.taxable_total, note.tax_total + rest.tax_total, note.total + rest.total) == (
        invoice.taxable_total, invoice.tax_total, invoice.total)


def test_migration_gives_old_mrp_returns_their_discount_share(shop, customer, biscuits):
    """Notes raised before the fix stored the tax inside an MRP as their discount: the
    migration copies the price kind and gives each its share of the invoice's discount."""
    import importlib

    from django.apps import apps

    from billing.models import CreditNoteLine

    migration = importlib.import_module("billing.migrations.0011_credit_note_line_price_kind")
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=DAY, lines=[mrp_line(biscuits, "3")],
                            discount_value=D("27.00"))
    pk = lines_of(invoice)["Biscuits"].pk
    first = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("1")}, reason="x", issued_on=DAY)
    last = credit_note_create(shop=shop, invoice=invoice, quantities={pk: D("2")}, reason="x", issued_on=DAY)
    for note in (first, last):  # as they were stored before
        line_ = note.lines.get()
        CreditNoteLine.objects.filter(pk=line_.pk).update(price_includes_tax=False,
                                                          discount=line_.line_net - line_.taxable_value)
        CreditNote.objects.filter(pk=note.pk).update(discount_total=line_.line_net - line_.taxable_value)

    migration.copy_price_kind(apps, None)

    assert [(n.discount_total, n.lines.get().discount, n.lines.get().price_includes_tax, n.total)
            for n in CreditNote.objects.order_by("pk")] == [
        (D("9.00"), D("9.00"), True, first.total), (D("18.00"), D("18.00"), True, last.total)]
