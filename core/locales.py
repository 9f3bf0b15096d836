"""The Babel locale of the active language in a shop's country (issue 16), and the
digits that locale writes.

A shop's ``locale`` (``"en_IN"``, ``"en_KE"``) says its territory; the active language
(``django.utils.translation.get_language()``) says the language. Together they pick the
CLDR locale amounts and numbers render in: Hindi in an Indian shop is ``hi_IN``
(``₹1,23,456.50``), Swahili in a Kenyan shop ``sw_KE`` (``Ksh 123,456.50``), Bengali in a
Bangladeshi shop ``bn_BD`` (``১,২৩,৪৫৬.৫০৳``: CLDR's default numbering system for bn is
Bengali digits, which Babel leaves to the caller, so :func:`native_digits` applies it).
"""

import functools

from babel import Locale, UnknownLocaleError
from babel.localedata import exists
from django.conf import settings
from django.utils import translation

#: The digits 0–9 of the numbering systems the catalogues' locales use by default.
_DIGITS = {
    "beng": "০১২৩৪৫৬৭৮৯",
    "deva": "०१२३४५६७८९",
}


#: Where CLDR has no locale for a language in a territory, the nearest one's formats:
#: English in Bangladesh groups digits in lakhs and crores as India does.
_NEAREST = {("en", "BD"): "en_IN"}

#: Symbols shopkeepers write, where CLDR's differ: the taka sign in every language, and
#: the Central Bank of Kenya's "KSh".
CURRENCY_SYMBOLS = {"BDT": "৳", "KES": "KSh"}


@functools.lru_cache(maxsize=256)
def locale_for(language: str | None, base: str | None = None) -> str:
    """The CLDR locale identifier for ``language`` (a Django code: ``"hi"``, ``"pt-br"``)
    in the territory of ``base`` (a shop's locale, default ``settings.DEFAULT_LOCALE``).

    ``locale_for("hi", "en_IN") == "hi_IN"``; ``locale_for("sw", "en_KE") == "sw_KE"``;
    ``locale_for("en", "en_KE") == "en_KE"``. A language Babel does not know in that
    territory falls back to the language alone (``"sw"``), then to ``base``.
    """
    base = base or settings.DEFAULT_LOCALE
    if not language:
        return base
    language = translation.to_locale(language).split("_")[0]
    try:
        parsed_base = Locale.parse(base)
    except (ValueError, UnknownLocaleError):
        parsed_base = Locale.parse(settings.DEFAULT_LOCALE)
        base = settings.DEFAULT_LOCALE
    if parsed_base.language == language:
        return base
    nearest = _NEAREST.get((language, parsed_base.territory))
    if nearest:
        return nearest
    for candidate in (f"{language}_{parsed_base.territory}", language):
        if parsed_base.territory and exists(candidate):
            return candidate
    return base


def active_locale(base: str | None = None) -> str:
    """:func:`locale_for` the active language and ``base``."""
    return locale_for(translation.get_language(), base)


@functools.lru_cache(maxsize=64)
def _digit_table(identifier: str) -> dict | None:
    digits = _DIGITS.get(Locale.parse(identifier).default_numbering_system)
    return str.maketrans("0123456789", digits) if digits else None


def native_digits(text: str, identifier: str) -> str:
    """``text`` with ASCII digits written in the default digits of locale ``identifier``
    (Bengali digits for ``bn_BD``; unchanged for locales whose default is Latin)."""
    table = _digit_table(identifier)
    return text.translate(table) if table else text


_TO_ASCII = str.maketrans({native: str(value) for digits in _DIGITS.values()
                           for value, native in enumerate(digits)})


def writes_native_digits(identifier: str | None = None) -> bool:
    """Whether locale ``identifier`` (default: the active language's) writes numbers in
    digits other than ASCII's (Bengali: yes; Hindi and Swahili: no)."""
    return _digit_table(identifier or locale_for(translation.get_language())) is not None


def ascii_digits(text: str) -> str:
    """``text`` with Bengali and Devanagari digits written as ASCII digits, so what a
    Hindi or Bengali keyboard types parses as a number (``"১২৫.৫০"`` → ``"125.50"``)."""
    return text.translate(_TO_ASCII)
