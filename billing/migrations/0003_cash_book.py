"""The cash book: cash movements, day closes and the drawer row, and an opening movement
per shop for the notes and coins its drawer held, so no shop's drawer changes value."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def opening_from_counts(apps, schema_editor):
    """Each shop's denomination counts become its drawer's opening float (balance = Σ value × count)."""
    Denomination = apps.get_model("billing", "Denomination")
    CashDrawer = apps.get_model("billing", "CashDrawer")
    CashMovement = apps.get_model("billing", "CashMovement")
    by_shop = {}
    for shop_id, value, count in Denomination.objects.filter(count__gt=0).values_list("shop_id", "value", "count"):
        by_shop.setdefault(shop_id, {})[value] = count
    for shop_id, counts in sorted(by_shop.items()):
        total = sum((value * count for value, count in counts.items()), Decimal("0")).quantize(Decimal("0.01"))
        CashDrawer.objects.create(shop_id=shop_id, balance=total)
        CashMovement.objects.create(
            shop_id=shop_id, kind="opening", amount=total,
            pieces={str(value.quantize(Decimal("0.01"))): count
                    for value, count in sorted(counts.items(), reverse=True)},
            note="Drawer counts when the cash book started")


def remove_openings(apps, schema_editor):
    apps.get_model("billing", "CashMovement").objects.filter(kind="opening").delete()
    apps.get_model("billing", "CashDrawer").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('billing', '0002_invoice_status_from_ledger'),
        ('ledger', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CashMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('opening', 'Opening float'), ('float', 'Cash added'), ('sale', 'Cash sale'), ('change', 'Change given'), ('sale_void', 'Sale voided'), ('payment', 'Customer payment'), ('payment_void', 'Payment voided'), ('refund', 'Refund'), ('refund_void', 'Refund voided'), ('payout', 'Pay-out / expense'), ('deposit', 'Bank deposit'), ('count', 'Count')], max_length=12)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14)),
                ('pieces', models.JSONField(blank=True, default=dict)),
                ('refund_pk', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='refund id')),
                ('reference', models.CharField(blank=True, max_length=100)),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='reason / note')),
                ('idempotency_key', models.UUIDField(blank=True, editable=False, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('invoice', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.invoice')),
                ('payment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='ledger.payment')),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.shop')),
            ],
            options={
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CashClose',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('closed_on', models.DateField()),
                ('expected', models.DecimalField(decimal_places=2, max_digits=14)),
                ('counted', models.DecimalField(decimal_places=2, max_digits=14)),
                ('difference', models.DecimalField(decimal_places=2, max_digits=14)),
                ('counts', models.JSONField(default=dict)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('idempotency_key', models.UUIDField(blank=True, editable=False, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.shop')),
                ('movement', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='close', to='billing.cashmovement')),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='CashDrawer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('balance', models.DecimalField(decimal_places=2, default=0, editable=False, max_digits=14)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.shop')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('shop',), name='cash_drawer_unique_shop')],
            },
        ),
        migrations.AddIndex(
            model_name='cashmovement',
            index=models.Index(fields=['shop', 'created_at'], name='cash_movement_shop_created'),
        ),
        migrations.AddIndex(
            model_name='cashmovement',
            index=models.Index(fields=['shop', 'payment'], name='cash_movement_shop_payment'),
        ),
        migrations.AddIndex(
            model_name='cashmovement',
            index=models.Index(fields=['shop', 'refund_pk'], name='cash_movement_shop_refund'),
        ),
        migrations.AddConstraint(
            model_name='cashmovement',
            constraint=models.UniqueConstraint(fields=('shop', 'idempotency_key'), name='cash_movement_unique_shop_key'),
        ),
        migrations.AddConstraint(
            model_name='cashmovement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('amount__gt', 0), ('kind__in', ('opening', 'float', 'sale', 'payment', 'refund_void'))), models.Q(('amount__lt', 0), ('kind__in', ('change', 'sale_void', 'payment_void', 'refund', 'payout', 'deposit'))), ('kind', 'count'), _connector='OR'), name='cash_movement_sign_follows_kind'),
        ),
        migrations.AddIndex(
            model_name='cashclose',
            index=models.Index(fields=['shop', 'closed_on'], name='cash_close_shop_day'),
        ),
        migrations.AddConstraint(
            model_name='cashclose',
            constraint=models.UniqueConstraint(fields=('shop', 'idempotency_key'), name='cash_close_unique_shop_key'),
        ),
        migrations.AddConstraint(
            model_name='cashclose',
            constraint=models.CheckConstraint(condition=models.Q(('counted__gte', 0)), name='cash_close_counted_not_negative'),
        ),
        migrations.RunPython(opening_from_counts, remove_openings),
    ]
