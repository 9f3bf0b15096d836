"""Due reminders: the schedule, who is reminded on a day, and sending (email, WhatsApp, SMS).

Schedule (``Shop`` settings, all whole days; pure functions in
:mod:`accounts.reminder_schedule`, re-exported here: :func:`reminder_reason`):

- before: ``today == due_date - N`` with ``N = remind_days_before`` (0: no reminder before);
- on: ``today == due_date`` when ``remind_on_due_date``;
- after: ``today == due_date + k*M`` for ``k = 1..K`` with ``M = remind_every_days_after``
  and ``K = remind_max_after`` (0: none after);
- monthly, when ``remind_monthly_after``: every 30 days after the last of those
  (``due_date + K*M + j*30``, ``j >= 1``) for as long as the due stays open.

Only open dues (not voided, not fully paid) with a due date trigger reminders. A
customer is reminded on a day when ANY of their open dues hits a reminder day, and
then gets ONE message that lists ALL their open dues (with or without a due date) and
the total outstanding.

Scheduled reminders (``manage.py send_due_reminders``, :func:`due_reminders_send`) are
emails queued with ``for_date`` = the day, so a customer gets at most one per day
however often the command runs (``Message``'s unique constraint). The customer page's
"Remind by email" (:func:`reminder_email_send`) sends at once, whatever the day, once
per form (its one-time key). WhatsApp and SMS (:func:`reminder_chat_log`) are
click-to-chat links: the message is logged and the browser opens ``wa.me`` or ``sms:``
with the text filled in.

Statement links in all of them are made absolute by :func:`ledger.messaging.absolute_url`
(``SITE_URL``, else the request's host; left out when a command runs without ``SITE_URL``).

All amounts are ``Decimal`` in the shop's currency.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import reminder_schedule
from accounts.forms import OneTimeKeyForm
from accounts.models import Shop
from accounts.money import ZERO, format_money
from customers.models import Customer
from ledger import messaging, selectors
from ledger.models import Due, Message, StatementLink
from ledger.phones import shop_e164
from ledger.services import LedgerError

REMINDER_TEMPLATE = "emails/reminder"


class ReminderError(LedgerError):
    """A reminder that cannot be sent; ``str(error)`` is a message for the user."""


# -- The schedule (pure; it lives beside Shop so that the settings page can describe it) ----------

MONTHLY_DAYS = reminder_schedule.MONTHLY_DAYS
reminder_reason = reminder_schedule.reminder_reason
is_reminder_day = reminder_schedule.is_reminder_day
has_reminder_days = reminder_schedule.has_reminder_days
reminder_dates = reminder_schedule.reminder_dates
describe_schedule = reminder_schedule.describe_schedule
reminder_schedule_summary = reminder_schedule.reminder_schedule_summary


# -- Who is reminded on a day -------------------------------------------------------------------


@dataclass
class ReminderCandidate:
    """A customer to remind on a day: ``dues`` are ALL their open dues (each with
    ``outstanding`` and ``is_overdue`` set), ``triggers`` the ones that hit the day."""

    customer: Customer
    dues: list[Due]
    triggers: list[Due]

    @property
    def total(self) -> Decimal:
        return sum((due.outstanding for due in self.dues), ZERO)


def _open_dues_of(customers, *, shop: Shop, today: datetime.date) -> dict[int, list[Due]]:
    """Open dues of ``customers`` (a queryset, used as a subquery) in one query, grouped by
    customer id, oldest due date first, with ``outstanding``/``is_overdue`` set and the
    customer joined."""
    dues = (
        Due.objects.filter(shop=shop, customer__in=customers, voided_at__isnull=True, outstanding__gt=0)
        .select_related("customer")
        .order_by("customer_id", Coalesce("due_date", "incurred_on"), "incurred_on", "pk")
    )
    grouped: dict[int, list[Due]] = {}
    for due in dues:
        due.is_overdue = due.due_date is not None and due.due_date < today
        grouped.setdefault(due.customer_id, []).append(due)
    return grouped


def _owing_customers(shop: Shop):
    """Customers with at least one open due that has a due date (the only ones a schedule can reach)."""
    return Customer.objects.filter(shop=shop, is_archived=False, oldest_open_due_date__isnull=False)


def customers_to_remind(*, shop: Shop, today: datetime.date) -> list[ReminderCandidate]:
    """The customers of ``shop`` to remind on ``today``, by name, whatever their email.

    One query: the customers' open dues, customers joined, for the customers that
    ``Customer.oldest_open_due_date`` leaves (a subquery: any due that hits a reminder
    day falls due on or before ``today + remind_days_before``, so the customer's
    earliest open due date does too). Archived customers are left out. Run inside ``scope(shop=shop)``.
    """
    if not has_reminder_days(shop):
        return []
    latest = today + datetime.timedelta(days=max(shop.remind_days_before or 0, 0))
    customers = _owing_customers(shop).filter(oldest_open_due_date__lte=latest)
    candidates = []
    for dues in _open_dues_of(customers, shop=shop, today=today).values():
        triggers = [due for due in dues if due.due_date and is_reminder_day(shop, due_date=due.due_date, today=today)]
        if triggers:
            candidates.append(ReminderCandidate(customer=dues[0].customer, dues=dues, triggers=triggers))
    candidates.sort(key=lambda c: (c.customer.name, c.customer.pk))
    return candidates


# -- Links and texts ----------------------------------------------------------------------------


def statement_urls(*, shop: Shop, customer_ids, request=None) -> dict[int, str]:
    """Absolute URL of each customer's active (not revoked) statement link, by customer
    id; customers without one are absent, and so is every link when neither
    ``SITE_URL`` nor ``request`` gives a host (see :func:`ledger.messaging.absolute_url`).
    One query."""
    links = StatementLink.objects.filter(shop=shop, customer_id__in=list(customer_ids), revoked_at__isnull=True)
    urls = {}
    for link in links.order_by("created_at", "pk"):  # the newest wins if there were ever two
        url = messaging.absolute_url(link.get_absolute_url(), request=request)
        if url:
            urls[link.customer_id] = url
    return urls


def statement_url(*, shop: Shop, customer: Customer, request=None) -> str:
    """Absolute URL of the customer's active statement link, or ``""`` (no link, or no host to put it on)."""
    return statement_urls(shop=shop, customer_ids=[customer.pk], request=request).get(customer.pk, "")


