"""``manage.py run_worker [db_worker options] [--max-backoff S] [--recover-every S]``: the task worker.

django-tasks-db's ``db_worker`` (same options: ``--queue-name '*'``, ``--interval``,
``--batch``, ``--max-tasks``, ``--worker-id`` …), made to survive faults:

- **The database goes away** (a restart, a network cut, a failover): ``db_worker`` would
  exit on the first ``OperationalError``. This worker logs the outage once (an error
  line with the cause), closes its connections, and tries again with backoff (1 s
  doubling to ``--max-backoff``, default 30 s) until the database answers, then logs
  that it is back and carries on. It never exits on such an error; anything else (a
  bug) still ends the process, for the supervisor (compose ``restart``, systemd) to
  restart it.
- **A worker died mid-send** (``kill -9``, out of memory, a deploy that did not wait):
  on start, after each outage and every ``--recover-every`` seconds (default 60) it
  queues again the emails stuck "sending" for longer than the send timeout plus a
  margin (``messaging.services.message_recover_stuck``).
- **Stopping**: SIGTERM/SIGINT let the running task finish, then exit (``db_worker``'s
  handling); give the process longer than ``EMAIL_TIMEOUT`` to stop (compose's
  ``stop_grace_period``, systemd's ``TimeoutStopSec``).

With ``--batch`` (send what is waiting, then exit, e.g. from cron) a database error ends
the run with an error instead: the next run tries again.
"""

import contextlib
import logging
import os
import threading
import time

from django.core.management.base import CommandError
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, valid_interval

from messaging.services import message_recover_stuck
from messaging.tasks import TRANSIENT_DB_ERRORS

logger = logging.getLogger("messaging.worker")

# A failure this soon after the database came back counts as the same outage: the
# backoff keeps growing instead of starting again at 1 s.
SAME_OUTAGE_WITHIN = 60.0


def close_connections() -> None:
    """Drop this thread's database connections, whatever state they are in."""
    for conn in connections.all(initialized_only=True):
        # A dead connection may fail to close; Django drops it anyway.
        with contextlib.suppress(Exception):
            conn.close()


class RecoveryThread(threading.Thread):
    """Runs ``message_recover_stuck()`` (every shop) every ``every`` seconds, on its own
    connection, closed after each run. Errors are logged, never raised: a database
    outage is the main loop's to report."""

    def __init__(self, every: float):
        super().__init__(name="recover-stuck-emails", daemon=True)
        self.every = every
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(self.every):
            try:
                message_recover_stuck()
            except TRANSIENT_DB_ERRORS as exc:
                logger.debug("Recovery of stuck emails skipped: %s", exc)
            except Exception:
                logger.exception("Recovery of stuck emails failed")
            finally:
                close_connections()


class ResilientWorker(Worker):
    """django-tasks-db's ``Worker`` whose run outlives database outages and recovers
    stuck emails (see the module doc). ``max_backoff`` and ``recover_every`` are seconds."""

    def __init__(self, *, max_backoff: float = 30.0, recover_every: float = 60.0, **kwargs):
        super().__init__(**kwargs)
        self.max_backoff = max_backoff
        self.recover_every = recover_every
        self.recovery_thread = None

    def recover(self) -> None:
        """Queue again the emails stuck sending; raises the database's error if it is down."""
        try:
            message_recover_stuck()
        finally:
            close_connections()

    def run(self) -> None:
        outage_started = None  # monotonic time the current outage began, or None
        last_failure = None
        backoff = 0.0
        while self.running:
            try:
                self.recover()
                if outage_started is not None:
                    logger.warning("The database answers again after %.0f s; the worker carries on.",
                                   time.monotonic() - outage_started)
                    outage_started = None
                if self.recovery_thread is None and self.recover_every and not self.batch:
                    self.recovery_thread = RecoveryThread(self.recover_every)
                    self.recovery_thread.start()
                super().run()
                return
            except TRANSIENT_DB_ERRORS as exc:
                close_connections()
                if self.batch:
                    raise
                now = time.monotonic()
                if last_failure is None or now - last_failure > SAME_OUTAGE_WITHIN:
                    backoff = 0.0
                last_failure = now
                if outage_started is None:
                    outage_started = now
                    logger.error("The database is unavailable (%s: %s); the worker keeps trying, waiting up to "
                                 "%.0f s between tries.", type(exc).__name__, exc, self.max_backoff)
                backoff = min(max(backoff * 2, 1.0), self.max_backoff)
                self.startup_delay = False
                self.running_task = False  # a task interrupted by the outage is over; SIGTERM may exit now
                if self.running:
                    time.sleep(backoff)
        if outage_started is not None:
            logger.warning("Stopped during a database outage.")


def positive(value: str) -> float:
    number = valid_interval(value)
    if number <= 0:
        raise ValueError("must be greater than zero")
    return number


class Command(DbWorkerCommand):
    help = ("Run the task worker (django-tasks-db's db_worker) so that it outlives database outages and "
            "recovers emails stuck sending.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--max-backoff", type=positive, default=30.0, metavar="SECONDS",
                            help="Longest wait between tries while the database is down (default 30).")
        parser.add_argument("--recover-every", type=valid_interval, default=60.0, metavar="SECONDS",
                            help="How often to queue again emails stuck sending (default 60; 0: only on start "
                                 "and after an outage).")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, max_backoff, recover_every, **options):
        # As db_worker's handle, with the resilient worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded_queue_names, max_backoff=max_backoff, recover_every=recover_every,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process, as db_worker does
            run_with_reloader(worker.run)
            return
        worker.configure_signals()
        try:
            worker.run()
        except TRANSIENT_DB_ERRORS as exc:  # --batch only
            raise CommandError(f"The database is unavailable: {exc}") from exc
        finally:
            if worker.recovery_thread is not None:
                worker.recovery_thread.halt.set()
