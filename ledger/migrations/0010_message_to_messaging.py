"""``Message`` now belongs to the messaging app (``messaging.0001_initial``): it leaves
the ledger's state only. The table, ``ledger_message``, and its rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0009_entry_source'),
        ('messaging', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Message')],
            database_operations=[],
        ),
    ]
