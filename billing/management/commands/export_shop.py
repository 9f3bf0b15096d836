"""``manage.py export_shop --shop ID [--output FILE]``: one shop's whole book as JSON.

Writes Django's serialization (``loaddata`` format) of the shop and everything that
belongs to it — memberships, customers, dues, payments, allocations, messages,
statement links, claims, categories, products, stock movements, invoices with their
lines, the invoice sequences and the cash drawer with its cash book and day closes — to
FILE (default: standard output). Other shops' rows are never included. Use it beside ``mysqldump`` for backups, or to
hand a shopkeeper their data.
"""

import sys

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from accounts.models import Membership, Shop
from billing.models import (
    CashClose,
    CashDrawer,
    CashMovement,
    Category,
    Denomination,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Product,
    StockMovement,
)
from customers.models import Customer
from ledger.models import Allocation, Due, Payment, PaymentClaim, StatementLink
from messaging.models import Message

# In dependency order, so ``loaddata`` can read the file back.
TENANT_MODELS = [Customer, Due, Payment, Allocation, Message, StatementLink, PaymentClaim, Category, Product,
                 InvoiceSequence, Invoice, InvoiceLine, StockMovement, Denomination, CashDrawer, CashMovement,
                 CashClose]


class Command(BaseCommand):
    help = "Export one shop's data (customers, ledger, billing) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, required=True, help="the shop's id")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, shop, output, **options):
        with scopes_disabled():
            found = Shop.objects.filter(pk=shop).first()
            if found is None:
                raise CommandError(f"No shop with id {shop}.")
            querysets = [Shop.objects.filter(pk=found.pk), Membership.objects.filter(shop=found)]
            querysets += [model._base_manager.filter(shop=found).order_by("pk") for model in TENANT_MODELS]
            objects = [obj for qs in querysets for obj in qs]
            stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
            try:
                serializers.serialize("json", objects, stream=stream, indent=1, use_natural_foreign_keys=False)
            finally:
                if output:
                    stream.close()
        if output:
            self.stderr.write(f"Exported {len(objects)} rows of shop {found.pk} ({found.name}) to {output}.")
