"""What a shop's market (``core.markets``, issue 16) means for the ledger.

- The payment methods its forms offer, in ``Market.payment_methods`` order (India: cash,
  UPI, card, bank, other; Bangladesh: cash, bKash, Nagad, card, bank, other; Kenya: cash,
  M-Pesa, card, bank, other; elsewhere: cash, card, bank, other), and the refund methods
  (cash and bank everywhere, UPI where the market pays by UPI).
- The hint under a payment's reference ("M-Pesa code" in Kenya …) and the "I have paid"
  form's reference field on the public statement.
- How customers are told to pay (:func:`pay_by`): the UPI ID in India, the M-Pesa till or
  paybill in Kenya, the bKash/Nagad number in Bangladesh (``Shop.mobile_money``); nothing
  when the shop has none, nor in other countries. The UPI QR code stays India's
  (``ledger.selectors.statements.upi_payment_for``).
- The method a confirmed "I have paid" report is recorded with (:func:`claim_method`).
- The shop's and the customer's tax number on statements outside India (the BIN in
  Bangladesh, the KRA PIN in Kenya): :func:`tax_number_line`.

Pure functions of the shop (and customer): no query.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Shop
from core.markets import Country
from customers.models import Customer
from ledger.models import Payment, Refund

#: Refunds by cash and bank transfer are offered in every country.
REFUND_METHODS_EVERYWHERE = (Refund.Method.CASH, Refund.Method.BANK)

#: Methods named after a brand: they keep their capitals inside a sentence ("received, M-Pesa").
BRAND_METHODS = (Payment.Method.BKASH, Payment.Method.NAGAD, Payment.Method.MPESA)

REFERENCE_HELP = {
    Country.INDIA: gettext_lazy("UPI / card / bank reference (optional)."),
    Country.BANGLADESH: gettext_lazy("bKash / Nagad transaction ID, or card / bank reference (optional)."),
    Country.KENYA: gettext_lazy("M-Pesa code, or card / bank reference (optional)."),
    Country.OTHER: gettext_lazy("Card / bank reference (optional)."),
}


def _country(shop: Shop) -> str:
    return shop.market.country  # India's market for a shop without a country


def payment_methods(shop: Shop) -> tuple[str, ...]:
    """The ``Payment.Method`` values ``shop`` may record, in the order its forms offer them."""
    return shop.market.payment_methods


def payment_method_choices(shop: Shop) -> list[tuple[str, str]]:
    """``(value, label)`` of :func:`payment_methods`, for a form's ``ChoiceField``."""
    labels = dict(Payment.Method.choices)
    return [(method, labels[method]) for method in payment_methods(shop)]


def refund_methods(shop: Shop) -> tuple[str, ...]:
    """The ``Refund.Method`` values ``shop`` may pay credit back with: cash and bank transfer
    everywhere, UPI where the market has it (India)."""
    offered = payment_methods(shop)
    return tuple(value for value in Refund.Method.values if value in REFUND_METHODS_EVERYWHERE or value in offered)


def refund_method_choices(shop: Shop) -> list[tuple[str, str]]:
    """``(value, label)`` of :func:`refund_methods`, in ``Refund.Method`` order."""
    allowed = refund_methods(shop)
    return [(value, label) for value, label in Refund.Method.choices if value in allowed]


def payment_reference_help(shop: Shop) -> str:
    """The help text of a payment's reference field in ``shop``'s market."""
    return REFERENCE_HELP.get(_country(shop), REFERENCE_HELP[Country.OTHER])


def refund_reference_help(shop: Shop) -> str:
    """The help text of a refund's reference field: UPI or bank in India, bank elsewhere."""
    if Refund.Method.UPI in refund_methods(shop):
        return _("UPI / bank reference (optional).")
    return _("Bank reference (optional).")


def method_in_sentence(entry) -> str:
    """``entry``'s method (a payment or refund) as a word inside a sentence: lower case
    ("cash", "bank transfer", "upi"), brand names as they are written ("M-Pesa", "bKash")."""
    label = entry.get_method_display()
    return label if entry.method in BRAND_METHODS else label.lower()


