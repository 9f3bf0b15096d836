"""Phone numbers in E.164 (``+919876543210``): the form customers are stored and searched
by (``Customer.phone_e164``) and the one click-to-chat links (WhatsApp, SMS) need.

Customers type numbers the way they are written locally (``98765 43210``,
``0712 345678``); the shop's country, taken from the territory of ``Shop.locale``
(``en_IN`` → ``IN``, ``en_KE`` → ``KE``), supplies the country code when the
number has none. Numbers with a ``+`` prefix are read as international whatever
the shop's country.

Pure functions (no database), used by the ledger's reminders for click-to-chat links too.
"""

import unicodedata

import phonenumbers
from babel import Locale, UnknownLocaleError

# Number types that can receive WhatsApp/SMS. Some countries (the US, for one) do not
# tell mobiles from landlines by the number, so FIXED_LINE_OR_MOBILE counts as mobile.
MOBILE_TYPES = frozenset({
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.VOIP,
})


def region_for_locale(locale: str | None) -> str | None:
    """The ISO 3166 country of a Babel locale: ``"en_IN"`` → ``"IN"``; ``None`` when the
    locale names no territory (``"en"``) or is not a locale at all."""
    if not locale:
        return None
    try:
        return Locale.parse(locale).territory
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def to_e164(raw: str | None, region: str | None, *, mobile_only: bool = False) -> str | None:
    """``raw`` as an E.164 string (``"+919876543210"``), or ``None`` when it is not a
    valid number (empty, too short, letters, no country code and no ``region``).

    ``region`` is an ISO 3166 country code used for numbers written without ``+``.
    With ``mobile_only``, valid numbers that cannot be mobiles (landlines, toll-free)
    are ``None`` too.
    """
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def shop_e164(raw: str | None, *, shop, mobile_only: bool = False) -> str | None:
    """:func:`to_e164` with the country of ``shop.locale``."""
    return to_e164(raw, region_for_locale(shop.locale), mobile_only=mobile_only)


def shop_region(shop) -> str | None:
    """The ISO 3166 country of ``shop`` (from ``shop.locale``), e.g. ``"IN"``."""
    return region_for_locale(shop.locale)


def country_code(region: str | None) -> int | None:
    """The calling code of ``region`` (``"IN"`` → ``91``), ``None`` when unknown."""
    code = phonenumbers.country_code_for_region(region) if region else 0
    return code or None


def digits(text: str | None) -> str:
    """The decimal digits of ``text`` in ASCII, in order: ``"+91 96510-34997"`` →
    ``"919651034997"``; digits of other scripts count (``"९८"`` → ``"98"``)."""
    return "".join(str(unicodedata.decimal(c)) for c in text or "" if c.isdecimal())


def phone_tail(phone: str | None, phone_e164: str | None) -> str:
    """What ``Customer.phone_tail`` stores: the digits of the number reversed, of
    ``phone_e164`` when there is one (``"+919651034997"`` → ``"799430156919"``), else of
    ``phone`` as typed (``"12-345"`` → ``"54321"``); ``""`` when there are none.

    Reversed, the last digits of a number are the start of this key, so a search by the
    last four or more digits is a prefix range on an index (``customers.selectors``)."""
    return digits(phone_e164 or phone)[::-1]


def international(e164: str) -> str:
    """An E.164 number spaced for reading: ``"+919651034997"`` → ``"+91 96510 34997"``;
    anything that does not parse comes back unchanged."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
