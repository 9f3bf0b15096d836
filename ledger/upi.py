"""UPI payment links and QR codes for the public statement page.

A UPI "intent" URI (NPCI's deep-link format) opens the customer's UPI app with the
payee and amount filled in::

    upi://pay?pa=<payee VPA>&pn=<payee name>&am=<amount>&cu=INR&tn=<note>

Every value is percent-encoded as UTF-8 with nothing left unescaped
(``urllib.parse.quote(value, safe="")``), so a shop name with ``&``, spaces or
Devanagari cannot break the query string. The QR code encodes the same URI.
"""

from decimal import Decimal
from urllib.parse import quote

import segno

from core.money import quantize_money

# NPCI apps cut the transaction note ("tn") at 50 characters; keep ours within it.
UPI_NOTE_MAX_LENGTH = 50


def upi_payment_uri(*, payee_vpa: str, payee_name: str, amount: Decimal, note: str, currency: str = "INR") -> str:
    """Return the ``upi://pay`` URI asking for ``amount`` (Decimal > 0) to ``payee_vpa``.

    ``amount`` is written with exactly two decimals (``Decimal("1234.5")`` → ``1234.50``);
    ``note`` is cut to :data:`UPI_NOTE_MAX_LENGTH` characters. Raises ``ValueError``
    for an amount that is not more than zero or an empty VPA.
    """
    payee_vpa = (payee_vpa or "").strip()
    if not payee_vpa:
        raise ValueError("a UPI payment needs the payee's UPI ID")
    amount = quantize_money(amount)
    if amount <= 0:
        raise ValueError(f"a UPI payment needs an amount above zero, not {amount}")
    params = (
        ("pa", payee_vpa),
        ("pn", payee_name.strip()),
        ("am", f"{amount:.2f}"),
        ("cu", currency),
        ("tn", note.strip()[:UPI_NOTE_MAX_LENGTH]),
    )
    return "upi://pay?" + "&".join(f"{key}={quote(value, safe='')}" for key, value in params)


def upi_qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` element (no XML declaration).

    Black on white whatever the page's colours (scanners need the contrast), medium
    error correction, the standard 4-module quiet zone, 4 px per module (about 240 px
    for a statement link). The markup is generated, so it is safe to insert unescaped.
    """
    qr = segno.make(uri, error="m", micro=False)
    return qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="upi-qr", lineclass=None)
