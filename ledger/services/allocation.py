"""The allocation rule (DESIGN §5), as pure functions: no database, no Django models.

A payment goes to the due the user picked, else to the open dues oldest due date first
(a due without a due date counts from the date it was given; then the date it was given,
then its id); each due gets min(what is left of the payment, its outstanding). What is
left of the payment is customer credit, applied the same way to the next dues recorded.
A due never gets more than its outstanding, and a payment never gives more than its
amount.

``ledger.services.entries`` applies the rule to ``Due`` rows; the load-data generator
(``bench/generate_load_data.py``) applies it to its plan of entries, in paise. Both
pass what they have: any key for a due, any number type for the amounts.
"""

from collections.abc import Hashable, Iterable
from typing import TypeVar

from django.db.models.functions import Coalesce

Key = TypeVar("Key", bound=Hashable)
Amount = TypeVar("Amount")  # Decimal (the services) or int paise (the generator)

#: The order of open dues as ``QuerySet.order_by(*OPEN_DUES_ORDER)`` (the same as
#: :func:`allocation_key`).
OPEN_DUES_ORDER = (Coalesce("due_date", "incurred_on"), "incurred_on", "pk")


def allocation_key(*, due_date, incurred_on, pk) -> tuple:
    """Where a due comes in the allocation order: by ``due_date`` (else ``incurred_on``),
    then ``incurred_on``, then ``pk``. Dates may be ``datetime.date`` or day numbers."""
    return (due_date if due_date is not None else incurred_on, incurred_on, pk)


def allocate(amount: Amount, open_dues: Iterable[tuple[Key, Amount]], *,
             first: Key | None = None) -> list[tuple[Key, Amount]]:
    """Split ``amount`` over ``open_dues`` by the allocation rule.

    ``open_dues``: ``(due, outstanding)`` pairs in allocation order (see
    :func:`allocation_key`); ``first``: the due the user picked, paid before the others
    (it must be one of ``open_dues``). Returns ``[(due, allocated)]`` in the order paid,
    only dues that get more than zero: each gets min(what is left of ``amount``, its
    outstanding). What the list does not give out of ``amount`` is left over (credit).
    """
    dues = list(open_dues)
    if first is not None:
        dues.sort(key=lambda pair: pair[0] != first)  # stable: the rest keep their order
    allocations = []
    left = amount
    for due, outstanding in dues:
        if left <= 0:
            break
        if outstanding <= 0:
            continue
        share = min(left, outstanding)
        allocations.append((due, share))
        left -= share
    return allocations
