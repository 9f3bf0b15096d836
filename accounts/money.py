"""Money helpers (DESIGN §4): one quantizer, one formatter, the field factory."""

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.db import models

CENT = Decimal(1).scaleb(-settings.MONEY_DECIMAL_PLACES)
ZERO = Decimal("0.00")


def quantize_money(value) -> Decimal:
    """Return ``value`` as a ``Decimal`` with the money scale, rounded ROUND_HALF_UP.

    Accepts ``Decimal``, ``int`` or a numeric string (never pass a float: it carries
    binary error). Raises ``ValueError`` when the value is not a finite number.
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the decimal context holds
        raise ValueError(f"amount too large: {value!r}") from exc


def format_money(amount, currency=None, locale=None) -> str:
    """Render ``amount`` in ``currency`` for ``locale`` via Babel.

    ``format_money(Decimal("123456"), "INR", "en_IN") == "₹1,23,456.00"``.
    ``None`` renders as an empty string.
    """
    if amount is None:
        return ""
    return format_currency(
        Decimal(amount),
        currency or settings.DEFAULT_CURRENCY,
        locale=_locale(locale or settings.DEFAULT_LOCALE),
    )


@functools.lru_cache(maxsize=64)
def _locale(identifier: str) -> Locale:
    """The parsed Babel locale, once per process (parsing it on every call doubled the
    cost of a statement page's hundreds of amounts; bench/README.md)."""
    return Locale.parse(identifier)


def MoneyField(verbose_name=None, **kwargs):  # noqa: N802 (reads as a field class)
    """A ``DecimalField`` with the project's money digits."""
    kwargs.setdefault("max_digits", settings.MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", settings.MONEY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)
