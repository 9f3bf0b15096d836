"""The shop's messages (DESIGN §7): queue emails, log click-to-chat messages, retry.

Every message is a :class:`~ledger.models.Message` row, the shop's message log.
Emails are rendered and stored here, in the caller's transaction, and sent later by
the ``ledger.tasks.send_message`` task, enqueued when the transaction commits: a
rolled-back payment never sends a receipt, and no request waits for a mail server.

Other apps call :func:`queue_email` (reminders, invoices) and :func:`log_message`
(WhatsApp/SMS links). Templates live in ``templates/emails/``: ``<name>.txt`` (plain
text, required) and ``<name>.html`` (optional); both get the caller's context plus
``shop`` and ``customer``, and may extend ``emails/base.txt`` / ``emails/base.html``.

Every link that goes to a customer is made absolute by :func:`absolute_url`: on
``settings.SITE_URL``, else on the web request's own host; without either (a command),
the link is left out and a warning names the setting (:func:`warn_missing_site_url`).
"""

import logging
import uuid
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Shop
from accounts.money import format_money
from customers.models import Customer
from ledger.models import Message, Payment
from ledger.tasks import MAX_ATTEMPTS, enqueue_send, fail_lost_tasks, sender_address, stuck_after

logger = logging.getLogger(__name__)

__all__ = ["MAX_ATTEMPTS", "SITE_URL_MISSING", "MessagingError", "absolute_url", "is_stuck", "log_message",
           "message_log", "message_recover_stuck", "message_retry", "queue_email", "queue_payment_receipt",
           "queue_welcome_email", "requeue_failed", "sender_address", "site_url", "stuck_after", "stuck_before",
           "warn_missing_site_url"]

SITE_URL_MISSING = ("SITE_URL is not set, so messages built without a web request (by this command or a task) "
                    "leave out links to the site, such as statement links. Set SITE_URL to the address your "
                    "customers use, e.g. SITE_URL=https://khata.example.com")


class MessagingError(Exception):
    """A messaging action the rules refuse; ``str(error)`` is a message for the user."""


# --- Links to customers ------------------------------------------------------------------

_site_url_warned = False  # the logged warning is given once per process


def site_url() -> str:
    """``settings.SITE_URL`` without a trailing slash (e.g. ``"https://khata.example.com"``),
    or ``""`` when it is not set."""
    return (getattr(settings, "SITE_URL", "") or "").strip().rstrip("/")


def warn_missing_site_url(write: Callable[[str], object] | None = None) -> bool:
    """Say that ``SITE_URL`` is not set, if it is not; return whether it is missing.

    With ``write`` (a command's ``self.stderr.write``; the command calls this once per
    run, before it builds any message) the warning goes there; without, it is logged as a
    warning of this module, at most once per process. Either way :func:`absolute_url`
    logs nothing more afterwards, so a run warns once.
    """
    global _site_url_warned
    if site_url():
        return False
    if write is not None:
        write(SITE_URL_MISSING)
    elif not _site_url_warned:
        logger.warning(SITE_URL_MISSING)
    _site_url_warned = True
    return True


