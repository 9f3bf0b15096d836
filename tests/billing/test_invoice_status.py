"""An invoice's paid amount, balance and status follow its due in the ledger, wherever
the invoice appears, and a repeated counter submit issues one invoice."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.selectors.documents import invoice_document
from billing.selectors.invoices import customer_purchases, invoice_list, invoice_payments
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from ledger.services import LedgerError
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 5, 10)


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Asha Verma")


def on_account(shop, customer, total="1000", paid="670", **kwargs):
    """An on-account invoice of ``total`` with ``paid`` at the counter."""
    line = LineInput(quantity=D("1"), unit_price=D(total), tax_rate=D("0"), description="Saree")
    return invoice_issue(shop=shop, lines=[line], customer=customer, issued_on=DAY, amount_paid=D(paid),
                         due_date=DAY + datetime.timedelta(days=30), **kwargs)


def fresh(invoice) -> Invoice:
    return Invoice.objects.select_related("due").get(pk=invoice.pk)


def test_a_later_full_payment_marks_the_invoice_paid_everywhere(shop, customer, owner_client):
    invoice = on_account(shop, customer)
    assert (invoice.payment_status, invoice.balance_due) == ("partial", D("330.00"))

    ledger.payment_create(shop=shop, customer=customer, amount=D("330"), received_on=DAY + datetime.timedelta(days=3),
                          method="upi", reference="UTR9")

    invoice = fresh(invoice)
    assert (invoice.payment_status, invoice.amount_paid, invoice.balance_due) == ("paid", D("1000.00"), D("0.00"))
    assert invoice.paid_at_counter == D("670.00")
    # the list and its filters
    assert [i.pk for i in invoice_list(shop=shop, status="paid")] == [invoice.pk]
    assert list(invoice_list(shop=shop, status="partial")) == []
    assert list(invoice_list(shop=shop, status="unpaid")) == []
    # the customer's purchases panel and the documents
    assert customer_purchases(customer=customer)[0].payment_status == "paid"
    document = invoice_document(invoice=invoice)
    assert (document["paid"], document["balance"], document["payment_status"]) == (D("1000.00"), D("0.00"), "Paid")
    # the pages
    page = owner_client.get(invoice.get_absolute_url()).content.decode()
    assert 'data-testid="invoice-balance">₹0.00<' in page
    assert "Later payment (UPI)" in page and "At the counter (Cash)" in page
    listing = owner_client.get(reverse("billing:invoice_list"), {"status": "paid"}).content.decode()
    assert invoice.number in listing
    partial = owner_client.get(reverse("billing:invoice_list"), {"status": "partial"}).content.decode()
    assert invoice.number not in partial


def test_a_later_partial_payment_lowers_the_balance(shop, customer):
    invoice = on_account(shop, customer, paid="0")
    assert fresh(invoice).payment_status == "unpaid"

    ledger.payment_create(shop=shop, customer=customer, amount=D("400"), received_on=DAY)

    invoice = fresh(invoice)
    assert (invoice.payment_status, invoice.amount_paid, invoice.balance_due) == ("partial", D("400.00"), D("600.00"))
    assert [i.pk for i in invoice_list(shop=shop, status="partial")] == [invoice.pk]
    rows = invoice_payments(invoice=invoice)
    assert [(row.amount, row.at_counter, row.credit) for row in rows] == [(D("400.00"), False, False)]


def test_voiding_the_later_payment_opens_the_invoice_again(shop, customer):
    invoice = on_account(shop, customer)
    payment = ledger.payment_create(shop=shop, customer=customer, amount=D("330"), received_on=DAY)
    assert fresh(invoice).payment_status == "paid"

    ledger.payment_void(shop=shop, payment=payment, reason="Cheque bounced")

    invoice = fresh(invoice)
    assert (invoice.payment_status, invoice.balance_due) == ("partial", D("330.00"))
    assert [row.at_counter for row in invoice_payments(invoice=invoice)] == [True]
    assert [i.pk for i in invoice_list(shop=shop, status="partial")] == [invoice.pk]


def test_a_void_invoice_is_void_in_the_filters(shop, customer):
    invoice = on_account(shop, customer)
    invoice_void(shop=shop, invoice=invoice, reason="Wrong customer")
    invoice = fresh(invoice)
    assert (invoice.payment_status, invoice.balance_due) == ("void", D("0.00"))
    assert [i.pk for i in invoice_list(shop=shop, status="void")] == [invoice.pk]
    assert list(invoice_list(shop=shop, status="partial")) == list(invoice_list(shop=shop, status="paid")) == []


def test_credit_applied_at_issue_is_listed_as_customer_credit(shop, customer):
    ledger.payment_create(shop=shop, customer=customer, amount=D("100"), received_on=DAY - datetime.timedelta(days=2))
    invoice = on_account(shop, customer, paid="0")
    rows = invoice_payments(invoice=fresh(invoice))
    assert [(row.amount, row.credit) for row in rows] == [(D("100.00"), True)]


def test_status_filter_is_one_query(shop, customer, django_assert_num_queries):
    for _ in range(3):
        on_account(shop, customer)
    with django_assert_num_queries(1):
        statuses = [i.payment_status for i in invoice_list(shop=shop, status="partial")]
    assert statuses == ["partial"] * 3


def test_counter_form_posted_twice_issues_one_invoice(owner_client, shop, customer):
    url = reverse("billing:invoice_create")
    key = owner_client.get(url).context["form"]["idempotency_key"].value()
    data = {"customer": customer.pk, "issued_on": "2026-05-10", "discount_type": "amount", "amount_paid": "0",
            "payment_method": "cash", "idempotency_key": str(key),
            "line-product": "", "line-description": "Saree", "line-quantity": "1", "line-unit_price": "500",
            "line-tax_rate": "0"}

    first = owner_client.post(url, data)
    second = owner_client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Invoice.objects.filter(shop=shop).count() == 1
    customer.refresh_from_db()
    assert customer.balance == D("500.00")


def test_invoice_with_the_same_key_is_issued_once(shop, customer):
    key = uuid.uuid4()
    first = on_account(shop, customer, idempotency_key=key)
    second = on_account(shop, customer, idempotency_key=key)
    assert first.pk == second.pk
    assert Invoice.objects.count() == 1
    assert first.number.endswith("0001")


def test_invoice_dated_far_ahead_is_refused_on_the_form(owner_client, shop, customer):
    response = owner_client.post(reverse("billing:invoice_create"), {
        "customer": customer.pk, "issued_on": "9999-12-31", "discount_type": "amount", "amount_paid": "0",
        "payment_method": "cash", "line-product": "", "line-description": "Saree", "line-quantity": "1",
        "line-unit_price": "500", "line-tax_rate": "0"})
    assert response.status_code == 200
    assert "The date cannot be more than a year ahead" in response.context["form"].errors["issued_on"][0]
    assert not Invoice.objects.exists()


def test_check_ledger_fails_when_an_invoice_disagrees_with_its_due(shop, customer):
    from django.core.management import CommandError, call_command

    from ledger.models import Due

    invoice = on_account(shop, customer)
    call_command("check_ledger", "--shop", str(shop.pk))  # agrees: no error
    Due.objects.filter(pk=invoice.due_id).update(amount=D("900"), outstanding=D("230"))  # drifted by hand

    with pytest.raises(CommandError, match="Ledger drift"):
        call_command("check_ledger", "--shop", str(shop.pk))


def test_invoice_drift_names_each_disagreement(shop, customer):
    from billing.selectors.invoices import invoice_drift
    from ledger.models import Payment

    invoice = on_account(shop, customer)
    assert invoice_drift(shop) == []
    Payment.objects.filter(pk=invoice.payment_id).update(amount=D("600"))
    Invoice.objects.filter(pk=invoice.pk).update(voided_at=timezone.now())

    problems = [p.problem for p in invoice_drift(shop)]
    assert problems == [f"invoice {invoice.number}: is void but its ledger entries are not"]
    Invoice.objects.filter(pk=invoice.pk).update(voided_at=None)
    problems = [p.problem for p in invoice_drift(shop)]
    assert problems == [f"invoice {invoice.number}: paid 670.00 at the counter but its payment is 600.00"]


def test_an_invoices_ledger_entries_are_voided_only_with_the_invoice(shop, customer, owner_client):
    from ledger.models import Due, Payment

    invoice = on_account(shop, customer)
    assert (invoice.due.source, invoice.payment.source) == (f"Invoice {invoice.number}",) * 2

    with pytest.raises(LedgerError, match=f"posted by Invoice {invoice.number}. Void Invoice"):
        ledger.payment_void(shop=shop, payment=invoice.payment, reason="oops")
    response = owner_client.post(reverse("ledger:due_void", args=[invoice.due_id]), {"reason": "oops"})
    assert f"posted by Invoice {invoice.number}" in response.content.decode()
    assert not Due.objects.filter(voided_at__isnull=False).exists()
    assert not Payment.objects.filter(voided_at__isnull=False).exists()
    page = owner_client.get(reverse("ledger:customer_account", args=[customer.pk])).content.decode()
    assert f"via Invoice {invoice.number}" in page
    assert reverse("ledger:due_void", args=[invoice.due_id]) not in page

    invoice_void(shop=shop, invoice=invoice, reason="Wrong customer")  # the invoice may
    assert Due.objects.get(pk=invoice.due_id).is_voided and Payment.objects.get(pk=invoice.payment_id).is_voided


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_with_one_key_make_one_invoice(shop, customer):
    from tests.concurrency import run_together

    key = uuid.uuid4()
    first, second = run_together(lambda: on_account(shop, customer, idempotency_key=key),
                                 lambda: on_account(shop, customer, idempotency_key=key))

    assert isinstance(first, Invoice) and isinstance(second, Invoice), (first, second)
    assert first.pk == second.pk
    assert Invoice.objects.filter(shop=shop).count() == 1
    customer.refresh_from_db()
    assert customer.balance == D("330.00")
