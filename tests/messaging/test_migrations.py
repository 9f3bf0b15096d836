"""The message log moved from the ledger app to messaging (issue 18) without losing a row:
its migrations run on a database that already has messages."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from messaging.models import Message

BEFORE = [("ledger", "0009_entry_source"), ("messaging", None)]


def migrate(targets=None):
    """Migrate the test database to ``targets`` (default: the latest); the models as they
    were then."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_message_its_content_type_and_its_queued_task(cross_shop):
    old = migrate(BEFORE)
    shop = old.get_model("accounts", "Shop").objects.create(name="Old Shop")
    customer = old.get_model("customers", "Customer").objects.create(shop=shop, name="Asha")
    OldMessage = old.get_model("ledger", "Message")  # noqa: N806 (a model class)
    sent_at = timezone.now() - datetime.timedelta(days=2)
    sent = OldMessage.objects.create(shop=shop, customer=customer, kind="receipt", to="asha@example.com",
                                     subject="Receipt", body="Thank you", status="sent", sent_at=sent_at,
                                     attempts=1, attachment_args={"invoice_id": 7})
    queued = OldMessage.objects.create(shop=shop, customer=customer, kind="reminder", to="asha@example.com",
                                       subject="Reminder", body="Please pay", for_date=datetime.date(2026, 11, 5))
    chat = OldMessage.objects.create(shop=shop, customer=customer, channel="whatsapp", kind="reminder",
                                     to="+919812345678", body="Namaste", status="sent")
    OldContentType = old.get_model("contenttypes", "ContentType")  # noqa: N806
    OldContentType.objects.filter(model="message").delete()
    ledger_type = OldContentType.objects.create(app_label="ledger", model="message")
    task = old.get_model("django_tasks_database", "DBTaskResult").objects.create(
        task_path="ledger.tasks.send_message", queue_name="default", backend_name="default", priority=0,
        run_after=timezone.now(),
        args_kwargs={"args": [], "kwargs": {"message_id": queued.pk, "shop_id": shop.pk, "after_attempts": 0}})

    migrate()

    rows = {m.pk: m for m in Message.objects.order_by("pk")}
    assert sorted(rows) == [sent.pk, queued.pk, chat.pk]
    assert (rows[sent.pk].status, rows[sent.pk].sent_at, rows[sent.pk].attempts,
            rows[sent.pk].attachment_args) == ("sent", sent_at, 1, {"invoice_id": 7})
    assert (rows[queued.pk].status, rows[queued.pk].for_date, rows[queued.pk].customer.name) == (
        "queued", datetime.date(2026, 11, 5), "Asha")
    assert (rows[chat.pk].channel, rows[chat.pk].to) == ("whatsapp", "+919812345678")
    assert Message._meta.db_table == "ledger_message"
    ContentType.objects.clear_cache()
    moved = ContentType.objects.get(pk=ledger_type.pk)
    assert (moved.app_label, moved.model) == ("messaging", "message")
    assert DBTaskResult.objects.get(pk=task.pk).task_path == "messaging.tasks.send_message"
