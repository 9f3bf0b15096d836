"""Ledger writes (DESIGN §5). Every function runs in one transaction and holds the
customer's row lock (``select_for_update``) for its whole length, so two entries for
the same customer never interleave and ``Customer.balance`` stays exact.

Allocation rule: a payment goes to the due the user picked, else to open dues oldest
due date first (a due without a due date counts from the date it was given); each
due gets min(what is left of the payment, its outstanding). What is left of a payment
is customer credit, applied to the next dues recorded. Voiding removes the voided
entry's allocations and applies any freed credit again.
"""

import datetime
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, Sum
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from accounts.models import Shop
from accounts.money import ZERO, quantize_money
from customers.models import Customer
from ledger import messaging
from ledger.models import Allocation, Due, Payment


class LedgerError(Exception):
    """A ledger change the rules refuse. ``str(error)`` is a message for the user;
    ``field`` names the form field it belongs to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _allocated():
    # Rounded to the money scale: SQLite sums decimal columns as binary floats
    # (0.70 + 0.10 < 0.80 there), which would keep a paid due "open" in comparisons.
    return Coalesce(Round(Sum("allocations__amount"), settings.MONEY_DECIMAL_PLACES), ZERO)


def _lock_customer(shop: Shop, customer: Customer) -> Customer:
    """Lock and return a fresh copy of ``customer``; it must belong to ``shop``."""
    try:
        return Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    except Customer.DoesNotExist:
        raise LedgerError("That customer does not belong to this shop.") from None


def _open_dues(customer: Customer, exclude_pk=None) -> list:
    """Open dues of ``customer`` (stored ``outstanding`` > 0) in allocation order: oldest
    due date first, a due without one counting from the date it was given."""
    return list(
        Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True, outstanding__gt=0)
        .exclude(pk=exclude_pk)
        .order_by(Coalesce("due_date", "incurred_on"), "incurred_on", "pk")
    )


def due_outstanding(due: Due) -> Decimal:
    """Amount still owed on ``due`` now (Decimal; 0 once paid or void), read from the database."""
    return Due.objects.filter(shop_id=due.shop_id, pk=due.pk).values_list("outstanding", flat=True).get()


def _save_outstanding(dues) -> None:
    """Write the ``outstanding`` of each changed due (one query). Not ``save()``: the figure
    is derived and kept out of the history, like ``Customer.balance``."""
    dues = list(dues)
    if len(dues) == 1:
        Due.objects.filter(shop_id=dues[0].shop_id, pk=dues[0].pk).update(outstanding=dues[0].outstanding)
    elif dues:
        Due.objects.bulk_update(dues, ["outstanding"])


def _allocate(payment: Payment, available: Decimal, dues: list, *, new_payment: bool = False) -> Decimal:
    """Apply up to ``available`` of ``payment`` to ``dues`` in order; return what is left.

    Lowers each due's ``outstanding`` (in memory and stored); paid dues are left in the
    list at zero.
    """
    new = []
    touched = []
    # A payment may already hold an allocation to a due (it part-paid the due, then a
    # void freed more of it): add to that row, as (payment, due) is unique.
    existing = {} if new_payment else {
        a.due_id: a for a in Allocation.objects.filter(shop_id=payment.shop_id, payment=payment)}
    for due in dues:
        if available <= 0:
            break
        if due.outstanding <= 0:
            continue
        amount = min(available, due.outstanding)
        allocation = existing.get(due.pk)
        if allocation is None:
            allocation = Allocation(shop_id=payment.shop_id, payment=payment, due=due, amount=ZERO)
        allocation.amount += amount
        new.append(allocation)
        touched.append(due)
        due.outstanding -= amount
        available -= amount
    for allocation in new:
        # save() rather than bulk_create so history records each allocation.
        allocation.save()
    _save_outstanding(touched)
    return available


def _apply_credit(customer: Customer) -> None:
    """Apply every payment's unallocated remainder to open dues, oldest payment first."""
    payments = (
        Payment.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True)
        .annotate(allocated=_allocated())
        .filter(allocated__lt=F("amount"))
        .order_by("received_on", "pk")
    )
    payments = list(payments)
    if not payments:
        return
    dues = _open_dues(customer)
    for payment in payments:
        if not any(due.outstanding > 0 for due in dues):
            break
        _allocate(payment, payment.amount - quantize_money(payment.allocated), dues)


