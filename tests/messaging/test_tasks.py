"""The send task with the database backend (django-tasks-db) and its real worker
(``manage.py run_worker``): durable queueing, retries with run_after, idempotency, the
shop scope, stuck emails recovered, database outages outlived (in-process, with a
simulated outage; tests/faults/ kills real processes)."""

import datetime
import io
import logging
import signal
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from messaging import services as message_services
from messaging import tasks
from messaging.models import Message
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import PaymentFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

# Tests that run the worker commit for real (TransactionTestCase): the worker reads
# what was committed, as in production, and may close and reopen its connection.
worker_test = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BROKEN = "tests.messaging.test_services.BrokenEmailBackend"


@contextmanager
def _restored_process_state():
    """db_worker installs SIGINT/SIGTERM handlers and sets its loggers' levels and
    handlers; put them back so the rest of the test run is unaffected."""
    signals = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s is not None]
    saved_signals = {s: signal.getsignal(s) for s in signals}
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django.tasks", "django_tasks_db")]
    saved_loggers = [(lg, lg.level, list(lg.handlers)) for lg in loggers]
    try:
        yield
    finally:
        for s, handler in saved_signals.items():
            signal.signal(s, handler)
        for lg, level, handlers in saved_loggers:
            lg.setLevel(level)
            lg.handlers[:] = handlers


def run_worker(*args) -> str:
    """Run the real worker until no task is ready (``run_worker --batch``), or as ``args`` say."""
    out = io.StringIO()
    with _restored_process_state():
        call_command("run_worker", *(args or ["--batch"]), "--no-startup-delay", "--no-reload", stdout=out,
                     stderr=out)
    return out.getvalue()


@pytest.fixture
def db_tasks():
    with override_settings(TASKS=DB_TASKS):
        yield


@pytest.fixture
def asha(shop):
    shop.name = "Sharma General Store"
    shop.save()
    return CustomerFactory(shop=shop, name="Asha Verma", email="asha@example.com")


def queue(shop, customer, capture):
    payment = PaymentFactory(customer=customer, amount=Decimal("500"), method="cash")  # bare: no receipt of its own
    with capture(execute=True):
        return message_services.email_queue(shop=shop, kind=Message.Kind.RECEIPT, to=customer.email, customer=customer,
                                     subject="Receipt", template="emails/receipt",
                                     context={"payment": payment, "balance": Decimal("0")})


def ready_tasks():
    return DBTaskResult.objects.ready().filter(task_path="messaging.tasks.send_message")


