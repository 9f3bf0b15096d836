"""``manage.py retry_failed_messages [--shop ID ...] [--stale-minutes N]``: queue emails again.

The send task retries a failed email by itself (1 min, 5 min, 30 min later) when the
task backend supports ``run_after`` (the database backend does), and the worker
(``manage.py run_worker``) recovers emails stuck "sending" on start and every minute.
This command is the safety net for the rest; per shop (``messaging.services.message_requeue_failed``):

- every failed email with attempts left (fewer than ``messaging.tasks.MAX_ATTEMPTS``);
- every email stuck "sending" for longer than the send timeout plus a margin (its worker
  died mid-send): it is sent again, with the same ``Message-ID``;
- emails queued for more than ``--stale-minutes`` (default 30) whose task was lost.

Sending stays idempotent (see ``messaging.tasks``), so running it while a worker is busy is
safe. Run it every 15 minutes (cron, or the ``retry-messages`` service of
docker-compose.yml). Like every command that sends to customers, it warns once (stderr)
when ``SITE_URL`` is not set: messages queued without a web request carry no links.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from accounts.commands import shops_for_command
from messaging.links import warn_missing_site_url
from messaging.services import message_requeue_failed
from messaging.tasks import MAX_ATTEMPTS


class Command(BaseCommand):
    help = (f"Queue again failed emails with fewer than {MAX_ATTEMPTS} attempts, emails stuck sending "
            "(their worker died) and queued emails whose task was lost.")

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, action="append", dest="shops", metavar="ID",
                            help="Only this shop (by id). Repeat for several shops.")
        parser.add_argument("--stale-minutes", type=int, default=30, metavar="N",
                            help="Also enqueue emails waiting in the queue for more than N minutes "
                                 "(default 30; 0 turns this off).")

    def handle(self, *args, shops=None, stale_minutes=30, **options):
        if stale_minutes < 0:
            raise CommandError("--stale-minutes cannot be negative.")
        selected = shops_for_command(shops)
        warn_missing_site_url(lambda text: self.stderr.write(self.style.WARNING(f"Warning: {text}")))
        stale_after = datetime.timedelta(minutes=stale_minutes) if stale_minutes else None
        total = 0
        for shop in selected:
            queued = message_requeue_failed(shop=shop, stale_after=stale_after)  # opens the shop's scope itself
            if queued:
                self.stdout.write(f"{shop.name} (shop {shop.pk}): {len(queued)} email(s) queued again.")
            total += len(queued)
        self.stdout.write(self.style.SUCCESS(f"Queued {total} email(s) again."))
