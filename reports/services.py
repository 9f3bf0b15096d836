"""The one write a report offers: "remind everyone in this aging bucket", which queues the
reminder emails through the ledger's reminder service (``ledger.services.reminders``).
Everything else in ``reports`` only reads."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Shop
from core.errors import DomainError
from customers.models import Customer
from ledger.services.reminders import ReminderError, reminder_email_send
from messaging.models import Message
from reports.selectors.aging import BUCKET_KEYS, aging_rows, bucket_by_key


class ReportError(DomainError):
    """A report action the rules refuse; ``str(error)`` is for the user, ``field`` the form field."""


@dataclass
class BucketReminders:
    """What :func:`aging_bucket_remind` did: ``queued`` (new emails), ``already`` (the
    same form was posted before: its emails, not sent again), ``skipped`` (customers
    ``[(name, reason)]``, e.g. no email address)."""

    bucket: str
    queued: int = 0
    already: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _customer_key(idempotency_key: uuid.UUID, customer_id: int) -> uuid.UUID:
    """The one-time key of one customer's reminder, derived from the form's key."""
    return uuid.uuid5(idempotency_key, f"customer:{customer_id}")


@transaction.atomic
def aging_bucket_remind(*, shop: Shop, bucket: str, as_of: datetime.date, created_by=None,
                        idempotency_key: uuid.UUID | None = None, request=None,
                        today: datetime.date | None = None) -> BucketReminders:
    """Queue a reminder email (all their open dues) to every customer of ``shop`` who owes
    in aging ``bucket`` (a key of ``reports.selectors.aging.BUCKETS``) as of ``as_of``.

    ``idempotency_key`` (the form's one-time key): each customer's email gets a key derived
    from it, so a second post of the same form queues nothing new and counts those
    customers as ``already``. Customers the reminder service refuses (no email, nothing
    owed) are listed in ``skipped`` with the reason. Raises :class:`ReportError`
    (``field="bucket"``) for an unknown bucket.
    """
    if bucket not in BUCKET_KEYS:
        raise ReportError(_("Pick one of the aging buckets."), field="bucket")
    result = BucketReminders(bucket=str(bucket_by_key(bucket).label))
    rows = list(aging_rows(shop=shop, as_of=as_of, bucket=bucket, today=today).values_list("customer_id", flat=True))
    if not rows:
        return result
    keys = {pk: _customer_key(idempotency_key, pk) for pk in rows} if idempotency_key else {}
    seen = set(Message.objects.filter(shop=shop, idempotency_key__in=list(keys.values()))
               .values_list("idempotency_key", flat=True)) if keys else set()
    customers = Customer.objects.filter(shop=shop, pk__in=rows).in_bulk()
    for pk in rows:
        customer = customers[pk]
        key = keys.get(pk)
        if key is not None and key in seen:
            result.already += 1
            continue
        try:
            reminder_email_send(shop=shop, customer=customer, created_by=created_by, today=today,
                                idempotency_key=key, request=request)
        except ReminderError as error:
            result.skipped.append((customer.name, str(error)))
        else:
            result.queued += 1
    return result
