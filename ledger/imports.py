"""The customer import (issue #13): rows of a spreadsheet (read by :mod:`core.sheets`)
checked, then written in bulk with their opening balances.

Here rather than in ``customers`` because an opening balance is a ledger entry (posted by
:func:`ledger.services.opening.opening_balances_post`). The import job around it (upload,
preview, progress, confirm) is billing's (``billing.services.imports``).

Columns: name and phone (required), email, address, opening balance and the date it is as
of (today when empty). A row is refused for a missing or too long name, a phone number that
is not valid for the shop's country, a phone number already used by an active customer of
the shop or by an earlier row of the file, an email address that is not one, an opening
balance that is not an amount of money or is negative, or an as-of date that is not a date,
is before 2000 or in the future.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Shop
from core.db import bulk_create_with_history
from core.money import AMOUNT_LIMIT, ZERO, format_shop_money, quantize_money
from core.sheets import CheckResult, Column, chunks, clean_text, parse_date, parse_decimal
from customers.models import Customer
from customers.phones import international, phone_tail, shop_e164
from customers.totals import totals_apply
from ledger.services.entries import EARLIEST_ENTRY_DATE
from ledger.services.opening import OpeningBalance, opening_balances_post

NAME_MAX = Customer._meta.get_field("name").max_length
PHONE_MAX = Customer._meta.get_field("phone").max_length
EMAIL_MAX = Customer._meta.get_field("email").max_length
BATCH_SIZE = 1000

# The labels are the template's headers and are matched against uploaded files, so they are
# only noted for the catalogue here (gettext_noop: openpyxl writes plain strings only); the
# aliases and examples are what files say, not text of the interface.
CUSTOMER_COLUMNS = (
    Column("name", gettext_noop("Name"), ("Customer", "Customer name", "Full name", "Party", "Party name"),
           required=True, example="Asha Verma", help=gettext_lazy("Required.")),
    Column("phone", gettext_noop("Phone"), ("Mobile", "Mobile No.", "Phone number", "Mobile number", "Phone No.",
                                            "Contact", "Contact No.", "Contact number", "WhatsApp", "Cell"),
           required=True, example="98765 43210",
           help=gettext_lazy("Required. Without a country code, your shop's country is assumed.")),
    Column("email", gettext_noop("Email"), ("E-mail", "Email address", "Email ID", "Mail"),
           example="asha@example.com", help=gettext_lazy("Optional.")),
    Column("address", gettext_noop("Address"), ("Addr", "Full address"), example="12 MG Road, Lucknow",
           help=gettext_lazy("Optional.")),
    Column("opening_balance", gettext_noop("Opening balance"),
           ("Balance", "Amount due", "Outstanding", "Opening", "Opening due", "Due", "Old balance",
            "Previous balance"),
           example="1500.00", help=gettext_lazy("Optional. What the customer owes you now; empty or 0 for nothing.")),
    Column("as_of", gettext_noop("As of"), ("As of date", "Balance date", "Opening date", "Opening balance date",
                                            "Date"),
           example="2026-04-01", help=gettext_lazy("Optional. The date of the opening balance (today when empty).")),
)


@dataclass(frozen=True)
class CustomerRow:
    """A checked row: the customer's fields (``phone_e164`` the number in E.164), the
    ``opening_balance`` (Decimal ≥ 0, shop currency; 0: none) ``as_of`` a date, and ``row``,
    its row number in the file."""

    row: int
    name: str
    phone: str
    phone_e164: str
    email: str
    address: str
    opening_balance: Decimal
    as_of: datetime.date


def day_first(shop: Shop) -> bool:
    """Whether the shop writes dates day first (31/03/2026): all but a US locale."""
    return not (shop.locale or "").endswith("_US")


def _parse(shop: Shop, raw: dict, today: datetime.date) -> tuple[CustomerRow | None, list[str]]:
    """One row's fields checked on their own (not yet against other rows or the shop)."""
    errors = []
    name = clean_text(raw.get("name", ""))
    if not name:
        errors.append(_("Enter a name."))
    elif len(name) > NAME_MAX:
        errors.append(_("The name is longer than %(max)s characters.") % {"max": NAME_MAX})
    phone = clean_text(raw.get("phone", ""))
    e164 = ""
    if not phone:
        errors.append(_("Enter a phone number."))
    elif len(phone) > PHONE_MAX or not (e164 := shop_e164(phone, shop=shop) or ""):
        errors.append(_("“%(phone)s” is not a valid phone number.") % {"phone": phone[:40]})
    email = raw.get("email", "").strip()
    if email and not _is_email(email):
        errors.append(_("“%(email)s” is not a valid email address.") % {"email": email[:60]})
    balance = ZERO
    if text := raw.get("opening_balance", "").strip():
        try:
            balance = parse_decimal(text, places=2, what=_("the opening balance"))
        except ValueError as exc:
            errors.append(_("Opening balance: %(error)s") % {"error": exc})
        else:
            if balance < 0:
                errors.append(_("The opening balance cannot be negative."))
            elif balance >= AMOUNT_LIMIT:
                errors.append(_("The opening balance is too large."))
            else:
                balance = quantize_money(balance)
    as_of = today
    if text := raw.get("as_of", "").strip():
        try:
            as_of = parse_date(text, day_first=day_first(shop))
        except ValueError as exc:
            errors.append(_("As of: %(error)s") % {"error": exc})
        else:
            if as_of > today:
                errors.append(_("The as-of date cannot be in the future."))
            elif as_of < EARLIEST_ENTRY_DATE:
                errors.append(_("The as-of date cannot be before %(date)s.")
                              % {"date": date_format(EARLIEST_ENTRY_DATE, "d M Y")})
    if errors:
        return None, errors
    return CustomerRow(row=raw["_row"], name=name, phone=phone, phone_e164=e164, email=email,
                       address=raw.get("address", "").strip(), opening_balance=balance, as_of=as_of), []


