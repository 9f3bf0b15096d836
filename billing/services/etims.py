"""Kenya's eTIMS references on an issued invoice (issue 16).

A Kenyan shop passes each sale through KRA's electronic Tax Invoice Management System;
its control unit answers with an invoice number of its own and a link where the buyer
verifies the invoice. Both come after the invoice is issued, so they are filled in (or
corrected) later from the invoice's page; the A4 invoice, the PDF and the receipt print
them, the link as a QR code. Nothing else on the invoice changes, and its history keeps
each change with the user who made it.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.models import Invoice
from billing.services import BillingError

#: A control unit's invoice number: letters, digits, "/" and "-" (e.g. ``KRACU0100000001/152``).
CU_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]*$")
CU_NUMBER_MAX = Invoice._meta.get_field("etims_cu_number").max_length
QR_URL_MAX = Invoice._meta.get_field("etims_qr_url").max_length
#: What ``full_clean`` leaves alone: every field but the two this service writes.
OTHER_FIELDS = [f.name for f in Invoice._meta.concrete_fields if f.name not in ("etims_cu_number", "etims_qr_url")]
#: The permission the change needs: whoever sells at the counter copies the control unit's
#: answer onto the sale (``accounts.permissions``).
ETIMS_ACTION = "sale.create"


def clean_cu_number(value: str) -> str:
    """``value`` without spaces; raises ``BillingError`` (``field="etims_cu_number"``) unless
    it is empty or letters, digits, ``/`` and ``-`` (at most ``CU_NUMBER_MAX``)."""
    value = "".join((value or "").split())
    if value and (len(value) > CU_NUMBER_MAX or not CU_NUMBER_RE.match(value)):
        raise BillingError(_("Enter the control unit invoice number as printed: letters, digits, / and - "
                             "(at most %(max)s).") % {"max": CU_NUMBER_MAX}, field="etims_cu_number")
    return value


def clean_qr_url(value: str) -> str:
    """``value`` stripped; raises ``BillingError`` (``field="etims_qr_url"``) unless it is
    empty or an https link (at most ``QR_URL_MAX`` characters)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise BillingError(_("Enter the verification link as it is given, starting with https://."),
                           field="etims_qr_url") from None
    if len(value) > QR_URL_MAX:
        raise BillingError(_("The link is too long (at most %(max)s characters).") % {"max": QR_URL_MAX},
                           field="etims_qr_url")
    return value


@transaction.atomic
def invoice_etims_update(*, shop: Shop, invoice: Invoice, cu_number: str = "", qr_url: str = "",
                         membership=None, user=None) -> Invoice:
    """Record (or correct, or clear with "") the eTIMS control unit invoice number and the
    verification link of ``invoice``, a Kenyan VAT invoice of ``shop``.

    Raises ``BillingError`` (with the field) for a bad number or link, an invoice of
    another scheme or a void one; ``accounts.permissions.PermissionError`` unless the acting
    ``membership`` (else ``user``'s) may sell (``sale.create``). Nothing is written then."""
    check_actor(shop=shop, action=ETIMS_ACTION, membership=membership, user=user)
    cu_number, qr_url = clean_cu_number(cu_number), clean_qr_url(qr_url)
    try:
        invoice = Invoice.objects.select_for_update().get(shop=shop, pk=invoice.pk)
    except Invoice.DoesNotExist:
        raise BillingError(_("Choose an invoice of this shop.")) from None
    if not invoice.is_kenya_vat:
        raise BillingError(_("eTIMS references belong on Kenyan VAT invoices only."))
    if invoice.is_voided:
        raise BillingError(_("This invoice is void: its eTIMS references cannot change."))
    if (invoice.etims_cu_number, invoice.etims_qr_url) != (cu_number, qr_url):
        invoice.etims_cu_number, invoice.etims_qr_url = cu_number, qr_url
        if user is not None and getattr(user, "is_authenticated", False):
            invoice._history_user = user
        invoice.full_clean(exclude=OTHER_FIELDS, validate_unique=False, validate_constraints=False)
        invoice.save(update_fields=["etims_cu_number", "etims_qr_url"])
    return invoice
