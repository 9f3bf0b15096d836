"""``CustomerTotals``: each shop's count of active customers, outstanding and credit held,
kept by the services (``customers.totals``) so the dashboard reads one row (issue 17).

Every existing shop gets its row from one grouped aggregate over the customers table (the
same figures the dashboard summed until now); a shop without customers gets zeros. The
index ``(shop, oldest_open_due_date, balance)`` serves the dashboard's overdue customers.
"""

from decimal import ROUND_HALF_UP, Decimal

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Count, Q, Sum

CENT = Decimal("0.01")


def fill_totals(apps, schema_editor):
    Shop = apps.get_model("accounts", "Shop")
    Customer = apps.get_model("customers", "Customer")
    CustomerTotals = apps.get_model("customers", "CustomerTotals")
    figures = {
        row["shop_id"]: row for row in Customer._base_manager.order_by().values("shop_id").annotate(
            active=Count("pk", filter=Q(is_archived=False)),
            outstanding=Sum("balance", filter=Q(balance__gt=0)),
            credit=Sum("balance", filter=Q(balance__lt=0)))
    }

    def money(value):
        # Quantized: SQLite sums decimals as binary floats.
        return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)

    now = django.utils.timezone.now()
    rows = []
    for shop_id in Shop._base_manager.order_by("pk").values_list("pk", flat=True):
        row = figures.get(shop_id, {})
        rows.append(CustomerTotals(shop_id=shop_id, active_customers=row.get("active", 0),
                                   outstanding=money(row.get("outstanding")), credit=money(-(row.get("credit") or 0)),
                                   updated_at=now))
    CustomerTotals._base_manager.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_markets'),
        ('customers', '0006_markets'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerTotals',
            fields=[
                ('shop', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='customer_totals', serialize=False, to='accounts.shop')),
                ('active_customers', models.PositiveIntegerField(default=0)),
                ('outstanding', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ('credit', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'customer totals',
                'verbose_name_plural': 'customer totals',
            },
        ),
        migrations.RunPython(fill_totals, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['shop', 'oldest_open_due_date', 'balance'], name='customer_shop_oldest_due'),
        ),
        migrations.AddConstraint(
            model_name='customertotals',
            constraint=models.CheckConstraint(condition=models.Q(('outstanding__gte', 0)), name='customer_totals_outstanding_gte_0'),
        ),
        migrations.AddConstraint(
            model_name='customertotals',
            constraint=models.CheckConstraint(condition=models.Q(('credit__gte', 0)), name='customer_totals_credit_gte_0'),
        ),
    ]