def make_due_now():
    """Pretend the retry delays have passed."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))


@worker_test
def test_database_worker_sends_a_queued_email(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)

    # Durable: the task waits in the database; nothing is sent by the request.
    task = DBTaskResult.objects.get()
    assert task.task_path == "messaging.tasks.send_message"
    assert task.args_kwargs["kwargs"] == {"message_id": message.pk, "shop_id": shop.pk, "after_attempts": 0}
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == "queued"

    run_worker()

    assert [m.to for m in mail.outbox] == [["asha@example.com"]]
    assert mail.outbox[0].from_email.startswith("Sharma General Store <")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", "sent")


@worker_test
def test_a_failure_is_retried_later_by_the_worker(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    before = timezone.now()
    with override_settings(EMAIL_BACKEND=BROKEN):
        run_worker()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.error.startswith("ConnectionRefusedError: ")
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["after_attempts"] == 1
    delay = retry.run_after - before
    assert datetime.timedelta(seconds=55) < delay < datetime.timedelta(seconds=70)

    run_worker()  # not due yet: nothing happens
    assert mail.outbox == []
    assert ready_tasks().count() == 0

    make_due_now()
    run_worker()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@worker_test
def test_retries_back_off_and_stop_after_four_attempts(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    delays = []
    with override_settings(EMAIL_BACKEND=BROKEN):
        for _ in range(6):
            started = timezone.now()
            run_worker()
            waiting = DBTaskResult.objects.filter(status="READY").first()
            if waiting is None:
                break
            delays.append(round((waiting.run_after - started).total_seconds() / 60))
            make_due_now()

    assert delays == [1, 5, 30]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 4)
    assert mail.outbox == []


def test_sending_twice_sends_once(shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)  # sent by the immediate backend
    assert tasks.send_message.call(message_id=message.pk, shop_id=shop.pk, after_attempts=0) == "skipped"
    assert tasks.send_message.call(message_id=message.pk, shop_id=shop.pk, after_attempts=1) == "skipped"
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)


@worker_test
def test_two_tasks_for_the_same_attempt_send_once(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    tasks.enqueue_send(message_id=message.pk, shop_id=shop.pk, after_attempts=0)  # e.g. a duplicate from a re-run

    run_worker()

    assert len(mail.outbox) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["sent", "skipped"]


@worker_test
def test_a_retry_click_supersedes_the_scheduled_retry(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    with override_settings(EMAIL_BACKEND=BROKEN):
        run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.message_retry(shop=shop, message=message)
    run_worker()  # the click's task: sent
    make_due_now()
    run_worker()  # the scheduled retry of attempt 1: skipped

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


def test_the_task_opens_the_shop_scope_itself(db_tasks, shop, asha, django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    with no_scope():  # a worker has no scope
        assert tasks.send_message.call(message_id=message.pk, shop_id=shop.pk, after_attempts=0) == "sent"


def test_a_message_or_shop_that_is_gone_is_skipped(shop):
    assert tasks.send_message.call(message_id=999, shop_id=shop.pk, after_attempts=0) == "skipped"
    assert tasks.send_message.call(message_id=999, shop_id=999, after_attempts=0) == "skipped"


def test_only_emails_are_sent(shop, asha):
    logged = message_services.message_log(shop=shop, channel="whatsapp", kind="reminder", to="+919812345678", body="Hi",
                                   status="queued")
    assert tasks.send_message.call(message_id=logged.pk, shop_id=shop.pk, after_attempts=0) == "skipped"
    assert mail.outbox == []


def test_without_run_after_support_no_retry_is_scheduled(shop, asha, django_capture_on_commit_callbacks):
    # The immediate backend (tests, TASK_BACKEND=…ImmediateBackend) cannot defer: the
    # message stays failed for retry_failed_messages or the Retry button.
    with override_settings(EMAIL_BACKEND=BROKEN):
        message = queue(shop, asha, django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert not tasks.enqueue_send(message_id=message.pk, shop_id=shop.pk, after_attempts=1,
                                  delay=datetime.timedelta(minutes=1))


@pytest.mark.parametrize(("attempts", "minutes"), [(0, None), (1, 1), (2, 5), (3, 30), (4, None), (5, None)])
def test_retry_delays(attempts, minutes):
    expected = datetime.timedelta(minutes=minutes) if minutes is not None else None
    assert tasks.retry_delay(attempts) == expected


# --- At least once: the sending status, stuck emails, the database going away -------------------------


class StatusAtSendBackend:
    """Records the message's status as the mail server sees the email."""

    seen: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, emails):
        for email in emails:
            message = Message.objects.get(to=email.to[0])
            StatusAtSendBackend.seen.append((message.status, message.attempts))
        return len(emails)


def test_an_email_is_sending_while_the_mail_server_has_it(shop, asha, django_capture_on_commit_callbacks):
    StatusAtSendBackend.seen = []
    with override_settings(EMAIL_BACKEND="tests.messaging.test_tasks.StatusAtSendBackend"):
        message = queue(shop, asha, django_capture_on_commit_callbacks)
    assert StatusAtSendBackend.seen == [("sending", 1)]
    message.refresh_from_db()
    assert message.status == "sent"


