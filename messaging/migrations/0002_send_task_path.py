"""The email send task moved with the messages: ``ledger.tasks.send_message`` is now
``messaging.tasks.send_message``. Task rows the database backend (django-tasks-db)
holds under the old path, a queued email's task above all, are pointed at the new one,
so the worker can still import and run them after the upgrade."""

from django.db import migrations

OLD, NEW = "ledger.tasks", "messaging.tasks"


def _move(apps, schema_editor, old, new):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    results = DBTaskResult.objects.using(schema_editor.connection.alias)
    results.filter(task_path=f"{old}.send_message").update(task_path=f"{new}.send_message")
    results.filter(exception_class_path=f"{old}.WorkerLost").update(exception_class_path=f"{new}.WorkerLost")


def forwards(apps, schema_editor):
    _move(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
        ('messaging', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
