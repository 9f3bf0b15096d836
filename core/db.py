"""Reading a large queryset in chunks by keyset, so memory stays flat on every database.

``QuerySet.iterator()`` streams on SQLite and PostgreSQL, but mysqlclient's default cursor
reads a whole result set into the client before the first row comes back (Django's
documentation of ``iterator()`` says so for MySQL/MariaDB). :func:`keyset_chunks` instead
runs one ``LIMIT chunk_size`` query per chunk, each starting after the last row of the one
before (``WHERE (a, b) > (last a, last b)`` in the requested order), so only one chunk is
ever held, and each query reads an index range rather than skipping an ``OFFSET``.
"""

from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Q, QuerySet

DEFAULT_CHUNK_SIZE = 2000


def _value(row, name: str):
    if isinstance(row, dict):
        return row[name]
    return getattr(row, name)


def _after(fields: Sequence[tuple[str, bool]], values: Sequence) -> Q:
    """The ``Q`` for rows after ``values`` in the order of ``fields`` (``(name, descending)``)."""
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(fields, values, strict=True):
        lookup = "lt" if descending else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def keyset_chunks(queryset: QuerySet, ordering: Sequence[str] = ("pk",), *,
                  chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator:
    """Yield every row of ``queryset`` (model instances, or dicts from ``values()``) in
    ``ordering``, reading ``chunk_size`` rows per query.

    ``ordering``: field names as for ``order_by`` (``"-balance"`` descending); together they
    must be unique and never NULL, so end with ``"pk"``/``"id"``, and each must be readable
    from a row (an attribute of an instance, a key of a ``values()`` dict). The queryset's
    own ordering and slicing are replaced. Rows changed while the chunks are read are seen
    as of the query that reads their chunk (no snapshot across chunks).
    Raises ``ValueError`` for an empty ``ordering``.
    """
    if not ordering:
        raise ValueError("keyset_chunks needs at least one field to order by")
    fields = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
    base = queryset.order_by(*ordering)
    after = Q()
    while True:
        chunk = list(base.filter(after)[:chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        last = chunk[-1]
        after = _after(fields, [_value(last, name) for name, _ in fields])


def bulk_create_with_history(model, objs: list, *, user=None) -> None:
    """Insert ``objs`` (unsaved instances of ``model``, a model with django-simple-history's
    ``history``) with a history row each by ``user``, and set their primary keys: one bulk
    INSERT where the database returns the new ids (SQLite, MariaDB, PostgreSQL), else one
    ``save()`` each (MySQL, whose bulk insert returns none; simple_history's own
    ``bulk_create_with_history`` would leave the objects without ids there)."""
    if connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs)
        model.history.bulk_history_create(objs, default_user=user)
    else:
        for obj in objs:
            obj.save()
