"""Phone numbers to E.164 for WhatsApp/SMS links, with the shop's country from its locale."""

import pytest

from accounts.models import Shop
from customers.phones import region_for_locale, shop_e164, to_e164


@pytest.mark.parametrize(("locale", "region"), [
    ("en_IN", "IN"), ("hi_IN", "IN"), ("en_KE", "KE"), ("en_NG", "NG"), ("en_US", "US"),
    ("en", None), ("", None), (None, None), ("not a locale", None),
])
def test_region_comes_from_the_locale_territory(locale, region):
    assert region_for_locale(locale) == region


@pytest.mark.parametrize(("raw", "expected"), [
    ("9876543210", "+919876543210"),  # Indian 10-digit mobile
    ("+919876543210", "+919876543210"),
    ("+91 98765 43210", "+919876543210"),  # with spaces
    ("98765 43210", "+919876543210"),
    (" 98765-43210 ", "+919876543210"),
    ("(0) 98765 43210", "+919876543210"),
    ("098765 43210", "+919876543210"),  # trunk prefix 0
    ("91 98765 43210", "+919876543210"),  # country code without +
    ("+254 712 345678", "+254712345678"),  # a foreign number keeps its own country
    ("+1 202 555 0143", "+12025550143"),
])
def test_indian_shop_numbers(raw, expected):
    assert to_e164(raw, "IN") == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("0712 345678", "+254712345678"),
    ("0712345678", "+254712345678"),
    ("712345678", "+254712345678"),
    ("+254 712 345 678", "+254712345678"),
    ("+254712345678", "+254712345678"),
    ("0110 123456", "+254110123456"),
])
def test_kenyan_shop_numbers(raw, expected):
    assert to_e164(raw, "KE") == expected


@pytest.mark.parametrize("raw", ["", "   ", None, "12345", "98765", "abc", "phone me", "+91", "+91 1234",
                                 "98765432101234", "0000000000"])
def test_invalid_numbers_are_none(raw):
    assert to_e164(raw, "IN") is None


def test_no_region_needs_an_international_number():
    assert to_e164("9876543210", None) is None
    assert to_e164("+91 98765 43210", None) == "+919876543210"


def test_mobile_only_refuses_landlines():
    landline = "011 2345 6789"  # Delhi
    assert to_e164(landline, "IN") == "+911123456789"
    assert to_e164(landline, "IN", mobile_only=True) is None
    assert to_e164("98765 43210", "IN", mobile_only=True) == "+919876543210"
    assert to_e164("0712 345678", "KE", mobile_only=True) == "+254712345678"


def test_shop_e164_uses_the_shops_country():
    india, kenya = Shop(name="A", locale="en_IN"), Shop(name="B", locale="en_KE")
    assert shop_e164("0712 345678", shop=kenya) == "+254712345678"
    assert shop_e164("0712 345678", shop=india) is None  # not an Indian number
    assert shop_e164("98765 43210", shop=india) == "+919876543210"
    assert shop_e164("98765 43210", shop=kenya) is None
    assert shop_e164("+91 98765 43210", shop=kenya) == "+919876543210"
