from django import template

from accounts.money import format_money

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
