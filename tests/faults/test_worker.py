"""The task worker (``manage.py run_worker``) against real faults, in real processes on
loopback, with a real SMTP conversation (``helpers.SmtpSink``):

- ``kill -9`` of the worker while the mail server holds an email: a new worker sends it
  again once it counts as stuck; every email arrives at least once (the interrupted one
  twice, with the same Message-ID) and every log row ends "sent".
- the database goes away under the running worker for a few seconds: the worker stays
  alive, logs the outage once and its end once, and sends what was queued.

On SQLite (``make test`` locally) the database is a file the test moves away; on MariaDB
(CI) the worker reaches the test database through a proxy the test cuts off (see
``conftest.SharedDatabase``). Each test takes 10-20 s and stops every process it started.
"""

import datetime
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from messaging import services as message_services
from messaging import tasks
from messaging.models import Message
from tests.customers.factories import CustomerFactory
from tests.faults.helpers import HOST, Child, SmtpSink, child_env, manage, wait_until
from tests.ledger.factories import PaymentFactory

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_TIMEOUT = 3  # seconds; with the 1 s margin of worker_settings, an email is stuck after 4 s


def queue_receipts(shop, count: int) -> list[Message]:
    """``count`` receipt emails of ``shop``, queued with the database task backend."""
    queued = []
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        for index in range(count):
            customer = CustomerFactory(shop=shop, name=f"Customer {index}", email=f"customer{index}@example.com")
            payment = PaymentFactory(customer=customer, amount=Decimal("100"), method="cash")  # bare: no receipt
            queued.append(message_services.email_queue(
                shop=shop, kind=Message.Kind.RECEIPT, to=customer.email, customer=customer, subject="Receipt",
                template="emails/receipt", context={"payment": payment, "balance": Decimal("0")}))
    assert DBTaskResult.objects.filter(status="READY").count() == count
    return queued


def start_worker(shared_db, sink: SmtpSink, log) -> Child:
    env = child_env(DJANGO_SETTINGS_MODULE="tests.faults.worker_settings", DATABASE_URL=shared_db.url,
                    EMAIL_URL=f"smtp://{HOST}:{sink.port}", EMAIL_TIMEOUT=str(EMAIL_TIMEOUT),
                    SECRET_KEY=settings.SECRET_KEY, DEBUG="false", LOG_FORMAT="plain",
                    ALLOWED_HOSTS="khata.example.com")
    return Child(manage("run_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay", "--interval", "0.2",
                        "--recover-every", "1", "--max-backoff", "1"), env=env, log=log)


def message_states(shared_db) -> list[tuple[str, int]]:
    return [tuple(row) for row in shared_db.query("SELECT status, attempts FROM ledger_message ORDER BY id")]


def test_a_worker_killed_mid_send_loses_no_email(shared_db, slow_sink, shop, tmp_path):
    queued = queue_receipts(shop, 4)
    shared_db.publish()
    workers = []
    try:
        workers.append(start_worker(shared_db, slow_sink, tmp_path / "worker1.log"))
        # The second email's data is with the server, whose reply takes 2 s: kill now.
        wait_until(lambda: slow_sink.count >= 2, timeout=20, what="the worker to hand over two emails",
                   details=workers[0].output)
        workers[0].kill()
        assert slow_sink.count == 2
        assert message_states(shared_db) == [("sent", 1), ("sending", 1), ("queued", 0), ("queued", 0)]

        workers.append(start_worker(shared_db, slow_sink, tmp_path / "worker2.log"))
        wait_until(lambda: all(status == "sent" for status, _ in message_states(shared_db)), timeout=20,
                   what="every email to be sent", details=lambda: f"{message_states(shared_db)}\n"
                                                                  f"{workers[1].output()}")
        assert workers[1].alive
        assert workers[1].stop() == 0  # SIGTERM: a clean stop
    finally:
        for worker in workers:
            worker.stop()

    shared_db.fetch()
    states = {m.pk: (m.status, m.attempts) for m in Message.objects.all()}
    interrupted = queued[1]
    assert states == {m.pk: ("sent", 2 if m.pk == interrupted.pk else 1) for m in queued}
    # At least once: every email arrived, the interrupted one twice, with one Message-ID.
    ids = slow_sink.message_ids()
    expected = [tasks.message_id_header(m) for m in queued]
    assert sorted(ids) == sorted(expected + [expected[1]])
    assert slow_sink.recipients().count("customer1@example.com") == 2
    # The task the killed worker left running is closed, the one that recovered it succeeded.
    lost = DBTaskResult.objects.get(status="FAILED")
    assert (lost.exception_class_path, lost.args_kwargs["kwargs"]["message_id"]) == (
        "messaging.tasks.WorkerLost", interrupted.pk)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 4


def test_the_worker_outlives_a_database_outage(shared_db, shop, tmp_path):
    first, *_ = queue_receipts(shop, 3)
    # The later two wait in the queue until after the outage.
    DBTaskResult.objects.exclude(args_kwargs__kwargs__message_id=first.pk).update(
        run_after=timezone.now() + datetime.timedelta(hours=1))
    shared_db.publish()
    sink = SmtpSink()
    worker = start_worker(shared_db, sink, tmp_path / "worker.log")
    try:
        wait_until(lambda: message_states(shared_db)[0] == ("sent", 1), timeout=20,
                   what="the first email to be sent", details=worker.output)

        with shared_db.outage():
            wait_until(lambda: "The database is unavailable" in worker.output(), timeout=10,
                       what="the worker to notice the outage", details=worker.output)
            time.sleep(3)  # several tries with backoff
            assert worker.alive, worker.output()

        now = timezone.now().astimezone(datetime.UTC).replace(tzinfo=None)
        shared_db.query("UPDATE django_tasks_database_dbtaskresult SET run_after = %s WHERE status = 'READY'",
                        [now.strftime("%Y-%m-%d %H:%M:%S.%f")])
        wait_until(lambda: sink.count == 3, timeout=15, what="the emails queued before the outage to be sent",
                   details=worker.output)
        wait_until(lambda: all(status == "sent" for status, _ in message_states(shared_db)), timeout=10,
                   what="every log row to say sent", details=worker.output)
        assert worker.alive
        log = worker.output()
        assert worker.stop() == 0
    finally:
        worker.stop()
        sink.stop()

    assert log.count("The database is unavailable") == 1, log
    assert log.count("The database answers again") == 1, log
    assert "Traceback" not in log, log
    assert sorted(sink.recipients()) == [f"customer{i}@example.com" for i in range(3)]
    shared_db.fetch()
    assert [(m.status, m.attempts) for m in Message.objects.order_by("pk")] == [("sent", 1)] * 3
