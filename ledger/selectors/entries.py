"""Ledger reads of one customer's account: open dues, a due's outstanding, the
statement. All amounts are ``Decimal`` in the shop's currency.

A due's status follows its stored ``outstanding`` (kept by ``ledger.services.entries``):
open (nothing paid) → partially paid → paid; void once voided; overdue when its due
date has passed and it is not paid.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DateField, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import ZERO, money_output_field, quantize_money
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
    """The open dues among a (whole) statement's entries, in the order ``customer_open_dues``
    gives (oldest due date first), without another query."""
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


def _payment_description(*, method: str, reference: str, note: str, source: str) -> str:
    """A payment's statement text: "Payment (UPI) ref 4471 · note", or the credit note
    that posted it ("Credit note CN/26-27/0001", billing's sale return)."""
    if source.startswith(CREDIT_NOTE_SOURCE):
        description = source
    else:
        values = {"method": method, "reference": reference}
        if reference:
            description = _("Payment (%(method)s) ref %(reference)s") % values
        else:
            description = _("Payment (%(method)s)") % values
    if note:
        description += f" · {note}"
    return description


def _refund_description(*, method: str, reference: str, reason: str) -> str:
    """A refund's statement text: "Refund of credit (Cash) ref 12 · reason"."""
    values = {"method": method, "reference": reference}
    if reference:
        description = _("Refund of credit (%(method)s) ref %(reference)s") % values
    else:
        description = _("Refund of credit (%(method)s)") % values
    return f"{description} · {reason}"


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
            description = _refund_description(method=entry.get_method_display(), reference=entry.reference,
                                              reason=entry.reason)
            debit, credit = entry.amount, None
        else:
            if not voided:
                balance -= entry.amount
                statement.total_payments += entry.amount
            description = _payment_description(method=entry.get_method_display(), reference=entry.reference,
                                               note=entry.note, source=entry.source)
            debit, credit = None, entry.amount
        statement.lines.append(StatementLine(date=date, kind=kind, entry=entry, description=description,
                                             debit=debit, credit=credit, balance=balance, voided=voided))
    return statement


def due_outstanding(due: Due) -> Decimal:
    """Amount still owed on ``due`` now (Decimal; 0 once paid or void), read from the database."""
    return Due.objects.filter(shop_id=due.shop_id, pk=due.pk).values_list("outstanding", flat=True).get()


# --- The customer page's statement, a page at a time ----------------------------------------------

#: Entries the customer page shows at a time: the latest ones, then "Earlier entries" loads
#: the ones before them, as many again.
STATEMENT_PAGE_SIZE = 50

#: Where each kind of entry comes on a day when entries share a date and a creation time
#: (the same order as :func:`customer_statement`): dues, then payments, then refunds.
_KINDS = (
    # kind, model, its date field, the order on ties
    ("due", Due, "incurred_on", 0),
    ("payment", Payment, "received_on", 1),
    ("refund", Refund, "refunded_on", 2),
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


@dataclass(frozen=True)
class StatementCursor:
    """A place in a statement: an entry's sort key (``date``, ``created_at``, the kind's
    ``order``: 0 due, 1 payment, 2 refund, ``pk``), as :func:`customer_statement` orders
    its lines. ``str()`` gives the URL form (``2026-03-04.1772611200123456.0.812``: the
    date, ``created_at`` in microseconds since 1970 UTC, the order, the pk) and
    :meth:`parse` reads it back."""

    date: datetime.date
    created_at: datetime.datetime
    order: int
    pk: int

    def __str__(self) -> str:
        micros = (self.created_at - _EPOCH) // _MICROSECOND
        return f"{self.date.isoformat()}.{micros}.{self.order}.{self.pk}"

    @classmethod
    def parse(cls, text: str | None) -> "StatementCursor | None":
        """The cursor ``text`` spells, or ``None`` when it is empty or not one."""
        try:
            day, micros, order, pk = (text or "").split(".")
            cursor = cls(date=datetime.date.fromisoformat(day),
                         created_at=_EPOCH + int(micros) * _MICROSECOND, order=int(order), pk=int(pk))
        except (ValueError, OverflowError):
            return None
        if cursor.order not in (0, 1, 2) or cursor.pk < 1:
            return None
        return cursor


@dataclass
class StatementPageLine:
    """One row of a statement page (plain values, no model instance): ``kind`` ("due",
    "payment", "refund"), the entry's ``pk``, ``date``, ``description``, ``debit`` (a due or
    refund) or ``credit`` (a payment), the running ``balance`` after it, ``voided`` (listed
    but not counted) with its ``void_reason``, ``source`` (the document that posted it,
    e.g. an invoice; blank otherwise) and a due's ``due_date``. Amounts are ``Decimal``."""

    kind: str
    pk: int
    date: datetime.date
    description: str
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal
    voided: bool
    void_reason: str = ""
    source: str = ""
    due_date: datetime.date | None = None
    cursor: StatementCursor | None = None


@dataclass
class StatementPage:
    """A page of a customer's statement, for the customer page.

    ``lines``: at most :data:`STATEMENT_PAGE_SIZE` entries in date order (oldest first),
    the latest ones before ``before`` (the whole statement's latest when ``before`` is
    ``None``), each with the running balance of the whole statement at that row.
    ``brought_forward``: the balance before the first line. ``earlier``: how many entries
    come before the first line (voided ones included); ``earlier_cursor``: the ``before``
    of the page that shows them (``None`` when there are none). ``total_dues``,
    ``total_payments``, ``total_refunds``: the whole statement's active entries, and
    ``balance`` what they say is owed, whatever the page (Decimal, shop currency).
    """

    lines: list[StatementPageLine] = field(default_factory=list)
    before: StatementCursor | None = None
    brought_forward: Decimal = ZERO
    earlier: int = 0
    earlier_cursor: StatementCursor | None = None
    total_dues: Decimal = ZERO
    total_payments: Decimal = ZERO
    total_refunds: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.total_dues - self.total_payments + self.total_refunds

    @property
    def is_latest(self) -> bool:
        """True for the page that ends with the latest entry (the one with the closing balance)."""
        return self.before is None


def _entries(model, *, customer: Customer) -> QuerySet:
    return model.objects.filter(shop_id=customer.shop_id, customer_id=customer.pk)


def _before(cursor: StatementCursor, *, date_field: str, order: int) -> Q:
    """The entries of one kind (its tie ``order``) that sort before ``cursor``."""
    earlier = Q(**{f"{date_field}__lt": cursor.date}) | Q(**{date_field: cursor.date,
                                                            "created_at__lt": cursor.created_at})
    if order < cursor.order:
        earlier |= Q(**{date_field: cursor.date, "created_at": cursor.created_at})
    elif order == cursor.order:
        earlier |= Q(**{date_field: cursor.date, "created_at": cursor.created_at, "pk__lt": cursor.pk})
    return earlier


def _page_rows(*, customer: Customer, before: StatementCursor | None, limit: int) -> list[dict]:
    """The ``limit`` latest entries before ``before`` (of every kind, newest first) as
    dicts of plain values: one ``UNION ALL`` query, ordered on the statement's sort key."""
    date_none = Value(None, output_field=DateField())
    text = {  # per kind: the description, the reference, the note (a refund's reason), the due date
        "due": (F("description"), Value(""), Value(""), F("due_date")),
        "payment": (F("method"), F("reference"), F("note"), date_none),
        "refund": (F("method"), F("reference"), F("reason"), date_none),
    }
    branches = []
    for kind, model, date_field, order in _KINDS:
        entries = _entries(model, customer=customer)
        if before is not None:
            entries = entries.filter(_before(before, date_field=date_field, order=order))
        words, reference, note, due_date = text[kind]
        # The same columns in the same order in every branch (the union pairs them by position).
        branches.append(entries.order_by().values(
            row_order=Value(order, output_field=IntegerField()), row_pk=F("pk"), row_date=F(date_field),
            row_created=F("created_at"), row_amount=F("amount"), row_voided=F("voided_at"),
            row_void_reason=F("void_reason"), row_source=F("source"), row_text=words, row_reference=reference,
            row_note=note, row_due_date=due_date))
    rows = branches[0].union(*branches[1:], all=True).order_by("-row_date", "-row_created", "-row_order", "-row_pk")
    return list(rows[:limit])


def _page_sums(*, customer: Customer, before: StatementCursor | None) -> dict[str, dict]:
    """Per kind: ``total`` (active entries, Decimal), ``before`` (active entries before the
    cursor; the total without one) and ``count_before`` (entries before the cursor, voided
    ones included). One ``UNION ALL`` query of one aggregate row per kind."""
    def money_sum(condition: Q):
        return Coalesce(Round(Sum("amount", filter=condition), settings.MONEY_DECIMAL_PLACES), ZERO,
                        output_field=money_output_field())

    active = Q(voided_at__isnull=True)
    branches = []
    for _kind, model, date_field, order in _KINDS:
        earlier = _before(before, date_field=date_field, order=order) if before is not None else None
        branches.append(_entries(model, customer=customer).order_by().values(
            sums_order=Value(order, output_field=IntegerField())).annotate(
            sums_total=money_sum(active),
            sums_before=money_sum(active & earlier) if earlier is not None else money_sum(active),
            sums_count=Count("pk", filter=earlier)))
    found = {row["sums_order"]: row for row in branches[0].union(*branches[1:], all=True)}
    sums = {}
    for kind, _model, _date_field, order in _KINDS:
        row = found.get(order, {})
        sums[kind] = {"total": quantize_money(row.get("sums_total") or ZERO),
                      "before": quantize_money(row.get("sums_before") or ZERO),
                      "count_before": row.get("sums_count") or 0}
    return sums


def _page_line(row: dict, method_labels: dict[str, str]) -> StatementPageLine:
    kind = _KINDS[row["row_order"]][0]
    if kind == "due":
        description = row["row_text"]
    elif kind == "payment":
        description = _payment_description(method=method_labels.get(row["row_text"], row["row_text"]),
                                           reference=row["row_reference"], note=row["row_note"],
                                           source=row["row_source"])
    else:
        description = _refund_description(method=method_labels.get(row["row_text"], row["row_text"]),
                                          reference=row["row_reference"], reason=row["row_note"])
    amount = row["row_amount"]
    return StatementPageLine(
        kind=kind, pk=row["row_pk"], date=row["row_date"], description=description,
        debit=None if kind == "payment" else amount, credit=amount if kind == "payment" else None,
        balance=ZERO, voided=row["row_voided"] is not None, void_reason=row["row_void_reason"],
        source=row["row_source"], due_date=row["row_due_date"],
        cursor=StatementCursor(date=row["row_date"], created_at=row["row_created"], order=row["row_order"],
                               pk=row["row_pk"]))


def customer_statement_page(*, customer: Customer, before: StatementCursor | None = None,
                            size: int = STATEMENT_PAGE_SIZE) -> StatementPage:
    """A :class:`StatementPage` of ``customer``: the ``size`` latest entries before
    ``before`` (a :class:`StatementCursor`; ``None``: the latest entries), with the
    running balance each row has in :func:`customer_statement` (same order: date, creation
    time, due → payment → refund, pk; voided entries listed but not counted).

    Keyset (seek) pagination on that sort key, no ``OFFSET``. Two queries whatever the
    size of the account: the page's rows (one ``UNION ALL`` of dues, payments and refunds,
    newest first, ``LIMIT size``) and the sums (per kind: the active total, the active
    sum before the cursor, the count before it). The balance after the page's newest row
    is the active sum of everything before the cursor; the rows above it are walked back
    from there.
    """
    sums = _page_sums(customer=customer, before=before)
    rows = _page_rows(customer=customer, before=before, limit=size)
    labels = {**dict(Refund.Method.choices), **dict(Payment.Method.choices)}
    lines = [_page_line(row, labels) for row in rows]  # newest first
    balance = sums["due"]["before"] - sums["payment"]["before"] + sums["refund"]["before"]
    for line in lines:
        line.balance = balance
        if not line.voided:  # the balance before this line
            balance = balance - (line.debit or ZERO) + (line.credit or ZERO)
    lines.reverse()
    earlier = max(sum(kind["count_before"] for kind in sums.values()) - len(lines), 0)
    return StatementPage(
        lines=lines, before=before, brought_forward=balance, earlier=earlier,
        earlier_cursor=lines[0].cursor if earlier and lines else None,
        total_dues=sums["due"]["total"], total_payments=sums["payment"]["total"],
        total_refunds=sums["refund"]["total"])
