"""``manage.py export_shop --shop ID --output FILE [--without-passwords]``: one shop's
whole book as ONE backup archive (a zip; format in ``billing.backup``).

The archive holds the shop, its memberships and their users (with their password hashes
unless ``--without-passwords``), every row of the shop's customers, ledger, messages,
catalogue, stock, invoices and cash book, their history, and a manifest with counts,
balances, invoice numbers, stock and a SHA-256 per file. Other shops' rows are never
included. ``manage.py import_shop FILE`` restores it. The file is written beside FILE and
renamed into place when complete, so FILE is never a half-written archive.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.models import Shop
from billing.backup import shop_archive_write


class Command(BaseCommand):
    help = "Write one shop's backup archive (zip): every row of the shop, its users and history, and a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, required=True, help="the shop's id")
        parser.add_argument("--output", required=True, help="the archive to write (e.g. shop-12.zip)")
        parser.add_argument("--without-passwords", action="store_true",
                            help="leave the users' password hashes out (restored users then reset theirs)")

    def handle(self, *args, shop, output, without_passwords=False, **options):
        with scopes_disabled():
            found = Shop.objects.filter(pk=shop).first()
        if found is None:
            raise CommandError(_("No shop with id %(id)s.") % {"id": shop})
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as handle:
                manifest = shop_archive_write(shop=found, handle=handle,
                                              include_password_hashes=not without_passwords)
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(_("Could not write %(file)s: %(error)s.")
                               % {"file": output, "error": error.strerror or error}) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        rows = sum(manifest["counts"].values())
        self.stdout.write(_("Wrote %(rows)s rows of shop %(id)s (%(name)s) in %(files)s files to %(file)s.")
                          % {"rows": rows, "id": found.pk, "name": found.name, "files": len(manifest["files"]),
                             "file": output})
