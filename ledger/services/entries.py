"""Ledger entries (DESIGN §5): dues, payments, refunds and their voids. Every function
runs in one transaction and holds the customer's row lock (``select_for_update``) for
its whole length, so two entries for the same customer never interleave and
``Customer.balance`` and each due's ``outstanding`` stay exact.

Allocation follows the rule of :mod:`ledger.services.allocation` (:func:`allocate`): a
payment goes to the due the user picked, else to open dues oldest due date first; what
is left of a payment is customer credit, applied to the next dues recorded. Voiding
removes the voided entry's allocations and applies any freed credit again. A refund
pays credit back: it takes the credit of the oldest payments first, so what
``_apply_credit`` applies later is what is left of the payments after every active refund.

Every function that creates an entry takes an optional ``idempotency_key`` (a UUID from a
``OneTimeKeyForm`` or an API header): it is checked under the customer's row lock, so a
repeat of the same submit, even a concurrent one, returns the first entry and writes
nothing (DESIGN §5).

Cash entries are announced with the signals of ``ledger.signals`` inside the transaction,
for the cash book that billing keeps (ledger does not import billing).
"""

import datetime
import uuid
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Shop
from accounts.permissions import check_actor
from core.db import bulk_create_with_history
from core.money import ZERO, quantize_money, rounded_sum
from customers.models import Customer
from customers.totals import totals_apply
from ledger import markets, signals
from ledger.models import Allocation, Due, Payment, Refund
from ledger.services import LedgerError
from ledger.services.allocation import OPEN_DUES_ORDER, allocate
from ledger.services.receipts import payment_receipt_queue

#: Entries may not be dated before this day (a typo such as 0202 for 2025 is refused).
EARLIEST_ENTRY_DATE = datetime.date(2000, 1, 1)
#: Entries may be dated at most this many years ahead of today.
ENTRY_YEARS_AHEAD = 1
#: A due date may be at most this many years ahead of today.
DUE_DATE_YEARS_AHEAD = 5


def _years_after(day: datetime.date, years: int) -> datetime.date:
    """``day`` moved ``years`` years on (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_entry_date(value: datetime.date | None, *, field: str, today: datetime.date | None = None) -> None:
    """Refuse an entry date before 2000-01-01 or more than a year after today.

    Used by every service that records a dated entry (dues, payments, refunds, invoices).
    Raises ``LedgerError(field=field)``; ``None`` passes (the caller's required check applies).
    """
    if value is None:
        return
    today = today or timezone.localdate()
    if value < EARLIEST_ENTRY_DATE:
        raise LedgerError(_("Enter a date from %(date)s on.") % {"date": date_format(EARLIEST_ENTRY_DATE, "d M Y")},
                          field=field)
    latest = _years_after(today, ENTRY_YEARS_AHEAD)
    if value > latest:
        raise LedgerError(_("The date cannot be more than a year ahead (after %(date)s).")
                          % {"date": date_format(latest, "d M Y")}, field=field)


def check_due_date(value: datetime.date | None, *, field: str = "due_date",
                   today: datetime.date | None = None) -> None:
    """Refuse a due date more than five years after today. Raises ``LedgerError(field=field)``."""
    if value is None:
        return
    today = today or timezone.localdate()
    latest = _years_after(today, DUE_DATE_YEARS_AHEAD)
    if value > latest:
        raise LedgerError(ngettext("The due date cannot be more than %(years)d year ahead (after %(date)s).",
                                   "The due date cannot be more than %(years)d years ahead (after %(date)s).",
                                   DUE_DATE_YEARS_AHEAD)
                          % {"years": DUE_DATE_YEARS_AHEAD, "date": date_format(latest, "d M Y")}, field=field)


def check_method(method: str, *, offered: tuple[str, ...], field: str = "method") -> None:
    """Refuse a payment or refund ``method`` not among ``offered``, the methods of the shop's
    market (``ledger.markets``: UPI is India's, M-Pesa Kenya's …). Raises ``LedgerError(field=field)``."""
    if method not in offered:
        raise LedgerError(_("Choose one of the payment methods this shop takes."), field=field)


def _replayed(model, shop: Shop, idempotency_key: uuid.UUID | None):
    """The entry of ``model`` this shop already created with ``idempotency_key``, or None.
    Call it under the customer's row lock, so a concurrent repeat waits for the first."""
    if idempotency_key is None:
        return None
    return model.objects.filter(shop=shop, idempotency_key=idempotency_key).first()


def customer_lock(*, shop: Shop, customer: Customer) -> Customer:
    """Lock (``select_for_update``) and return a fresh copy of ``customer``. Raises
    ``LedgerError`` when it does not belong to ``shop``. Every ledger write that touches a
    customer's account takes this lock first."""
    try:
        return Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    except Customer.DoesNotExist:
        raise LedgerError(_("That customer does not belong to this shop.")) from None


def _open_dues(customer: Customer, exclude_pk=None) -> list:
    """Open dues of ``customer`` (stored ``outstanding`` > 0) in allocation order: oldest
    due date first, a due without one counting from the date it was given."""
    return list(
        Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True, outstanding__gt=0)
        .exclude(pk=exclude_pk)
        .order_by(*OPEN_DUES_ORDER)
    )


