"""A shop's customer totals (:class:`customers.models.CustomerTotals`, issue 17): the count
of active customers, the outstanding (sum of positive balances) and the credit held (minus
the sum of negative balances), kept by the services so the dashboard reads one row.

Who calls what:

- :func:`totals_apply` from every service that changes a customer's ``balance`` or
  ``is_archived`` (the ledger's entries and opening balances, the customers' create,
  archive and unarchive, the customer import), in the same transaction, AFTER the
  customer rows are written or locked.
- :func:`totals_rebuild` where rows are written in bulk outside the services (a backup
  restore, the benchmark's data loader) or to repair a row.
- :func:`shop_totals` to read the row.

Lock order: a transaction takes the customer row(s) first (``select_for_update`` or its
own insert/update), then the shop's totals row (the ``UPDATE`` here locks it until the
transaction ends), then anything after it (billing's cash drawer). No transaction locks a
customer after the totals row, so two writers of one shop never wait for each other in a
circle; they queue on the totals row from their ``UPDATE`` to their commit. Creating a
missing row (a new shop's first write) takes no other row lock: on MariaDB the creators
queue on a named lock (``GET_LOCK``) instead of racing their inserts of one key (three such
inserts, then updates, deadlock on the duplicate-key check's shared locks); the shop's own
row cannot serve, as every insert that names the shop holds a shared lock on it.

Amounts are ``Decimal`` in the shop's currency. The database runs at READ COMMITTED
(MariaDB; SQLite serializes writers): a missing row built from the customers table sees
every committed change and this transaction's own.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connections, router, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scope

from accounts.models import Shop
from core.money import ZERO, quantize_money
from customers.models import Customer, CustomerTotals


def totals_deltas(balance_changes: Iterable[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """``(outstanding delta, credit delta)`` of ``balance_changes`` (``(old, new)`` balance
    pairs, Decimal): outstanding += max(new, 0) − max(old, 0), credit += max(−new, 0) −
    max(−old, 0)."""
    outstanding = credit = ZERO
    for old, new in balance_changes:
        outstanding += max(new, ZERO) - max(old, ZERO)
        credit += max(-new, ZERO) - max(-old, ZERO)
    return outstanding, credit


def totals_recompute(*, shop_id: int) -> dict:
    """The shop's figures recomputed from the customers table (one aggregate query over
    every customer of the shop): ``{"active_customers": int, "outstanding": Decimal,
    "credit": Decimal}`` (both ≥ 0)."""
    row = Customer.objects.filter(shop_id=shop_id).aggregate(
        active_customers=Count("pk", filter=Q(is_archived=False)),
        outstanding=Coalesce(Sum("balance", filter=Q(balance__gt=0)), ZERO),
        credit=Coalesce(Sum("balance", filter=Q(balance__lt=0)), ZERO),
    )
    return {"active_customers": row["active_customers"], "outstanding": quantize_money(row["outstanding"]),
            "credit": quantize_money(-row["credit"])}


def _add(shop_id: int, changes: dict) -> int:
    """``UPDATE … SET x = x + delta`` of the shop's row (locks it); the rows updated (0 or 1)."""
    return CustomerTotals.objects.filter(shop_id=shop_id).update(
        **{name: F(name) + delta for name, delta in changes.items()}, updated_at=timezone.now())


#: Seconds a creator of a missing row waits for another one (MariaDB's ``GET_LOCK``).
CREATION_LOCK_TIMEOUT = 30


