"""Messaging writes (DESIGN §7): queue emails, log click-to-chat messages, retry.

Every message is a :class:`~messaging.models.Message` row, the shop's message log.
Emails are rendered and stored here, in the caller's transaction, and sent later by
the ``messaging.tasks.send_message`` task, enqueued when the transaction commits: a
rolled-back payment never sends a receipt, and no request waits for a mail server.

Other apps call :func:`email_queue` (receipts, reminders, invoices) and
:func:`message_log` (WhatsApp/SMS links). Templates live in ``templates/emails/``:
``<name>.txt`` (plain text, required) and ``<name>.html`` (optional); both get the
caller's context plus ``shop`` and ``customer``, and may extend ``emails/base.txt`` /
``emails/base.html``. Links in them are made absolute by :func:`messaging.links.absolute_url`.

Every function takes keyword arguments only and opens the shop's scope itself; a
refusal is a :class:`MessagingError` with a message for the user.
"""

import logging
import uuid
from functools import partial

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from accounts.i18n import customer_language
from accounts.models import Shop
from core.errors import DomainError
from customers.models import Customer
from messaging.links import absolute_url
from messaging.models import Message
from messaging.selectors import is_stuck, stuck_before
from messaging.tasks import MAX_ATTEMPTS, enqueue_send, fail_lost_tasks, sender_address

logger = logging.getLogger(__name__)


class MessagingError(DomainError):
    """A messaging action the rules refuse (a :class:`core.errors.DomainError`);
    ``str(error)`` is a message for the user."""


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


def email_queue(*, shop: Shop, kind: str, to: str, subject: str, template: str, context: dict,
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


def message_log(*, shop: Shop, channel: str, kind: str, to: str, body: str, customer: Customer | None = None,
                created_by=None, status: str = Message.Status.SENT) -> Message:
    """Record a message sent outside the app (a WhatsApp or SMS click-to-chat link) in
    the log. ``status`` defaults to sent (with ``sent_at`` now)."""
    with scope(shop=shop):
        return Message.objects.create(
            shop=shop, customer=customer, channel=channel, kind=kind, to=to[:254], body=body, status=status,
            sent_at=timezone.now() if status == Message.Status.SENT else None, created_by=created_by,
        )


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
    one, or one stuck "sending" (its worker is gone; see :func:`messaging.selectors.is_stuck`).

    Raises ``MessagingError`` unless it is an email of ``shop`` that is failed or stuck.
    """
    with scope(shop=shop), transaction.atomic():
        message = Message.objects.select_for_update().filter(shop=shop, pk=message.pk).first()
        if message is None:
            raise MessagingError(_("That message does not belong to this shop."))
        if message.channel != Message.Channel.EMAIL:
            raise MessagingError(_("Only emails can be sent again from here."))
        if message.status == Message.Status.SENDING and not is_stuck(message):
            raise MessagingError(_("This email is being sent right now. If it is still sending in a few minutes, "
                                   "retry it then."))
        if message.status not in (Message.Status.FAILED, Message.Status.SENDING):
            raise MessagingError(_("This email was already sent.") if message.status == Message.Status.SENT
                                 else _("This email is already queued."))
        _queue_again(message)
        return message


def message_recover_stuck(*, shop: Shop | None = None, now=None) -> list[Message]:
    """Queue again the emails stuck "sending" (:func:`messaging.selectors.is_stuck`: their
    worker died mid-send) of ``shop``, or of every shop when ``shop`` is ``None`` (the task
    worker, on start and every minute). Returns those messages.

    A stuck email with attempts left is queued again, and its task enqueued after commit:
    it is sent again with the same ``Message-ID`` (delivery is at least once). One that
    already used its last attempt becomes failed, with an error saying so, for the Retry
    button. The task rows the dead worker left running are closed
    (``messaging.tasks.fail_lost_tasks``). Rows are locked, so two recoveries at once (two
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
                message.error = _("The send was interrupted on attempt %(attempt)s of %(attempts)s (the task worker "
                                  "stopped); it may or may not have arrived. Retry sends it again.") % {
                    "attempt": message.attempts, "attempts": MAX_ATTEMPTS}
                message.save(update_fields=["status", "status_changed_at", "error"])
            else:
                _queue_again(message, error=_("The send was interrupted on attempt %(attempt)s (the task worker "
                                              "stopped); queued again.") % {"attempt": message.attempts})
        fail_lost_tasks(started_before=before)
    if stuck:
        logger.warning("Recovered %s email(s) stuck sending since before %s (their worker stopped mid-send)",
                       len(stuck), before.isoformat(timespec="seconds"))
    return stuck


def message_requeue_failed(*, shop: Shop, stale_after=None) -> list[Message]:
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


def invite_email_queue(*, invite, accept_path: str, request=None) -> Message:
    """Queue the email inviting ``invite.email`` to join ``invite.shop`` (an
    ``accounts.Invite``) with the link to ``accept_path`` (its accept page, with the raw
    token), made absolute by :func:`messaging.links.absolute_url`. Logged in the shop's
    message log as a welcome email (no customer); sent by the inviting owner."""
    inviter = invite.created_by
    with translation.override(customer_language(shop=invite.shop)):  # the shop's language: the invitee's is unknown
        return _invite_email_queue(invite, inviter, accept_path, request)


def _invite_email_queue(invite, inviter, accept_path: str, request) -> Message:
    return email_queue(
        shop=invite.shop, kind=Message.Kind.WELCOME, to=invite.email,
        subject=_("You are invited to %(shop)s on Khata") % {"shop": invite.shop.name}, template="emails/invite",
        created_by=inviter,
        context={"invite": invite, "role": invite.get_role_display(),
                 "inviter": (inviter.get_full_name() or inviter.username) if inviter else "",
                 "accept_url": absolute_url(accept_path, request=request), "expires_at": invite.expires_at},
    )


def welcome_email_queue(*, shop: Shop, user, request=None) -> Message | None:
    """Queue the welcome email to a new shop's owner (``None`` if they gave no email).

    Its links are made absolute by :func:`messaging.links.absolute_url`: on
    ``settings.SITE_URL``, else on the host of ``request`` (the registration request).
    """
    if not user.email:
        return None
    return email_queue(
        shop=shop, kind=Message.Kind.WELCOME, to=user.email,
        subject=_("Welcome to Khata, %(shop)s") % {"shop": shop.name}, template="emails/welcome", created_by=user,
        context={"user": user, "sender": sender_address(shop),
                 "dashboard_url": absolute_url(reverse("ledger:dashboard"), request=request),
                 "customer_url": absolute_url(reverse("customers:create"), request=request),
                 "settings_url": absolute_url(reverse("accounts:shop_settings"), request=request)},
    )
