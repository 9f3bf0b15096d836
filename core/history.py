"""What changed, field by field, in django-simple-history records (the history panels of the
customer, product and invoice pages and the shop's Activity page).

A model with ``history = HistoricalRecords(...)`` writes one record per save: ``history_type``
``"+"`` (added), ``"~"`` (changed) or ``"-"`` (deleted), ``history_date``, ``history_user`` (set
for requests by simple_history's ``HistoryRequestMiddleware``) and the tracked fields' values.
A change is the difference between a record and the record before it of the same object.

simple_history's own ``record.diff_against(record.prev_record)`` costs a query per record;
here a list of records is diffed with one query for all their previous records
(:func:`records_with_previous`) and one per related model whose value changed (a category,
a user), so a page of records costs the same whatever its length.

Values are shown as a person reads them: choices by their label, ``Yes``/``No``, money in the
shop's currency (``format_shop_money``), dates as ``01 Nov 2026``, related rows by their
``str()``, empty as ``—``. core has no models: it reads any model's history generically.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from core.money import format_shop_money

#: Fields never shown as a change: the row's identity, its tenant and bookkeeping times.
IGNORED_FIELDS = frozenset({"id", "shop", "created_at", "updated_at", "idempotency_key"})

#: ``history_type`` → the action's name.
ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}

EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    """One field's change: ``name`` (the model field), ``label`` ("Phone"), ``before`` and
    ``after`` as display strings (``"—"`` for empty)."""

    name: str
    label: str
    before: str
    after: str

    def __str__(self):
        return f"{self.label}: {self.before} → {self.after}"


@dataclass
class HistoryEntry:
    """A history record with what it changed.

    ``record``: the historical record (its fields hold the values after the change);
    ``at``: aware datetime; ``user``: the ``User`` who made it or ``None`` (a command, a task);
    ``action``: ``"added"``, ``"changed"`` or ``"deleted"``; ``changes``: ``FieldChange`` rows
    (empty for "added"/"deleted", and for a "changed" record whose earlier values were never
    recorded: then ``has_previous`` is False).
    """

    record: object
    at: datetime.datetime
    user: object
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    has_previous: bool = True

    @property
    def summary(self) -> str:
        """``"Phone: 98… → 97…; Email: — → a@b.in"`` (the changes on one line)."""
        return "; ".join(str(change) for change in self.changes)


def tracked_fields(model, *, exclude=()) -> list[models.Field]:
    """The concrete fields of ``model`` (the tracked model, e.g. ``Customer``) that its history
    records, minus :data:`IGNORED_FIELDS` and ``exclude`` (field names), in model order."""
    recorded = {f.name for f in model.history.model._meta.concrete_fields}
    skip = IGNORED_FIELDS | set(exclude)
    return [f for f in model._meta.concrete_fields if f.name in recorded and f.name not in skip]


def field_label(model_field) -> str:
    """``"Phone"``, ``"UPI ID"``: the verbose name with its first letter capitalised."""
    name = str(model_field.verbose_name)
    return name[:1].upper() + name[1:]


def is_money_field(model_field) -> bool:
    """True for a ``core.money.MoneyField`` (a ``DecimalField`` with the money digits)."""
    return (isinstance(model_field, models.DecimalField)
            and model_field.max_digits == settings.MONEY_MAX_DIGITS
            and model_field.decimal_places == settings.MONEY_DECIMAL_PLACES)


def display_value(model_field, value, *, shop=None, related=None) -> str:
    """``value`` of ``model_field`` as shown: ``related`` maps ``(related model, pk)`` to its
    label for foreign keys (else ``"#pk"``); money uses ``shop``'s currency when given."""
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        return (related or {}).get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        if shop is not None and is_money_field(model_field):
            return format_shop_money(shop, value)
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d M Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d M Y")
    return str(value)


def _raw(record, model_field):
    return getattr(record, model_field.attname)


def _changed_fields(record, previous, fields) -> list[models.Field]:
    return [f for f in fields if _raw(record, f) != _raw(previous, f)]


