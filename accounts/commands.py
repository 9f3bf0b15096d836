"""Helpers for management commands that work across shops."""

from django.core.management.base import CommandError

from accounts.models import Shop


def shops_for_command(ids: list[int] | None) -> list[Shop]:
    """The shops a ``--shop ID`` (repeatable) option names, in id order; every shop when
    ``ids`` is empty. Raises ``CommandError`` naming any id that is not a shop."""
    selected = Shop.objects.order_by("pk")
    if ids:
        selected = selected.filter(pk__in=ids)
        missing = sorted(set(ids) - set(selected.values_list("pk", flat=True)))
        if missing:
            raise CommandError(f"No shop with id {', '.join(map(str, missing))}.")
    return list(selected)
