"""Invoice numbers (DESIGN §6; GST rule 46(b) of the CGST Rules 2017): per shop and
financial year, consecutive with no gaps, unique, at most 16 characters of letters,
digits, ``-`` and ``/`` — e.g. ``INV/26-27/0001``."""

import datetime

from django.db import connection

from accounts.models import Shop
from billing.models import InvoiceSequence
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
        raise BillingError(f"Invoice number {number} would be longer than {MAX_LENGTH} characters; "
                           "use a shorter invoice prefix in shop settings.")
    return number


def _ensure_sequence(shop: Shop, year: str) -> None:
    """Create the year's sequence row if missing, as one upsert that locks the row.

    Not ``get_or_create()``: on MariaDB, concurrent first invoices of a year would each
    hit the duplicate key, take a shared lock on the new row, then deadlock upgrading
    it for ``select_for_update()``. ``INSERT … ON DUPLICATE KEY UPDATE`` (``ON CONFLICT
    DO UPDATE`` elsewhere) takes the exclusive lock at once, so they queue instead.
    """
    target = ({"unique_fields": ["shop", "financial_year"]}
              if connection.features.supports_update_conflicts_with_target else {})
    InvoiceSequence.objects.bulk_create([InvoiceSequence(shop=shop, financial_year=year)], update_conflicts=True,
                                        update_fields=["financial_year"], **target)


def invoice_sequence_lock(*, shop: Shop, day: datetime.date) -> InvoiceSequence:
    """Lock (``select_for_update``) and return the sequence row of ``day``'s financial year,
    creating it if missing. Inside a transaction it makes every invoice of the shop and year
    wait for the one holding it, e.g. while a repeated one-time key is looked up."""
    year = financial_year(day, shop.financial_year_start_month)
    _ensure_sequence(shop, year)
    return InvoiceSequence.objects.select_for_update().get(shop=shop, financial_year=year)


def invoice_number_next(*, shop: Shop, day: datetime.date) -> tuple[str, str, int]:
    """Take the next number for ``day``'s financial year: ``(number, year, sequence)``.

    Must run inside the issuing transaction: the sequence row is locked with
    ``select_for_update()`` until it commits, so concurrent invoices queue and a
    rolled-back invoice gives its number back (no gaps).
    """
    sequence = invoice_sequence_lock(shop=shop, day=day)
    year = sequence.financial_year
    sequence.last_number += 1
    number = format_number(shop.invoice_prefix, year, sequence.last_number)
    sequence.save(update_fields=["last_number"])
    return number, year, sequence.last_number