def related_labels(pairs, fields) -> dict:
    """``{(related model, pk): str(row)}`` for the foreign keys among ``fields`` whose value
    differs between the ``(record, previous)`` pairs: one query per related model, through its
    default manager (so a tenant model is read inside the request's shop scope)."""
    wanted: dict[type, set] = {}
    for record, previous in pairs:
        if previous is None:
            continue
        for f in _changed_fields(record, previous, fields):
            if f.is_relation:
                ids = wanted.setdefault(f.related_model, set())
                ids.update(v for v in (_raw(record, f), _raw(previous, f)) if v is not None)
    labels = {}
    for related_model, ids in wanted.items():
        for obj in related_model._default_manager.filter(pk__in=ids):
            labels[(related_model, obj.pk)] = str(obj)
    return labels


def changes_between(record, previous, fields, *, shop=None, related=None) -> list[FieldChange]:
    """The :class:`FieldChange` rows from ``previous`` to ``record`` (two historical records of
    one object) over ``fields`` (see :func:`tracked_fields`)."""
    return [
        FieldChange(f.name, field_label(f), display_value(f, _raw(previous, f), shop=shop, related=related),
                    display_value(f, _raw(record, f), shop=shop, related=related))
        for f in _changed_fields(record, previous, fields)
    ]


def history_entries(pairs, *, model, exclude=(), shop=None) -> list[HistoryEntry]:
    """:class:`HistoryEntry` rows for ``pairs`` of ``(record, previous record or None)`` of
    ``model``'s history, in the order given. Queries: one per related model whose value
    changed (records should come with ``select_related("history_user")``)."""
    fields = tracked_fields(model, exclude=exclude)
    related = related_labels(pairs, fields)
    entries = []
    for record, previous in pairs:
        action = ACTIONS.get(record.history_type, "changed")
        entry = HistoryEntry(record=record, at=record.history_date, user=record.history_user, action=action)
        if action == "changed":
            if previous is None:
                entry.has_previous = False
            else:
                entry.changes = changes_between(record, previous, fields, shop=shop, related=related)
        entries.append(entry)
    return entries


def _previous_id(history_model):
    """A subquery: the ``history_id`` of the record before ``OuterRef`` of the same object
    (by ``history_date``, then ``history_id`` for records of the same instant)."""
    earlier = history_model._default_manager.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")))
    return Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1])


def _key(record):
    return (record.history_date, record.history_id)


def records_with_previous(model, history_ids) -> dict[int, tuple]:
    """``{history_id: (record, previous record or None)}`` for ``history_ids`` of ``model``'s
    history, in ONE query: the records and the record before each of them, with their users.
    The caller makes sure the ids are its shop's (e.g. they came from a shop-filtered query)."""
    history_model = model.history.model
    ids = list(history_ids)
    if not ids:
        return {}
    manager = history_model._default_manager
    previous_ids = manager.filter(history_id__in=ids).annotate(previous_id=_previous_id(history_model)).values(
        "previous_id")
    rows = list(manager.filter(Q(history_id__in=ids) | Q(history_id__in=previous_ids))
                .select_related("history_user"))
    by_object: dict = {}
    for row in rows:
        by_object.setdefault(row.id, []).append(row)
    wanted = set(ids)
    result = {}
    for versions in by_object.values():
        versions.sort(key=_key)
        for i, row in enumerate(versions):
            if row.history_id in wanted:
                # The versions fetched of one object are the wanted ones and the one before each:
                # whatever precedes a wanted record here is its previous record.
                result[row.history_id] = (row, versions[i - 1] if i else None)
    return result


def object_history(obj, *, limit=20, exclude=(), shop=None) -> list[HistoryEntry]:
    """The latest ``limit`` changes of ``obj`` (a model instance with ``history``), newest first,
    as :class:`HistoryEntry` rows; a "changed" record that changed none of the shown fields
    (e.g. only a field left out of the history) is skipped. Queries: one for the records, one
    per related model whose value changed."""
    model = type(obj)
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")
                   [:limit * 2 + 1])
    pairs = [(record, records[i + 1] if i + 1 < len(records) else None) for i, record in enumerate(records)]
    # The oldest record fetched has no previous in the list: it is shown only if it is the first ever.
    if len(records) == limit * 2 + 1:
        pairs = pairs[:-1]
    entries = history_entries(pairs, model=model, exclude=exclude, shop=shop)
    shown = [e for e in entries if e.action != "changed" or e.changes or not e.has_previous]
    return shown[:limit]
