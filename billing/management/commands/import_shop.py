"""``manage.py import_shop FILE [--as-new-shop NAME]``: restore a backup archive written
by ``export_shop`` or downloaded from Shop settings (``billing.backup``).

Without ``--as-new-shop`` the database must have no shop yet (disaster recovery: the shop
keeps its name and its statement links' tokens). With it, the archive becomes a new shop
of that name beside the others. Either way every row gets a new id; users are matched by
username or created. A damaged or altered archive is refused and nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing.backup import ArchiveError, shop_archive_restore


class Command(BaseCommand):
    help = "Restore a shop's backup archive: into an empty database, or as a new shop with --as-new-shop NAME."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive (.zip) to restore")
        parser.add_argument("--as-new-shop", metavar="NAME", dest="as_new_shop",
                            help="restore beside the existing shops, as a new shop called NAME")

    def handle(self, *args, archive, as_new_shop=None, **options):
        try:
            with open(archive, "rb") as handle:
                result = shop_archive_restore(handle=handle, as_new_shop=as_new_shop)
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s.")
                               % {"file": archive, "error": error.strerror or error}) from error
        except ArchiveError as error:
            raise CommandError(_("%(file)s was not restored: %(error)s") % {"file": archive, "error": error}) from error
        shop = result.shop
        self.stdout.write(_("Restored shop %(id)s (%(name)s): %(rows)s rows.")
                          % {"id": shop.pk, "name": shop.name, "rows": sum(result.counts.values())})
        if result.created:
            self.stdout.write(_("Users created: %(users)s.") % {"users": ", ".join(result.created)})
        if result.matched:
            self.stdout.write(_("Existing users matched by username: %(users)s.")
                              % {"users": ", ".join(result.matched)})
