"""``manage.py create_api_token --username U --shop ID [--read-only] [--name N]``: make an
API token for a member of a shop and print it once (only its hash is stored)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from accounts.commands import shops_for_command
from api.services import api_token_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Make an API token for a user of a shop and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="the user the token acts as (their role applies)")
        parser.add_argument("--shop", type=int, required=True, metavar="ID", help="the shop's id")
        parser.add_argument("--read-only", action="store_true", help="a token that may only read")
        parser.add_argument("--name", default="Command line", help="a name to recognise it by")

    def handle(self, *args, **options):
        (shop,) = shops_for_command([options["shop"]])
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']}.")
        with scope(shop=shop):
            try:
                token, raw = api_token_create(shop=shop, user=user, name=options["name"],
                                              read_only=options["read_only"])
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
        scope_label = "read only" if token.read_only else "read and write"
        self.stderr.write(f"API token “{token.name}” for {user.username} in {shop.name} ({scope_label}). "
                          "It is shown once; keep it secret:")
        self.stdout.write(raw)
