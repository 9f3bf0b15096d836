"""Emailing an invoice: the "Email to customer" button queues the email, and the send
task attaches the A4 PDF (rendered at send time, not in the request)."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from billing.services.invoices import invoice_issue, invoice_void
from billing.tasks import invoice_attachments, invoice_email_queue
from billing.totals import LineInput
from messaging.models import Message
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 5, 12)  # financial year 26-27


@pytest.fixture
def sharma(shop):
    shop.name = "Sharma General Store"
    shop.send_payment_receipts = False  # only the invoice email in the outbox
    shop.save()
    return shop


@pytest.fixture
def asha(sharma):
    return CustomerFactory(shop=sharma, name="Asha Verma", email="asha@example.com")


def issue(shop, customer, paid="100"):
    lines = [LineInput(quantity=Decimal("2"), unit_price=Decimal("450.00"), tax_rate=Decimal("0"),
                       description="Basmati rice 5 kg")]
    return invoice_issue(shop=shop, customer=customer, lines=lines, issued_on=ISSUED, amount_paid=Decimal(paid))


def email_url(invoice):
    return reverse("billing:invoice_email", args=[invoice.pk])


@override_settings(DEFAULT_FROM_EMAIL="Khata <no-reply@khata.example>")
def test_email_button_sends_the_invoice_with_its_pdf(owner_client, sharma, asha, django_capture_on_commit_callbacks):
    invoice = issue(sharma, asha)
    assert invoice.number == "INV/26-27/0001"

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(email_url(invoice))

    assert response.status_code == 302 and response.url == invoice.get_absolute_url()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["asha@example.com"]
    assert email.from_email == "Sharma General Store <no-reply@khata.example>"
    assert email.subject == "Invoice INV/26-27/0001 from Sharma General Store (₹900.00)"
    for text in ("invoice INV/26-27/0001 dated 12 May 2026", "Total: ₹900.00", "Paid: ₹100.00",
                 "Balance due: ₹800.00"):
        assert text in email.body, text
    assert "INV/26-27/0001" in email.alternatives[0].content
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("INV-26-27-0001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    message = Message.objects.get()
    assert (message.kind, message.customer, message.status, message.attempts) == ("invoice", asha, "sent", 1)
    assert message.attachment_args == {"invoice_id": invoice.pk}
    assert "is on its way to asha@example.com" in owner_client.get(response.url).content.decode()


def test_the_pdf_is_not_rendered_in_the_request(owner_client, sharma, asha, monkeypatch,
                                                django_capture_on_commit_callbacks):
    rendered = []
    monkeypatch.setattr("billing.tasks.invoice_pdf", lambda **kw: rendered.append(kw) or ("x.pdf", b"%PDF-1.7"))
    invoice = issue(sharma, asha)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(email_url(invoice))
    assert rendered == [] and Message.objects.get().status == "queued"
    for callback in callbacks:
        callback()
    assert len(rendered) == 1
    assert mail.outbox[0].attachments[0][0] == "x.pdf"


@pytest.mark.parametrize(("setup", "error"), [
    ("no_email", "Add an email address to Asha Verma's details to email invoices."),
    ("walk_in", "A walk-in sale has no customer to email."),
    ("void", "A void invoice cannot be emailed."),
])
def test_email_is_refused_with_a_reason(owner_client, owner, sharma, asha, setup, error,
                                        django_capture_on_commit_callbacks):
    if setup == "no_email":
        asha.email = ""
        asha.save()
    invoice = issue(sharma, None if setup == "walk_in" else asha, paid="900")
    if setup == "void":
        invoice_void(shop=sharma, invoice=invoice, reason="wrong customer", voided_by=owner.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(email_url(invoice), follow=True)

    assert error in unescape(response.content.decode())
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_email_is_post_only(owner_client, sharma, asha):
    invoice = issue(sharma, asha)
    assert owner_client.get(email_url(invoice)).status_code == 405
    assert not Message.objects.exists()


def test_another_shops_invoice_is_404(client, sharma, asha, other_owner):
    invoice = issue(sharma, asha)
    client.force_login(other_owner.user)
    assert client.post(email_url(invoice)).status_code == 404
    assert not Message.objects.exists()


def test_staff_may_email_an_invoice(client, staff, sharma, asha, django_capture_on_commit_callbacks):
    invoice = issue(sharma, asha)
    client.force_login(staff.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(email_url(invoice)).status_code == 302
    assert len(mail.outbox) == 1


def test_attachment_builder_only_finds_invoices_of_the_messages_shop(sharma, asha, other_owner):
    invoice = issue(sharma, asha)
    message = invoice_email_queue(invoice=invoice)
    foreign = Message.objects.create(shop=other_owner.shop, kind="invoice", to="x@example.com")
    assert invoice_attachments(message, invoice_id=invoice.pk)[0][0] == "INV-26-27-0001.pdf"
    with pytest.raises(Exception, match="does not exist"):
        invoice_attachments(foreign, invoice_id=invoice.pk)


def test_invoice_page_offers_the_email_button_or_says_why_not(owner_client, sharma, asha):
    invoice = issue(sharma, asha)
    html = owner_client.get(invoice.get_absolute_url()).content.decode()
    assert f'action="{email_url(invoice)}"' in html
    assert "Email to customer" in html

    asha.email = ""
    asha.save()
    html = owner_client.get(invoice.get_absolute_url()).content.decode()
    assert f'action="{email_url(invoice)}"' not in html
    assert 'disabled aria-describedby="invoice-email-hint"' in html
    hint = unescape(re.sub(r"<[^>]+>", "", html))
    assert "Add an email address to Asha Verma's details to email invoices." in hint
