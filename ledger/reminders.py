"""Due reminders: the schedule, who is reminded on a day, and sending (email, WhatsApp, SMS).

Schedule (``Shop`` settings, all whole days; a pure function, :func:`reminder_reason`):

- before: ``today == due_date - N`` with ``N = remind_days_before`` (0: no reminder before);
- on: ``today == due_date`` when ``remind_on_due_date``;
- after: ``today == due_date + k*M`` for ``k = 1..K`` with ``M = remind_every_days_after``
  and ``K = remind_max_after`` (0: none after).

Only open dues (not voided, not fully paid) with a due date trigger reminders. A
customer is reminded on a day when ANY of their open dues hits a reminder day, and
then gets ONE message that lists ALL their open dues (with or without a due date) and
the total outstanding.

Scheduled reminders (``manage.py send_due_reminders``, :func:`due_reminders_send`) are
emails queued with ``for_date`` = the day, so a customer gets at most one per day
however often the command runs (``Message``'s unique constraint). The customer page's
"Remind by email" (:func:`reminder_email_send`) sends at once, whatever the day.
WhatsApp and SMS (:func:`reminder_chat_log`) are click-to-chat links: the message is
logged and the browser opens ``wa.me`` or ``sms:`` with the text filled in.

All amounts are ``Decimal`` in the shop's currency.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

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


# -- The schedule (pure) --------------------------------------------------------------------------


def reminder_reason(schedule, *, due_date: datetime.date, today: datetime.date) -> str | None:
    """Why ``today`` is a reminder day for a due falling due on ``due_date``:
    ``"before"``, ``"on"`` or ``"after"``; ``None`` when it is not one.

    ``schedule`` is a :class:`~accounts.models.Shop` or anything with its
    ``remind_days_before``, ``remind_on_due_date``, ``remind_every_days_after`` and
    ``remind_max_after`` attributes (whole days / counts). Needs no database.
    """
    days_before = schedule.remind_days_before or 0
    if days_before > 0 and today == due_date - datetime.timedelta(days=days_before):
        return "before"
    if schedule.remind_on_due_date and today == due_date:
        return "on"
    every, most = schedule.remind_every_days_after or 0, schedule.remind_max_after or 0
    if every > 0 and most > 0 and today > due_date:
        days_after = (today - due_date).days
        if days_after % every == 0 and days_after // every <= most:
            return "after"
    return None


def is_reminder_day(schedule, *, due_date: datetime.date, today: datetime.date) -> bool:
    """True when a due falling due on ``due_date`` is reminded on ``today`` (see :func:`reminder_reason`)."""
    return reminder_reason(schedule, due_date=due_date, today=today) is not None


def has_reminder_days(schedule) -> bool:
    """False when the settings name no reminder day at all (nothing before, on or after)."""
    return bool((schedule.remind_days_before or 0) > 0 or schedule.remind_on_due_date
                or ((schedule.remind_every_days_after or 0) > 0 and (schedule.remind_max_after or 0) > 0))


def describe_schedule(schedule) -> str:
    """The schedule in words, e.g. "2 days before the due date, on the due date, then
    every 7 days after it (at most 3 times)"."""
    parts = []
    before = schedule.remind_days_before or 0
    if before > 0:
        parts.append(f"{before} day{'s' if before != 1 else ''} before the due date")
    if schedule.remind_on_due_date:
        parts.append("on the due date")
    every, most = schedule.remind_every_days_after or 0, schedule.remind_max_after or 0
    if every > 0 and most > 0:
        step = "every day" if every == 1 else f"every {every} days"
        parts.append(f"{'then ' if parts else ''}{step} after it (at most {most} time{'s' if most != 1 else ''})")
    return ", ".join(parts) if parts else "no reminder days are set"


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


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``/``get_absolute_url``) on ``settings.SITE_URL``."""
    return settings.SITE_URL.rstrip("/") + path


def statement_urls(*, shop: Shop, customer_ids) -> dict[int, str]:
    """Absolute URL of each customer's active (not revoked) statement link, by customer
    id; customers without one are absent. One query."""
    links = StatementLink.objects.filter(shop=shop, customer_id__in=list(customer_ids), revoked_at__isnull=True)
    urls = {}
    for link in links.order_by("created_at", "pk"):  # the newest wins if there were ever two
        urls[link.customer_id] = absolute_url(link.get_absolute_url())
    return urls


def statement_url(*, shop: Shop, customer: Customer) -> str:
    """Absolute URL of the customer's active statement link, or ``""``."""
    return statement_urls(shop=shop, customer_ids=[customer.pk]).get(customer.pk, "")


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
                    for_date: datetime.date | None, created_by=None) -> Message | None:
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
def reminder_email_send(*, shop: Shop, customer: Customer, created_by=None,
                        today: datetime.date | None = None) -> Message:
    """Queue a reminder email to ``customer`` now (the customer page's button), listing
    all their open dues. Not limited to one a day (no ``for_date``). Raises
    :class:`ReminderError` when the customer has no email or owes nothing."""
    if customer.shop_id != shop.pk:
        raise ReminderError("That customer does not belong to this shop.")
    if not customer.email:
        raise ReminderError(f"{customer.name} has no email address. Add one with Edit, "
                            f"or remind them by WhatsApp or SMS.", field="email")
    today = today or timezone.localdate()
    dues = selectors.customer_open_dues(customer=customer, today=today)
    if not dues:
        raise ReminderError(f"{customer.name} owes nothing: there are no open dues to remind them of.")
    return _queue_reminder(shop=shop, customer=customer, dues=dues, today=today,
                           url=statement_url(shop=shop, customer=customer), for_date=None, created_by=created_by)


@dataclass
class ChatReminder:
    """A logged WhatsApp/SMS reminder and the link that opens it (``wa.me`` or ``sms:``)."""

    message: Message
    url: str


CHAT_CHANNELS = {Message.Channel.WHATSAPP: whatsapp_url, Message.Channel.SMS: sms_url}


@transaction.atomic
def reminder_chat_log(*, shop: Shop, customer: Customer, channel: str, created_by=None) -> ChatReminder:
    """Log a click-to-chat reminder (``channel`` ``"whatsapp"`` or ``"sms"``, status
    "sent": the shopkeeper sends it from their phone) and return it with its link.

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
                     statement_url=statement_url(shop=shop, customer=customer))
    message = messaging.log_message(shop=shop, channel=channel, kind=Message.Kind.REMINDER, to=number, body=text,
                                    customer=customer, created_by=created_by, status=Message.Status.SENT)
    return ChatReminder(message=message, url=CHAT_CHANNELS[channel](number, text))


# -- The customer page's panel ------------------------------------------------------------------


@dataclass
class ReminderOptions:
    """What the customer page's reminder buttons need: ``email`` (may be ``""``),
    ``mobile`` (E.164 or ``None``), ``owes`` (balance > 0) and the shop's schedule."""

    email: str
    mobile: str | None
    owes: bool
    automatic: bool
    schedule: str


def reminder_options(*, shop: Shop, customer: Customer) -> ReminderOptions:
    """The state of the reminder buttons for ``customer`` (no query)."""
    return ReminderOptions(
        email=customer.email,
        mobile=shop_e164(customer.phone, shop=shop, mobile_only=True),
        owes=customer.balance > 0,
        automatic=shop.reminders_enabled and has_reminder_days(shop),
        schedule=describe_schedule(shop),
    )
