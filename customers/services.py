"""Writes of the customers app. Ledger figures are not touched here."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Shop
from accounts.permissions import check_actor
from core.errors import DomainError
from core.gst import state_with_gstin
from customers import selectors
from customers.models import Customer
from customers.phones import international, phone_tail, shop_e164
from customers.totals import totals_apply

EDITABLE_FIELDS = ("name", "phone", "email", "address", "gstin", "state", "tax_number", "notes", "credit_limit",
                   "language")


class CustomerError(DomainError):
    """A customer change that the business rules refuse (a :class:`core.errors.DomainError`):
    ``str(error)`` is a message for the user; ``field`` names the form field it belongs to,
    if any."""


class DuplicatePhoneError(CustomerError):
    """Another active customer of the shop already has this phone number.

    Not a hard rule (two family members may share a phone): the caller shows
    ``customers`` (a list of ``Customer`` of the same shop) and, if the user confirms,
    repeats the call with ``confirm_phone=phone_e164``. ``phone_display`` is the number
    spaced for reading (``+91 96510 34997``).
    """

    def __init__(self, *, phone_e164: str, customers: list[Customer]):
        self.phone_e164 = phone_e164
        self.phone_display = international(phone_e164)
        self.customers = customers
        names = ", ".join(c.name for c in customers)
        super().__init__(ngettext("%(names)s already has this phone number (%(phone)s).",
                                  "%(names)s already have this phone number (%(phone)s).", len(customers))
                         % {"names": names, "phone": self.phone_display}, field="phone")


def _gst_fields(gstin: str, state: str) -> tuple[str, str]:
    """``(gstin, state)`` tidied: the GSTIN in upper case without spaces, the state its
    GSTIN's when not given. Raises ``CustomerError`` (``field="state"``) when a state other
    than the GSTIN's is given; the GSTIN itself is checked by the model's validator."""
    gstin = "".join((gstin or "").split()).upper()
    try:
        return gstin, state_with_gstin(gstin, state or "")
    except ValueError as error:
        raise CustomerError(str(error), field="state") from error


def _check_editor(*, customer: Customer, membership) -> None:
    """Raise ``accounts.permissions.PermissionError`` unless ``membership`` (the acting
    user's, or ``None`` for commands and tasks: not checked) may edit ``customer``'s shop's
    customers (``customer.edit``)."""
    if membership is not None:
        check_actor(shop=customer.shop, action="customer.edit", membership=membership)


def _check_duplicate_phone(*, shop: Shop, phone_e164: str, exclude_pk: int | None, confirm_phone: str) -> None:
    """Raise ``DuplicatePhoneError`` if another active customer of ``shop`` has
    ``phone_e164``, unless the user confirmed that very number."""
    if not phone_e164 or phone_e164 == confirm_phone:
        return
    others = selectors.customers_with_phone(shop=shop, phone_e164=phone_e164, exclude_pk=exclude_pk)
    if others:
        raise DuplicatePhoneError(phone_e164=phone_e164, customers=others)


@transaction.atomic
def customer_create(*, shop: Shop, name: str, phone: str = "", email: str = "", address: str = "",
                    gstin: str = "", state: str = "", notes: str = "", credit_limit=None,
                    language: str = "", tax_number: str = "", confirm_phone: str = "",
                    membership=None) -> Customer:
    """Add a customer to ``shop`` with a zero balance.

    ``membership``: the acting user's (a view passes ``request.membership``); raises
    ``accounts.permissions.PermissionError`` unless its role may ``customer.edit``
    (``None``: a command or task, not checked).

    ``phone`` is stored as given, and in E.164 (``phone_e164``) with the shop's country;
    ``phone_tail`` (its digits reversed) serves the search by the last digits.
    Raises ``DuplicatePhoneError`` when another active customer of the shop has the same
    number, unless ``confirm_phone`` is that number in E.164 (the user saw the warning and
    saves anyway); ``language``: a code of ``settings.LANGUAGES`` for the customer's
    messages, empty for the shop's; ``CustomerError`` for a state other than the GSTIN's (``gstin``: a
    GSTIN, stored in upper case; ``state``: a ``core.gst`` state code, the GSTIN's when
    left empty); ``ValidationError`` for invalid fields (an invalid GSTIN included).
    """
    check_actor(shop=shop, action="customer.edit", membership=membership)
    gstin, state = _gst_fields(gstin, state)
    customer = Customer(shop=shop, name=name, phone=phone, email=email, address=address, gstin=gstin, state=state,
                        notes=notes, credit_limit=credit_limit, language=language,
                        tax_number=tax_number.strip(),
                        phone_e164=shop_e164(phone, shop=shop) or "")
    customer.phone_tail = phone_tail(phone, customer.phone_e164)
    customer.full_clean()
    _check_duplicate_phone(shop=shop, phone_e164=customer.phone_e164, exclude_pk=None, confirm_phone=confirm_phone)
    customer.save()
    totals_apply(shop_id=shop.pk, customers=0 if customer.is_archived else 1)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, confirm_phone: str = "", membership=None, **fields) -> Customer:
    """Change a customer's contact fields (see ``EDITABLE_FIELDS``).

    A changed ``phone`` updates ``phone_e164`` and ``phone_tail``; if the new number belongs
    to another active customer of the shop, raises ``DuplicatePhoneError`` unless
    ``confirm_phone`` is that number in E.164 (nothing is saved). Keeping a number that is shared already
    needs no confirmation. Raises ``TypeError`` for fields that are not editable and
    ``ValidationError`` for invalid values. ``membership`` as for :func:`customer_create`
    (``PermissionError`` unless it may ``customer.edit``; nothing is saved).
    """
    _check_editor(customer=customer, membership=membership)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "gstin" in fields or "state" in fields:
        fields["gstin"], fields["state"] = _gst_fields(fields.get("gstin", customer.gstin),
                                                       fields.get("state", customer.state if "gstin" not in fields
                                                                  else ""))
    update_fields = [*fields, "updated_at"]
    if "phone" in fields:
        phone_e164 = shop_e164(fields["phone"], shop=customer.shop) or ""
        if phone_e164 != customer.phone_e164:
            _check_duplicate_phone(shop=customer.shop, phone_e164=phone_e164, exclude_pk=customer.pk,
                                   confirm_phone=confirm_phone)
        customer.phone_e164 = phone_e164
        customer.phone_tail = phone_tail(fields["phone"], phone_e164)
        update_fields += ["phone_e164", "phone_tail"]
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save(update_fields=update_fields)
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer, membership=None) -> Customer:
    """Hide a customer from the list. Raises ``CustomerError`` unless the balance is zero,
    ``PermissionError`` unless ``membership`` (as for :func:`customer_create`) may
    ``customer.edit``.

    The row is locked so a payment or due posted at the same time cannot slip in
    between the check and the update.
    """
    _check_editor(customer=customer, membership=membership)
    locked = Customer.objects.select_for_update().get(shop_id=customer.shop_id, pk=customer.pk)
    if locked.balance != 0:
        raise CustomerError(_("Only a customer with a zero balance can be archived. Settle the account first."))
    if locked.is_archived:
        return locked
    locked.is_archived = True
    locked.save(update_fields=["is_archived", "updated_at"])
    totals_apply(shop_id=locked.shop_id, customers=-1)  # after the customer's row (customers.totals)
    return locked


@transaction.atomic
def customer_unarchive(*, customer: Customer, membership=None) -> Customer:
    """Show an archived customer in the list again. Raises ``PermissionError`` unless
    ``membership`` (as for :func:`customer_create`) may ``customer.edit``.

    The row is locked, so the shop's count of active customers moves once however many
    times it is unarchived at the same time; an active customer is returned unchanged."""
    _check_editor(customer=customer, membership=membership)
    locked = Customer.objects.select_for_update().get(shop_id=customer.shop_id, pk=customer.pk)
    customer.is_archived = False
    if not locked.is_archived:
        return locked
    locked.is_archived = False
    locked.save(update_fields=["is_archived", "updated_at"])
    totals_apply(shop_id=locked.shop_id, customers=1)  # after the customer's row (customers.totals)
    return locked
