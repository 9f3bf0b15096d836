"""Invoice numbers (DESIGN §6; GST rule 46(b) of the CGST Rules 2017): per shop and
financial year, consecutive with no gaps, unique, at most 16 characters of letters,
digits, ``-`` and ``/`` — e.g. ``INV/26-27/0001``."""

import datetime

from django.db import connection
from django.utils.translation import gettext as _

from accounts.models import Shop
from billing.models import BillOfSupplySequence, CreditNoteSequence, InvoiceSequence, Series
from billing.services import BillingError

MAX_LENGTH = 16


def financial_year(day: datetime.date, start_month: int = 4) -> str:
    """The financial year containing ``day`` as ``"YY-YY"``: 2026-04-01 → ``"26-27"``,
    2027-03-31 → ``"26-27"`` (with the default April start)."""
    start_year = day.year if day.month >= start_month else day.year - 1
    if start_month == 1:
        return f"{start_year % 100:02d}"
    return f"{start_year % 100:02d}-{(start_year + 1) % 100:02d}"


def format_number(prefix: str, year: str, sequence: int) -> str:
    """``prefix/year/NNNN`` (at least 4 digits). Raises ``BillingError`` past 16 characters."""
    number = f"{prefix}/{year}/{sequence:04d}"
    if len(number) > MAX_LENGTH:
        raise BillingError(_("Invoice number %(number)s would be longer than %(max)s characters; use a shorter "
                             "invoice prefix in shop settings.") % {"number": number, "max": MAX_LENGTH})
    return number


def _ensure_sequence(shop: Shop, year: str, model=InvoiceSequence) -> None:
    """Create the year's sequence row if missing, as one upsert that locks the row.

    Not ``get_or_create()``: on MariaDB, concurrent first invoices of a year would each
    hit the duplicate key, take a shared lock on the new row, then deadlock upgrading
    it for ``select_for_update()``. ``INSERT … ON DUPLICATE KEY UPDATE`` (``ON CONFLICT
    DO UPDATE`` elsewhere) takes the exclusive lock at once, so they queue instead.
    """
    target = ({"unique_fields": ["shop", "financial_year"]}
              if connection.features.supports_update_conflicts_with_target else {})
    model.objects.bulk_create([model(shop=shop, financial_year=year)], update_conflicts=True,
                              update_fields=["financial_year"], **target)


def invoice_sequence_lock(*, shop: Shop, day: datetime.date, model=InvoiceSequence) -> InvoiceSequence:
    """Lock (``select_for_update``) and return the sequence row of ``day``'s financial year,
    creating it if missing. Inside a transaction it makes every invoice of the shop and year
    wait for the one holding it, e.g. while a repeated one-time key is looked up. ``model``:
    ``InvoiceSequence`` (default) or another series of the same shape (``CreditNoteSequence``)."""
    year = financial_year(day, shop.financial_year_start_month)
    _ensure_sequence(shop, year, model)
    return model.objects.select_for_update().get(shop=shop, financial_year=year)


#: The prefix of bills of supply (``BOS/26-27/0001``; the shop settings refuse it as an invoice prefix).
BILL_OF_SUPPLY_PREFIX = "BOS"


def series_sequence(series: str):
    """The sequence model of an invoice ``series`` (``billing.models.Series``)."""
    return BillOfSupplySequence if series == Series.BILL_OF_SUPPLY else InvoiceSequence


def invoice_number_next(*, shop: Shop, day: datetime.date, series: str = Series.INVOICE) -> tuple[str, str, int]:
    """Take the next number of ``series`` for ``day``'s financial year: ``(number, year,
    sequence)``; invoices use the shop's prefix, bills of supply ``BOS``.

    Must run inside the issuing transaction: the sequence row is locked with
    ``select_for_update()`` until it commits, so concurrent invoices queue and a
    rolled-back invoice gives its number back (no gaps).
    """
    sequence = invoice_sequence_lock(shop=shop, day=day, model=series_sequence(series))
    year = sequence.financial_year
    sequence.last_number += 1
    prefix = BILL_OF_SUPPLY_PREFIX if series == Series.BILL_OF_SUPPLY else shop.invoice_prefix
    number = format_number(prefix, year, sequence.last_number)
    sequence.save(update_fields=["last_number"])
    return number, year, sequence.last_number


#: The prefix of the credit note series (``CN/26-27/0001``).
CREDIT_NOTE_PREFIX = "CN"


def credit_note_number_next(*, shop: Shop, day: datetime.date) -> tuple[str, str, int]:
    """Take the next credit note number for ``day``'s financial year: ``(number, year,
    sequence)``, e.g. ``("CN/26-27/0001", "26-27", 1)``. The same rule as
    :func:`invoice_number_next` on the credit notes' own series (``CreditNoteSequence``):
    run it inside the raising transaction."""
    sequence = invoice_sequence_lock(shop=shop, day=day, model=CreditNoteSequence)
    year = sequence.financial_year
    sequence.last_number += 1
    number = format_number(CREDIT_NOTE_PREFIX, year, sequence.last_number)
    sequence.save(update_fields=["last_number"])
    return number, year, sequence.last_number
