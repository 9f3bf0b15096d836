"""Money (DESIGN §4), once for every app: the quantizer, the formatter, the model and
form fields with the project's digits, and the rounding of database sums.

Money is a ``Decimal`` in the shop's currency with ``settings.MONEY_DECIMAL_PLACES``
places and at most ``settings.MONEY_MAX_DIGITS`` digits, rounded ``ROUND_HALF_UP``.
Quantities (1.250 kg) have :data:`QUANTITY_DECIMAL_PLACES` places and the same number
of digits. No other module writes these digits down.
"""

import functools
import operator
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.db.models.functions import Coalesce, Round
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.locales import CURRENCY_SYMBOLS, active_locale, ascii_digits, native_digits, writes_native_digits

#: The smallest amount of money: ``Decimal("0.01")`` with two decimal places.
CENT = Decimal(1).scaleb(-settings.MONEY_DECIMAL_PLACES)
#: Zero at the money scale.
ZERO = Decimal(0).quantize(CENT)
#: Digits an amount may have before the decimal point (12).
WHOLE_DIGITS = settings.MONEY_MAX_DIGITS - settings.MONEY_DECIMAL_PLACES
#: The first amount too large to store (10¹²); every amount is below it.
AMOUNT_LIMIT = Decimal(10) ** WHOLE_DIGITS

#: Places of a quantity (grams of a kilogram, millilitres of a litre) and its digits.
QUANTITY_DECIMAL_PLACES = 3
QUANTITY_MAX_DIGITS = settings.MONEY_MAX_DIGITS
#: The smallest quantity: ``Decimal("0.001")``.
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_DECIMAL_PLACES)
#: The first quantity too large to store (10¹¹).
QUANTITY_LIMIT = Decimal(10) ** (QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES)


def quantize_money(value) -> Decimal:
    """Return ``value`` as a ``Decimal`` with the money scale, rounded ROUND_HALF_UP.

    Accepts ``Decimal``, ``int`` or a numeric string. Raises ``TypeError`` for a float
    (it carries binary error) and ``ValueError`` when the value is not a finite number
    or has more digits than the decimal context holds.
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


def round_to_whole(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to a whole unit of the currency, at the money scale:
    ``Decimal("99.50")`` → ``Decimal("100.00")`` (an invoice's round-off)."""
    return Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(CENT)


def format_money(amount, currency=None, locale=None) -> str:
    """Render ``amount`` in ``currency`` (ISO 4217) via Babel, in the active language
    spoken in the territory of ``locale`` (a shop's locale; ``core.locales.locale_for``).

    ``format_money(Decimal("123456"), "INR", "en_IN") == "₹1,23,456.00"`` in English and
    in Hindi; ``"KSh"``-style ``"Ksh 123,456.00"`` for KES in Swahili with ``"en_KE"``;
    Bengali digits in Bengali. Without a currency or locale, ``settings.DEFAULT_CURRENCY``
    / ``DEFAULT_LOCALE``. ``None`` renders as an empty string.
    """
    if amount is None:
        return ""
    identifier = active_locale(locale)
    currency = currency or settings.DEFAULT_CURRENCY
    text = format_currency(Decimal(amount), currency, locale=_locale(identifier))
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        text = _with_symbol(text, get_currency_symbol(currency, locale=_locale(identifier)), symbol)
    return native_digits(text, identifier)


def _with_symbol(text: str, cldr_symbol: str, symbol: str) -> str:
    """``text`` with CLDR's ``cldr_symbol`` written as ``symbol``, a no-break space between
    a symbol of letters and the digits (``"KSh 1,234.00"``)."""
    text = text.replace(cldr_symbol, symbol, 1)
    if symbol[-1].isalpha():
        text = re.sub(rf"{re.escape(symbol)}(?=[-\d])", symbol + "\xa0", text, count=1)
    return text


def format_shop_money(shop, amount) -> str:
    """``amount`` in ``shop``'s currency and locale (anything with ``currency`` and
    ``locale``, e.g. a ``Shop``): ``format_shop_money(shop, Decimal("60")) == "₹60.00"``."""
    return format_money(amount, shop.currency, shop.locale)


