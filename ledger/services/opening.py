"""Opening balances: what customers owed before the shop started keeping its book here,
posted many at once (a spreadsheet import of thousands of customers).

:func:`opening_balances_post` records each opening balance as a dated ``Due`` ("Opening
balance" by default) and keeps the customers' stored figures exactly as ``due_create``
would — ``Customer.balance``, ``oldest_open_due_date``, ``last_activity_at`` and each new
due's ``outstanding`` — so ``manage.py check_ledger`` agrees with the result. It does so
in bulk: one ``INSERT`` per batch of dues (with their history rows) and one ``UPDATE``
per batch of customers, instead of a dozen queries per due.

That shortcut is exact for a customer without unapplied credit (``balance >= 0``): a new
due then takes no credit, its outstanding is its amount, the balance grows by the amount
and the earliest open due date is the earlier of the stored one and the new due's. A
customer holding credit (``balance < 0``) goes through :func:`ledger.services.entries.
due_create`, which applies the credit to the new due.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Shop
from customers.models import Customer
from customers.totals import totals_apply
from ledger.models import Due
from ledger.services import LedgerError
from ledger.services.entries import check_due_date, check_entry_date, clean_amount, due_create

#: The description of an opening balance's due (stored in the language active when it is posted).
OPENING_BALANCE = gettext_lazy("Opening balance")
#: Rows per INSERT / UPDATE / lock query.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class OpeningBalance:
    """One opening balance to post: ``amount`` (Decimal > 0, shop currency) that
    ``customer_id`` (a customer of the shop) owed on ``incurred_on``, payable by
    ``due_date`` (``None``: no due date)."""

    customer_id: int
    amount: Decimal
    incurred_on: datetime.date
    due_date: datetime.date | None = None
    description: str = OPENING_BALANCE


def _checked(row: OpeningBalance, index: int) -> OpeningBalance:
    """``row`` with its amount quantized, or ``LedgerError`` naming its position (1-based)."""
    try:
        amount = clean_amount(row.amount)
        check_entry_date(row.incurred_on, field="incurred_on")
        check_due_date(row.due_date)
    except LedgerError as exc:
        raise LedgerError(_("Opening balance %(number)s: %(error)s") % {"number": index, "error": exc},
                          field=exc.field) from None
    if row.incurred_on is None:
        raise LedgerError(_("Opening balance %(number)s: enter the date it was owed on.") % {"number": index},
                          field="incurred_on")
    if row.due_date is not None and row.due_date < row.incurred_on:
        raise LedgerError(_("Opening balance %(number)s: the due date cannot be before the date the credit was "
                            "given.") % {"number": index}, field="due_date")
    description = " ".join((row.description or OPENING_BALANCE).split())[:200]
    return OpeningBalance(customer_id=row.customer_id, amount=amount, incurred_on=row.incurred_on,
                          due_date=row.due_date, description=description)


def _lock_customers(shop: Shop, customer_ids: list[int]) -> dict[int, Customer]:
    """Lock (``select_for_update``) and return ``{id: customer}`` for ``customer_ids`` of
    ``shop``, in id order and batches. Raises ``LedgerError`` for an id of another shop."""
    ids = sorted(set(customer_ids))
    found: dict[int, Customer] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        found.update(
            (c.pk, c) for c in Customer.objects.select_for_update().filter(shop=shop, pk__in=batch)
            .only("pk", "shop_id", "balance", "oldest_open_due_date", "last_activity_at").order_by("pk"))
    if len(found) != len(ids):
        raise LedgerError(_("That customer does not belong to this shop."))
    return found


@transaction.atomic
def opening_balances_post(*, shop: Shop, rows, created_by=None) -> list[Due]:
    """Post each of ``rows`` (``OpeningBalance``) as a due of its customer; return the dues
    in the order of ``rows``.

    All or nothing, in one transaction under the customers' row locks. History rows record
    ``created_by`` as the author. Raises ``LedgerError`` (nothing written) for an amount
    that is not more than zero, a date before 2000 or over a year ahead, a due date before
    the date or over five years ahead (the message names the row, from 1), or a customer
    of another shop.
    """
    rows = [_checked(row, index) for index, row in enumerate(rows, start=1)]
    if not rows:
        return []
    customers = _lock_customers(shop, [row.customer_id for row in rows])
    dues: list[Due | None] = [None] * len(rows)
    bulk: list[tuple[int, Due]] = []
    for index, row in enumerate(rows):
        customer = customers[row.customer_id]
        if customer.balance < 0:
            # Credit to apply: the single-entry service does it (rare in an import).
            dues[index] = due_create(shop=shop, customer=customer, amount=row.amount,
                                     description=row.description, incurred_on=row.incurred_on,
                                     due_date=row.due_date, created_by=created_by)
        else:
            bulk.append((index, Due(shop=shop, customer_id=row.customer_id, amount=row.amount,
                                    outstanding=row.amount, description=row.description,
                                    incurred_on=row.incurred_on, due_date=row.due_date, created_by=created_by)))
    if bulk:
        created = _create_with_history([due for _index, due in bulk], created_by=created_by)
        for (index, _unsaved), due in zip(bulk, created, strict=True):
            dues[index] = due
        _refresh_customers(customers, [due for _index, due in bulk])
    return dues


def _create_with_history(dues: list[Due], *, created_by) -> list[Due]:
    """Insert ``dues`` in batches and their history rows ("+" by ``created_by``). Where the
    database cannot return the new ids from a bulk insert, one ``save()`` each."""
    if not connection.features.can_return_rows_from_bulk_insert:
        for due in dues:
            due.save()  # records its history through the model's signal
        return dues
    created = Due.objects.bulk_create(dues, batch_size=BATCH_SIZE)
    Due.history.bulk_history_create(created, batch_size=BATCH_SIZE, default_user=created_by)
    return created


def _refresh_customers(customers: dict[int, Customer], dues: list[Due]) -> None:
    """Add the new ``dues`` (none of them takes credit) to their customers' stored balance
    and earliest open due date; set their last activity to now; move the shop's customer
    totals by every balance changed (one ``UPDATE``, after the customers' rows: the lock
    order of ``customers.totals``)."""
    added: dict[int, Decimal] = defaultdict(Decimal)
    earliest: dict[int, datetime.date] = {}
    for due in dues:
        added[due.customer_id] += due.amount
        if due.due_date is not None:
            earliest[due.customer_id] = min(due.due_date, earliest.get(due.customer_id, due.due_date))
    now = timezone.now()
    changed, dated, balance_changes = [], [], []
    for customer_id, amount in added.items():
        customer = customers[customer_id]
        balance_changes.append((customer.balance, customer.balance + amount))
        customer.balance += amount
        customer.last_activity_at = now
        changed.append(customer)
        new_date = earliest.get(customer_id)
        if new_date is not None and (customer.oldest_open_due_date is None or new_date < customer.oldest_open_due_date):
            customer.oldest_open_due_date = new_date
            dated.append(customer)
    # Updates rather than save(): derived figures, kept out of the history (as entries does).
    # Each field only where it changes (bulk_update builds a CASE per row and field).
    Customer.objects.bulk_update(changed, ["balance"], batch_size=BATCH_SIZE)
    if dated:
        Customer.objects.bulk_update(dated, ["oldest_open_due_date"], batch_size=BATCH_SIZE)
    ids = [customer.pk for customer in changed]
    for start in range(0, len(ids), BATCH_SIZE):
        Customer.objects.filter(shop_id=changed[0].shop_id, pk__in=ids[start:start + BATCH_SIZE]).update(
            last_activity_at=now)
    totals_apply(shop_id=changed[0].shop_id, balance_changes=balance_changes)