def _refresh_customer(customer: Customer, balance_change: Decimal, open_dues: list | None = None) -> None:
    """Store the new balance, earliest open due date and last activity on the locked row.

    ``open_dues``: every open due of the customer with its current ``.outstanding`` (as
    ``payment_create`` holds them after allocating), to take the date from instead of a query.
    """
    customer.balance = customer.balance + balance_change
    if open_dues is not None:
        customer.oldest_open_due_date = min(
            (due.due_date for due in open_dues if due.outstanding > 0 and due.due_date is not None), default=None)
    else:
        customer.oldest_open_due_date = (
            Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True,
                               outstanding__gt=0, due_date__isnull=False)
            .aggregate(earliest=Min("due_date"))["earliest"]
        )
    customer.last_activity_at = timezone.now()
    # update() rather than save(): these derived figures are kept out of the history.
    Customer.objects.filter(shop_id=customer.shop_id, pk=customer.pk).update(
        balance=customer.balance, oldest_open_due_date=customer.oldest_open_due_date,
        last_activity_at=customer.last_activity_at)


def _clean_amount(amount) -> Decimal:
    try:
        amount = quantize_money(amount)
    except (TypeError, ValueError):
        raise LedgerError("Enter an amount such as 250 or 99.50.", field="amount") from None
    if amount <= 0:
        raise LedgerError("The amount must be more than zero.", field="amount")
    return amount


