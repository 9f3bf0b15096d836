"""``manage.py seed_demo [--reset]``: the demo shop with six months of credit history,
a catalogue with stock and three months of invoices.

Creates, in one transaction and always the same way (fixed random seeds), the shop
"Sharma General Store" (owner ``demo`` / ``demo-pass-123``; with the same password the
cashier ``demo-staff``, the manager ``demo-manager`` and the viewer ``demo-viewer``) with
60 customers and six months of dues and payments (``ledger.demo``), and within that
story its GSTIN, 43 products in 5 categories with stock, the cash drawer's counts and
60 invoices (+1 voided) over the last three months, issued in date order between the
ledger's own entries (``billing.demo``). Everything goes through the services; the
timestamps they set to "now" are moved back to the days the rows belong to.

The command lives in ``billing`` because it uses both apps (imports run billing →
ledger, never back). Running it again changes nothing and says the demo shop exists.
``--reset`` deletes the demo shop (its invoices, products, stock history, drawer,
customers, dues, payments, allocations and their history rows) and the ``demo`` /
staff users, then creates everything anew.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from billing import demo as billing_demo
from ledger import demo as ledger_demo


class Command(BaseCommand):
    help = ("Create the demo shop 'Sharma General Store' (login demo / demo-pass-123) with six months of "
            "credit history, a stocked catalogue and three months of invoices.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo shop and the demo users first, then create them again.")

    def handle(self, *args, reset=False, **options):
        with transaction.atomic():
            with scopes_disabled():
                exists = ledger_demo.demo_exists()
                if exists and not reset:
                    self.stdout.write(f"The demo shop already exists (login '{ledger_demo.DEMO_USERNAME}'); "
                                      "nothing changed. Run with --reset to recreate it.")
                    return
                if exists:
                    deleted = billing_demo.delete_demo()
                    self.stdout.write(f"Deleted the demo shop ({deleted} shop(s)) and the demo users.")
            shop = ledger_demo.Seeder(extension=billing_demo.BillingDemo()).run()
        lines = ledger_demo.summary_lines(shop) + billing_demo.summary_lines(shop)
        self.stdout.write(self.style.SUCCESS(lines[0]))
        self.stdout.write("\n".join([*lines[1:], ledger_demo.LOGIN_LINE]))
