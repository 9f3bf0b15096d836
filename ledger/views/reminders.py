"""Reminder actions on the customer page: "Remind by email", WhatsApp and SMS.

All three are POST (each logs a message). WhatsApp and SMS answer with a redirect to
the ``wa.me`` / ``sms:`` link that opens the chat with the text filled in; when the
customer's number is not a valid mobile number they go back to the customer page
with a message instead. Every role that may write may remind (``reminder.send``).

"Remind by email" posts the one-time key of its form (``OneTimeKeyForm``): the same
post sent twice (a double click) lands on the first result, with the same message,
and sends one email. Links in the texts are on ``SITE_URL``, else on this request's host.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import OneTimeKeyForm
from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from customers.models import Customer
from ledger.services import reminders
from messaging.models import Message


class ChatRedirect(HttpResponseRedirect):
    """A redirect that may also go to an ``sms:`` link (Django allows http/https/ftp only)."""

    allowed_schemes = ["https", "sms"]


@require_POST
@shop_required
def customer_remind(request, customer_id):
    """"Remind by email": queue a reminder listing the customer's open dues, once per form."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "reminder.send")
    form = OneTimeKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This page was out of date. Reload it and press the button again."))
        return redirect(customer)
    try:
        message = reminders.reminder_email_send(shop=request.shop, customer=customer, created_by=request.user,
                                                idempotency_key=form.cleaned_data["idempotency_key"],
                                                request=request)
    except reminders.ReminderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Reminder email to %(name)s (%(email)s) is on its way.")
                         % {"name": customer.name, "email": message.to})
    return redirect(customer)


def _chat(request, customer_id, channel):
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "reminder.send")
    try:
        chat = reminders.reminder_chat_log(shop=request.shop, customer=customer, channel=channel,
                                           created_by=request.user, request=request)
    except reminders.ReminderError as exc:
        messages.error(request, str(exc))
        return redirect(customer)
    return ChatRedirect(chat.url)


@require_POST
@shop_required
def customer_whatsapp(request, customer_id):
    """Log a WhatsApp reminder and open the chat (``wa.me``) with the text filled in."""
    return _chat(request, customer_id, Message.Channel.WHATSAPP)


@require_POST
@shop_required
def customer_sms(request, customer_id):
    """Log an SMS reminder and open the SMS app (``sms:``) with the text filled in."""
    return _chat(request, customer_id, Message.Channel.SMS)
