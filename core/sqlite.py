"""Statistics for SQLite's query planner (issue #17).

The indexes and filters are shaped so that SQLite picks the right index with no
statistics at all; these hooks keep statistics present and fresh anyway, as SQLite
recommends for long-lived databases:

- every new connection sets ``PRAGMA analysis_limit`` (:data:`ANALYSIS_LIMIT` rows per
  index), so any ``ANALYZE`` stays a few milliseconds however large the tables grow;
- closing a connection runs ``PRAGMA optimize`` (usually a no-op; it re-analyses a table
  the connection used whose size has changed a lot since it was last analysed);
- ``migrate`` ends with ``ANALYZE`` (bounded by the limit).

Only the ``sqlite`` vendor is touched; other databases keep their own statistics.
Connected in ``accounts.apps.AccountsConfig.ready``.
"""

import logging

from django.db import DatabaseError

logger = logging.getLogger(__name__)

#: Rows ``ANALYZE`` reads per index (SQLite suggests 100 to 1000).
ANALYSIS_LIMIT = 400


def configure(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: set the analysis limit and run ``PRAGMA optimize``
    when the connection closes. Does nothing on other vendors."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    if not getattr(connection, "_khata_optimize_on_close", False):
        close = connection._close

        def optimize_then_close():
            optimize(connection)
            return close()

        connection._close = optimize_then_close
        connection._khata_optimize_on_close = True


def optimize(connection) -> None:
    """Run ``PRAGMA optimize`` on an open SQLite ``connection``; never raises (a busy
    database only means the statistics wait for the next close)."""
    if connection.vendor != "sqlite" or getattr(connection, "connection", None) is None:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
    except DatabaseError:
        logger.warning("PRAGMA optimize failed", exc_info=True)


def analyze(connection) -> None:
    """Run ``ANALYZE`` (bounded by the analysis limit) on a SQLite ``connection``."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")


def analyze_after_migrate(sender, using="default", **kwargs) -> None:
    """``post_migrate`` receiver (sent once per migrate for the accounts app): statistics
    for the tables as they are now, so an upgraded database is planned with them at once."""
    from django.db import connections

    analyze(connections[using])