@contextmanager
def _creation_lock(shop_id: int) -> Iterator[None]:
    """Hold a named lock for creating the shop's missing totals row, so concurrent creators
    queue: on MariaDB/MySQL ``GET_LOCK`` (a session lock, released on leaving the block,
    before the commit: a creator that comes after waits on the new row's own lock); elsewhere
    nothing (SQLite serializes writers). Raises ``OperationalError`` after
    :data:`CREATION_LOCK_TIMEOUT` seconds."""
    connection = connections[router.db_for_write(CustomerTotals)]
    if connection.vendor != "mysql":
        yield
        return
    name = f"khata.customer_totals.{shop_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, CREATION_LOCK_TIMEOUT])
        if cursor.fetchone()[0] != 1:
            raise OperationalError(f"timed out waiting to create the customer totals of shop {shop_id}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])


def _locked_row_exists(shop_id: int) -> bool:
    """Lock the shop's totals row (``select_for_update``); whether it exists."""
    return bool(list(CustomerTotals.objects.select_for_update().filter(shop_id=shop_id).values_list("pk", flat=True)))


def totals_apply(*, shop_id: int, customers: int = 0,
                 balance_changes: Iterable[tuple[Decimal, Decimal]] = ()) -> None:
    """Add a change to the totals of shop ``shop_id``: ``customers`` active customers more
    (negative: fewer) and each ``(old, new)`` balance of ``balance_changes`` (Decimal).

    One ``UPDATE`` with ``F()`` expressions (no read); nothing at all when every delta is
    0. Call it inside the transaction of the change, AFTER the customer rows are written
    or locked (the module's lock order), right after those rows hold their new values and
    before the transaction changes any other customer of the shop: when the shop has no
    row yet it is created from the customers table, which then counts this change and
    every earlier one of the transaction (under the creation lock, in a savepoint; if a
    concurrent transaction created it first, the change is added to theirs). Runs in the
    scope of ``shop_id`` whatever scope is active (a command's, another shop's, none).
    Raises ``IntegrityError`` when the row cannot be written (no such shop; a figure that
    would go below zero, which only a drifted row can do: ``check_ledger`` reports it,
    :func:`totals_rebuild` repairs it).
    """
    outstanding, credit = totals_deltas(balance_changes)
    changes = {name: delta for name, delta in
               (("active_customers", customers), ("outstanding", outstanding), ("credit", credit)) if delta}
    if not changes:
        return
    with scope(shop=shop_id):
        if _add(shop_id, changes):
            return
        with _creation_lock(shop_id), transaction.atomic():
            if _add(shop_id, changes):  # created by the creator we queued behind
                return
            try:
                with transaction.atomic():
                    CustomerTotals.objects.create(shop_id=shop_id, updated_at=timezone.now(),
                                                  **totals_recompute(shop_id=shop_id))
            except IntegrityError:
                # Created meanwhile by a transaction that did not see this change.
                if not _add(shop_id, changes):
                    raise


@transaction.atomic
def totals_rebuild(*, shop: Shop) -> CustomerTotals:
    """Recompute the totals of ``shop`` from the customers table and store them (insert or
    update); return the row. For a backup restore, the benchmark's loader, a repair, and
    the first read of a shop without a row (:func:`shop_totals`).

    The row, when there is one, is locked first: writers that change balances meanwhile
    queue behind it and add their change to the recomputed figures; a missing one is
    created under the creation lock, as :func:`totals_apply` creates one. One
    aggregate query over the shop's customers (size-dependent: not for a page). Runs in
    the scope of ``shop`` whatever scope is active (a restore's ``scopes_disabled()``
    included). Raises ``IntegrityError`` when the row cannot be written (no such shop).
    """
    with scope(shop=shop.pk), _creation_lock(shop.pk):
        exists = _locked_row_exists(shop.pk)
        for _attempt in range(2):
            row = CustomerTotals(shop=shop, updated_at=timezone.now(), **totals_recompute(shop_id=shop.pk))
            if exists:
                CustomerTotals.objects.filter(shop=shop).update(
                    active_customers=row.active_customers, outstanding=row.outstanding, credit=row.credit,
                    updated_at=row.updated_at)
                return row
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                return row
            except IntegrityError:
                exists = _locked_row_exists(shop.pk)  # created meanwhile: lock it and recompute
                if not exists:
                    raise
    raise IntegrityError(f"the customer totals of shop {shop.pk} could not be written")


def shop_totals(*, shop: Shop) -> CustomerTotals:
    """The totals row of ``shop`` (one primary-key read), built with :func:`totals_rebuild`
    when the shop has none yet (a shop without customers, or rows written outside the
    services). ``active_customers`` int, ``outstanding`` and ``credit`` Decimal ≥ 0."""
    try:
        return CustomerTotals.objects.get(shop=shop)
    except CustomerTotals.DoesNotExist:
        return totals_rebuild(shop=shop)
