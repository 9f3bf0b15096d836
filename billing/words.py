"""Amounts in words for invoices: ``Rupees One Lakh Twenty-Three Thousand Four Hundred
Fifty-Six and Fifty Paise Only``.

Indian numbering (lakh, crore) for the rupee/taka currencies of South Asia and for
Indian locales; the international system (thousand, million) otherwise. The words come
from ``num2words`` and are tidied into the form printed on cheques and invoices: title
case, no commas, no "and" inside a number, "Only" at the end.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from num2words import num2words

from core.money import quantize_money


@dataclass(frozen=True)
class CurrencyWords:
    """How a currency is named in words: the major unit (plural: invoices write
    "Rupees One Only"), the minor unit (plural, singular) and whether it counts in
    lakh/crore."""

    major: str
    minor: str
    minor_one: str
    indian: bool = False


CURRENCY_WORDS = {
    "INR": CurrencyWords(_("Rupees"), _("Paise"), _("Paisa"), indian=True),
    "NPR": CurrencyWords(_("Nepalese Rupees"), _("Paisa"), _("Paisa"), indian=True),
    "PKR": CurrencyWords(_("Pakistani Rupees"), _("Paisa"), _("Paisa"), indian=True),
    "BDT": CurrencyWords(_("Taka"), _("Poisha"), _("Poisha"), indian=True),
    "LKR": CurrencyWords(_("Sri Lankan Rupees"), _("Cents"), _("Cent")),
    "KES": CurrencyWords(_("Kenyan Shillings"), _("Cents"), _("Cent")),
    "NGN": CurrencyWords(_("Naira"), _("Kobo"), _("Kobo")),
    "USD": CurrencyWords(_("US Dollars"), _("Cents"), _("Cent")),
}

INDIAN_LOCALE_REGIONS = {"IN"}


CRORE = 10**7


def _raw_words(number: int, indian: bool) -> str:
    if indian and number >= CRORE:
        # Group by crore ourselves: num2words' en_IN stops below 1000 crore, while
        # money columns reach 10^12 ("One Lakh Crore").
        crores, rest = divmod(number, CRORE)
        words = f"{_raw_words(crores, indian)} crore"
        return f"{words} {_raw_words(rest, indian)}" if rest else words
    return num2words(number, lang="en_IN" if indian else "en")


#: Languages whose number words num2words writes (lakh and crore included); the others
#: get English words.
NATIVE_NUMBER_WORDS = {"bn": "bn"}


def _number_words(number: int, indian: bool) -> str:
    """``123456`` → ``"One Lakh Twenty-Three Thousand Four Hundred Fifty-Six"``; in Bengali
    ``"এক লাখ তেইশ হাজার চারশত ছাপ্পান্ন"``."""
    native = NATIVE_NUMBER_WORDS.get((get_language() or "").split("-")[0])
    if native:
        return num2words(number, lang=native)
    words = _raw_words(number, indian).replace(",", " ").replace(" and ", " ")
    return " ".join("-".join(piece.capitalize() for piece in word.split("-")) for word in words.split())


def amount_in_words(amount: Decimal, currency: str, locale: str) -> str:
    """The amount in words, as printed on an invoice: Bengali number words when the
    active language is Bengali, English words otherwise (the phrase around them translated).

    ``amount`` is a non-negative ``Decimal`` (rounded half up to 2 places), ``currency``
    an ISO 4217 code, ``locale`` a Babel locale such as ``en_IN``::

        amount_in_words(Decimal("123456.50"), "INR", "en_IN")
        == "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Fifty Paise Only"
        amount_in_words(Decimal("1234"), "KES", "en_KE")
        == "Kenyan Shillings One Thousand Two Hundred Thirty-Four Only"

    The minor part is left out when it is zero. A currency without a known name is
    written with its code (``"EUR One Only"``). Raises ``ValueError`` for a negative
    or non-finite amount.
    """
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"cannot write {amount!r} in words")
    amount = quantize_money(amount)
    major, minor = divmod(int(amount * 100), 100)
    region = (locale or "").replace("-", "_").partition("_")[2].upper()
    names = CURRENCY_WORDS.get((currency or "").upper())
    if names is None:
        names = CurrencyWords(currency.upper(), _("Cents"), _("Cent"))
    indian = names.indian or region in INDIAN_LOCALE_REGIONS
    words = {"currency": names.major, "major": _number_words(major, indian)}
    if minor:
        words.update(minor=_number_words(minor, indian), minor_unit=names.minor_one if minor == 1 else names.minor)
        # Translators: an amount in words on an invoice; the numbers stay in English words,
        # e.g. "Rupees One Hundred Twenty and Fifty Paise Only".
        return gettext("%(currency)s %(major)s and %(minor)s %(minor_unit)s Only") % words
    # Translators: an amount in words on an invoice; the number stays in English words,
    # e.g. "Rupees One Hundred Twenty Only".
    return gettext("%(currency)s %(major)s Only") % words
