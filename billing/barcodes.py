"""Product barcodes (issue #15): what a USB scanner types at the counter.

EAN-13 and EAN-8 codes carry a check digit (GS1: weights 3 and 1 from the right, the
digit makes the sum a multiple of 10); a code of 13 or 8 digits must have the right one.
Other codes (UPC-A, Code 128 labels the shop prints itself…) are accepted as typed.
"""

from django.utils.translation import gettext as _

from billing.services import BillingError

MAX_LENGTH = 32


def ean_check_digit(digits: str) -> int:
    """The GS1 check digit of ``digits`` (the code without its last digit): 12 digits for
    EAN-13, 7 for EAN-8. ``ean_check_digit("400638133393")`` → 1."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def is_valid_ean(code: str) -> bool:
    """True when ``code`` is 13 or 8 digits with a correct check digit."""
    return len(code) in (8, 13) and code.isdigit() and ean_check_digit(code[:-1]) == int(code[-1])


def clean_barcode(value: str | None, *, field: str = "barcode") -> str | None:
    """``value`` stripped of spaces, or ``None`` when empty. Raises ``BillingError(field=…)``
    for a 13- or 8-digit code whose check digit is wrong (a mistyped EAN), a code with
    spaces inside or longer than 32 characters."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH or any(c.isspace() for c in value):
        raise BillingError(_("A barcode is one word of at most %(max)s characters.") % {"max": MAX_LENGTH},
                           field=field)
    if value.isdigit() and len(value) in (8, 13) and not is_valid_ean(value):
        kind = "EAN-13" if len(value) == 13 else "EAN-8"
        raise BillingError(_("%(code)s is not a valid %(kind)s barcode: its check digit should be %(digit)s. Scan it "
                             "again or check the digits.")
                           % {"code": value, "kind": kind, "digit": ean_check_digit(value[:-1])}, field=field)
    return value