def _save_outstanding(dues) -> None:
    """Write the ``outstanding`` of each changed due (one query). Not ``save()``: the figure
    is derived and kept out of the history, like ``Customer.balance``."""
    dues = list(dues)
    if len(dues) == 1:
        Due.objects.filter(shop_id=dues[0].shop_id, pk=dues[0].pk).update(outstanding=dues[0].outstanding)
    elif dues:
        Due.objects.bulk_update(dues, ["outstanding"])


def _allocate(payment: Payment, available: Decimal, dues: list, *, new_payment: bool = False,
              first: Due | None = None) -> Decimal:
    """Apply up to ``available`` of ``payment`` to ``dues`` (in allocation order; ``first``
    before the others) by the allocation rule (:func:`allocate`); return what is left.

    Lowers each due's ``outstanding`` (in memory and stored); paid dues are left in the
    list at zero.
    """
    rows = []
    touched = []
    # A payment may already hold an allocation to a due (it part-paid the due, then a
    # void freed more of it): add to that row, as (payment, due) is unique.
    existing = {} if new_payment else {
        a.due_id: a for a in Allocation.objects.filter(shop_id=payment.shop_id, payment=payment)}
    for due, amount in allocate(available, [(due, due.outstanding) for due in dues], first=first):
        allocation = existing.get(due.pk)
        if allocation is None:
            allocation = Allocation(shop_id=payment.shop_id, payment=payment, due=due, amount=ZERO)
        allocation.amount += amount
        rows.append(allocation)
        touched.append(due)
        due.outstanding -= amount
        available -= amount
    # New rows in one INSERT and their history rows in another, however many dues the payment
    # pays (the history user as save() records it: the request's user, from
    # django-simple-history's middleware); a row the payment already held is changed with
    # save(), which records its history too.
    created = [allocation for allocation in rows if allocation.pk is None]
    changed = [allocation for allocation in rows if allocation.pk is not None]
    if created:
        bulk_create_with_history(Allocation, created)
    for allocation in changed:
        allocation.save()
    _save_outstanding(touched)
    return available


def _refunded(customer: Customer) -> Decimal:
    """Sum of the customer's active refunds (Decimal)."""
    total = Refund.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True).aggregate(
        total=Coalesce(Sum("amount"), ZERO))["total"]
    return quantize_money(total)


def _unallocated_payments(customer: Customer) -> list[tuple[Payment, Decimal]]:
    """Active payments with credit left, oldest first, each with what is left of it after
    the customer's refunds (which take the oldest credit first): ``[(payment, Decimal)]``."""
    payments = list(
        Payment.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True)
        .annotate(allocated=rounded_sum("allocations__amount"))
        .filter(allocated__lt=F("amount"))
        .order_by("received_on", "pk")
    )
    if not payments:
        return []
    refunded = _refunded(customer)
    left = []
    for payment in payments:
        remainder = payment.amount - quantize_money(payment.allocated)
        taken = min(remainder, refunded)
        refunded -= taken
        if remainder - taken > 0:
            left.append((payment, remainder - taken))
    return left


def _apply_credit(customer: Customer) -> None:
    """Apply every payment's unallocated remainder (net of refunds) to open dues, oldest
    payment first."""
    payments = _unallocated_payments(customer)
    if not payments:
        return
    dues = _open_dues(customer)
    for payment, available in payments:
        if not any(due.outstanding > 0 for due in dues):
            break
        _allocate(payment, available, dues)


def _refresh_customer(customer: Customer, balance_change: Decimal, open_dues: list | None = None) -> None:
    """Store the new balance, earliest open due date and last activity on the locked row,
    and move the shop's customer totals by the balance change (``customers.totals``).

    ``open_dues``: every open due of the customer with its current ``.outstanding`` (as
    ``payment_create`` holds them after allocating), to take the date from instead of a query.

    Lock order: the customer's row is locked already (:func:`customer_lock`); the shop's
    totals row is taken here, after it, and held to the end of the transaction. Nothing
    may lock a customer after this call in the same transaction.
    """
    old_balance = customer.balance
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
    totals_apply(shop_id=customer.shop_id, balance_changes=[(old_balance, customer.balance)])


