"""The read replica's database router (issue 17), installed only when
``REPLICA_DATABASE_URL`` is set (``DATABASE_ROUTERS`` in config/settings.py).

Reads go to the ``replica`` alias only where :func:`core.db.replica_read_allowed` says so:
inside a :func:`core.db.replica_reads` mark (the dashboard's and the reports' selectors),
outside any transaction on the primary and before anything was written in the same request.
Every other read, every write and every migration stays on ``default``. docs/scaling.md
describes the set-up.
"""

from django.db import DEFAULT_DB_ALIAS

from core.db import REPLICA_ALIAS, note_write, replica_read_allowed

_ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA_ALIAS})
# The app label of django.core.cache.backends.db.DatabaseCache's stand-in model.
_CACHE_APP_LABEL = "django_cache"


class ReplicaRouter:
    """Primary for writes, locks and unmarked reads; the replica for marked reads."""

    def db_for_read(self, model, **hints) -> str:
        """``"replica"`` for a read the mark allows, else ``"default"`` (also for the lazy
        relations of an object that was read from the replica)."""
        return REPLICA_ALIAS if replica_read_allowed() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        """Always ``"default"`` (a replica is read-only), and the rest of the request reads
        from the primary too (``select_for_update`` and ``get_or_create`` count as writes).
        The database cache's own rows (the API's request counter without Redis) do not
        count: no selector reads them."""
        if model._meta.app_label != _CACHE_APP_LABEL:
            note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        """Objects of the primary and of its replica are the same rows: they may relate."""
        if obj1._state.db in _ALIASES and obj2._state.db in _ALIASES:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        """Migrations run on the primary only; the replica receives them by replication."""
        return db == DEFAULT_DB_ALIAS
