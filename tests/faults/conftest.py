"""Fixtures of the fault tests: the test database shared with child processes, an SMTP sink."""

import contextlib
import os
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection

from tests.faults.helpers import HOST, SmtpSink, TcpProxy


class SharedDatabase:
    """The test's database, reachable by child processes at ``url``.

    - MariaDB/MySQL: the test database itself (the test commits for real), reached
      through a :class:`TcpProxy`, so that :meth:`outage` can cut it off: open
      connections drop and new ones are refused, as when the server stops.
    - SQLite: the test database lives in memory, which other processes cannot open.
      :meth:`publish` copies it to a file the children use; :meth:`fetch` copies the file
      back, so the test reads what they wrote through the ORM. :meth:`outage` moves the
      file's folder away: new connections fail with ``OperationalError`` ("unable to open
      database file").
    """

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        self.proxy = None
        if self.vendor == "sqlite":
            self.folder = tmp_path / "db"
            self.folder.mkdir()
            self.file = self.folder / "khata.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            conf = connection.settings_dict
            self.proxy = TcpProxy((conf["HOST"] or HOST, int(conf["PORT"] or 3306)))
            user, password = (urllib.parse.quote(conf[k] or "", safe="") for k in ("USER", "PASSWORD"))
            self.url = f"mysql://{user}:{password}@{HOST}:{self.proxy.port}/{conf['NAME']}"

    def publish(self) -> None:
        """Make what the test wrote so far visible to the children (SQLite: copy it out)."""
        if self.vendor == "sqlite":
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(self.file)) as target:
                connection.connection.backup(target)

    def fetch(self) -> None:
        """Make what the children wrote visible to the test's ORM (SQLite: copy it back).
        The children must have stopped."""
        if self.vendor == "sqlite":
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(self.file)) as source:
                source.backup(connection.connection)

    def query(self, sql: str, params=()) -> list[tuple]:
        """Run ``sql`` (``%s`` placeholders) where the children see it; rows, if any."""
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.file, timeout=10)) as db, db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

    @contextlib.contextmanager
    def outage(self):
        """The database is unavailable to the children inside the block."""
        if self.vendor == "sqlite":
            away = self.folder.with_name("db-away")
            os.rename(self.folder, away)
            try:
                yield
            finally:
                os.rename(away, self.folder)
        else:
            self.proxy.down()
            try:
                yield
            finally:
                self.proxy.up()

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    database = SharedDatabase(tmp_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def slow_sink():
    """An SMTP sink that takes 2 s to acknowledge each message (less than the workers'
    ``EMAIL_TIMEOUT`` of 3 s): a window to kill the sender in, even on a busy machine."""
    sink = SmtpSink(delay=2.0)
    try:
        yield sink
    finally:
        sink.stop()
