"""The shop's activity (issue #13): who did what and when, newest first, 50 to a page.

Each source below is one lazy ``.values()`` queryset of the shop's rows with the same columns
(:data:`COLUMNS`):

======================  ==========================================================================
dues, payments, refunds the ledger's own rows: created (``created_at``/``created_by``) and voided
                        (``voided_at``/``voided_by``, the reason); never edited otherwise
invoices                issued and voided, from the invoice rows
customers, products     django-simple-history records: added, changed (field before → after)
settings                the shop's history records (``accounts.Shop``)
staff                   membership history records: added, role changed, (de)activated
logins                  django-axes ``AccessLog`` rows (successful logins) of the shop's members
======================  ==========================================================================

:func:`activity_page` merges the sources with ``UNION ALL`` ordered by time (newest first) and
reads one page of it; where the database allows it (MariaDB) each source is first cut to the
rows the page can need, so a page reads a few rows per source whatever the shop's size. Then
it diffs only the page's history records, with one query per model for them and their previous
records (``core.history.records_with_previous``). A page costs the same number of queries with
5 events or 50 000.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from axes.models import AccessLog
from django.db import connection, models
from django.db.models import Case, F, QuerySet, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Shop
from billing.models import Invoice, Product
from core.db import replica_reads
from core.history import HistoryEntry, history_entries, records_with_previous
from core.money import format_shop_money, money_output_field, quantize_money
from customers.models import Customer
from ledger.models import Due, Payment, Refund

PAGE_SIZE = 50

#: The kinds of activity, as the filter offers them: (value, label).
KINDS = [
    ("dues", _("Dues")),
    ("payments", _("Payments")),
    ("refunds", _("Refunds")),
    ("invoices", _("Invoices")),
    ("customers", _("Customers")),
    ("products", _("Products")),
    ("settings", _("Shop settings")),
    ("staff", _("Staff")),
    ("logins", _("Logins")),
]
KIND_LABELS = dict(KINDS)

#: event → (kind, what happened). The event is the ``event`` column of every source.
EVENTS = {
    "due_created": ("dues", _("Due recorded")),
    "due_voided": ("dues", _("Due voided")),
    "payment_created": ("payments", _("Payment recorded")),
    "payment_voided": ("payments", _("Payment voided")),
    "refund_created": ("refunds", _("Refund paid")),
    "refund_voided": ("refunds", _("Refund voided")),
    "invoice_created": ("invoices", _("Invoice issued")),
    "invoice_voided": ("invoices", _("Invoice voided")),
    "customer_added": ("customers", _("Customer added")),
    "customer_changed": ("customers", _("Customer edited")),
    "customer_deleted": ("customers", _("Customer deleted")),
    "product_added": ("products", _("Product added")),
    "product_changed": ("products", _("Product edited")),
    "product_deleted": ("products", _("Product deleted")),
    "settings_added": ("settings", _("Shop created")),
    "settings_changed": ("settings", _("Settings changed")),
    "settings_deleted": ("settings", _("Shop deleted")),
    "staff_added": ("staff", _("Staff added")),
    "staff_changed": ("staff", _("Staff changed")),
    "staff_deleted": ("staff", _("Staff removed")),
    "login": ("logins", _("Logged in")),
}

#: The columns every source yields, in this order (a UNION matches columns by position):
#: ``at`` (aware datetime), ``event`` (a key of EVENTS), ``who`` (username or None),
#: ``record_id`` (the row's pk; a history record's ``history_id``), ``obj_id`` (the object's
#: pk), ``link_id`` (pk of the page to link: the customer of an entry), ``label`` (the object's
#: name then), ``money`` (Decimal or None), ``detail`` and ``extra`` (text or None). (Names no
#: source model has as a field: a ``values()`` expression may not shadow a field.)
COLUMNS = ("at", "event", "who", "record_id", "obj_id", "link_id", "label", "money", "detail", "extra")
_TYPES = {
    "at": models.DateTimeField(), "event": models.CharField(), "who": models.CharField(),
    "record_id": models.BigIntegerField(), "obj_id": models.BigIntegerField(), "link_id": models.BigIntegerField(),
    "label": models.CharField(), "money": money_output_field(), "detail": models.CharField(),
    "extra": models.CharField(),
}
#: The page's order (unique: two rows of one source never share event and record_id).
ORDERING = ("-at", "event", "-record_id")


@dataclass(frozen=True)
class ActivityFilter:
    """What the Activity page shows: ``kinds`` (values of KINDS; empty: all), ``user_id`` and
    ``username`` (one member's actions; logins match by username), ``start``/``end`` (local
    dates, both included), and at most one object: ``customer_id`` (its edits, entries and
    invoices), ``product_id`` (its edits) or ``invoice_id`` (issued, voided)."""

    kinds: frozenset = frozenset()
    user_id: int | None = None
    username: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    customer_id: int | None = None
    product_id: int | None = None
    invoice_id: int | None = None

    def objects(self) -> dict[str, int]:
        """The object filters that are set: ``{"customer": 12}``."""
        found = {"customer": self.customer_id, "product": self.product_id, "invoice": self.invoice_id}
        return {name: pk for name, pk in found.items() if pk is not None}


@dataclass(frozen=True)
class Source:
    """One kind of event: ``rows(shop)`` the shop's rows (a queryset), ``time`` and ``user`` the
    fields the date and user filters apply to (``user`` "username" matches by name), ``columns()``
    the expressions of COLUMNS, ``objects`` the fields the object filters apply to (a source
    without the filtered object's key is left out)."""

    kind: str
    rows: Callable[[Shop], QuerySet]
    time: str
    user: str
    columns: Callable[[], dict]
    objects: dict = field(default_factory=dict)

    def queryset(self, shop: Shop, flt: ActivityFilter) -> QuerySet | None:
        """The source's rows for ``flt`` as ``.values()`` of COLUMNS, or None when ``flt``
        rules the source out."""
        if flt.kinds and self.kind not in flt.kinds:
            return None
        rows = self.rows(shop)
        for name, pk in flt.objects().items():
            if name not in self.objects:
                return None
            rows = rows.filter(**{self.objects[name]: pk})
        if flt.user_id is not None:
            rows = rows.filter(**({self.user: flt.username} if self.user == "username" else {self.user: flt.user_id}))
        if flt.start is not None:
            rows = rows.filter(**{f"{self.time}__gte": _day_start(flt.start)})
        if flt.end is not None:
            rows = rows.filter(**{f"{self.time}__lt": _day_start(flt.end + datetime.timedelta(days=1))})
        return rows.order_by().values(**self.columns())


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _columns(**given) -> dict:
    """COLUMNS as expressions: a string is a field path, anything else an expression; a column
    not given is a typed NULL."""
    columns = {}
    for name in COLUMNS:
        value = given.get(name)
        if value is None:
            value = Value(None, output_field=_TYPES[name])
        elif isinstance(value, str):
            value = F(value)
        columns[name] = value
    return columns


def _event(name: str) -> Value:
    return Value(name, output_field=models.CharField())


def _history_event(prefix: str) -> Case:
    return Case(When(history_type="+", then=_event(f"{prefix}_added")),
                When(history_type="-", then=_event(f"{prefix}_deleted")),
                default=_event(f"{prefix}_changed"), output_field=models.CharField())


def _entry_sources(kind: str, model, name: str, detail: str) -> list[Source]:
    """Created and voided events of a ledger entry model (Due, Payment, Refund)."""
    def rows(shop):
        return model.objects.filter(shop=shop)

    def voided_rows(shop):
        return model.objects.filter(shop=shop, voided_at__isnull=False)

    objects = {"customer": "customer_id"}
    return [
        Source(kind, rows, "created_at", "created_by_id", lambda: _columns(
            at="created_at", event=_event(f"{name}_created"), who="created_by__username", record_id="pk",
            obj_id="pk", link_id="customer_id", label="customer__name", money="amount", detail=detail,
            extra="source"), objects),
        Source(kind, voided_rows, "voided_at", "voided_by_id", lambda: _columns(
            at="voided_at", event=_event(f"{name}_voided"), who="voided_by__username", record_id="pk",
            obj_id="pk", link_id="customer_id", label="customer__name", money="amount", detail=detail,
            extra="void_reason"), objects),
    ]


def _history_source(kind: str, model, prefix: str, *, label: str, detail=None, rows=None,
                    objects=None) -> Source:
    history = model.history.model
    return Source(
        kind, rows or (lambda shop: history.objects.filter(shop_id=shop.pk)), "history_date", "history_user_id",
        lambda: _columns(at="history_date", event=_history_event(prefix), who="history_user__username",
                         record_id="history_id", obj_id="id", link_id="id", label=label, detail=detail),
        objects or {})


def _members_usernames(shop: Shop) -> QuerySet:
    return Membership.objects.filter(shop=shop).values("user__username")


SOURCES: list[Source] = [
    *_entry_sources("dues", Due, "due", "description"),
    *_entry_sources("payments", Payment, "payment", "method"),
    *_entry_sources("refunds", Refund, "refund", "reason"),
    Source("invoices", lambda shop: Invoice.objects.filter(shop=shop), "created_at", "created_by_id",
           lambda: _columns(at="created_at", event=_event("invoice_created"), who="created_by__username",
                            record_id="pk", obj_id="pk", link_id="pk", label="number", money="total",
                            detail="customer__name"),
           {"customer": "customer_id", "invoice": "pk"}),
    Source("invoices", lambda shop: Invoice.objects.filter(shop=shop, voided_at__isnull=False), "voided_at",
           "voided_by_id",
           lambda: _columns(at="voided_at", event=_event("invoice_voided"), who="voided_by__username",
                            record_id="pk", obj_id="pk", link_id="pk", label="number", money="total",
                            detail="customer__name", extra="void_reason"),
           {"customer": "customer_id", "invoice": "pk"}),
    _history_source("customers", Customer, "customer", label="name", objects={"customer": "id"}),
    _history_source("products", Product, "product", label="name", detail="sku", objects={"product": "id"}),
    _history_source("settings", Shop, "settings", label="name",
                    rows=lambda shop: Shop.history.model.objects.filter(id=shop.pk)),
    _history_source("staff", Membership, "staff", label="user__username", detail="role"),
    Source("logins", lambda shop: AccessLog.objects.filter(username__in=_members_usernames(shop)),
           "attempt_time", "username",
           lambda: _columns(at="attempt_time", event=_event("login"), who="username", record_id="pk",
                            obj_id="pk", label="username", detail="ip_address", extra="user_agent")),
]

#: Sources read as history records, by event prefix: (model, fields not shown as changes).
HISTORY_MODELS = {
    "customer": (Customer, ()),
    "product": (Product, ()),
    "settings": (Shop, ()),
    "staff": (Membership, ("user",)),
}


def _page_rows(*, shop: Shop, flt: ActivityFilter, offset: int, limit: int) -> list[dict]:
    """Rows ``offset`` to ``offset + limit`` of the UNION ALL of every source ``flt`` keeps,
    ordered by :data:`ORDERING` (dicts of COLUMNS), in one query. Where the
    database takes ORDER BY/LIMIT inside a UNION (MariaDB, PostgreSQL), each source is cut to
    its first ``offset + limit`` rows before the merge, so the sort never sees the whole book."""
    parts = [qs for qs in (source.queryset(shop, flt) for source in SOURCES) if qs is not None]
    if not parts:
        return []
    if len(parts) == 1:
        combined = parts[0]
    else:
        if connection.features.supports_slicing_ordering_in_compound:
            parts = [part.order_by(*ORDERING)[:offset + limit] for part in parts]
        combined = parts[0].union(*parts[1:], all=True)
    return list(combined.order_by(*ORDERING)[offset:offset + limit])


@dataclass
class ActivityPage:
    """One page of activity: ``rows`` (see :func:`activity_page`), ``number`` (from 1),
    ``has_previous``/``has_next`` and the page numbers around it."""

    rows: list[dict]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a page not built (yet)
        return None


PAYMENT_METHODS = {**dict(Payment.Method.choices), **dict(Refund.Method.choices)}
ROLES = dict(Membership.Role.choices)


def _entry_summary(row: dict, money: str, name: str) -> str:
    if name == "due":
        text = f"{money} · {row['detail']}"
    elif name == "payment":
        text = gettext("%(amount)s by %(method)s") % {
            "amount": money, "method": PAYMENT_METHODS.get(row["detail"], row["detail"])}
    else:
        text = f"{money} · {row['detail']}"
    if row["event"].endswith("_voided"):
        return gettext("%(summary)s · reason: %(reason)s") % {"summary": text, "reason": row["extra"]}
    if row["extra"] and row["extra"] not in text:  # the document that posted it
        return gettext("%(summary)s · via %(source)s") % {"summary": text, "source": row["extra"]}
    return text


def _history_summary(row: dict, entry: HistoryEntry | None, prefix: str) -> str:
    if entry is None:
        return ""
    if entry.action == "added":
        if prefix == "staff":
            return gettext("as %(role)s") % {"role": ROLES.get(row["detail"], row["detail"])}
        return f"SKU {row['detail']}" if prefix == "product" else ""
    if entry.action == "changed" and not entry.has_previous:
        return gettext("Saved (the earlier values were not recorded)")
    if entry.action == "changed" and not entry.changes:
        return gettext("Saved with no changes")
    return entry.summary


def _link(row: dict, prefix: str) -> str | None:
    if prefix in ("due", "payment", "refund", "customer"):
        return _url("ledger:customer_account", customer_id=row["link_id"])
    if prefix == "invoice":
        return _url("billing:invoice_detail", invoice_id=row["link_id"])
    if prefix == "product":
        return _url("billing:product_detail", product_id=row["link_id"])
    if prefix == "settings":
        return _url("accounts:shop_settings")
    if prefix == "staff":
        return _url("accounts:staff_member", membership_id=row["link_id"]) or _url("accounts:staff")
    return None


@replica_reads
def present(*, shop: Shop, rows: list[dict]) -> list[dict]:
    """The page's raw rows as the page shows them: dicts of ``at``, ``user`` (username, ""
    when unknown), ``kind``, ``kind_label``, ``action`` ("Payment voided"), ``label`` (the
    object), ``url`` (its page, or None), ``summary`` (one line) and ``changes``
    (``core.history.FieldChange`` rows for an edit). Queries: one per history model on the
    page (its records and their previous ones) and one per related model whose value changed."""
    wanted: dict[str, list[int]] = {}
    for row in rows:
        prefix = row["event"].rsplit("_", 1)[0]
        if prefix in HISTORY_MODELS:
            wanted.setdefault(prefix, []).append(row["record_id"])
    entries: dict[tuple[str, int], HistoryEntry] = {}
    for prefix, ids in wanted.items():
        model, exclude = HISTORY_MODELS[prefix]
        pairs = list(records_with_previous(model, ids).values())
        for entry in history_entries(pairs, model=model, exclude=exclude, shop=shop):
            entries[(prefix, entry.record.history_id)] = entry
    shown = []
    for row in rows:
        event = row["event"]
        kind, action = EVENTS[event]
        prefix = event.rsplit("_", 1)[0]
        changes = []
        amount = quantize_money(row["money"]) if row["money"] is not None else None
        if prefix in ("due", "payment", "refund"):
            summary = _entry_summary(row, format_shop_money(shop, amount), prefix)
        elif prefix == "invoice":
            summary = format_shop_money(shop, amount) + " · " + (row["detail"] or gettext("walk-in"))
            if event == "invoice_voided":
                summary = gettext("%(summary)s · reason: %(reason)s") % {"summary": summary, "reason": row["extra"]}
        elif prefix == "login":
            summary = gettext("from %(address)s") % {"address": row["detail"] or gettext("an unknown address")}
        else:
            entry = entries.get((prefix, row["record_id"]))
            summary = _history_summary(row, entry, prefix)
            changes = entry.changes if entry else []
        deleted = event.endswith("_deleted")
        shown.append({
            "at": row["at"], "user": row["who"] or "", "kind": kind, "kind_label": KIND_LABELS[kind],
            "event": event, "action": action, "label": row["label"] or "",
            "url": None if deleted or prefix == "login" else _link(row, prefix),
            "summary": summary, "changes": changes,
        })
    return shown


@replica_reads
def activity_page(*, shop: Shop, flt: ActivityFilter, number: int = 1) -> ActivityPage:
    """Page ``number`` (from 1) of ``shop``'s activity under ``flt``: at most PAGE_SIZE rows
    (see :func:`present`), newest first. Queries: one for the page, then those of
    :func:`present`, the same for any size of shop."""
    number = max(1, number)
    raw = _page_rows(shop=shop, flt=flt, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return ActivityPage(rows=present(shop=shop, rows=raw[:PAGE_SIZE]), number=number,
                        has_next=len(raw) > PAGE_SIZE)


@replica_reads
def activity_members(*, shop: Shop) -> list[Membership]:
    """The shop's memberships (active or not) with their users, by username: the user filter's
    choices (one query)."""
    return list(Membership.objects.filter(shop=shop).select_related("user").order_by("user__username"))
