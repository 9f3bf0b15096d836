# Emails get a "sending" status and the time they entered their status, so an email whose
# worker died mid-send is recognised and sent again (issue "Survive faults").

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce
import django.utils.timezone


def forwards(apps, schema_editor):
    Message = apps.get_model("ledger", "Message")
    Message.objects.update(status_changed_at=Coalesce(F("sent_at"), F("created_at")))
    # A queued email that was already tried was claimed by a task that may be gone for
    # good (a worker killed mid-send): mark it sending, since its creation, so the
    # recovery of stuck emails queues it again. If its task is still waiting, the two
    # tasks compete for the same attempt and only one sends.
    Message.objects.filter(channel="email", status="queued", attempts__gte=1).update(status="sending")


def backwards(apps, schema_editor):
    Message = apps.get_model("ledger", "Message")
    Message.objects.filter(status="sending").update(status="queued")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_message_idempotency_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='status_changed_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='message',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='queued', max_length=8),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['status', 'status_changed_at'], name='message_status_since'),
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
