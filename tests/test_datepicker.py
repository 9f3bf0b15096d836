"""The date picker's language (issue 16): the calendar core.datepicker builds from CLDR for
each language, and base.html loading flatpickr only where its files are installed."""

import html
import json
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.utils import translation

from core.context_processors import datepicker
from core.datepicker import flatpickr_format, picker_assets, picker_config

SCRIPT = re.compile(r'<script src="([^"]+)" data-datepicker="([^"]+)"></script>')


@pytest.mark.parametrize(
    ("language", "november", "short", "heads"),
    [
        ("hi", "नवंबर", "नव॰", ["र", "सो", "मं", "बु", "गु", "शु", "श"]),
        ("bn", "নভেম্বর", "নভেঃ", ["রঃ", "সোঃ", "মঃ", "বুঃ", "বৃঃ", "শুঃ", "শঃ"]),
        ("sw", "Novemba", "Nov", ["S", "M", "T", "W", "T", "F", "S"]),  # CLDR's short ones are whole words
        ("en", "November", "Nov", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
    ],
)
def test_month_and_weekday_names_come_from_cldr(language, november, short, heads):
    locale = picker_config(language)["locale"]
    assert locale["months"]["longhand"][10] == november
    assert locale["months"]["shorthand"][10] == short
    assert len(locale["months"]["longhand"]) == 12
    assert locale["weekdays"]["shorthand"] == heads  # from Sunday, as flatpickr wants
    assert (
        locale["weekdays"]["longhand"][0] == {"hi": "रविवार", "bn": "রবিবার", "sw": "Jumapili", "en": "Sunday"}[language]
    )


@pytest.mark.parametrize(
    ("language", "base", "first"),
    [
        ("hi", "en_IN", 0),  # India: Sunday
        ("bn", "bn_BD", 0),  # Bangladesh: Sunday
        ("sw", "en_KE", 0),  # Kenya: Sunday
        ("sw", "en_IN", 1),  # Swahili outside Kenya: CLDR's sw (Tanzania), Monday
        ("en", "en_US", 0),
    ],
)
def test_first_day_of_the_week_follows_the_shops_territory(language, base, first):
    assert picker_config(language, base)["locale"]["firstDayOfWeek"] == first


def test_display_format_and_digits_per_language():
    assert picker_config("hi")["altFormat"] == "j M Y"
    assert picker_config("hi")["ariaFormat"] == "j F Y"
    bengali = picker_config("bn", "bn_BD")
    assert bengali["altFormat"] == "j M, Y"
    assert bengali["digits"] == "০১২৩৪৫৬৭৮৯"
    assert picker_config("hi")["digits"] == picker_config("sw")["digits"] == ""


def test_labels_are_translated_and_the_active_language_is_the_default():
    active = translation.get_language()
    assert picker_config("hi")["locale"]["monthAriaLabel"] == "महीना"
    assert translation.get_language() == active  # picker_config("hi") left the language alone
    with translation.override("sw"):
        assert picker_config()["locale"]["months"]["longhand"][0] == "Januari"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("d MMM y", "j M Y"),
        ("d MMM, y", "j M, Y"),
        ("dd/MM/yy", "d/m/y"),
        ("EEEE, d MMMM y", "l, j F Y"),
        ("d 'de' MMMM 'de' y", "j \\de F \\de Y"),  # quoted words: their letters escaped
        ("G y", "Y-m-d"),  # an era flatpickr cannot write: ISO
    ],
)
def test_cldr_patterns_as_flatpickr_formats(pattern, expected):
    assert flatpickr_format(pattern) == expected


@pytest.fixture
def flatpickr_dist(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "flatpickr.min.css").write_text(".flatpickr-calendar{}")
    (dist / "flatpickr.min.js").write_text("window.flatpickr = function () {};")
    return dist


def _dirs(*extra):
    return [settings.BASE_DIR / "static", *extra]


def test_base_html_loads_the_picker_with_the_active_languages_calendar(client, flatpickr_dist, tmp_path):
    with override_settings(STATICFILES_DIRS=_dirs(("flatpickr", flatpickr_dist)), STATIC_ROOT=tmp_path / "root"):
        page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert '<link rel="stylesheet" href="/static/flatpickr/flatpickr.min.css">' in page
    src, config = SCRIPT.search(page).groups()
    assert src == "/static/flatpickr/flatpickr.min.js"
    assert page.index(src) < page.index("js/khata.js")  # flatpickr first: khata.js uses it
    assert json.loads(html.unescape(config))["locale"]["months"]["longhand"][10] == "नवंबर"


def test_base_html_keeps_native_date_inputs_where_flatpickr_is_not_installed(client, tmp_path):
    with override_settings(STATICFILES_DIRS=_dirs(), STATIC_ROOT=tmp_path / "root"):
        assert picker_assets() == {}
        response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"flatpickr" not in response.content
    assert b"data-datepicker" not in response.content


def test_the_shops_territory_picks_the_calendar(flatpickr_dist, tmp_path):
    request = RequestFactory().get("/")
    request.shop = SimpleNamespace(locale="sw_KE")
    with (
        override_settings(STATICFILES_DIRS=_dirs(("flatpickr", flatpickr_dist)), STATIC_ROOT=tmp_path / "root"),
        translation.override("sw"),
    ):
        context = datepicker(request)["datepicker"]
        assert json.loads(context["config"])["locale"]["firstDayOfWeek"] == 0  # Kenya: Sunday
    request.shop = None
    with override_settings(STATICFILES_DIRS=_dirs(), STATIC_ROOT=tmp_path / "root"):
        assert not datepicker(request)["datepicker"]
