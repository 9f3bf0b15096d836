"""The ``Message`` model moves from the ledger app to messaging without losing a row.

Only Django's state moves: the table keeps its name, ``ledger_message`` (``db_table``),
with its rows, indexes and constraints, and nothing is written to the database but
the content type, which becomes messaging's (so admin permissions and log entries of
messages follow the model). ``ledger.0010_message_to_messaging`` removes the model
from the ledger's state.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=new, model="message").exists():
        types.filter(app_label=old, model="message").update(app_label=new)


def content_type_to_messaging(apps, schema_editor):
    _rename_content_type(apps, schema_editor, "ledger", "messaging")


def content_type_to_ledger(apps, schema_editor):
    _rename_content_type(apps, schema_editor, "messaging", "ledger")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_shop_remind_monthly_after'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('customers', '0003_customer_phone_e164'),
        # The table was created and last changed by the ledger's migrations.
        ('ledger', '0009_entry_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('whatsapp', 'WhatsApp'), ('sms', 'SMS')], default='email', max_length=10)),
                        ('kind', models.CharField(choices=[('reminder', 'Reminder'), ('receipt', 'Receipt'), ('invoice', 'Invoice'), ('statement', 'Statement'), ('welcome', 'Welcome')], max_length=10)),
                        ('to', models.CharField(max_length=254)),
                        ('subject', models.CharField(blank=True, max_length=200)),
                        ('body', models.TextField(blank=True)),
                        ('html_body', models.TextField(blank=True)),
                        ('attachment_builder', models.CharField(blank=True, max_length=200)),
                        ('attachment_args', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='queued', max_length=8)),
                        ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('error', models.TextField(blank=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('for_date', models.DateField(blank=True, null=True)),
                        ('idempotency_key', models.UUIDField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='customers.customer')),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.shop')),
                    ],
                    options={
                        'db_table': 'ledger_message',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['shop', 'created_at'], name='message_shop_created'), models.Index(fields=['shop', 'customer', 'created_at'], name='message_shop_customer'), models.Index(fields=['shop', 'status'], name='message_shop_status'), models.Index(fields=['status', 'status_changed_at'], name='message_status_since')],
                        'constraints': [models.UniqueConstraint(fields=('customer', 'kind', 'channel', 'for_date'), name='message_one_scheduled_per_day'), models.UniqueConstraint(fields=('shop', 'idempotency_key'), name='message_unique_shop_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_messaging, content_type_to_ledger),
    ]