def clean_amount(amount) -> Decimal:
    """``amount`` as a money Decimal > 0, or ``LedgerError(field="amount")`` with a message
    for the user (not a number, zero or negative)."""
    try:
        amount = quantize_money(amount)
    except (TypeError, ValueError):
        raise LedgerError(_("Enter an amount such as 250 or 99.50."), field="amount") from None
    if amount <= 0:
        raise LedgerError(_("The amount must be more than zero."), field="amount")
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
               due_date: datetime.date | None = None, created_by=None,
               idempotency_key: uuid.UUID | None = None, source: str = "", membership=None) -> Due:
    """Record credit given to ``customer``: ``amount`` (Decimal > 0, shop currency).

    ``membership``: the acting user's (a view passes ``request.membership``); raises
    ``accounts.permissions.PermissionError`` unless its role may ``entry.create``
    (``None``: a command, task or a service posting its own entry, not checked).

    Any unapplied customer credit is applied to the new due at once. Returns the due (the
    one created before, unchanged, when ``idempotency_key`` was seen already). Raises
    ``LedgerError`` for a bad amount, a date before 2000 or over a year ahead, a due date
    before ``incurred_on`` or over five years ahead, or a customer of another shop.
    ``source`` names the document posting it (e.g. ``"Invoice INV/26-27/0001"``): such a
    due is voided only through that document's service.
    """
    check_actor(shop=shop, action="entry.create", membership=membership)
    customer = customer_lock(shop=shop, customer=customer)
    if (existing := _replayed(Due, shop, idempotency_key)) is not None:
        return existing
    amount = clean_amount(amount)
    check_entry_date(incurred_on, field="incurred_on")
    check_due_date(due_date)
    due = Due(shop=shop, customer=customer, amount=amount, outstanding=amount, description=description.strip(),
              incurred_on=incurred_on, due_date=due_date, created_by=created_by,
              idempotency_key=idempotency_key, source=source)
    if due_date is not None and incurred_on is not None and due_date < incurred_on:
        raise LedgerError(_("The due date cannot be before the date the credit was given."), field="due_date")
    _full_clean(due)
    due.save()
    _apply_credit(customer)
    _refresh_customer(customer, amount)
    return due


@transaction.atomic
def payment_create(*, shop: Shop, customer: Customer, amount, received_on: datetime.date,
                   method: str = Payment.Method.CASH, reference: str = "", note: str = "",
                   due: Due | None = None, created_by=None, idempotency_key: uuid.UUID | None = None,
                   at_counter: bool = False, source: str = "", membership=None) -> Payment:
    """Record a payment and allocate it (to ``due`` if given, else oldest dues first).

    ``amount`` is a Decimal > 0 in the shop's currency. A payment above what is owed
    leaves customer credit. ``at_counter`` says an invoice posts it at the counter (the
    counter records its own cash); it travels with the ``payment_recorded`` signal.
    ``source`` names the posting document, as for ``due_create``. A
    repeated ``idempotency_key`` returns the first payment and writes nothing. Raises
    ``LedgerError`` for a bad amount, a date before 2000 or over a year ahead, a method the
    shop's market does not offer (``ledger.markets.payment_methods``), a voided or foreign
    due, or an amount above the chosen due's outstanding. ``membership`` as for
    :func:`due_create` (``entry.create``).
    """
    check_actor(shop=shop, action="entry.create", membership=membership)
    customer = customer_lock(shop=shop, customer=customer)
    if (existing := _replayed(Payment, shop, idempotency_key)) is not None:
        return existing
    amount = clean_amount(amount)
    check_entry_date(received_on, field="received_on")
    check_method(method, offered=markets.payment_methods(shop))
    dues = _open_dues(customer)
    chosen = None
    if due is not None:
        chosen = next((d for d in dues if d.pk == due.pk), None)
        if chosen is None:
            if due.customer_id != customer.pk or due.shop_id != shop.pk or due.is_voided:
                raise LedgerError(_("Choose one of this customer's open dues."), field="due")
            raise LedgerError(_("That due is already paid."), field="due")
        if amount > chosen.outstanding:
            raise LedgerError(
                _("This is more than the %(amount)s outstanding on the chosen due. "
                  "Lower the amount, or apply it to the oldest dues instead.") % {"amount": chosen.outstanding},
                field="amount",
            )
    payment = Payment(shop=shop, customer=customer, amount=amount, received_on=received_on, method=method,
                      reference=reference.strip(), note=note.strip(), due=due, created_by=created_by,
                      idempotency_key=idempotency_key, source=source)
    _full_clean(payment)
    payment.save()
    _allocate(payment, amount, dues, new_payment=True, first=chosen)
    _refresh_customer(customer, -amount, open_dues=dues)
    signals.payment_recorded.send(sender=Payment, shop=shop, payment=payment, at_counter=at_counter)
    if shop.send_payment_receipts and customer.email:
        # Queued once committed (never for a rolled-back payment), with the new balance.
        transaction.on_commit(partial(payment_receipt_queue, shop=shop, payment_id=payment.pk),
                              robust=True)
    return payment


