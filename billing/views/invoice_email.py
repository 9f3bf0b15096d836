"""The "Email to customer" button of the invoice page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from billing.models import Invoice
from billing.tasks import invoice_email_queue
from core.errors import DomainError


@require_POST
@shop_required
def invoice_email(request, invoice_id):
    """Queue the invoice, PDF attached, to the customer's email; back to the invoice."""
    invoice = get_object_or_404(Invoice.objects.select_related("shop", "customer", "due"),
                                shop=request.shop, pk=invoice_id)
    require_permission(request, "reminder.send")
    try:
        message = invoice_email_queue(invoice=invoice, created_by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invoice %(number)s is on its way to %(email)s. "
                                    "The message log shows when it has been sent.") % {
            "number": invoice.number, "email": message.to})
    return redirect(invoice)
