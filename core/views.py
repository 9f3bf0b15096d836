"""Helpers the views of every app share: a thin view calls one service, and these turn
its answer into what the page shows."""

from core.errors import DomainError
from core.money import format_shop_money


def form_error(form, error: DomainError, *, fields=None) -> None:
    """Put a service's refusal on ``form``: next to the field ``error.field`` names when
    the form has that field (and it is one of ``fields``, if given), else at the top of
    the form."""
    field = error.field
    if field not in form.fields or (fields is not None and field not in fields):
        field = None
    form.add_error(field, str(error))


def money(request, amount) -> str:
    """``amount`` (Decimal) in the request's shop's currency and locale, e.g. ``"₹1,250.00"``."""
    return format_shop_money(request.shop, amount)
