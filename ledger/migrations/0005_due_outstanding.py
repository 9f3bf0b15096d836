"""``Due.outstanding``: what is still owed on each due, stored (see ``ledger.models.Due``).

Existing rows get amount minus their allocations (0 when void) in one UPDATE; the
index ``(shop, outstanding, due_date)`` serves the dashboard's overdue figures.
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round


def fill_outstanding(apps, schema_editor):
    Due = apps.get_model("ledger", "Due")
    Allocation = apps.get_model("ledger", "Allocation")
    money = DecimalField(max_digits=14, decimal_places=2)
    allocated = Subquery(
        Allocation._base_manager.filter(due_id=OuterRef("pk")).values("due_id").annotate(t=Sum("amount"))
        .values("t"), output_field=money)
    # Rounded: SQLite does decimal arithmetic in binary floats.
    Due._base_manager.filter(voided_at__isnull=True).update(
        outstanding=Round(F("amount") - Coalesce(allocated, Value(Decimal("0"), output_field=money)), 2))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_messages"),
        ("customers", "0002_bench_indexes"),
        ("ledger", "0004_bench_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="due",
            name="outstanding",
            field=models.DecimalField(decimal_places=2, default=Decimal("0"), editable=False, max_digits=14),
            preserve_default=False,
        ),
        migrations.RunPython(fill_outstanding, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="due",
            index=models.Index(fields=["shop", "outstanding", "due_date"], name="due_shop_open"),
        ),
        migrations.AddConstraint(
            model_name="due",
            constraint=models.CheckConstraint(
                condition=models.Q(("outstanding__gte", 0), ("outstanding__lte", models.F("amount"))),
                name="due_outstanding_within_amount"),
        ),
    ]
