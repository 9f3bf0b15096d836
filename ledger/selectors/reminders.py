"""Reminder reads: who is reminded on a day, the links and texts reminders carry, and
the customer page's reminder buttons. Writes (sending) are in ``ledger.services.reminders``.

Schedule (``Shop`` settings, all whole days; pure functions in
:mod:`accounts.reminder_schedule`):

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

Statement links are made absolute by :func:`messaging.links.absolute_url` (``SITE_URL``,
else the request's host; left out when a command runs without ``SITE_URL``). All
amounts are ``Decimal`` in the shop's currency.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.forms import OneTimeKeyForm
from accounts.models import Shop
from accounts.reminder_schedule import describe_schedule, has_reminder_days, is_reminder_day
from core.money import ZERO, format_money
from customers.models import Customer
from customers.phones import shop_e164
from ledger.markets import pay_by
from ledger.models import Due, StatementLink
from ledger.services.allocation import OPEN_DUES_ORDER
from messaging.links import absolute_url


@dataclass
class ReminderCandidate:
    """A customer to remind on a day: ``dues`` are ALL their open dues (each with its
    stored ``outstanding`` and ``is_overdue`` set), ``triggers`` the ones that hit the day."""

    customer: Customer
    dues: list[Due]
    triggers: list[Due]

    @property
    def total(self) -> Decimal:
        return sum((due.outstanding for due in self.dues), ZERO)


def _open_dues_of(customers, *, shop: Shop, today: datetime.date) -> dict[int, list[Due]]:
    """Open dues of ``customers`` (a queryset, used as a subquery) in one query, grouped by
    customer id, in allocation order (oldest due date first), with ``is_overdue`` set and
    the customer joined."""
    dues = (
        Due.objects.filter(shop=shop, customer__in=customers, voided_at__isnull=True, outstanding__gt=0)
        .select_related("customer")
        .order_by("customer_id", *OPEN_DUES_ORDER)
    )
    grouped: dict[int, list[Due]] = {}
    for due in dues:
        due.is_overdue = due.due_date is not None and due.due_date < today
        grouped.setdefault(due.customer_id, []).append(due)
    return grouped


def owing_customers(*, shop: Shop):
    """Customers with at least one open due that has a due date (the only ones a schedule can reach)."""
    # ``is_archived=False`` on purpose (not ``__in=[False]`` as in customers.selectors): the
    # (shop, oldest_open_due_date, …) index serves this range; an equality on is_archived can
    # only draw SQLite to a (shop, is_archived, …) index that reads every active customer.
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
    customers = owing_customers(shop=shop).filter(oldest_open_due_date__lte=latest)
    candidates = []
    for dues in _open_dues_of(customers, shop=shop, today=today).values():
        triggers = [due for due in dues if due.due_date and is_reminder_day(shop, due_date=due.due_date, today=today)]
        if triggers:
            candidates.append(ReminderCandidate(customer=dues[0].customer, dues=dues, triggers=triggers))
    candidates.sort(key=lambda c: (c.customer.name, c.customer.pk))
    return candidates


def statement_urls(*, shop: Shop, customer_ids, request=None) -> dict[int, str]:
    """Absolute URL of each customer's active (not revoked) statement link, by customer
    id; customers without one are absent, and so is every link when neither
    ``SITE_URL`` nor ``request`` gives a host (see :func:`messaging.links.absolute_url`).
    One query."""
    links = StatementLink.objects.filter(shop=shop, customer_id__in=list(customer_ids), revoked_at__isnull=True)
    urls = {}
    for link in links.order_by("created_at", "pk"):  # the newest wins if there were ever two
        url = absolute_url(link.get_absolute_url(), request=request)
        if url:
            urls[link.customer_id] = url
    return urls


def statement_url(*, shop: Shop, customer: Customer, request=None) -> str:
    """Absolute URL of the customer's active statement link, or ``""`` (no link, or no host to put it on)."""
    return statement_urls(shop=shop, customer_ids=[customer.pk], request=request).get(customer.pk, "")


def chat_text(*, shop: Shop, customer: Customer, amount: Decimal, statement_url: str = "") -> str:
    """The WhatsApp/SMS reminder text: who, how much (shop's currency format), where to
    see the statement, how to pay (:func:`ledger.markets.pay_by`: the UPI ID in India, the
    M-Pesa till or paybill in Kenya, the bKash/Nagad number in Bangladesh)."""
    lines = [_("Hello %(name)s, a reminder from %(shop)s: %(amount)s is due on your account.") % {
        "name": customer.name, "shop": shop.name, "amount": format_money(amount, shop.currency, shop.locale)}]
    if statement_url:
        lines.append(_("Your statement: %(url)s") % {"url": statement_url})
    if (pay := pay_by(shop)) is not None:
        lines.append(pay.sentence())
    lines.append(_("Thank you!"))
    return "\n".join(lines)


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
    """The state of the reminder buttons for ``customer`` (no query; the email form is new,
    with a fresh one-time key)."""
    return ReminderOptions(
        email=customer.email,
        mobile=shop_e164(customer.phone, shop=shop, mobile_only=True),
        owes=customer.balance > 0,
        automatic=shop.reminders_enabled and has_reminder_days(shop),
        schedule=describe_schedule(shop),
    )
