"""``manage.py send_due_reminders [--dry-run] [--date YYYY-MM-DD] [--shop ID ...]``

Queue today's scheduled reminder emails (``ledger.services.reminders``) for every shop with
reminders turned on, or only the shops given with ``--shop``. Run it once a day
from cron or a container loop (README); running it again the same day sends
nothing new: each customer gets at most one scheduled reminder per day.

``--date`` pretends the run happens on that day (to catch up a missed day, or to
try the schedule). ``--dry-run`` writes nothing and lists who would be reminded.
Prints one summary line per shop: reminded / already reminded today / no email /
skipped (owe on dated dues, but today is not one of their reminder days).
The emails go out through the task worker (``manage.py run_worker``).

Statement links in the emails are built on ``SITE_URL``: without it the emails leave
the link out and the command warns once, on stderr.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_scopes import scope

from accounts.commands import shops_for_command
from core.money import format_money
from ledger.services.reminders import due_reminders_send
from messaging.links import warn_missing_site_url


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--date must be a date written YYYY-MM-DD, such as 2026-11-05; got {value!r}.") from None


class Command(BaseCommand):
    help = "Email today's due reminders (one per customer per day) for every shop with reminders on."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Write and send nothing; list who would be reminded.")
        parser.add_argument("--date", metavar="YYYY-MM-DD",
                            help="Run for this day instead of today (local date).")
        parser.add_argument("--shop", type=int, action="append", dest="shops", metavar="ID",
                            help="Only this shop (by id). Repeat for several shops.")

    def handle(self, *args, dry_run=False, date=None, shops=None, **options):
        day = parse_date(date) if date is not None else timezone.localdate()
        verbosity = options.get("verbosity", 1)
        selected = shops_for_command(shops)
        off = [shop for shop in selected if not shop.reminders_enabled]
        prefix = "[dry run] " if dry_run else ""
        warn_missing_site_url(lambda text: self.stderr.write(self.style.WARNING(f"Warning: {text}")))

        totals = {"reminded": 0, "already": 0, "no_email": 0}
        for shop in selected:
            if not shop.reminders_enabled:
                if shops:  # asked for by id: say why nothing happens
                    self.stdout.write(f"{prefix}{shop.name} (shop {shop.pk}): reminders are off in the shop "
                                      f"settings; nothing sent.")
                continue
            with scope(shop=shop):
                run = due_reminders_send(shop=shop, today=day, dry_run=dry_run)
            totals["reminded"] += len(run.reminded)
            totals["already"] += len(run.already)
            totals["no_email"] += len(run.no_email)
            verb = "would be reminded" if dry_run else "reminded"
            line = (f"{prefix}{shop.name} (shop {shop.pk}), {day:%Y-%m-%d}: {len(run.reminded)} {verb}, "
                    f"{len(run.already)} already reminded today, {len(run.no_email)} no email, "
                    f"{run.skipped} skipped (no reminder day today).")
            self.stdout.write(self.style.SUCCESS(line) if run.reminded and not dry_run else line)
            if dry_run or verbosity >= 2:
                self._list(run, shop)

        if off and not shops:
            self.stdout.write(f"{len(off)} shop(s) with reminders off were skipped.")
        if len(selected) - len(off) > 1:
            verb = "would be reminded" if dry_run else "reminded"
            self.stdout.write(f"{prefix}In all: {totals['reminded']} {verb}, {totals['already']} already reminded "
                              f"today, {totals['no_email']} no email.")

    def _list(self, run, shop):
        """One line per customer who is (or would be) reminded, already was, or has no email."""
        def money(amount):
            return format_money(amount, shop.currency, shop.locale)

        for candidate in run.reminded:
            customer = candidate.customer
            verb = "would remind" if run.dry_run else "reminded"
            self.stdout.write(f"  {verb} {customer.name} <{customer.email}>: {len(candidate.dues)} item(s), "
                              f"{money(candidate.total)}")
        for candidate in run.already:
            self.stdout.write(f"  already reminded today: {candidate.customer.name}")
        for candidate in run.no_email:
            customer = candidate.customer
            phone = f" (phone {customer.phone})" if customer.phone else ""
            self.stdout.write(f"  no email: {customer.name}{phone}, owes {money(candidate.total)}")
