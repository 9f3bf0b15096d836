"""The shop's messages (DESIGN §7): queue emails, log click-to-chat messages, retry.

Every message is a :class:`~ledger.models.Message` row, the shop's message log.
Emails are rendered and stored here, in the caller's transaction, and sent later by
the ``ledger.tasks.send_message`` task, enqueued when the transaction commits: a
rolled-back payment never sends a receipt, and no request waits for a mail server.

Other apps call :func:`queue_email` (reminders, invoices) and :func:`log_message`
(WhatsApp/SMS links). Templates live in ``templates/emails/``: ``<name>.txt`` (plain
text, required) and ``<name>.html`` (optional); both get the caller's context plus
``shop`` and ``customer``, and may extend ``emails/base.txt`` / ``emails/base.html``.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Shop
from accounts.money import format_money
from customers.models import Customer
from ledger.models import Message, Payment
from ledger.tasks import MAX_ATTEMPTS, enqueue_send, sender_address

logger = logging.getLogger(__name__)

__all__ = ["MAX_ATTEMPTS", "MessagingError", "log_message", "message_log", "message_retry", "queue_email",
           "queue_payment_receipt", "queue_welcome_email", "sender_address"]


class MessagingError(Exception):
    """A messaging action the rules refuse; ``str(error)`` is a message for the user."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _render_optional(template_name: str, context: dict) -> str:
    try:
        return render_to_string(template_name, context)
    except TemplateDoesNotExist:
        return ""


def _enqueue_on_commit(message: Message) -> None:
    # robust: a failure to enqueue is logged, never turned into an error for a request
    # whose data is already committed; the message stays queued (retry_failed_messages).
    transaction.on_commit(partial(enqueue_send, message_id=message.pk, shop_id=message.shop_id,
                                  after_attempts=message.attempts), robust=True)


def queue_email(*, shop: Shop, kind: str, to: str, subject: str, template: str, context: dict,
                customer: Customer | None = None, for_date=None, created_by=None,
                attachment_builder: str | None = None, attachment_args: dict | None = None) -> Message | None:
    """Render an email, store it as a queued ``Message`` and send it after commit.

    - ``kind``: a ``Message.Kind`` value; ``to``: one email address (``ValidationError``
      if it is not one); ``subject``: one line (newlines are folded), at most 200 characters.
    - ``template``: a name under ``templates/`` without extension, e.g. ``"emails/receipt"``:
      ``.txt`` is the text body (required), ``.html`` the HTML alternative (optional).
      ``context`` is extended with ``shop`` and ``customer``.
    - ``for_date`` (scheduled reminders): when ``customer`` already has a message of this
      kind on the email channel for that date, nothing is written and ``None`` returned.
    - ``attachment_builder``: dotted path of ``f(message, **attachment_args) ->
      [(filename, bytes, mimetype), ...]``, called by the task at send time.
      ``attachment_args`` must be JSON-serialisable.

    The ``send_message`` task is enqueued with ``transaction.on_commit``: nothing is
    sent while the caller's transaction is open, and nothing at all if it rolls back.
    """
    to = (to or "").strip()
    validate_email(to)
    with scope(shop=shop), transaction.atomic():
        if for_date is not None and Message.objects.filter(
                shop=shop, customer=customer, kind=kind, channel=Message.Channel.EMAIL, for_date=for_date).exists():
            return None
        context = {**context, "shop": shop, "customer": customer}
        message = Message(
            shop=shop, customer=customer, channel=Message.Channel.EMAIL, kind=kind, to=to,
            subject=_one_line(subject)[:200], body=render_to_string(f"{template}.txt", context),
            html_body=_render_optional(f"{template}.html", context),
            attachment_builder=attachment_builder or "", attachment_args=attachment_args or {},
            for_date=for_date, created_by=created_by,
        )
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            if for_date is None:
                raise
            return None  # a concurrent run wrote this reminder first (unique per customer/kind/channel/day)
        _enqueue_on_commit(message)
        return message


def log_message(*, shop: Shop, channel: str, kind: str, to: str, body: str, customer: Customer | None = None,
                created_by=None, status: str = Message.Status.SENT) -> Message:
    """Record a message sent outside the app (a WhatsApp or SMS click-to-chat link) in
    the log. ``status`` defaults to sent (with ``sent_at`` now)."""
    with scope(shop=shop):
        return Message.objects.create(
            shop=shop, customer=customer, channel=channel, kind=kind, to=to[:254], body=body, status=status,
            sent_at=timezone.now() if status == Message.Status.SENT else None, created_by=created_by,
        )


