import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0004_invoice_entry_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproduct",
            name="cost_price",
            field=models.DecimalField(blank=True, decimal_places=2, help_text="What you pay per unit, before tax (optional).", max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddField(
            model_name="product",
            name="cost_price",
            field=models.DecimalField(blank=True, decimal_places=2, help_text="What you pay per unit, before tax (optional).", max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(condition=models.Q(("cost_price__isnull", True), ("cost_price__gte", 0), _connector="OR"), name="product_cost_price_not_negative"),
        ),
    ]