@functools.lru_cache(maxsize=64)
def _locale(identifier: str) -> Locale:
    """The parsed Babel locale, once per process (parsing it on every call doubled the
    cost of a statement page's hundreds of amounts; bench/README.md)."""
    return Locale.parse(identifier)


# --- Model fields ----------------------------------------------------------------------------


def MoneyField(verbose_name=None, **kwargs):  # noqa: N802 (reads as a field class)
    """A ``DecimalField`` with the project's money digits (14 digits, 2 places)."""
    kwargs.setdefault("max_digits", settings.MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", settings.MONEY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def QuantityField(verbose_name=None, **kwargs):  # noqa: N802 (reads as a field class)
    """A ``DecimalField`` for a quantity: 3 places (1.250 kg), the money's digits."""
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def money_output_field(*, extra_digits: int = 0) -> models.DecimalField:
    """The ``output_field`` of a money expression (``Case``, ``F() - F()``), with
    ``extra_digits`` more digits for a difference that may exceed one amount."""
    return models.DecimalField(max_digits=settings.MONEY_MAX_DIGITS + extra_digits,
                               decimal_places=settings.MONEY_DECIMAL_PLACES)


def rounded_sum(expression) -> Coalesce:
    """``Sum(expression)`` rounded to the money scale, ``ZERO`` when there are no rows.

    SQLite sums decimal columns as binary floats (0.70 + 0.10 < 0.80 there), which would
    keep a paid due "open" in a comparison; rounding in the query puts it right on every
    database.
    """
    return Coalesce(Round(Sum(expression), settings.MONEY_DECIMAL_PLACES), ZERO)


# --- Form fields -----------------------------------------------------------------------------


#: ``interpolate_lazy(gettext_lazy("… %(n)s …"), {"n": 12})``: the message with its values filled in
#: when it is shown, so a module-level message is translated into the language of the request.
interpolate_lazy = lazy(operator.mod, str)


class NumberInput(forms.NumberInput):
    """The browser's number input, or a text input with a decimal keypad in a language
    whose digits are not ASCII's (Bengali), where a number input would refuse ১২৫."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if writes_native_digits():
            context["widget"]["type"] = "text"
            for attribute in ("step", "min", "max"):
                context["widget"]["attrs"].pop(attribute, None)
        return context


class NativeDigitsMixin:
    """A number field that reads what the locale displays: Bengali and Devanagari digits
    (``"১,২৫০.৫০"``) and digit-group commas and spaces (``"1,23,456.50"``)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = ascii_digits(value).replace(",", "").replace("\u00a0", "").replace(" ", "")
        return super().to_python(value)


class DecimalFormField(NativeDigitsMixin, forms.DecimalField):
    """``forms.DecimalField`` that reads native digits (:class:`NativeDigitsMixin`)."""


class IntegerFormField(NativeDigitsMixin, forms.IntegerField):
    """``forms.IntegerField`` that reads native digits (:class:`NativeDigitsMixin`)."""


class MoneyFormField(NativeDigitsMixin, forms.DecimalField):
    """An amount of money in a form: the money digits, messages a shopkeeper reads, and
    a numeric keypad. ``min_value`` as given (a price may be 0); see :class:`AmountField`
    for an amount that must be more than zero."""

    default_error_messages = {
        "invalid": _("Enter an amount in numbers, such as 250 or 99.50."),
        "max_digits": interpolate_lazy(
            _("That amount is too large (at most %(digits)s digits before the decimal point)."),
            {"digits": WHOLE_DIGITS}),
        "max_whole_digits": interpolate_lazy(
            _("That amount is too large (at most %(digits)s digits before the decimal point)."),
            {"digits": WHOLE_DIGITS}),
        "max_decimal_places": interpolate_lazy(_("Use at most %(places)s digits after the decimal point."),
                                               {"places": settings.MONEY_DECIMAL_PLACES}),
    }
    #: The ``min`` the browser's number input shows.
    widget_min = "0"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", settings.MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", settings.MONEY_DECIMAL_PLACES)
        kwargs.setdefault("widget", NumberInput(
            attrs={"step": str(CENT), "min": self.widget_min, "inputmode": "decimal"}))
        super().__init__(**kwargs)


class AmountField(MoneyFormField):
    """A money amount that must be more than zero (a due, a payment, a refund)."""

    widget_min = str(CENT)

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError(gettext("The amount must be more than zero."), code="min_value")
