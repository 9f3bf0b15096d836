"""Date pickers in the user's language (issue 16).

Every date field is a native ``<input type="date">``: it submits ``YYYY-MM-DD`` and works
without JavaScript, but its calendar speaks the browser's language. Where flatpickr is
installed (``npm ci``: package.json; settings.STATICFILES_DIRS serves its ``dist``
folder as ``static/flatpickr/``), base.html loads it with the active language's calendar
from :func:`picker_config`, and static/js/khata.js turns each date input into a text box
showing the date in that language (Bengali digits in Bengali) with a calendar of that
language's month and weekday names; the native input, now hidden, still submits
``YYYY-MM-DD``. Where flatpickr is absent, :func:`picker_assets` is empty and the native
inputs stay.

The names, the date patterns and the first day of the week come from CLDR (Babel), so
Hindi, Bengali and Swahili (which flatpickr ships no locale for) are built alike.
"""

import functools
import json
import re
from contextlib import nullcontext

from babel import Locale
from babel.dates import get_date_format, get_day_names, get_month_names
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext

from core.locales import locale_for, native_digits

#: flatpickr's files, as static paths (the ``flatpickr`` prefix of STATICFILES_DIRS).
ASSETS = {"css": "flatpickr/flatpickr.min.css", "js": "flatpickr/flatpickr.min.js"}

#: CLDR date pattern letters → flatpickr format tokens (by the letter and its count).
_TOKENS = {
    ("d", 1): "j",
    ("d", 2): "d",
    ("M", 1): "n",
    ("M", 2): "m",
    ("M", 3): "M",
    ("M", 4): "F",
    ("L", 1): "n",
    ("L", 2): "m",
    ("L", 3): "M",
    ("L", 4): "F",
    ("y", 1): "Y",
    ("y", 2): "y",
    ("y", 4): "Y",
    ("E", 1): "D",
    ("E", 2): "D",
    ("E", 3): "D",
    ("E", 4): "l",
}
#: Letters flatpickr reads as tokens: a literal one in a pattern is escaped.
_FLATPICKR_LETTERS = set("DFGHJKMSUWYZdhijlmnsuwy")
_PATTERN_PART = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")


def flatpickr_format(pattern: str) -> str:
    """A CLDR date pattern (``"d MMM, y"``) as a flatpickr format (``"j M, Y"``).

    Quoted text stays literal; a field flatpickr cannot write (an era, a quarter) makes
    the whole pattern fall back to ISO's ``"Y-m-d"``.
    """
    out = []
    for match in _PATTERN_PART.finditer(pattern):
        part = match.group(0)
        if match.group(1):
            token = _TOKENS.get((part[0], len(part)))
            if token is None:
                return "Y-m-d"
            out.append(token)
            continue
        if part.startswith("'"):
            part = part[1:-1].replace("''", "'") if len(part) > 2 else "'"
        out.append("".join(f"\\{c}" if c in _FLATPICKR_LETTERS or c == "\\" else c for c in part))
    return "".join(out)


def _sunday_first(names: dict) -> list[str]:
    """Babel's weekday names (0 = Monday … 6 = Sunday) as flatpickr's list from Sunday."""
    return [names[(day + 6) % 7] for day in range(7)]


def _weekday_heads(locale: Locale) -> list[str]:
    """The calendar's column heads: CLDR's abbreviated names where they are short
    (``"Sun"``), else its short ones (``"र"``), else its narrow ones (Swahili's short
    names are whole words such as ``"Jumapili"``)."""
    for width, most in (("abbreviated", 3), ("short", 4)):
        names = _sunday_first(get_day_names(width, locale=locale))
        if max(len(name) for name in names) <= most:
            return names
    return _sunday_first(get_day_names("narrow", locale=locale))


def _in_order(names: dict) -> list[str]:
    """Babel's month names (1 = January … 12) as a list from January."""
    return [names[month] for month in range(1, 13)]


@functools.lru_cache(maxsize=64)
def _cldr_calendar(identifier: str) -> dict:
    locale = Locale.parse(identifier)
    native = native_digits("0123456789", identifier)
    return {
        "locale": {
            "weekdays": {
                "shorthand": _weekday_heads(locale),
                "longhand": _sunday_first(get_day_names("wide", locale=locale)),
            },
            "months": {
                "shorthand": _in_order(get_month_names("abbreviated", locale=locale)),
                "longhand": _in_order(get_month_names("wide", locale=locale)),
            },
            # Babel: 0 = Monday … 6 = Sunday; flatpickr: 0 = Sunday.
            "firstDayOfWeek": (locale.first_week_day + 1) % 7,
        },
        "altFormat": flatpickr_format(get_date_format("medium", locale=locale).pattern),
        "ariaFormat": flatpickr_format(get_date_format("long", locale=locale).pattern),
        "digits": native if native != "0123456789" else "",
    }


def picker_config(language: str | None = None, base: str | None = None) -> dict:
    """The date picker's calendar for ``language`` (a Django code, default the active
    language) in the territory of ``base`` (a shop's locale, default
    ``settings.DEFAULT_LOCALE``): the CLDR locale :func:`core.locales.locale_for` picks.

    Returns a JSON-ready dict::

        {"locale": {            # flatpickr's l10n object
            "weekdays": {"shorthand": [7 column heads, from Sunday], "longhand": [7 names]},
            "months": {"shorthand": [12 abbreviations], "longhand": [12 names]},
            "firstDayOfWeek": 0,          # 0 = Sunday … 6 = Saturday
            "yearAriaLabel": "…", "monthAriaLabel": "…"},   # translated
         "altFormat": "j M Y",    # flatpickr tokens of CLDR's medium date (what the box shows)
         "ariaFormat": "j F Y",   # … of its long date (what a screen reader hears per day)
         "digits": "০১২৩৪৫৬৭৮৯"}  # the locale's own digits 0–9, "" where they are ASCII's

    ``picker_config("hi")["locale"]["months"]["longhand"][10] == "नवंबर"``.
    """
    with translation.override(language) if language else nullcontext():
        identifier = locale_for(translation.get_language(), base)
        calendar = _cldr_calendar(identifier)
        return {
            **calendar,
            "locale": {**calendar["locale"], "yearAriaLabel": gettext("Year"), "monthAriaLabel": gettext("Month")},
        }


@functools.lru_cache(maxsize=1)
def _asset_urls() -> dict | None:
    for path in ASSETS.values():
        if not (finders.find(path) or staticfiles_storage.exists(path)):
            return None
    try:
        return {name: static(path) for name, path in ASSETS.items()}
    except ValueError:  # found, but not in the manifest: collectstatic ran before `npm ci`
        return None


@receiver(setting_changed)
def _forget_assets(*, setting, **kwargs):
    if setting in {"STATICFILES_DIRS", "STATICFILES_FINDERS", "STATIC_ROOT", "STATIC_URL", "STORAGES"}:
        _asset_urls.cache_clear()


def picker_assets(base: str | None = None) -> dict:
    """What base.html needs for the date picker: ``{"css": url, "js": url, "config":
    JSON text of picker_config(None, base)}``, or ``{}`` where flatpickr's files are not
    installed (no ``npm ci``): then the pages keep the browser's native date inputs.

    Whether the files exist is looked up once per process (again when the static
    settings change, as in tests)."""
    urls = _asset_urls()
    if urls is None:
        return {}
    return {**urls, "config": json.dumps(picker_config(base=base), ensure_ascii=False, separators=(",", ":"))}
