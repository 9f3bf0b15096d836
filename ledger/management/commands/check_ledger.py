"""``manage.py check_ledger [--shop ID ...]``: verify the ledger figures stored on customers.

Recomputes every customer's balance and earliest open due date from their dues and
payments, each shop's customer totals (the dashboard's count, outstanding and credit) and
checks every allocation (``ledger.selectors.drift.ledger_drift``), across all shops or only
the ones given with ``--shop``. Prints one line per problem and exits
with status 1 when there is any, so it can run from cron or CI; prints
"Ledger OK: …" otherwise. It only reads: fixing drift is a human decision.
"""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from accounts.commands import shops_for_command
from customers.models import Customer
from ledger.selectors.drift import ledger_drift

MAX_CUSTOMERS_IN_ERROR = 10


class Command(BaseCommand):
    help = "Recompute every customer's balance from the ledger entries and report any drift (exit 1 on drift)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, action="append", dest="shops", metavar="ID",
                            help="Check only this shop (by id). Repeat for several shops.")

    def handle(self, *args, shops=None, **options):
        with scopes_disabled():  # cross-shop maintenance (DESIGN §3)
            selected = shops_for_command(shops)
            problems = ledger_drift(shops=selected)
            customer_count = Customer.objects.filter(shop__in=selected).count()
            names = dict(
                Customer.objects.filter(pk__in={p.customer_id for p in problems if p.customer_id})
                .values_list("pk", "name")
            )
        shop_names = {shop.pk: shop.name for shop in selected}

        if not problems:
            self.stdout.write(self.style.SUCCESS(
                f"Ledger OK: {customer_count} customers in {len(selected)} shops checked."))
            return

        for problem in problems:
            shop = f"shop {problem.shop_id} ({shop_names.get(problem.shop_id, '?')})"
            if problem.customer_id is None:
                customer = "no single customer"
            else:
                customer = f"customer {problem.customer_id} ({names.get(problem.customer_id, '?')})"
            self.stdout.write(self.style.ERROR(f"{shop}, {customer}: {problem.problem}"))
        # The lines above give the detail; the error (stderr, exit status 1) sums them up.
        affected = list(dict.fromkeys(p.customer_id for p in problems if p.customer_id is not None))
        who = ", ".join(f"customer {pk} ({names.get(pk, '?')})" for pk in affected[:MAX_CUSTOMERS_IN_ERROR])
        if len(affected) > MAX_CUSTOMERS_IN_ERROR:
            who += f" and {len(affected) - MAX_CUSTOMERS_IN_ERROR} more"
        raise CommandError(
            f"Ledger drift: {len(problems)} problem(s) found in {customer_count} customers of {len(selected)} shops"
            + (f"; affected: {who}." if who else ".")
        )
