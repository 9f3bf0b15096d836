"""The one write a report offers: "remind everyone in this aging bucket", which queues the
reminder emails through the ledger's reminder service (``ledger.services.reminders``).
Everything else in ``reports`` only reads."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Shop
from core.errors import DomainError
from customers.models import Customer
from ledger.services.reminders import ReminderError, reminder_email_send
from messaging.models import Message
from reports.periods import local_today
from reports.selectors.aging import BUCKET_KEYS, aging_rows, bucket_by_key


class ReportError(DomainError):
    """A report action the rules refuse; ``str(error)`` is for the user, ``field`` the form field."""


#: Customers handled per transaction by :func:`aging_bucket_remind`: their row locks and the
#: emails queued for them are committed together, so no transaction grows with the bucket.
REMIND_BATCH = 100
#: At most this many reminders are queued by one "remind everyone in this bucket" (largest
#: totals first); the customers after them are counted in ``left`` for the next post.
REMIND_LIMIT = 500


@dataclass
class BucketReminders:
    """What :func:`aging_bucket_remind` did: ``queued`` (new emails), ``already`` (customers
    who already got a reminder email today, or from this form: not sent again), ``skipped``
    (customers ``[(name, reason)]``, e.g. no email address) and ``left`` (customers not
    reached because :data:`REMIND_LIMIT` emails were queued: the next post reminds them)."""

    bucket: str
    queued: int = 0
    already: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left: int = 0


def _customer_key(idempotency_key: uuid.UUID, customer_id: int) -> uuid.UUID:
    """The one-time key of one customer's reminder, derived from the form's key."""
    return uuid.uuid5(idempotency_key, f"customer:{customer_id}")


def _reminded(*, shop: Shop, ids: list[int], today: datetime.date, keys: list[uuid.UUID]) -> set[int]:
    """Of the customers ``ids``, those who already have a reminder email created on ``today``
    (local day) or one queued with one of ``keys`` (one query)."""
    day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    day_end = day_start + datetime.timedelta(days=1)
    return set(Message.objects.filter(shop=shop, kind=Message.Kind.REMINDER, channel=Message.Channel.EMAIL)
               .filter(Q(customer_id__in=ids, created_at__gte=day_start, created_at__lt=day_end)
                       | Q(idempotency_key__in=keys))
               .values_list("customer_id", flat=True))


def _remind_batch(*, shop: Shop, ids: list[int], result: BucketReminders, today: datetime.date,
                  idempotency_key: uuid.UUID | None, created_by, request) -> int:
    """Queue the reminders of the customers ``ids`` (one batch, in order) in one transaction,
    counting into ``result``; stop when ``result.queued`` reaches :data:`REMIND_LIMIT`.
    Returns how many of ``ids`` were handled."""
    keys = {pk: _customer_key(idempotency_key, pk) for pk in ids} if idempotency_key else {}
    handled = 0
    with transaction.atomic():
        reminded = _reminded(shop=shop, ids=ids, today=today, keys=list(keys.values()))
        customers = Customer.objects.filter(shop=shop, pk__in=ids).in_bulk()
        for pk in ids:
            if result.queued >= REMIND_LIMIT:
                break
            handled += 1
            if pk in reminded:
                result.already += 1
                continue
            try:
                reminder_email_send(shop=shop, customer=customers[pk], created_by=created_by, today=today,
                                    idempotency_key=keys.get(pk), request=request)
            except ReminderError as error:
                result.skipped.append((customers[pk].name, str(error)))
            else:
                result.queued += 1
    return handled


def aging_bucket_remind(*, shop: Shop, bucket: str, as_of: datetime.date, created_by=None,
                        idempotency_key: uuid.UUID | None = None, request=None,
                        today: datetime.date | None = None) -> BucketReminders:
    """Queue a reminder email (all their open dues) to every customer of ``shop`` who owes
    in aging ``bucket`` (a key of ``reports.selectors.aging.BUCKETS``) as of ``as_of``,
    largest total first.

    Bounded: the customers are handled :data:`REMIND_BATCH` per transaction (each batch
    commits its emails and releases its customer row locks before the next starts), and
    one call queues at most :data:`REMIND_LIMIT` emails; the customers after that are
    counted in ``left``. A customer who already got a reminder email today (from an earlier
    post, the scheduled run or their own page) is counted as ``already`` and not emailed
    again, so posting again reminds the ones left. ``idempotency_key`` (the form's one-time
    key): each customer's email gets a key derived from it, so a second post of the same
    form, even on another day, queues nothing new. Customers the reminder service refuses
    (no email, nothing owed) are listed in ``skipped`` with the reason. ``today``: the local
    date (default: now). Raises :class:`ReportError` (``field="bucket"``) for an unknown
    bucket.
    """
    if bucket not in BUCKET_KEYS:
        raise ReportError(_("Pick one of the aging buckets."), field="bucket")
    result = BucketReminders(bucket=str(bucket_by_key(bucket).label))
    today = today or local_today()
    ids = list(aging_rows(shop=shop, as_of=as_of, bucket=bucket, today=today).values_list("customer_id", flat=True))
    position = 0
    while position < len(ids) and result.queued < REMIND_LIMIT:
        position += _remind_batch(shop=shop, ids=ids[position:position + REMIND_BATCH], result=result, today=today,
                                  idempotency_key=idempotency_key, created_by=created_by, request=request)
    result.left = len(ids) - position
    return result