def due_mark_paid(*, shop: Shop, due: Due, received_on: datetime.date | None = None,
                  method: str = Payment.Method.CASH, created_by=None,
                  idempotency_key: uuid.UUID | None = None, membership=None) -> Payment:
    """Record a payment of the due's whole outstanding amount, allocated to it.

    A repeated ``idempotency_key`` returns the first payment. Raises ``LedgerError`` when
    the due is voided or already paid, ``accounts.permissions.PermissionError`` unless
    ``membership`` (as for :func:`due_create`) may ``entry.create``.
    """
    membership = check_actor(shop=shop, action="entry.create", membership=membership)
    with transaction.atomic():
        customer_lock(shop=shop, customer=due.customer)
        if (existing := _replayed(Payment, shop, idempotency_key)) is not None:
            return existing
        due = Due.objects.get(shop=shop, pk=due.pk)
        if due.is_voided:
            raise LedgerError(_("A voided due cannot be paid."))
        if due.outstanding <= 0:
            raise LedgerError(_("This due is already paid."))
        note = _("Marked as paid: %(description)s") % {"description": due.description}
        return payment_create(shop=shop, customer=due.customer, amount=due.outstanding,
                              received_on=received_on or timezone.localdate(), method=method,
                              note=note[:200], due=due, created_by=created_by,
                              idempotency_key=idempotency_key, membership=membership)


def _void_refusals(entry) -> tuple[str, str]:
    """The messages refusing to void ``entry`` (a due, payment or refund): it is void
    already; a document posted it (a format string taking ``%(source)s``)."""
    if isinstance(entry, Due):
        return (_("This due is already void."),
                _("This due was posted by %(source)s. Void %(source)s instead, so its stock and cash are put "
                  "right too."))
    if isinstance(entry, Refund):
        return (_("This refund is already void."),
                _("This refund was posted by %(source)s. Void %(source)s instead, so its stock and cash are put "
                  "right too."))
    return (_("This payment is already void."),
            _("This payment was posted by %(source)s. Void %(source)s instead, so its stock and cash are put "
              "right too."))


@transaction.atomic
def _void(*, shop: Shop, entry, reason: str, voided_by, sign: int, via_source: bool = False):
    customer = customer_lock(shop=shop, customer=entry.customer)
    entry = type(entry).objects.select_for_update().get(shop=shop, pk=entry.pk)
    already_void, posted_by_document = _void_refusals(entry)
    if entry.is_voided:
        raise LedgerError(already_void)
    if entry.source and not via_source:
        raise LedgerError(posted_by_document % {"source": entry.source})
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("Give a reason for voiding."), field="reason")
    entry.voided_at = timezone.now()
    entry.voided_by = voided_by
    entry.void_reason = reason[:200]
    entry.save(update_fields=["voided_at", "voided_by", "void_reason"])
    allocations = list(entry.allocations.select_related("due")) if not isinstance(entry, Refund) else []
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
    if isinstance(entry, Payment):
        _check_refunds_covered(customer)
    _apply_credit(customer)
    _refresh_customer(customer, sign * entry.amount)
    if isinstance(entry, Payment):
        signals.payment_voided.send(sender=Payment, shop=shop, payment=entry)
    elif isinstance(entry, Refund):
        signals.refund_voided.send(sender=Refund, shop=shop, refund=entry)
    return entry


def _check_refunds_covered(customer: Customer) -> None:
    """Refuse a change that leaves the customer's refunds larger than the payment credit
    they paid back (a payment voided after its credit was refunded)."""
    refunded = _refunded(customer)
    if refunded <= 0:
        return
    credit = Payment.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True).aggregate(
        paid=Coalesce(Sum("amount"), ZERO))["paid"] - Allocation.objects.filter(
        shop_id=customer.shop_id, payment__customer=customer, payment__voided_at__isnull=True).aggregate(
        allocated=Coalesce(Sum("amount"), ZERO))["allocated"]
    if quantize_money(credit) < refunded:
        raise LedgerError(_("Part of this payment's credit was refunded to the customer. Void the refund first."))


