"""Background tasks of messaging: sending the emails queued by :mod:`messaging.services`.

Email is sent here and only here, by the ``send_message`` task, never in a request
(DESIGN §7). The task is durable with the database backend (django-tasks-db): it
waits in the database until the worker (``manage.py run_worker``) runs it.

Delivery is **at least once**, per call of the task:

1. **Claim** the message with one conditional ``UPDATE``: it must still be an email
   in status queued or failed with exactly ``after_attempts`` attempts. The update
   adds one attempt and sets status sending (with ``status_changed_at``), so of two
   tasks for the same message (a scheduled retry and a "Retry" click, say) only one
   wins; a sent message is never claimed again. That makes the task idempotent.
2. **Send** with Django's email API (``EmailMultiAlternatives``): the stored subject,
   text body, HTML alternative and the attachments built now by the message's
   ``attachment_builder``. From: the shop's name with ``DEFAULT_FROM_EMAIL``'s address.
   ``Message-ID`` is derived from the message row (:func:`message_id_header`), so a
   resend after a crash carries the same id and mail clients show one email.
3. **Record** status sent (``sent_at``), or failed with the error text. Recording "sent"
   is retried through a short database outage (:func:`record`), so a sent email is not
   sent twice for a blip. A failure is retried after ``RETRY_DELAYS`` (1 min, 5 min,
   30 min; ``MAX_ATTEMPTS`` = 4 in all) when the backend supports ``run_after``;
   otherwise (the immediate backend) it stays failed until ``manage.py
   retry_failed_messages`` or the "Retry" button queues it.

If the worker dies between 1 and 3 (``kill -9``, a power cut, a deploy that does not
wait), the message stays "sending". Once that has lasted longer than :func:`stuck_after`
(the send timeout plus a margin) it is **stuck**: ``messaging.services.message_recover_stuck``
queues it again (the worker on start and every minute, ``retry_failed_messages``, or the
Retry button), and :func:`fail_lost_tasks` closes the task row the dead worker left
"running". The customer may then get the email twice, with the same ``Message-ID``.
"""

import datetime
import logging
import time
from collections.abc import Callable
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_scopes import scope
from django_tasks import task

from accounts.models import Shop
from messaging.models import Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_DELAYS = (datetime.timedelta(minutes=1), datetime.timedelta(minutes=5), datetime.timedelta(minutes=30))
ERROR_MAX_LENGTH = 2000
# Errors of a database that is down or restarting (lost connection, refused, locked):
# worth waiting out, unlike a programming error.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
# How long a "sending" email may last beyond the send timeout before it counts as stuck
# (attachments are rendered first, and the timeout is per socket operation).
# ``settings.EMAIL_STUCK_MARGIN`` (seconds) overrides it; the fault tests make it short.
STUCK_MARGIN = datetime.timedelta(minutes=2)
# How long the task keeps trying to record "sent" through a database outage.
RECORD_PATIENCE = 30.0
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


def message_id_header(message: Message) -> str:
    """The ``Message-ID`` of ``message``'s email, the same on every attempt:
    ``<khata.20261122093011.123456.42@example.com>`` from the row's creation time (UTC,
    microseconds) and id, on the domain of ``DEFAULT_FROM_EMAIL`` (else the host name)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or str(DNS_NAME)
    stamp = message.created_at.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%S.%f")
    return f"<khata.{stamp}.{message.pk}@{domain}>"


def send_timeout() -> datetime.timedelta:
    """``settings.EMAIL_TIMEOUT`` (seconds; 30 when unset) as a timedelta."""
    return datetime.timedelta(seconds=getattr(settings, "EMAIL_TIMEOUT", None) or 30)


def stuck_after() -> datetime.timedelta:
    """How long an email may stay "sending" before it counts as stuck (its worker is
    gone): the send timeout plus ``STUCK_MARGIN``, 2 min 30 s by default."""
    margin = getattr(settings, "EMAIL_STUCK_MARGIN", None)
    margin = STUCK_MARGIN if margin is None else datetime.timedelta(seconds=margin)
    return send_timeout() + margin


def record(write: Callable[[], object], *, patience: float = RECORD_PATIENCE) -> object:
    """Run ``write`` (a database write) and return its result, retrying it while the
    database is unreachable (``TRANSIENT_DB_ERRORS``) for up to ``patience`` seconds,
    with backoff (0.5 s doubling to 5 s) and a fresh connection each time. Then, or
    inside an atomic block (where a new connection cannot help), the error is raised.
    (The pauses add up to at most ``patience``; the tries themselves come on top.)"""
    waited, pause = 0.0, 0.5
    while True:
        try:
            return write()
        except TRANSIENT_DB_ERRORS:
            if connection.in_atomic_block or waited + pause > patience:
                raise
            connection.close()
            time.sleep(pause)
            waited += pause
            pause = min(pause * 2, 5.0)


def build_email(message: Message) -> EmailMultiAlternatives:
    """The email for ``message``: subject, text body, HTML alternative (if any) and the
    attachments its builder returns as ``(filename, bytes, mimetype)`` tuples, with its
    stable ``Message-ID`` (:func:`message_id_header`)."""
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=sender_address(message.shop), to=[message.to],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id_header(message)},
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


def fail_lost_tasks(*, started_before: datetime.datetime) -> int:
    """Close the ``send_message`` task rows of the database backend that a dead worker
    left "running" since before ``started_before``: they become failed, with a note.
    Returns how many. Their messages are queued again by
    ``messaging.services.message_recover_stuck``; this only keeps the task list truthful."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=send_message.module_path, status="RUNNING",
        started_at__lt=started_before,
    ).update(status="FAILED", finished_at=timezone.now(), exception_class_path="messaging.tasks.WorkerLost",
             traceback="The worker stopped while running this task; its message was queued again.")


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
        ).update(attempts=F("attempts") + 1, status=Message.Status.SENDING, status_changed_at=timezone.now())
        if not claimed:
            return "skipped"
        message = messages.select_related("shop").get()
        try:
            build_email(message).send()
        except Exception as exc:  # any failure of rendering attachments or of the mail server
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
            # Only this task's attempt: if the message was recovered meanwhile (a stuck
            # send given up on), the newer attempt owns it.
            mine = messages.filter(status=Message.Status.SENDING, attempts=message.attempts).update(
                status=Message.Status.FAILED, status_changed_at=timezone.now(), error=error)
            delay = retry_delay(message.attempts) if mine else None
            retrying = delay is not None and enqueue_send(
                message_id=message.pk, shop_id=shop.pk, after_attempts=message.attempts, delay=delay)
            logger.warning("Message %s (attempt %s of %s) failed: %s%s", message.pk, message.attempts,
                           MAX_ATTEMPTS, error, f"; retrying in {delay}" if retrying else "")
            return "failed"
        record(lambda: messages.update(status=Message.Status.SENT, sent_at=timezone.now(),
                                       status_changed_at=timezone.now(), error=""))
        return "sent"
