"""Background tasks of the ledger: sending the emails queued by :mod:`ledger.messaging`.

Email is sent here and only here, by the ``send_message`` task, never in a request
(DESIGN §7). The task is durable with the database backend (django-tasks-db): it
waits in the database until ``manage.py db_worker`` runs it.

Delivery, per call of the task:

1. **Claim** the message with one conditional ``UPDATE``: it must still be an email
   in status queued or failed with exactly ``after_attempts`` attempts. The update
   adds one attempt (and sets status queued while sending), so of two tasks for the
   same message (a scheduled retry and a "Retry" click, say) only one wins; a sent
   message is never claimed again. That makes the task idempotent.
2. **Send** with Django's email API (``EmailMultiAlternatives``): the stored subject,
   text body, HTML alternative and the attachments built now by the message's
   ``attachment_builder``. From: the shop's name with ``DEFAULT_FROM_EMAIL``'s address.
3. **Record** status sent (``sent_at``), or failed with the error text. A failure is
   retried after ``RETRY_DELAYS`` (1 min, 5 min, 30 min; ``MAX_ATTEMPTS`` = 4 in all)
   when the backend supports ``run_after``; otherwise (the immediate backend) it stays
   failed until ``manage.py retry_failed_messages`` or the "Retry" button queues it.
"""

import datetime
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_scopes import scope
from django_tasks import task

from accounts.models import Shop
from ledger.models import Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_DELAYS = (datetime.timedelta(minutes=1), datetime.timedelta(minutes=5), datetime.timedelta(minutes=30))
ERROR_MAX_LENGTH = 2000
_ADDRESS_SPECIALS = set('()<>@,;:\\".[]')


def sender_address(shop: Shop) -> str:
    """``"Sharma General Store" <no-reply@example.com>``: the shop's name with the
    address of ``settings.DEFAULT_FROM_EMAIL`` (quoted when the name needs it; Django
    encodes non-ASCII names when it sends)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    name = " ".join(shop.name.split())
    if not name:
        return address
    if _ADDRESS_SPECIALS & set(name):
        name = '"{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))
    return f"{name} <{address}>"


def build_email(message: Message) -> EmailMultiAlternatives:
    """The email for ``message``: subject, text body, HTML alternative (if any) and the
    attachments its builder returns as ``(filename, bytes, mimetype)`` tuples."""
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=sender_address(message.shop), to=[message.to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    if message.attachment_builder:
        builder = import_string(message.attachment_builder)
        for filename, content, mimetype in builder(message, **(message.attachment_args or {})):
            email.attach(filename, content, mimetype)
    return email


def retry_delay(attempts: int) -> datetime.timedelta | None:
    """How long to wait before the next try after ``attempts`` failed ones, or ``None``
    when no automatic retry is left."""
    if attempts < 1 or attempts >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def enqueue_send(*, message_id: int, shop_id: int, after_attempts: int,
                 delay: datetime.timedelta | None = None) -> bool:
    """Enqueue ``send_message`` for a message that has ``after_attempts`` attempts.

    With ``delay`` the task runs no earlier than now + delay, if the backend supports
    ``run_after``; if it does not, nothing is enqueued. Returns whether a task was
    enqueued. (The immediate backend runs the task inside this call.)
    """
    send = send_message
    if delay is not None:
        if not send.get_backend().supports_defer:
            return False
        send = send.using(run_after=timezone.now() + delay)
    send.enqueue(message_id=message_id, shop_id=shop_id, after_attempts=after_attempts)
    return True


@task()
def send_message(*, message_id: int, shop_id: int, after_attempts: int) -> str:
    """Send the queued email ``message_id`` of shop ``shop_id`` (see the module doc).

    Returns ``"sent"``, ``"failed"`` (recorded on the message, retry scheduled if any
    is left) or ``"skipped"`` (already sent, claimed by another task, or gone).
    """
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return "skipped"
    with scope(shop=shop):
        messages = Message.objects.filter(shop=shop, pk=message_id)
        claimed = messages.filter(
            channel=Message.Channel.EMAIL, attempts=after_attempts,
            status__in=[Message.Status.QUEUED, Message.Status.FAILED],
        ).update(attempts=F("attempts") + 1, status=Message.Status.QUEUED)
        if not claimed:
            return "skipped"
        message = messages.select_related("shop").get()
        try:
            build_email(message).send()
        except Exception as exc:  # any failure of rendering attachments or of the mail server
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
            messages.update(status=Message.Status.FAILED, error=error)
            delay = retry_delay(message.attempts)
            retrying = delay is not None and enqueue_send(
                message_id=message.pk, shop_id=shop.pk, after_attempts=message.attempts, delay=delay)
            logger.warning("Message %s (attempt %s of %s) failed: %s%s", message.pk, message.attempts,
                           MAX_ATTEMPTS, error, f"; retrying in {delay}" if retrying else "")
            return "failed"
        messages.update(status=Message.Status.SENT, sent_at=timezone.now(), error="")
        return "sent"