class RecoveredMidSendBackend:
    """The send is given up on (recovered as stuck) while it runs, then fails."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, emails):
        Message.objects.filter(to=emails[0].to[0]).update(status="queued")
        raise TimeoutError("timed out")


def test_a_late_failure_of_a_recovered_attempt_changes_nothing(shop, asha, django_capture_on_commit_callbacks):
    with override_settings(EMAIL_BACKEND="tests.messaging.test_tasks.RecoveredMidSendBackend"):
        message = queue(shop, asha, django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("queued", 1, "")  # the newer attempt owns it


def test_record_retries_through_a_short_outage(transactional_db, monkeypatch):
    from django.db import OperationalError

    sleeps = []
    monkeypatch.setattr(tasks.time, "sleep", sleeps.append)
    calls = []

    def write():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError(2013, "Lost connection to server during query")
        return "written"

    assert tasks.record(write) == "written"
    assert sleeps == [0.5, 1.0]

    calls.clear()

    def down():
        raise OperationalError(2003, "Can't connect to server")

    with pytest.raises(OperationalError):
        tasks.record(down, patience=3)
    assert sleeps[2:] == [0.5, 1.0]  # 0.5 + 1 + 2 would pass the 3 s of patience


def test_record_inside_a_transaction_raises_at_once(shop):
    from django.db import OperationalError

    def down():
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        tasks.record(down, patience=60)  # the test's transaction: a new connection cannot help


@worker_test
def test_the_worker_on_start_sends_again_an_email_stuck_sending(db_tasks, shop, asha,
                                                                django_capture_on_commit_callbacks):
    message = queue(shop, asha, django_capture_on_commit_callbacks)
    lost = DBTaskResult.objects.get()
    # A worker claims it, starts sending … and is killed: the message stays sending and
    # its task row running.
    long_ago = timezone.now() - tasks.stuck_after() - datetime.timedelta(seconds=5)
    Message.objects.filter(pk=message.pk).update(status="sending", attempts=1, status_changed_at=long_ago)
    DBTaskResult.objects.filter(pk=lost.pk).update(status="RUNNING", started_at=long_ago)

    run_worker()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == tasks.message_id_header(message)
    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", "messaging.tasks.WorkerLost")


class Outage:
    """A database that goes away: after ``start()``, the next ``length`` calls of
    ``hit()`` (one per database touch of the worker) raise ``OperationalError``."""

    def __init__(self, *, length: int):
        self.length = length
        self.down_for = 0

    def start(self):
        self.down_for = self.length

    def hit(self):
        from django.db import OperationalError

        if self.down_for > 0:
            self.down_for -= 1
            raise OperationalError(2013, "Lost connection to server during query")


@worker_test
def test_the_worker_outlives_a_database_outage_and_logs_it_once(
        db_tasks, shop, asha, django_capture_on_commit_callbacks, monkeypatch, caplog):
    from django_tasks_db.management.commands.db_worker import Worker

    from messaging.management.commands import run_worker as command

    message = queue(shop, asha, django_capture_on_commit_callbacks)
    outage = Outage(length=3)
    real_run, real_recover = Worker.run, command.message_recover_stuck
    runs = []

    def run(self):
        runs.append(1)
        if len(runs) == 1:  # the database goes away under the running worker
            outage.start()
            outage.hit()
        return real_run(self)

    def recover(**kwargs):
        outage.hit()
        return real_recover(**kwargs)

    sleeps = []
    monkeypatch.setattr(Worker, "run", run)
    monkeypatch.setattr(command, "message_recover_stuck", recover)
    monkeypatch.setattr(command.time, "sleep", sleeps.append)

    with caplog.at_level("INFO", logger="messaging.worker"):
        run_worker("--max-tasks", "1", "--recover-every", "0")

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1
    assert sleeps == [1.0, 2.0, 4.0]  # backoff while the database was down
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "messaging.worker"]
    assert [level for level, _ in lines] == ["ERROR", "WARNING"]  # the outage once, its end once
    assert lines[0][1].startswith("The database is unavailable (OperationalError: (2013, 'Lost connection")
    assert lines[1][1].startswith("The database answers again after")


@worker_test
def test_the_worker_backoff_is_capped(db_tasks, shop, asha, django_capture_on_commit_callbacks, monkeypatch):
    from messaging.management.commands import run_worker as command

    message = queue(shop, asha, django_capture_on_commit_callbacks)
    outage = Outage(length=7)
    outage.start()
    sleeps = []
    monkeypatch.setattr(command, "message_recover_stuck", lambda **kwargs: outage.hit())
    monkeypatch.setattr(command.time, "sleep", sleeps.append)

    run_worker("--max-tasks", "1", "--max-backoff", "10", "--recover-every", "0")

    assert sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    message.refresh_from_db()
    assert message.status == "sent"


@worker_test
def test_a_batch_run_ends_with_an_error_when_the_database_is_down(db_tasks, monkeypatch):
    from django.core.management.base import CommandError

    from messaging.management.commands import run_worker as command

    outage = Outage(length=1)
    outage.start()
    monkeypatch.setattr(command, "message_recover_stuck", lambda **kwargs: outage.hit())

    with pytest.raises(CommandError, match="The database is unavailable"):
        run_worker("--batch")
