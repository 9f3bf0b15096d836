"""The payment receipt: the email a customer gets for a payment recorded on their
account, queued through :func:`messaging.services.email_queue`."""

from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope

from accounts.i18n import customer_language
from accounts.models import Shop
from core.money import format_money
from ledger.models import Payment
from messaging.models import Message
from messaging.services import email_queue


def payment_receipt_queue(*, shop: Shop, payment_id: int) -> Message | None:
    """Queue the receipt for payment ``payment_id`` to its customer's email, if the
    shop sends receipts and the customer has an address (else ``None``; ``None`` too for
    a payment that is gone or void).

    Called by ``ledger.services.entries.payment_create`` on commit, so the balance read
    here includes the payment.
    """
    with scope(shop=shop):
        payment = Payment.objects.select_related("customer").filter(shop=shop, pk=payment_id).first()
        if payment is None or payment.is_voided or not shop.send_payment_receipts or not payment.customer.email:
            return None
        customer = payment.customer
        with translation.override(customer_language(customer, shop)):  # the customer's language
            amount = format_money(payment.amount, shop.currency, shop.locale)
            return email_queue(
                shop=shop, kind=Message.Kind.RECEIPT, to=customer.email, customer=customer,
                subject=_("Receipt for your payment of %(amount)s to %(shop)s") % {"amount": amount,
                                                                                    "shop": shop.name},
                template="emails/receipt",
                context={"payment": payment, "balance": customer.balance}, created_by=payment.created_by,
            )
