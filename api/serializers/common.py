"""Fields every serializer shares: money, quantities, and ids that must belong to the
request's shop."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.money import CENT, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS, QUANTITY_STEP, WHOLE_DIGITS

MONEY_ERRORS = {
    "invalid": 'Enter an amount as a string such as "250" or "99.50".',
    "max_digits": f"That amount is too large (at most {WHOLE_DIGITS} digits before the decimal point).",
    "max_whole_digits": f"That amount is too large (at most {WHOLE_DIGITS} digits before the decimal point).",
    "max_decimal_places": "Use at most 2 digits after the decimal point.",
    "min_value": "The amount cannot be negative.",
}


def money(**kwargs) -> serializers.DecimalField:
    """Money as a string with two decimals (``"250.00"``), at most 12 digits before the point."""
    kwargs.setdefault("max_digits", settings.MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", settings.MONEY_DECIMAL_PLACES)
    kwargs.setdefault("error_messages", MONEY_ERRORS)
    return serializers.DecimalField(coerce_to_string=True, **kwargs)


def amount(**kwargs) -> serializers.DecimalField:
    """An amount that must be more than zero (a due, a payment)."""
    return money(min_value=CENT, error_messages={**MONEY_ERRORS, "min_value": "The amount must be more than zero."},
                 **kwargs)


def quantity(**kwargs) -> serializers.DecimalField:
    """A quantity as a string with three decimals (``"1.250"``)."""
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return serializers.DecimalField(coerce_to_string=True, **kwargs)


def tax_rate(**kwargs) -> serializers.DecimalField:
    """A tax rate in percent, 0–100 with two decimals (``"18.00"``)."""
    return serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100),
                                    coerce_to_string=True, **kwargs)


POSITIVE_QUANTITY = QUANTITY_STEP


class ShopRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of an object of the request's shop. Another shop's id (or none at all) is a
    field error, never a lookup outside the shop. ``filters`` narrow it further (e.g.
    ``{"is_active": True}``)."""

    default_error_messages = {
        "does_not_exist": _("No such {model_name} in this shop (id {pk_value})."),
        "incorrect_type": _("Give the {model_name}'s id as a number."),
    }

    def __init__(self, model, filters=None, **kwargs):
        self.model = model
        self.filters = filters or {}
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.filter(shop=self.context["request"].shop, **self.filters)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit() or len(str(data)) > 18:
            self.fail("incorrect_type", data_type=type(data).__name__, model_name=self.model._meta.verbose_name)
        try:
            return self.get_queryset().get(pk=int(data))
        except self.model.DoesNotExist:
            self.fail("does_not_exist", pk_value=data, model_name=self.model._meta.verbose_name)


class VoidSerializer(serializers.Serializer):
    """Why an entry or invoice is voided."""

    reason = serializers.CharField(max_length=200, help_text="Why it is voided (kept in the history).")
