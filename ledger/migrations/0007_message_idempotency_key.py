# The one-time key of the "Remind by email" form (a double submit sends one email).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_refunds_and_idempotency_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='idempotency_key',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(fields=('shop', 'idempotency_key'), name='message_unique_shop_key'),
        ),
    ]
