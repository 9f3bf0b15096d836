"""Ledger reads of one customer's account: open dues, a due's outstanding, the
statement. All amounts are ``Decimal`` in the shop's currency.

A due's status follows its stored ``outstanding`` (kept by ``ledger.services.entries``):
open (nothing paid) → partially paid → paid; void once voided; overdue when its due
date has passed and it is not paid.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import ZERO
from customers.models import Customer
from ledger.models import Due, Payment, Refund
from ledger.services.allocation import OPEN_DUES_ORDER, allocation_key

#: How a credit note (billing's sale return) names the payments it posts (``source``).
CREDIT_NOTE_SOURCE = "Credit note "


def _set_status(due: Due, today: datetime.date) -> Due:
    """Attach ``allocated``, ``status``, ``status_label`` and ``is_overdue`` to a due (from
    its stored ``outstanding``)."""
    if due.is_voided:
        due.allocated = ZERO
        due.status = Due.Status.VOID
    else:
        due.allocated = due.amount - due.outstanding
        if due.outstanding <= 0:
            due.status = Due.Status.PAID
        elif due.allocated > 0:
            due.status = Due.Status.PARTIAL
        else:
            due.status = Due.Status.OPEN
    due.status_label = Due.Status(due.status).label
    due.is_overdue = due.status in (Due.Status.OPEN, Due.Status.PARTIAL) and bool(due.due_date) and due.due_date < today
    return due


def customer_open_dues(*, customer: Customer, today: datetime.date | None = None) -> list[Due]:
    """Unpaid, unvoided dues of ``customer`` in allocation order (oldest due date first),
    each with its stored ``outstanding`` and ``status``/``is_overdue`` set."""
    today = today or timezone.localdate()
    dues = (
        Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True, outstanding__gt=0)
        .order_by(*OPEN_DUES_ORDER)
    )
    return [_set_status(due, today) for due in dues]


def statement_open_dues(statement: "Statement") -> list[Due]:
    """The open dues among a statement's entries, in the order ``customer_open_dues``
    gives (oldest due date first), without another query: the customer page reads its
    statement anyway."""
    dues = [line.entry for line in statement.lines
            if line.kind == "due" and not line.voided and line.entry.outstanding > 0]
    return sorted(dues, key=lambda due: allocation_key(due_date=due.due_date, incurred_on=due.incurred_on,
                                                       pk=due.pk))


@dataclass
class StatementLine:
    """One row of a statement: a due or a refund (debit) or a payment (credit)."""

    date: datetime.date
    kind: str  # "due", "payment" or "refund"
    entry: Due | Payment | Refund
    description: str
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal
    voided: bool


@dataclass
class Statement:
    """A customer's statement: ``lines`` in date order, and the totals of the active
    entries (Decimal, shop currency); ``balance`` is what they say is owed."""

    lines: list[StatementLine] = field(default_factory=list)
    total_dues: Decimal = ZERO
    total_payments: Decimal = ZERO
    total_refunds: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.total_dues - self.total_payments + self.total_refunds


def customer_statement(*, customer: Customer) -> Statement:
    """Every due, payment and refund of ``customer`` in date order with a running balance.

    Voided entries are listed (marked ``voided``) but do not move the balance. Three
    queries whatever the number of entries.
    """
    today = timezone.localdate()
    dues = Due.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    payments = Payment.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    rows = []
    for due in dues:
        _set_status(due, today)
        rows.append((due.incurred_on, due.created_at, 0, due.pk, "due", due))
    for payment in payments:
        rows.append((payment.received_on, payment.created_at, 1, payment.pk, "payment", payment))
    refunds = Refund.objects.filter(shop_id=customer.shop_id, customer=customer).select_related("voided_by")
    for refund in refunds:
        rows.append((refund.refunded_on, refund.created_at, 2, refund.pk, "refund", refund))
    rows.sort(key=lambda r: r[:4])
    statement = Statement()
    balance = ZERO
    for date, _created, _order, _pk, kind, entry in rows:
        voided = entry.is_voided
        if kind == "due":
            if not voided:
                balance += entry.amount
                statement.total_dues += entry.amount
            description = entry.description
            debit, credit = entry.amount, None
        elif kind == "refund":
            if not voided:
                balance += entry.amount
                statement.total_refunds += entry.amount
            values = {"method": entry.get_method_display(), "reference": entry.reference}
            if entry.reference:
                description = _("Refund of credit (%(method)s) ref %(reference)s") % values
            else:
                description = _("Refund of credit (%(method)s)") % values
            description += f" · {entry.reason}"
            debit, credit = entry.amount, None
        else:
            if not voided:
                balance -= entry.amount
                statement.total_payments += entry.amount
            if entry.source.startswith(CREDIT_NOTE_SOURCE):
                # A sale return (billing's credit note): "Credit note CN/26-27/0001".
                description = entry.source
            else:
                values = {"method": entry.get_method_display(), "reference": entry.reference}
                if entry.reference:
                    description = _("Payment (%(method)s) ref %(reference)s") % values
                else:
                    description = _("Payment (%(method)s)") % values
            if entry.note:
                description += f" · {entry.note}"
            debit, credit = None, entry.amount
        statement.lines.append(StatementLine(date=date, kind=kind, entry=entry, description=description,
                                             debit=debit, credit=credit, balance=balance, voided=voided))
    return statement


def due_outstanding(due: Due) -> Decimal:
    """Amount still owed on ``due`` now (Decimal; 0 once paid or void), read from the database."""
    return Due.objects.filter(shop_id=due.shop_id, pk=due.pk).values_list("outstanding", flat=True).get()