def due_void(*, shop: Shop, due: Due, reason: str, voided_by=None, via_source: bool = False,
             membership=None) -> Due:
    """Void a due (never delete): it stops counting, and payments applied to it become
    credit that is re-allocated to the customer's other open dues.

    Raises ``LedgerError`` when already void, without a reason, or when a document posted
    it (``due.source``) and ``via_source`` is not set: only that document's own void
    service (``billing.services.invoices.invoice_void``) passes ``via_source=True``.
    Raises ``accounts.permissions.PermissionError`` unless the acting ``membership`` (else
    ``voided_by``'s) may void entries (``entry.void``); nothing is written then.
    """
    check_actor(shop=shop, action="entry.void", membership=membership, user=voided_by)
    return _void(shop=shop, entry=due, reason=reason, voided_by=voided_by, sign=-1,
                 via_source=via_source)


def payment_void(*, shop: Shop, payment: Payment, reason: str, voided_by=None, via_source: bool = False,
                 membership=None) -> Payment:
    """Void a payment: the dues it paid open again (and take any other unapplied credit).

    Raises ``LedgerError`` when already void, without a reason, when credit from it was
    refunded (void the refund first), or when a document posted it and ``via_source`` is
    not set (as for ``due_void``); ``PermissionError`` as for ``due_void``.
    """
    check_actor(shop=shop, action="entry.void", membership=membership, user=voided_by)
    return _void(shop=shop, entry=payment, reason=reason, voided_by=voided_by, sign=1,
                 via_source=via_source)


def customer_credit(customer: Customer) -> Decimal:
    """The unapplied credit ``customer`` holds (Decimal ≥ 0): minus their balance when it
    is below zero. Credit and open dues never coexist (credit is applied at once), so this
    is exactly what a refund may pay back."""
    return max(-customer.balance, ZERO)


@transaction.atomic
def refund_create(*, shop: Shop, customer: Customer, amount, refunded_on: datetime.date, method: str,
                  reason: str, reference: str = "", created_by=None,
                  idempotency_key: uuid.UUID | None = None, membership=None) -> Refund:
    """Pay back ``amount`` (Decimal > 0, shop currency) of the customer's credit in cash,
    by bank transfer or, in India, by UPI (``ledger.markets.refund_methods``), with a reason
    (DESIGN §5).

    The refund raises the balance by ``amount`` (less credit) and is announced with the
    ``refund_recorded`` signal (a cash refund leaves the drawer). A repeated
    ``idempotency_key`` returns the first refund. Raises ``LedgerError`` for a bad amount or
    date, a method the shop does not offer, no reason, or an amount above the credit held;
    ``accounts.permissions.PermissionError`` unless the acting ``membership`` (else
    ``created_by``'s) may refund (``refund.create``).
    """
    check_actor(shop=shop, action="refund.create", membership=membership, user=created_by)
    customer = customer_lock(shop=shop, customer=customer)
    if (existing := _replayed(Refund, shop, idempotency_key)) is not None:
        return existing
    amount = clean_amount(amount)
    check_entry_date(refunded_on, field="refunded_on")
    check_method(method, offered=markets.refund_methods(shop))
    reason = " ".join((reason or "").split())
    if not reason:
        raise LedgerError(_("Give a reason for the refund."), field="reason")
    credit = customer_credit(customer)
    if credit <= 0:
        raise LedgerError(_("%(name)s has no credit to refund.") % {"name": customer.name}, field="amount")
    if amount > credit:
        raise LedgerError(_("This is more than the %(amount)s credit %(name)s holds.")
                          % {"amount": credit, "name": customer.name}, field="amount")
    refund = Refund(shop=shop, customer=customer, amount=amount, refunded_on=refunded_on, method=method,
                    reason=reason[:200], reference=(reference or "").strip(), created_by=created_by,
                    idempotency_key=idempotency_key)
    _full_clean(refund)
    refund.save()
    _refresh_customer(customer, amount)
    signals.refund_recorded.send(sender=Refund, shop=shop, refund=refund)
    return refund


def refund_void(*, shop: Shop, refund: Refund, reason: str, voided_by=None, membership=None) -> Refund:
    """Void a refund: the credit it paid back is the customer's again (applied at once to
    any open dues). Raises ``LedgerError`` when already void or without a reason,
    ``PermissionError`` as for ``due_void``."""
    check_actor(shop=shop, action="entry.void", membership=membership, user=voided_by)
    return _void(shop=shop, entry=refund, reason=reason, voided_by=voided_by, sign=-1)
