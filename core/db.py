"""Reading a large queryset in chunks by keyset, so memory stays flat on every database.

``QuerySet.iterator()`` streams on SQLite and PostgreSQL, but mysqlclient's default cursor
reads a whole result set into the client before the first row comes back (Django's
documentation of ``iterator()`` says so for MySQL/MariaDB). :func:`keyset_chunks` instead
runs one ``LIMIT chunk_size`` query per chunk, each starting after the last row of the one
before (``WHERE (a, b) > (last a, last b)`` in the requested order), so only one chunk is
ever held, and each query reads an index range rather than skipping an ``OFFSET``.

The read replica's mark (:func:`replica_reads`, issue 17) lives here too: which reads may
go to the ``replica`` database; ``core.db_router.ReplicaRouter`` acts on it.
"""

import functools
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connection, connections
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


def bulk_insert(model, objs: list) -> None:
    """Insert ``objs`` (unsaved instances of ``model``, a model without history) and set
    their primary keys: one bulk INSERT where the database returns the new ids (SQLite,
    MariaDB, PostgreSQL), else one ``save()`` each (MySQL). No signals are sent on the bulk
    path: for models nothing listens to. Nothing happens for an empty list."""
    if not objs:
        return
    if connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs)
    else:
        for obj in objs:
            obj.save()


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


# Read replica (issue 17) -----------------------------------------------------------------
# Only reads marked with ``replica_reads`` (the dashboard's and the reports' selectors) may
# go to the replica, and only while nothing in the same request (task, command) has written
# and no transaction is open on the primary: money just posted is always read back from
# the primary. Without REPLICA_DATABASE_URL there is no replica and the mark changes nothing.

REPLICA_ALIAS = "replica"

_replica_reads: ContextVar[bool] = ContextVar("khata_replica_reads", default=False)
_wrote: ContextVar[bool] = ContextVar("khata_wrote", default=False)


def note_write() -> None:
    """Record that the current request (task, command) writes or locks rows on the primary:
    its later reads stay on the primary until :func:`forget_writes`. The router calls it for
    every write it routes."""
    _wrote.set(True)


def forget_writes() -> None:
    """Start a new unit of work with nothing written. Called at the start and the end of
    every request (``request_started``/``request_finished``); a long-running task worker
    or command that wrote once keeps reading from the primary (the safe side)."""
    _wrote.set(False)


def _new_request(sender, **kwargs) -> None:
    forget_writes()


request_started.connect(_new_request, dispatch_uid="core.db.forget_writes.started")
request_finished.connect(_new_request, dispatch_uid="core.db.forget_writes.finished")


def replica_read_allowed() -> bool:
    """Whether a read made now may go to the replica: inside :func:`replica_reads`, a
    ``replica`` database configured and ``settings.REPLICA_READS`` on, nothing written in
    this request yet (:func:`note_write`), and no transaction open on the primary (whose
    reads must see its own writes)."""
    if not _replica_reads.get() or _wrote.get():
        return False
    if REPLICA_ALIAS not in settings.DATABASES or not getattr(settings, "REPLICA_READS", False):
        return False
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class _ReplicaReadsMark:
    """The context manager of :func:`replica_reads` (one per ``with``)."""

    def __enter__(self):
        self._token = _replica_reads.set(True)
        return self

    def __exit__(self, *exc_info):
        _replica_reads.reset(self._token)


def _stepwise(iterator: Iterator) -> Iterator:
    """Yield from ``iterator`` (a lazy selector's rows), each step read under the mark."""
    try:
        while True:
            with _ReplicaReadsMark():
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def replica_reads(func: Callable | None = None):
    """Mark reads that may be served by the read replica (they may lag the primary by the
    replication delay, typically well under a second).

    ``@replica_reads`` on a selector: its queries may go to the replica. A ``QuerySet`` it
    returns is bound to the database chosen when it was called (it is evaluated later, in
    the view or template); an iterator it returns (the export rows) reads each step under
    the mark. ``with replica_reads():`` marks a block. Whether a marked read really goes to
    the replica is :func:`replica_read_allowed`'s decision, made by the router per query.
    """
    if func is None:
        return _ReplicaReadsMark()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _ReplicaReadsMark():
            result = func(*args, **kwargs)
            if isinstance(result, QuerySet):
                return result.using(REPLICA_ALIAS) if replica_read_allowed() else result
        if isinstance(result, Iterator):
            return _stepwise(result)
        return result

    return wrapper