def message_retry(*, shop: Shop, message: Message) -> Message:
    """Queue a failed email again now (the "Retry" button), whatever its attempts.

    Raises ``MessagingError`` unless it is an email of ``shop`` in status failed.
    """
    with scope(shop=shop), transaction.atomic():
        message = Message.objects.select_for_update().filter(shop=shop, pk=message.pk).first()
        if message is None:
            raise MessagingError("That message does not belong to this shop.")
        if message.channel != Message.Channel.EMAIL:
            raise MessagingError("Only emails can be sent again from here.")
        if message.status != Message.Status.FAILED:
            raise MessagingError("This email was already sent." if message.status == Message.Status.SENT
                                 else "This email is already queued.")
        message.status = Message.Status.QUEUED
        message.save(update_fields=["status"])
        _enqueue_on_commit(message)
        return message


def requeue_failed(*, shop: Shop, stale_after=None) -> list[Message]:
    """Queue again the failed emails of ``shop`` that have attempts left, and (with
    ``stale_after``, a timedelta) queued emails never tried that are older than that
    (their task was lost). Returns the messages queued. Used by
    ``manage.py retry_failed_messages``."""
    with scope(shop=shop), transaction.atomic():
        emails = Message.objects.select_for_update().filter(shop=shop, channel=Message.Channel.EMAIL)
        failed = list(emails.filter(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS))
        stale = []
        if stale_after is not None:
            stale = list(emails.filter(status=Message.Status.QUEUED, attempts=0,
                                       created_at__lt=timezone.now() - stale_after))
        for message in failed:
            message.status = Message.Status.QUEUED
            message.save(update_fields=["status"])
        for message in failed + stale:
            _enqueue_on_commit(message)
        return failed + stale


def message_log(*, shop: Shop, status: str = "", kind: str = "", channel: str = "",
                customer: Customer | None = None) -> QuerySet:
    """The shop's messages, newest first, with ``customer`` joined; optionally only one
    ``status``/``kind``/``channel`` (``Message`` choice values) or one customer's."""
    messages = Message.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if channel:
        messages = messages.filter(channel=channel)
    if customer is not None:
        messages = messages.filter(customer=customer)
    return messages


# --- The emails the ledger sends ------------------------------------------------------


def queue_payment_receipt(*, shop: Shop, payment_id: int) -> Message | None:
    """Queue the receipt for payment ``payment_id`` to its customer's email, if the
    shop sends receipts and the customer has an address (else ``None``).

    Called by ``ledger.services.payment_create`` on commit, so the balance read here
    includes the payment.
    """
    with scope(shop=shop):
        payment = Payment.objects.select_related("customer").filter(shop=shop, pk=payment_id).first()
        if payment is None or payment.is_voided or not shop.send_payment_receipts or not payment.customer.email:
            return None
        customer = payment.customer
        amount = format_money(payment.amount, shop.currency, shop.locale)
        return queue_email(
            shop=shop, kind=Message.Kind.RECEIPT, to=customer.email, customer=customer,
            subject=f"Receipt for your payment of {amount} to {shop.name}", template="emails/receipt",
            context={"payment": payment, "balance": customer.balance}, created_by=payment.created_by,
        )


def queue_welcome_email(*, shop: Shop, user, base_url: str = "") -> Message | None:
    """Queue the welcome email to a new shop's owner (``None`` if they gave no email).

    ``base_url`` (e.g. ``"https://khata.example.com/"``, the registration request's)
    makes the links absolute; without it, ``settings.SITE_URL`` does.
    """
    if not user.email:
        return None
    base = (base_url or getattr(settings, "SITE_URL", "")).rstrip("/")
    return queue_email(
        shop=shop, kind=Message.Kind.WELCOME, to=user.email, subject=f"Welcome to Khata, {shop.name}",
        template="emails/welcome", created_by=user,
        context={"user": user, "sender": sender_address(shop),
                 "dashboard_url": base + reverse("ledger:dashboard"),
                 "customer_url": base + reverse("customers:create"),
                 "settings_url": base + reverse("accounts:shop_settings")},
    )


def welcome_on_registration(sender, *, shop: Shop, user, request=None, **kwargs) -> None:
    """Receiver of ``accounts.signals.shop_registered``: queue the welcome email.

    A failure is logged, never raised: the registration itself has succeeded.
    """
    try:
        queue_welcome_email(shop=shop, user=user, base_url=request.build_absolute_uri("/") if request else "")
    except Exception:
        logger.exception("Could not queue the welcome email for shop %s", shop.pk)