def _is_email(text: str) -> bool:
    """Whether ``text`` is an email address that fits the customer's field."""
    if len(text) > EMAIL_MAX:
        return False
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _existing_phones(shop: Shop, numbers: set[str]) -> dict[str, str]:
    """``{E.164: name}`` of the shop's active customers with one of ``numbers``."""
    if not numbers:
        return {}
    return dict(Customer.objects.filter(shop=shop, is_archived=False, phone_e164__in=sorted(numbers))
                .order_by("-pk").values_list("phone_e164", "name"))


def customer_rows_check(*, shop: Shop, rows: Sequence[dict], today: datetime.date | None = None,
                        progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check the rows of a customer sheet (dicts from ``core.sheets.read_sheet`` with
    :data:`CUSTOMER_COLUMNS`) for ``shop``; write nothing.

    Returns a ``CheckResult``: ``good`` is the ``CustomerRow`` of each row without an error,
    ``errors`` lists each other row's messages (see the module doc). ``progress(n)`` is
    called after every chunk of rows with the number checked so far. One query per chunk
    (the phone numbers already in the shop).
    """
    today = today or timezone.localdate()
    result = CheckResult()
    first_row_of: dict[str, int] = {}
    done = 0
    for chunk in chunks(rows):
        parsed = [(raw, *_parse(shop, raw, today)) for raw in chunk]
        taken = _existing_phones(shop, {row.phone_e164 for _raw, row, _errors in parsed if row is not None})
        for raw, row, errors in parsed:
            if row is not None:
                if row.phone_e164 in taken:
                    errors = [_("%(name)s already has this phone number (%(phone)s).")
                              % {"name": taken[row.phone_e164], "phone": international(row.phone_e164)}]
                elif row.phone_e164 in first_row_of:
                    errors = [_("Same phone number as row %(row)s.") % {"row": first_row_of[row.phone_e164]}]
                else:
                    first_row_of[row.phone_e164] = row.row
            if errors:
                result.errors.append((raw["_row"], errors))
            else:
                result.good.append(row)
        done += len(chunk)
        if progress is not None:
            progress(done)
    return result


def customer_row_display(shop: Shop, row: CustomerRow) -> list[str]:
    """A checked row as the preview shows it: name, phone (spaced), email, address, opening
    balance (money) and its date (or ``""``)."""
    has_balance = row.opening_balance > 0
    return [row.name, international(row.phone_e164), row.email, row.address,
            format_shop_money(shop, row.opening_balance) if has_balance else "",
            row.as_of.isoformat() if has_balance else ""]


#: The preview's headings for :func:`customer_row_display`.
CUSTOMER_DISPLAY_HEADINGS = (gettext_lazy("Name"), gettext_lazy("Phone"), gettext_lazy("Email"),
                             gettext_lazy("Address"), gettext_lazy("Opening balance"), gettext_lazy("As of"))


def _new_customer(shop: Shop, row: CustomerRow) -> Customer:
    """The unsaved ``Customer`` of a checked row."""
    return Customer(shop=shop, name=row.name, phone=row.phone, phone_e164=row.phone_e164,
                    phone_tail=phone_tail(row.phone, row.phone_e164), email=row.email, address=row.address)


@transaction.atomic
def customers_import(*, shop: Shop, rows: Sequence[CustomerRow], created_by=None) -> list[Customer]:
    """Create a customer of ``shop`` for each checked row and post the opening balances
    (a due "Opening balance" dated ``as_of``, no due date) through
    :func:`opening_balances_post`; return the customers in row order.

    One transaction: an error anywhere writes nothing. Bulk inserts (with history rows by
    ``created_by``), so 50,000 rows take seconds. The rows must come from
    :func:`customer_rows_check` (nothing is checked again here). The shop's customer
    totals count the new customers in one ``UPDATE`` once they are inserted (their
    balances then move them through the opening balances).
    """
    customers: list[Customer] = []
    for batch in chunks(rows, BATCH_SIZE):
        new = [_new_customer(shop, row) for row in batch]
        bulk_create_with_history(Customer, new, user=created_by)
        customers.extend(new)
    totals_apply(shop_id=shop.pk, customers=len(customers))
    opening_balances_post(shop=shop, created_by=created_by, rows=[
        OpeningBalance(customer_id=customer.pk, amount=row.opening_balance, incurred_on=row.as_of)
        for customer, row in zip(customers, rows, strict=True) if row.opening_balance > 0])
    return customers
