"""Billing's part in background work: emailing an invoice with its PDF attached, and
spreadsheet imports too large for a request.

:func:`invoice_email_queue` stores the email through ``messaging.services.email_queue``;
the PDF is not rendered then but by :func:`invoice_attachments`, which the send task
calls at send time (and again on a retry), so no request waits for WeasyPrint.

:func:`import_job_run` runs the next step (check or import) of a large import job
(``billing.services.imports``), enqueued when the job's transaction commits.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope
from django_tasks import task

from accounts.i18n import customer_language
from accounts.models import Shop
from billing.models import Invoice
from billing.pdf import invoice_pdf
from billing.services import BillingError
from core.money import format_money
from messaging.models import Message
from messaging.services import email_queue


class InvoiceEmailError(BillingError):
    """The invoice cannot be emailed; ``str(error)`` is a message for the user."""


def invoice_email_refusal(invoice: Invoice) -> str:
    """Why ``invoice`` cannot be emailed, or ``""`` when it can (also the button's hint)."""
    if invoice.customer_id is None:
        return _("A walk-in sale has no customer to email.")
    if not invoice.customer.email:
        return _("Add an email address to %(name)s's details to email invoices.") % {"name": invoice.customer.name}
    if invoice.is_voided:
        return _("A void invoice cannot be emailed.")
    return ""


def invoice_email_queue(*, invoice: Invoice, created_by=None) -> Message:
    """Queue invoice ``invoice`` to its customer's email, the A4 PDF attached at send time.

    Raises ``InvoiceEmailError`` for a walk-in sale, a customer without an email address
    or a void invoice.
    """
    refusal = invoice_email_refusal(invoice)
    if refusal:
        raise InvoiceEmailError(refusal)
    shop, customer = invoice.shop, invoice.customer
    with translation.override(customer_language(customer, shop)):  # the customer's language
        return _invoice_email_queue(invoice, created_by)


def _invoice_email_queue(invoice: Invoice, created_by) -> Message:
    shop, customer = invoice.shop, invoice.customer
    total = format_money(invoice.total, shop.currency, shop.locale)
    return email_queue(
        shop=shop, kind=Message.Kind.INVOICE, to=customer.email, customer=customer, created_by=created_by,
        subject=_("Invoice %(number)s from %(shop)s (%(total)s)") % {"number": invoice.number, "shop": shop.name,
                                                                     "total": total},
        template="emails/invoice",
        context={"invoice": invoice, "filename": f"{invoice.number.replace('/', '-')}.pdf",
                 "due_date": invoice.due.due_date if invoice.due_id and invoice.balance_due > 0 else None},
        attachment_builder="billing.tasks.invoice_attachments", attachment_args={"invoice_id": invoice.pk},
    )


def invoice_attachments(message: Message, *, invoice_id: int) -> list[tuple[str, bytes, str]]:
    """The attachment builder of invoice emails: ``[("INV-26-27-0001.pdf", pdf, "application/pdf")]``.

    Runs in the send task, inside the message's shop scope; the invoice must belong to
    the message's shop (``Invoice.DoesNotExist`` otherwise, recorded as the failure).
    """
    invoice = Invoice.objects.select_related("shop", "customer", "due").get(shop_id=message.shop_id, pk=invoice_id)
    with translation.override(customer_language(invoice.customer, invoice.shop)):  # as the email's text
        filename, pdf = invoice_pdf(invoice=invoice)
    return [(filename, pdf, "application/pdf")]


@task()
def import_job_run(*, job_id: int, shop_id: int, attempts: int) -> str:
    """Run the next step of import job ``job_id`` of shop ``shop_id``, queued when the job
    had ``attempts`` runs, inside the shop's scope. Returns what
    ``billing.services.imports.import_job_process`` returns (``"skipped"`` for a shop that
    is gone)."""
    from billing.services.imports import import_job_process

    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return "skipped"
    with scope(shop=shop):
        return import_job_process(shop=shop, job_id=job_id, attempts=attempts)
