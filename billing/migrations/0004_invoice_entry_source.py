# Marks the dues and payments that earlier invoices posted with their invoice, so the
# ledger refuses to void them on their own (they are voided with the invoice).

from django.db import migrations


def mark_sources(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Due = apps.get_model("ledger", "Due")
    Payment = apps.get_model("ledger", "Payment")
    rows = Invoice.objects.exclude(due__isnull=True, payment__isnull=True).values_list("number", "due_id", "payment_id")
    for number, due_id, payment_id in rows.iterator(chunk_size=2000):
        source = f"Invoice {number}"
        if due_id:
            Due.objects.filter(pk=due_id).update(source=source)
        if payment_id:
            Payment.objects.filter(pk=payment_id).update(source=source)


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0003_cash_book"),
        ("ledger", "0009_entry_source"),
    ]

    operations = [
        migrations.RunPython(mark_sources, migrations.RunPython.noop, elidable=True),
    ]
