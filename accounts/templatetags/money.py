from decimal import Decimal

from django import template

from core.money import format_money

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context, amount):
    """``{% money amount %}``: the amount in the current shop's currency and locale."""
    shop = context.get("shop")
    if shop is None:
        return format_money(amount)
    return format_money(amount, shop.currency, shop.locale)


@register.filter
def absolute(value):
    """Absolute value (for showing a credit balance as a positive amount)."""
    return abs(value) if value is not None else value


@register.filter
def plain_number(value):
    """A Decimal without trailing zeros or exponent: 2.50 → "2.5", 18.00 → "18", 1.250 → "1.25"."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(value).normalize():f}"
    except (ArithmeticError, TypeError, ValueError):
        return value
