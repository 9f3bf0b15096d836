"""Credit note lines keep the price kind of the invoice line they return (issue 15): an MRP
(tax-inclusive) line's return is worked back like the invoice (``billing.totals``).

Returns of MRP lines raised before stored ``line_net − taxable value`` (the tax inside the
price) as their discount; each gets its share of the invoice line's discount instead (the
last return of a line takes what is left of it), and its note's ``discount_total`` follows.
Amounts credited (taxable value, tax, total) are not changed."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models
from django.db.models import Sum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def copy_price_kind(apps, schema_editor):
    CreditNote = apps.get_model("billing", "CreditNote")
    CreditNoteLine = apps.get_model("billing", "CreditNoteLine")
    returned: dict[int, tuple[Decimal, Decimal]] = {}  # invoice line id: (quantity, discount) returned so far
    notes = set()
    lines = (
        CreditNoteLine.objects.filter(invoice_line__price_includes_tax=True)
        .select_related("invoice_line")
        .order_by("invoice_line_id", "credit_note_id", "pk")
    )
    for line in lines.iterator():
        sold = line.invoice_line
        quantity_before, discount_before = returned.get(sold.pk, (ZERO, ZERO))
        if quantity_before + line.quantity >= sold.quantity:
            discount = sold.discount - discount_before
        else:
            discount = (sold.discount * line.quantity / sold.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        discount = max(ZERO, min(discount, line.line_net))
        returned[sold.pk] = (quantity_before + line.quantity, discount_before + discount)
        CreditNoteLine.objects.filter(pk=line.pk).update(price_includes_tax=True, discount=discount)
        notes.add(line.credit_note_id)
    for note_id in sorted(notes):
        total = CreditNoteLine.objects.filter(credit_note_id=note_id).aggregate(total=Sum("discount"))["total"]
        CreditNote.objects.filter(pk=note_id).update(discount_total=total or ZERO)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_markets"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditnoteline",
            name="price_includes_tax",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(copy_price_kind, migrations.RunPython.noop),
    ]
