from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from ledger.upi import upi_payment_uri, upi_qr_svg


def test_uri_has_the_fields_in_order_with_two_decimals():
    uri = upi_payment_uri(payee_vpa="sharma@okaxis", payee_name="Sharma Store", amount=Decimal("500"),
                          note="Khata Ravi")
    assert uri == "upi://pay?pa=sharma%40okaxis&pn=Sharma%20Store&am=500.00&cu=INR&tn=Khata%20Ravi"


def test_every_value_is_percent_encoded():
    uri = upi_payment_uri(payee_vpa="shri.ram@oksbi", payee_name="श्री Ram & Sons", amount=Decimal("1234.5"),
                          note="Khata Anil & Co")
    assert uri == (
        "upi://pay?pa=shri.ram%40oksbi"
        "&pn=%E0%A4%B6%E0%A5%8D%E0%A4%B0%E0%A5%80%20Ram%20%26%20Sons"
        "&am=1234.50&cu=INR"
        "&tn=Khata%20Anil%20%26%20Co"
    )


def test_separators_in_values_cannot_add_parameters():
    uri = upi_payment_uri(payee_vpa="a@b", payee_name="X&am=1&pa=thief@upi", amount=Decimal("10"),
                          note="a=b?c#d/e+f")
    assert uri == ("upi://pay?pa=a%40b&pn=X%26am%3D1%26pa%3Dthief%40upi&am=10.00&cu=INR"
                   "&tn=a%3Db%3Fc%23d%2Fe%2Bf")
    parsed = urlsplit(uri)
    assert (parsed.scheme, parsed.netloc, parsed.fragment) == ("upi", "pay", "")
    assert parse_qsl(parsed.query) == [("pa", "a@b"), ("pn", "X&am=1&pa=thief@upi"), ("am", "10.00"),
                                       ("cu", "INR"), ("tn", "a=b?c#d/e+f")]


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("0.5"), "0.50"),
    (Decimal("99.999"), "100.00"),
    (Decimal("1234.565"), "1234.57"),
    (Decimal("999999999999.99"), "999999999999.99"),
    ("250", "250.00"),
])
def test_amount_always_has_two_decimals(amount, text):
    uri = upi_payment_uri(payee_vpa="a@b", payee_name="S", amount=amount, note="n")
    assert dict(parse_qsl(urlsplit(uri).query))["am"] == text


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("0.001")])
def test_no_uri_for_nothing_owed(amount):
    with pytest.raises(ValueError, match="above zero"):
        upi_payment_uri(payee_vpa="a@b", payee_name="S", amount=amount, note="n")


def test_float_amount_and_missing_vpa_are_refused():
    with pytest.raises(TypeError):
        upi_payment_uri(payee_vpa="a@b", payee_name="S", amount=10.5, note="n")
    with pytest.raises(ValueError, match="UPI ID"):
        upi_payment_uri(payee_vpa="  ", payee_name="S", amount=Decimal("1"), note="n")


def test_note_is_cut_to_fifty_characters_and_currency_is_passed():
    uri = upi_payment_uri(payee_vpa="a@b", payee_name="S", amount=Decimal("1"), note="x" * 80, currency="INR")
    assert uri.endswith("&cu=INR&tn=" + "x" * 50)


def test_qr_is_an_inline_svg():
    uri = upi_payment_uri(payee_vpa="a@b", payee_name="S", amount=Decimal("1"), note="n")
    svg = upi_qr_svg(uri)
    assert svg.startswith('<svg width="') and svg.rstrip().endswith("</svg>")
    assert 'class="upi-qr"' in svg
    assert "<?xml" not in svg and "<script" not in svg
    # The SVG draws modules, and another URI is another code.
    assert "<path" in svg
    assert upi_qr_svg(uri.replace("am=1.00", "am=2.00")) != svg
