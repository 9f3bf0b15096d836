"""``{% figure amount %}``: an amount as a bare figure in the shop's locale, for the money
columns of a Mushak-6.3 invoice, whose headings name the currency once (``1,23,456.50``;
Bengali digits in Bengali)."""

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import parse_pattern
from django import template

from core.locales import active_locale, native_digits
from core.money import quantize_money

register = template.Library()


@functools.lru_cache(maxsize=32)
def _pattern(identifier: str):
    """The locale's decimal pattern (its grouping: lakhs in ``bn_BD``) with exactly 2 decimals."""
    locale = Locale.parse(identifier)
    pattern = parse_pattern(locale.decimal_formats[None].pattern)
    pattern.frac_prec = (2, 2)
    return locale, pattern


def figure_text(amount, locale: str | None = None) -> str:
    """``amount`` (Decimal money) with the grouping and digits of the active language in the
    territory of ``locale``, always 2 decimals, no currency symbol; ``""`` for ``None``."""
    if amount is None or amount == "":
        return ""
    identifier = active_locale(locale)
    parsed, pattern = _pattern(identifier)
    return native_digits(pattern.apply(quantize_money(Decimal(amount)), parsed), identifier)


@register.simple_tag(takes_context=True)
def figure(context, amount):
    """``{% figure line.taxable_value %}``: :func:`figure_text` in the current shop's locale."""
    shop = context.get("shop")
    return figure_text(amount, shop.locale if shop is not None else None)