def _full_clean(obj) -> None:
    """Validate the fields. Not the foreign keys (each would cost a query; the callers pass
    rows they have just read, locked or checked) nor the check constraints (one query and a
    savepoint each; the callers check the same rules first, and the database backs them)."""
    try:
        obj.full_clean(exclude=[f.name for f in obj._meta.concrete_fields if f.is_relation],
                       validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise LedgerError(" ".join(messages), field=None if field == "__all__" else field) from exc


@transaction.atomic
def due_create(*, shop: Shop, customer: Customer, amount, description: str, incurred_on: datetime.date,
               due_date: datetime.date | None = None, created_by=None) -> Due:
    """Record credit given to ``customer``: ``amount`` (Decimal > 0, shop currency).

    Any unapplied customer credit is applied to the new due at once. Returns the due.
    Raises ``LedgerError`` for a bad amount, a due date before ``incurred_on``, or a
    customer of another shop.
    """
    customer = _lock_customer(shop, customer)
    amount = _clean_amount(amount)
    due = Due(shop=shop, customer=customer, amount=amount, outstanding=amount, description=description.strip(),
              incurred_on=incurred_on, due_date=due_date, created_by=created_by)
    if due_date is not None and incurred_on is not None and due_date < incurred_on:
        raise LedgerError("The due date cannot be before the date the credit was given.", field="due_date")
    _full_clean(due)
    due.save()
    _apply_credit(customer)
    _refresh_customer(customer, amount)
    return due


@transaction.atomic
def payment_create(*, shop: Shop, customer: Customer, amount, received_on: datetime.date,
                   method: str = Payment.Method.CASH, reference: str = "", note: str = "",
                   due: Due | None = None, created_by=None) -> Payment:
    """Record a payment and allocate it (to ``due`` if given, else oldest dues first).

    ``amount`` is a Decimal > 0 in the shop's currency. A payment above what is owed
    leaves customer credit. Raises ``LedgerError`` for a bad amount, a voided or
    foreign due, or an amount above the chosen due's outstanding.
    """
    customer = _lock_customer(shop, customer)
    amount = _clean_amount(amount)
    dues = _open_dues(customer)
    if due is not None:
        chosen = next((d for d in dues if d.pk == due.pk), None)
        if chosen is None:
            if due.customer_id != customer.pk or due.shop_id != shop.pk or due.is_voided:
                raise LedgerError("Choose one of this customer's open dues.", field="due")
            raise LedgerError("That due is already paid.", field="due")
        if amount > chosen.outstanding:
            raise LedgerError(
                f"This is more than the {chosen.outstanding} outstanding on the chosen due. "
                "Lower the amount, or apply it to the oldest dues instead.",
                field="amount",
            )
        dues.remove(chosen)
        dues.insert(0, chosen)
    payment = Payment(shop=shop, customer=customer, amount=amount, received_on=received_on, method=method,
                      reference=reference.strip(), note=note.strip(), due=due, created_by=created_by)
    _full_clean(payment)
    payment.save()
    _allocate(payment, amount, dues, new_payment=True)
    _refresh_customer(customer, -amount, open_dues=dues)
    if shop.send_payment_receipts and customer.email:
        # Queued once committed (never for a rolled-back payment), with the new balance.
        transaction.on_commit(partial(messaging.queue_payment_receipt, shop=shop, payment_id=payment.pk),
                              robust=True)
    return payment


def due_mark_paid(*, shop: Shop, due: Due, received_on: datetime.date | None = None,
                  method: str = Payment.Method.CASH, created_by=None) -> Payment:
    """Record a payment of the due's whole outstanding amount, allocated to it.

    Raises ``LedgerError`` when the due is voided or already paid.
    """
    with transaction.atomic():
        _lock_customer(shop, due.customer)
        due = Due.objects.get(shop=shop, pk=due.pk)
        if due.is_voided:
            raise LedgerError("A voided due cannot be paid.")
        if due.outstanding <= 0:
            raise LedgerError("This due is already paid.")
        return payment_create(shop=shop, customer=due.customer, amount=due.outstanding,
                              received_on=received_on or timezone.localdate(), method=method,
                              note=f"Marked as paid: {due.description}"[:200], due=due, created_by=created_by)


@transaction.atomic
def _void(*, shop: Shop, entry, reason: str, voided_by, label: str, sign: int):
    customer = _lock_customer(shop, entry.customer)
    entry = type(entry).objects.select_for_update().get(shop=shop, pk=entry.pk)
    if entry.is_voided:
        raise LedgerError(f"This {label} is already void.")
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("Give a reason for voiding.", field="reason")
    entry.voided_at = timezone.now()
    entry.voided_by = voided_by
    entry.void_reason = reason[:200]
    entry.save(update_fields=["voided_at", "voided_by", "void_reason"])
    allocations = list(entry.allocations.select_related("due"))
    if isinstance(entry, Due):
        entry.outstanding = ZERO
        _save_outstanding([entry])
    else:
        # The dues this payment paid are owed again.
        for allocation in allocations:
            allocation.due.outstanding += allocation.amount
        _save_outstanding(allocation.due for allocation in allocations)
    for allocation in allocations:
        allocation.delete()
    _apply_credit(customer)
    _refresh_customer(customer, sign * entry.amount)
    return entry


def due_void(*, shop: Shop, due: Due, reason: str, voided_by=None) -> Due:
    """Void a due (never delete): it stops counting, and payments applied to it become
    credit that is re-allocated to the customer's other open dues.

    Raises ``LedgerError`` when already void or without a reason.
    """
    return _void(shop=shop, entry=due, reason=reason, voided_by=voided_by, label="due", sign=-1)


def payment_void(*, shop: Shop, payment: Payment, reason: str, voided_by=None) -> Payment:
    """Void a payment: the dues it paid open again (and take any other unapplied credit).

    Raises ``LedgerError`` when already void or without a reason.
    """
    return _void(shop=shop, entry=payment, reason=reason, voided_by=voided_by, label="payment", sign=1)