def absolute_url(path: str, *, request=None) -> str:
    """The absolute URL of ``path`` (from ``reverse``/``get_absolute_url``, starting
    with ``/``) for a link that goes to a customer or user.

    On ``settings.SITE_URL`` when it is set; else on the host (and scheme) that
    ``request`` came to (``request.build_absolute_uri``). Without either, ``""``: the
    caller leaves the link out (never a guessed host), and :func:`warn_missing_site_url`
    logs the warning once.
    """
    base = site_url()
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    warn_missing_site_url()
    return ""


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
                attachment_builder: str | None = None, attachment_args: dict | None = None,
                idempotency_key: uuid.UUID | None = None) -> Message | None:
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
    - ``idempotency_key`` (the one-time key of the form that asked for the email, unique
      per shop): when ``shop`` already has a message with this key, that message is
      returned and nothing is written or queued. Callers that must not let two
      concurrent requests both pass take a lock first (the customer row); the unique
      constraint is the last guard.

    The ``send_message`` task is enqueued with ``transaction.on_commit``: nothing is
    sent while the caller's transaction is open, and nothing at all if it rolls back.
    """
    to = (to or "").strip()
    validate_email(to)
    with scope(shop=shop), transaction.atomic():
        if idempotency_key is not None:
            seen = Message.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
            if seen is not None:
                return seen
        if for_date is not None and Message.objects.filter(
                shop=shop, customer=customer, kind=kind, channel=Message.Channel.EMAIL, for_date=for_date).exists():
            return None
        context = {**context, "shop": shop, "customer": customer}
        message = Message(
            shop=shop, customer=customer, channel=Message.Channel.EMAIL, kind=kind, to=to,
            subject=_one_line(subject)[:200], body=render_to_string(f"{template}.txt", context),
            html_body=_render_optional(f"{template}.html", context),
            attachment_builder=attachment_builder or "", attachment_args=attachment_args or {},
            for_date=for_date, created_by=created_by, idempotency_key=idempotency_key,
        )
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            if idempotency_key is not None:
                seen = Message.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
                if seen is not None:
                    return seen  # a concurrent request with the same key wrote it first
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


def stuck_before(now=None):
    """The datetime before which a "sending" email counts as stuck (now minus
    ``ledger.tasks.stuck_after()``): its worker is gone, and it may be sent again."""
    return (now or timezone.now()) - stuck_after()


def is_stuck(message: Message, now=None) -> bool:
    """Whether ``message`` is an email stuck "sending" (see :func:`stuck_before`)."""
    return (message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENDING
            and message.status_changed_at < stuck_before(now))


def _queue_again(message: Message, *, error: str | None = None) -> None:
    """Set ``message`` (locked by the caller) queued now and enqueue its task on commit."""
    message.status = Message.Status.QUEUED
    message.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at"]
    if error is not None:
        message.error = error
        fields.append("error")
    message.save(update_fields=fields)
    _enqueue_on_commit(message)


def message_retry(*, shop: Shop, message: Message) -> Message:
    """Queue an email again now (the "Retry" button), whatever its attempts: a failed
    one, or one stuck "sending" (its worker is gone; see :func:`is_stuck`).

    Raises ``MessagingError`` unless it is an email of ``shop`` that is failed or stuck.
    """
    with scope(shop=shop), transaction.atomic():
        message = Message.objects.select_for_update().filter(shop=shop, pk=message.pk).first()
        if message is None:
            raise MessagingError("That message does not belong to this shop.")
        if message.channel != Message.Channel.EMAIL:
            raise MessagingError("Only emails can be sent again from here.")
        if message.status == Message.Status.SENDING and not is_stuck(message):
            raise MessagingError("This email is being sent right now. If it is still sending in a few minutes, "
                                 "retry it then.")
        if message.status not in (Message.Status.FAILED, Message.Status.SENDING):
            raise MessagingError("This email was already sent." if message.status == Message.Status.SENT
                                 else "This email is already queued.")
        _queue_again(message)
        return message


def message_recover_stuck(*, shop: Shop | None = None, now=None) -> list[Message]:
    """Queue again the emails stuck "sending" (:func:`is_stuck`: their worker died mid-send)
    of ``shop``, or of every shop when ``shop`` is ``None`` (the task worker, on start and
    every minute). Returns those messages.

    A stuck email with attempts left is queued again, and its task enqueued after commit:
    it is sent again with the same ``Message-ID`` (delivery is at least once). One that
    already used its last attempt becomes failed, with an error saying so, for the Retry
    button. The task rows the dead worker left running are closed
    (``ledger.tasks.fail_lost_tasks``). Rows are locked, so two recoveries at once (two
    workers, the command) queue each email once.
    """
    before = stuck_before(now)
    with (scope(shop=shop) if shop is not None else scopes_disabled()), transaction.atomic():
        stuck = Message.objects.select_for_update().filter(
            channel=Message.Channel.EMAIL, status=Message.Status.SENDING, status_changed_at__lt=before)
        if shop is not None:
            stuck = stuck.filter(shop=shop)
        stuck = list(stuck.order_by("pk"))
        for message in stuck:
            if message.attempts >= MAX_ATTEMPTS:
                message.status = Message.Status.FAILED
                message.status_changed_at = timezone.now()
                message.error = (f"The send was interrupted on attempt {message.attempts} of {MAX_ATTEMPTS} "
                                 "(the task worker stopped); it may or may not have arrived. Retry sends it again.")
                message.save(update_fields=["status", "status_changed_at", "error"])
            else:
                _queue_again(message, error=f"The send was interrupted on attempt {message.attempts} "
                                            "(the task worker stopped); queued again.")
        fail_lost_tasks(started_before=before)
    if stuck:
        logger.warning("Recovered %s email(s) stuck sending since before %s (their worker stopped mid-send)",
                       len(stuck), before.isoformat(timespec="seconds"))
    return stuck


def requeue_failed(*, shop: Shop, stale_after=None) -> list[Message]:
    """Queue again the emails of ``shop`` that need it; returns them. Used by
    ``manage.py retry_failed_messages``:

    - failed emails with attempts left (fewer than ``MAX_ATTEMPTS``);
    - emails stuck "sending" (:func:`message_recover_stuck`; one that used its last
      attempt becomes failed instead and is not returned);
    - with ``stale_after`` (a timedelta), emails queued for longer than that: their task
      was lost (e.g. the database went away between the commit and the enqueue).
    """
    recovered = message_recover_stuck(shop=shop)
    with scope(shop=shop), transaction.atomic():
        emails = Message.objects.select_for_update().filter(shop=shop, channel=Message.Channel.EMAIL)
        failed = list(emails.filter(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS))
        stale = []
        if stale_after is not None:
            stale = list(emails.filter(status=Message.Status.QUEUED,
                                       status_changed_at__lt=timezone.now() - stale_after))
        for message in failed + stale:
            _queue_again(message)
    return [m for m in recovered if m.status == Message.Status.QUEUED] + failed + stale


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


def queue_welcome_email(*, shop: Shop, user, request=None) -> Message | None:
    """Queue the welcome email to a new shop's owner (``None`` if they gave no email).

    Its links are made absolute by :func:`absolute_url`: on ``settings.SITE_URL``, else
    on the host of ``request`` (the registration request).
    """
    if not user.email:
        return None
    return queue_email(
        shop=shop, kind=Message.Kind.WELCOME, to=user.email, subject=f"Welcome to Khata, {shop.name}",
        template="emails/welcome", created_by=user,
        context={"user": user, "sender": sender_address(shop),
                 "dashboard_url": absolute_url(reverse("ledger:dashboard"), request=request),
                 "customer_url": absolute_url(reverse("customers:create"), request=request),
                 "settings_url": absolute_url(reverse("accounts:shop_settings"), request=request)},
    )


def welcome_on_registration(sender, *, shop: Shop, user, request=None, **kwargs) -> None:
    """Receiver of ``accounts.signals.shop_registered``: queue the welcome email.

    A failure is logged, never raised: the registration itself has succeeded.
    """
    try:
        queue_welcome_email(shop=shop, user=user, request=request)
    except Exception:
        logger.exception("Could not queue the welcome email for shop %s", shop.pk)
