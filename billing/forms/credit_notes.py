"""The credit note form: one "quantity returned" field per invoice line, the reason,
the date and how the money goes back (``billing.services.credit_notes``)."""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm
from billing.models import CreditNote, Invoice, InvoiceLine
from billing.services.credit_notes import QUANTITY_FIELD
from core.money import DecimalFormField, NumberInput

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUANTITY_ERRORS = {
    "invalid": _("Enter a quantity such as 1 or 0.500."),
    "min_value": _("A returned quantity cannot be negative."),
    "max_digits": _("That quantity is too large."),
    "max_whole_digits": _("That quantity is too large."),
    "max_decimal_places": _("Use at most 3 digits after the point."),
}


class CreditNoteForm(OneTimeKeyForm):
    """Bound to an invoice's ``lines`` (``InvoiceLine`` list) and ``returned``
    (``{line id: quantity already returned}``): a ``quantity_<line id>`` field for each
    line with something left to return. ``return_all`` prefills every line with what is
    left. ``rows`` gives ``(line, left, bound field)`` for the template."""

    issued_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET,
                                error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})
    reason = forms.CharField(max_length=200, label=_("Reason for the return"),
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. damaged pack, wrong size")}))
    refund_method = forms.ChoiceField(choices=CreditNote.RefundMethod.choices, label=_("Give the money back as"),
                                      widget=forms.RadioSelect)

    def __init__(self, *args, invoice: Invoice, lines: list[InvoiceLine], returned: dict, return_all=False,
                 **kwargs):
        kwargs.setdefault("initial", {}).setdefault("issued_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        if invoice.customer_id is None:
            self.fields["refund_method"].choices = [c for c in CreditNote.RefundMethod.choices
                                                    if c[0] != CreditNote.RefundMethod.CREDIT]
            self.fields["refund_method"].help_text = gettext("A walk-in sale is refunded in cash or by UPI.")
            self.initial.setdefault("refund_method", CreditNote.RefundMethod.CASH)
        else:
            self.initial.setdefault("refund_method", CreditNote.RefundMethod.CREDIT)
            self.fields["refund_method"].help_text = gettext(
                "What is still owed on the invoice is reduced first; only the rest is credited or paid back.")
        self.line_rows = []
        for line in lines:
            left = line.quantity - returned.get(line.pk, Decimal(0))
            if left <= 0:
                self.line_rows.append((line, left, None))
                continue
            name = QUANTITY_FIELD.format(line.pk)
            self.fields[name] = DecimalFormField(
                required=False, max_digits=14, decimal_places=3, min_value=Decimal(0),
                validators=[MinValueValidator(Decimal(0))], error_messages=QUANTITY_ERRORS,
                label=gettext("Quantity of %(item)s returned") % {"item": line.description},
                widget=NumberInput(attrs={"step": "any", "min": "0", "max": format(left.normalize(), "f"),
                                                "inputmode": "decimal", "class": "form-control text-end"}))
            if return_all:
                self.initial[name] = left.normalize()
            self.line_rows.append((line, left, name))

    @property
    def rows(self):
        """``[(invoice line, quantity left to return, bound field or None), …]`` in line order."""
        return [(line, left, self[name] if name else None) for line, left, name in self.line_rows]

    def quantities(self) -> dict[int, Decimal]:
        """``{invoice line id: quantity}`` of the lines with a quantity entered (valid form only)."""
        return {line.pk: self.cleaned_data[name] for line, _left, name in self.line_rows
                if name and self.cleaned_data.get(name)}