def chat_text(*, shop: Shop, customer: Customer, amount: Decimal, statement_url: str = "") -> str:
    """The WhatsApp/SMS reminder text: who, how much (shop's currency format), where to
    see the statement, how to pay by UPI."""
    lines = [f"Hello {customer.name}, a reminder from {shop.name}: "
             f"{format_money(amount, shop.currency, shop.locale)} is due on your account."]
    if statement_url:
        lines.append(f"Your statement: {statement_url}")
    if shop.upi_id:
        lines.append(f"Pay by UPI to {shop.upi_id}.")
    lines.append("Thank you!")
    return "\n".join(lines)


def whatsapp_url(number: str, text: str) -> str:
    """``https://wa.me/<digits>?text=<text>`` for an E.164 ``number`` (``+`` dropped)."""
    return f"https://wa.me/{number.lstrip('+')}?text={quote(text, safe='')}"


def sms_url(number: str, text: str) -> str:
    """``sms:<E.164>?body=<text>`` (RFC 5724)."""
    return f"sms:{number}?body={quote(text, safe='')}"


# -- Sending ------------------------------------------------------------------------------------


def _subject(shop: Shop, total: Decimal) -> str:
    return f"Payment reminder from {shop.name}: {format_money(total, shop.currency, shop.locale)} due"


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
        "upi_id": shop.upi_id,
        "shop_phone": shop.phone,
    }
    return messaging.queue_email(
        shop=shop, kind=Message.Kind.REMINDER, to=customer.email, subject=_subject(shop, total),
        template=REMINDER_TEMPLATE, context=context, customer=customer, for_date=for_date, created_by=created_by,
        idempotency_key=idempotency_key,
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
    run.skipped = _owing_customers(shop).count() - len(candidates)
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
        raise ReminderError("That customer does not belong to this shop.")
    customer = Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    if idempotency_key is not None:
        seen = Message.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if seen is not None:
            if seen.customer_id != customer.pk or seen.kind != Message.Kind.REMINDER:
                raise ReminderError("This form was already used. Reload the page and try again.")
            return seen
    if not customer.email:
        raise ReminderError(f"{customer.name} has no email address. Add one with Edit, "
                            f"or remind them by WhatsApp or SMS.", field="email")
    today = today or timezone.localdate()
    dues = selectors.customer_open_dues(customer=customer, today=today)
    if not dues:
        raise ReminderError(f"{customer.name} owes nothing: there are no open dues to remind them of.")
    return _queue_reminder(shop=shop, customer=customer, dues=dues, today=today,
                           url=statement_url(shop=shop, customer=customer, request=request), for_date=None,
                           created_by=created_by, idempotency_key=idempotency_key)


@dataclass
class ChatReminder:
    """A logged WhatsApp/SMS reminder and the link that opens it (``wa.me`` or ``sms:``)."""

    message: Message
    url: str


CHAT_CHANNELS = {Message.Channel.WHATSAPP: whatsapp_url, Message.Channel.SMS: sms_url}


@transaction.atomic
def reminder_chat_log(*, shop: Shop, customer: Customer, channel: str, created_by=None,
                      request=None) -> ChatReminder:
    """Log a click-to-chat reminder (``channel`` ``"whatsapp"`` or ``"sms"``, status
    "sent": the shopkeeper sends it from their phone) and return it with its link.
    The statement link in the text is on ``SITE_URL``, else on ``request``'s host.

    Raises :class:`ReminderError` when the customer's phone is not a valid mobile
    number (for the shop's country) or they owe nothing.
    """
    if channel not in CHAT_CHANNELS:
        raise ValueError(f"not a click-to-chat channel: {channel!r}")
    if customer.shop_id != shop.pk:
        raise ReminderError("That customer does not belong to this shop.")
    number = shop_e164(customer.phone, shop=shop, mobile_only=True)
    if number is None:
        shown = f" ({customer.phone})" if customer.phone else ""
        raise ReminderError(f"{customer.name} has no valid mobile number{shown}. Correct it with Edit.",
                            field="phone")
    if customer.balance <= 0:
        raise ReminderError(f"{customer.name} owes nothing: there is nothing to remind them of.")
    text = chat_text(shop=shop, customer=customer, amount=customer.balance,
                     statement_url=statement_url(shop=shop, customer=customer, request=request))
    message = messaging.log_message(shop=shop, channel=channel, kind=Message.Kind.REMINDER, to=number, body=text,
                                    customer=customer, created_by=created_by, status=Message.Status.SENT)
    return ChatReminder(message=message, url=CHAT_CHANNELS[channel](number, text))


# -- The customer page's panel ------------------------------------------------------------------


@dataclass
class ReminderOptions:
    """What the customer page's reminder buttons need: ``email`` (may be ``""``),
    ``mobile`` (E.164 or ``None``), ``owes`` (balance > 0), the shop's schedule in words,
    and ``email_form``, the "Remind by email" form with its fresh one-time key (rendered
    as a hidden input, so a double submit sends one email)."""

    email: str
    mobile: str | None
    owes: bool
    automatic: bool
    schedule: str
    email_form: OneTimeKeyForm = field(default_factory=OneTimeKeyForm)


def reminder_options(*, shop: Shop, customer: Customer) -> ReminderOptions:
    """The state of the reminder buttons for ``customer`` (no query)."""
    return ReminderOptions(
        email=customer.email,
        mobile=shop_e164(customer.phone, shop=shop, mobile_only=True),
        owes=customer.balance > 0,
        automatic=shop.reminders_enabled and has_reminder_days(shop),
        schedule=describe_schedule(shop),
    )