@dataclass(frozen=True)
class PayBy:
    """How a customer can pay the shop from their phone: ``kind`` (``"upi"``, ``"mpesa"``
    or ``"bkash_nagad"``), ``label`` (the service's name: "UPI", "M-Pesa", "bKash/Nagad")
    and ``account`` (the UPI ID, the till or paybill, the bKash/Nagad number)."""

    kind: str
    label: str
    account: str

    @property
    def is_upi(self) -> bool:
        return self.kind == "upi"

    def sentence(self) -> str:
        """One line for a text message: "Pay by UPI to shop@okaxis." / "Pay by M-Pesa: Till 123456."
        (in the active language)."""
        if self.is_upi:
            return _("Pay by UPI to %(upi_id)s.") % {"upi_id": self.account}
        return _("Pay by %(method)s: %(account)s.") % {"method": self.label, "account": self.account}


def pay_by(shop: Shop) -> PayBy | None:
    """How ``shop``'s customers pay it by phone, or None (nothing set, or a country without
    such a service): India the UPI ID, Kenya M-Pesa, Bangladesh bKash/Nagad (both from
    ``Shop.mobile_money``)."""
    country = _country(shop)
    if country == Country.INDIA:
        upi_id = (shop.upi_id or "").strip()
        return PayBy("upi", "UPI", upi_id) if upi_id else None
    account = " ".join((shop.mobile_money or "").split())
    if not account:
        return None
    if country == Country.KENYA:
        return PayBy("mpesa", "M-Pesa", account)
    if country == Country.BANGLADESH:
        return PayBy("bkash_nagad", "bKash/Nagad", account)
    return None


def claim_method(shop: Shop) -> str:
    """The ``Payment.Method`` a confirmed "I have paid" report is recorded with: UPI in
    India, M-Pesa in Kenya; in Bangladesh bKash or Nagad when ``Shop.mobile_money`` names
    just one of them; else "other" (the reference says what the customer paid with)."""
    country = _country(shop)
    if country == Country.INDIA:
        return Payment.Method.UPI
    if country == Country.KENYA:
        return Payment.Method.MPESA
    if country == Country.BANGLADESH:
        named = [method for method in (Payment.Method.BKASH, Payment.Method.NAGAD)
                 if method in (shop.mobile_money or "").lower()]
        if len(named) == 1:
            return named[0]
    return Payment.Method.OTHER


@dataclass(frozen=True)
class ClaimReferenceField:
    """The public "I have paid" form's reference field in a market: label, help, placeholder."""

    label: str
    help_text: str
    placeholder: str


def claim_reference_field(shop: Shop) -> ClaimReferenceField:
    """Label, help text and placeholder of the "I have paid" reference (active language)."""
    country = _country(shop)
    if country == Country.INDIA:
        return ClaimReferenceField(
            _("UPI reference"),
            _("The 12-digit UTR / transaction ID shown in your UPI app, so the shop can find the payment."),
            _("e.g. 412345678901"))
    if country == Country.KENYA:
        return ClaimReferenceField(
            _("M-Pesa code"),
            _("The code in your M-Pesa confirmation message, so the shop can find the payment."),
            _("e.g. SGH7K2LM4P"))
    if country == Country.BANGLADESH:
        return ClaimReferenceField(
            _("bKash / Nagad transaction ID"),
            _("The TrxID in your bKash or Nagad confirmation message, so the shop can find the payment."),
            _("e.g. 9BG4RT6YUI"))
    return ClaimReferenceField(
        _("Reference"),
        _("A transaction or receipt number, so the shop can find the payment."),
        _("Optional"))


def claim_reference_label(shop: Shop) -> str:
    """The column heading of a claim's reference (the claims list): "UPI reference" in India …"""
    return claim_reference_field(shop).label


def tax_number_line(obj: Shop | Customer, *, shop: Shop) -> str:
    """``"BIN: 000123456-0101"`` / ``"KRA PIN: P051234567X"`` for ``obj`` (the shop or one of
    its customers) with a tax number, outside India; ``""`` otherwise (India's statements
    carry no tax number, and GST numbers are billing's)."""
    number = (obj.tax_number or "").strip()
    country = _country(shop)
    if not number or country == Country.INDIA:
        return ""
    if country == Country.BANGLADESH:
        return _("BIN: %(number)s") % {"number": number}
    if country == Country.KENYA:
        return _("KRA PIN: %(number)s") % {"number": number}
    return _("Tax number: %(number)s") % {"number": number}
