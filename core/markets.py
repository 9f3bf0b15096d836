"""Markets (issue 16): what a shop's country decides.

A shop chooses its country at registration (``Shop.country``). The country sets the
shop's currency and the territory of its locale (the formats of amounts and dates,
``core.locales``), the region of phone numbers written without ``+`` (from the locale's
territory, ``customers.phones``), the first month of the financial year (invoice
numbering), the tax scheme and the invoice layout, the default tax rate of new
products, and the payment methods offered besides cash, card and bank transfer.

- India: GST (tax invoices and bills of supply, CGST Rules 46 and 49), UPI; financial
  year April–March (Income-tax Act 1961, s. 3).
- Bangladesh: VAT invoice in the Mushak-6.3 layout (VAT and SD Act 2012, s. 51; VAT and
  SD Rules 2016, rule 40), bKash and Nagad; financial year July–June.
- Kenya: VAT at 16% (VAT Act 2013, s. 5), KRA PINs on invoices (VAT Regulations 2017,
  reg. 9), eTIMS control-unit invoice number and QR link, M-Pesa till or paybill;
  financial year January–December.
- Other: cash, card and bank only, no tax scheme, financial year January–December.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    """The countries Khata knows (ISO 3166-1 alpha-2; ``ZZ``: any other, CLDR's unknown region)."""

    INDIA = "IN", _("India")
    BANGLADESH = "BD", _("Bangladesh")
    KENYA = "KE", _("Kenya")
    OTHER = "ZZ", _("Other country")


class TaxScheme(models.TextChoices):
    """How invoices carry tax: India's GST, Bangladesh's VAT and SD, Kenya's VAT, or a plain tax line."""

    GST = "gst", _("GST (India)")
    VAT_BD = "vat_bd", _("VAT and SD (Bangladesh)")
    VAT_KE = "vat_ke", _("VAT (Kenya)")
    NONE = "", _("Tax shown as one line")


@dataclass(frozen=True)
class Market:
    """What ``country`` sets: ``currency`` (ISO 4217), ``locale`` (the Babel locale of
    formats in the shop's territory), ``language`` (a suggested code of
    ``settings.LANGUAGES``), ``financial_year_start_month`` (1–12), ``tax_scheme``,
    ``default_tax_rate`` (percent, a ``Decimal``), ``payment_methods`` (values of
    ``ledger.Payment.Method``, in the order the payment form offers them) and ``time_zone``
    (an IANA name: the local time printed on invoices; ``""``: the site's ``TIME_ZONE``)."""

    country: str
    currency: str
    locale: str
    language: str
    financial_year_start_month: int
    tax_scheme: str
    default_tax_rate: Decimal
    payment_methods: tuple[str, ...]
    time_zone: str = ""


MARKETS = {
    Country.INDIA: Market(Country.INDIA, "INR", "en_IN", "hi", 4, TaxScheme.GST, Decimal("0"),
                          ("cash", "upi", "card", "bank", "other"), "Asia/Kolkata"),
    Country.BANGLADESH: Market(Country.BANGLADESH, "BDT", "bn_BD", "bn", 7, TaxScheme.VAT_BD, Decimal("15"),
                               ("cash", "bkash", "nagad", "card", "bank", "other"), "Asia/Dhaka"),
    Country.KENYA: Market(Country.KENYA, "KES", "en_KE", "sw", 1, TaxScheme.VAT_KE, Decimal("16"),
                          ("cash", "mpesa", "card", "bank", "other"), "Africa/Nairobi"),
    Country.OTHER: Market(Country.OTHER, "USD", "en_US", "en", 1, TaxScheme.NONE, Decimal("0"),
                          ("cash", "card", "bank", "other")),
}


def market(country: str | None) -> Market:
    """The :class:`Market` of ``country`` (a :class:`Country` value); India's for an
    empty or unknown one (shops from before countries were recorded are Indian)."""
    return MARKETS.get(country or Country.INDIA, MARKETS[Country.INDIA])
