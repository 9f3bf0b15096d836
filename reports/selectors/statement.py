"""A customer's statement for a period: the balance they owed at the start, every entry in
the period (dues, payments, refunds; voided ones left out) with the running balance, and
the balance at the end. Six aggregate/list queries whatever the size of the account.

Balance = dues − payments + refunds (positive: the customer owes; negative: credit). The
closing balance of a period ending today equals ``Customer.balance``. Amounts are
``Decimal`` in the shop's currency.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from core.db import replica_reads
from core.money import ZERO, quantize_money, rounded_sum
from customers.models import Customer
from ledger.models import Due, Payment, Refund
from reports.periods import Period, day_label


@dataclass
class StatementEntry:
    """One line: ``kind`` ("due", "payment", "refund"), ``date``, ``description``, ``debit``
    (a due or refund raises the balance) or ``credit`` (a payment lowers it), ``balance``
    after it."""

    kind: str
    date: datetime.date
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO
    pk: int = 0


@dataclass
class PeriodStatement:
    """``opening`` (balance before ``period.start``), ``entries``, the period's
    ``debits``/``credits`` and ``closing`` (= opening + debits − credits)."""

    customer: Customer
    period: Period
    opening: Decimal
    entries: list[StatementEntry] = field(default_factory=list)
    debits: Decimal = ZERO
    credits: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits


def _active(model, *, shop: Shop, customer: Customer) -> QuerySet:
    return model.objects.filter(shop=shop, customer=customer, voided_at__isnull=True)


def _sum_before(queryset: QuerySet, date_field: str, day: datetime.date) -> Decimal:
    total = queryset.filter(**{f"{date_field}__lt": day}).aggregate(total=rounded_sum("amount"))["total"]
    return quantize_money(total)


@replica_reads
def customer_period_statement(*, shop: Shop, customer: Customer, period: Period) -> PeriodStatement:
    """The :class:`PeriodStatement` of ``customer`` (of ``shop``) over ``period``."""
    dues = _active(Due, shop=shop, customer=customer)
    payments = _active(Payment, shop=shop, customer=customer)
    refunds = _active(Refund, shop=shop, customer=customer)
    opening = (_sum_before(dues, "incurred_on", period.start) - _sum_before(payments, "received_on", period.start)
               + _sum_before(refunds, "refunded_on", period.start))
    statement = PeriodStatement(customer=customer, period=period, opening=opening)
    lines = []
    for due in dues.filter(incurred_on__range=(period.start, period.end)).order_by("incurred_on", "pk"):
        text = due.description
        if due.due_date:
            text = gettext("%(description)s (due %(date)s)") % {"description": text, "date": day_label(due.due_date)}
        lines.append(StatementEntry("due", due.incurred_on, text, due.amount, ZERO, pk=due.pk))
    for payment in payments.filter(received_on__range=(period.start, period.end)).order_by("received_on", "pk"):
        text = gettext("Payment · %(method)s") % {"method": payment.get_method_display()}
        if payment.reference:
            text += f" · {payment.reference}"
        lines.append(StatementEntry("payment", payment.received_on, text, ZERO, payment.amount, pk=payment.pk))
    for refund in refunds.filter(refunded_on__range=(period.start, period.end)).order_by("refunded_on", "pk"):
        text = gettext("Refund · %(method)s") % {"method": refund.get_method_display()}
        lines.append(StatementEntry("refund", refund.refunded_on, text, refund.amount, ZERO, pk=refund.pk))
    order = {"due": 0, "refund": 1, "payment": 2}
    lines.sort(key=lambda line: (line.date, order[line.kind], line.pk))
    balance = opening
    for line in lines:
        balance += line.debit - line.credit
        line.balance = balance
        statement.debits += line.debit
        statement.credits += line.credit
    statement.entries = lines
    return statement


EXPORT_HEADER = [_("Date"), _("Entry"), _("Kind"), _("Debit"), _("Credit"), _("Balance")]


def statement_export_rows(statement: PeriodStatement):
    """Rows for the download: the opening balance, each entry, the closing totals."""
    yield [statement.period.start, gettext("Opening balance"), "", None, None, statement.opening]
    for line in statement.entries:
        yield [line.date, line.description, line.kind, line.debit or None, line.credit or None, line.balance]
    yield [statement.period.end, gettext("Closing balance"), "", statement.debits, statement.credits, statement.closing]
