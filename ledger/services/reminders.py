"""Sending due reminders: scheduled emails (``manage.py send_due_reminders``), the
customer page's "Remind by email", and WhatsApp/SMS click-to-chat. Who is reminded and
the texts are read by ``ledger.selectors.reminders``; the emails are queued and the chats
logged through ``messaging.services``.

Scheduled reminders (:func:`due_reminders_send`) are emails queued with ``for_date`` =
the day, so a customer gets at most one per day however often the command runs
(``Message``'s unique constraint). "Remind by email" (:func:`reminder_email_send`) sends
at once, whatever the day, once per form (its one-time key). WhatsApp and SMS
(:func:`reminder_chat_log`) are click-to-chat links: the message is logged and the
browser opens ``wa.me`` or ``sms:`` with the text filled in.

All amounts are ``Decimal`` in the shop's currency.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.i18n import customer_language
from accounts.models import Shop
from core.money import ZERO, format_money
from customers.models import Customer
from customers.phones import shop_e164
from ledger.markets import pay_by
from ledger.models import Due
from ledger.selectors.entries import customer_open_dues
from ledger.selectors.reminders import (
    ReminderCandidate,
    chat_text,
    customers_to_remind,
    owing_customers,
    statement_url,
    statement_urls,
)
from ledger.services import LedgerError
from messaging.links import chat_url
from messaging.models import Message
from messaging.services import email_queue, message_log

REMINDER_TEMPLATE = "emails/reminder"


class ReminderError(LedgerError):
    """A reminder that cannot be sent; ``str(error)`` is a message for the user."""


def _subject(shop: Shop, total: Decimal) -> str:
    return _("Payment reminder from %(shop)s: %(amount)s due") % {
        "shop": shop.name, "amount": format_money(total, shop.currency, shop.locale)}


def _queue_reminder(*, shop: Shop, customer: Customer, dues: list[Due], today: datetime.date, url: str,
                    for_date: datetime.date | None, created_by=None,
                    idempotency_key: uuid.UUID | None = None) -> Message | None:
    total = sum((due.outstanding for due in dues), ZERO)
    context = {
        "shop": shop,
        "customer": customer,
        "items": dues,
        "total": total,
        "today": today,
        "overdue": any(due.is_overdue for due in dues),
        "statement_url": url,
        "pay_by": pay_by(shop),  # how to pay: the UPI ID, M-Pesa till, bKash/Nagad number (ledger.markets)
        "shop_phone": shop.phone,
    }
    with translation.override(customer_language(customer, shop)):  # the customer's language
        return email_queue(
            shop=shop, kind=Message.Kind.REMINDER, to=customer.email, subject=_subject(shop, total),
            template=REMINDER_TEMPLATE, context=context, customer=customer, for_date=for_date,
            created_by=created_by, idempotency_key=idempotency_key,
        )


@dataclass
class ReminderRun:
    """What :func:`due_reminders_send` did (or, with ``dry_run``, would do) for one shop
    on one day. ``skipped`` counts customers who owe on dated dues but have no reminder day today."""

    shop: Shop
    date: datetime.date
    dry_run: bool = False
    reminded: list[ReminderCandidate] = field(default_factory=list)
    already: list[ReminderCandidate] = field(default_factory=list)
    no_email: list[ReminderCandidate] = field(default_factory=list)
    skipped: int = 0


def due_reminders_send(*, shop: Shop, today: datetime.date, dry_run: bool = False) -> ReminderRun:
    """Queue today's scheduled reminder emails of ``shop`` (one per customer; see the module doc).

    Idempotent per customer and day: a customer who already has a scheduled reminder
    for ``today`` is counted in ``already`` and gets nothing more. Customers without an
    email are counted in ``no_email``. ``dry_run`` writes nothing. Each customer's
    message commits on its own (one failure does not undo the others). Run inside
    ``scope(shop=shop)``; the caller decides whether ``shop.reminders_enabled`` matters.
    """
    run = ReminderRun(shop=shop, date=today, dry_run=dry_run)
    candidates = customers_to_remind(shop=shop, today=today)
    run.skipped = owing_customers(shop=shop).count() - len(candidates)
    if not candidates:
        return run
    ids = [c.customer.pk for c in candidates]
    already_ids = set(Message.objects.filter(
        shop=shop, customer_id__in=ids, kind=Message.Kind.REMINDER, channel=Message.Channel.EMAIL, for_date=today,
    ).values_list("customer_id", flat=True))
    urls = statement_urls(shop=shop, customer_ids=ids) if not dry_run else {}
    for candidate in candidates:
        customer = candidate.customer
        if customer.pk in already_ids:
            run.already.append(candidate)
        elif not customer.email:
            run.no_email.append(candidate)
        elif dry_run:
            run.reminded.append(candidate)
        else:
            try:
                with transaction.atomic():
                    message = _queue_reminder(shop=shop, customer=customer, dues=candidate.dues, today=today,
                                              url=urls.get(customer.pk, ""), for_date=today)
            except IntegrityError:  # a concurrent run queued it first (the unique constraint)
                message = None
            (run.reminded if message is not None else run.already).append(candidate)
    return run


@transaction.atomic
def reminder_email_send(*, shop: Shop, customer: Customer, created_by=None, today: datetime.date | None = None,
                        idempotency_key: uuid.UUID | None = None, request=None) -> Message:
    """Queue a reminder email to ``customer`` now (the customer page's button), listing
    all their open dues (amounts ``Decimal`` in the shop's currency). Not limited to one
    a day (no ``for_date``).

    ``idempotency_key`` (the button form's one-time key): checked under the customer's
    row lock (``select_for_update``), so of two posts of one form, even concurrent ones,
    the second waits for the first and gets its message back: one email, one task.
    ``request`` (the web request, or ``None``) gives the statement link its host when
    ``SITE_URL`` is unset.

    Raises :class:`ReminderError` when the customer is another shop's, has no email or
    owes nothing, or when the key was used for another customer's message.
    """
    if customer.shop_id != shop.pk:
        raise ReminderError(_("That customer does not belong to this shop."))
    customer = Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    if idempotency_key is not None:
        seen = Message.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if seen is not None:
            if seen.customer_id != customer.pk or seen.kind != Message.Kind.REMINDER:
                raise ReminderError(_("This form was already used. Reload the page and try again."))
            return seen
    if not customer.email:
        raise ReminderError(_("%(name)s has no email address. Add one with Edit, or remind them by WhatsApp or SMS.")
                            % {"name": customer.name}, field="email")
    today = today or timezone.localdate()
    dues = customer_open_dues(customer=customer, today=today)
    if not dues:
        raise ReminderError(_("%(name)s owes nothing: there are no open dues to remind them of.")
                            % {"name": customer.name})
    return _queue_reminder(shop=shop, customer=customer, dues=dues, today=today,
                           url=statement_url(shop=shop, customer=customer, request=request), for_date=None,
                           created_by=created_by, idempotency_key=idempotency_key)


@dataclass
class ChatReminder:
    """A logged WhatsApp/SMS reminder and the link that opens it (``wa.me`` or ``sms:``)."""

    message: Message
    url: str


@transaction.atomic
def reminder_chat_log(*, shop: Shop, customer: Customer, channel: str, created_by=None,
                      request=None) -> ChatReminder:
    """Log a click-to-chat reminder (``channel`` ``"whatsapp"`` or ``"sms"``, status
    "sent": the shopkeeper sends it from their phone) and return it with its link.
    The statement link in the text is on ``SITE_URL``, else on ``request``'s host.

    Raises :class:`ReminderError` when the customer's phone is not a valid mobile
    number (for the shop's country) or they owe nothing.
    """
    if channel not in (Message.Channel.WHATSAPP, Message.Channel.SMS):
        raise ValueError(f"not a click-to-chat channel: {channel!r}")
    if customer.shop_id != shop.pk:
        raise ReminderError(_("That customer does not belong to this shop."))
    number = shop_e164(customer.phone, shop=shop, mobile_only=True)
    if number is None:
        if customer.phone:
            message = _("%(name)s has no valid mobile number (%(phone)s). Correct it with Edit.")
        else:
            message = _("%(name)s has no valid mobile number. Correct it with Edit.")
        raise ReminderError(message % {"name": customer.name, "phone": customer.phone}, field="phone")
    if customer.balance <= 0:
        raise ReminderError(_("%(name)s owes nothing: there is nothing to remind them of.") % {"name": customer.name})
    with translation.override(customer_language(customer, shop)):  # the customer's language
        text = chat_text(shop=shop, customer=customer, amount=customer.balance,
                         statement_url=statement_url(shop=shop, customer=customer, request=request))
    message = message_log(shop=shop, channel=channel, kind=Message.Kind.REMINDER, to=number, body=text,
                          customer=customer, created_by=created_by, status=Message.Status.SENT)
    return ChatReminder(message=message, url=chat_url(channel, number, text))
