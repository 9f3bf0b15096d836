"""Forms of the customer's account: a due, a payment, "mark as paid", a refund and a void."""

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.forms import OneTimeKeyForm
from core.money import AmountField, format_money
from ledger import markets
from ledger.models import Due, Payment, Refund

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")}


class DueForm(OneTimeKeyForm):
    """Credit given to one customer: amount, what for, the date and an optional due date."""

    amount = AmountField(label=gettext_lazy("Amount"))
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Rice 10 kg, oil 2 L")}))
    incurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    due_date = forms.DateField(label=gettext_lazy("Due date"), required=False, widget=DATE_WIDGET,
                               error_messages=DATE_ERRORS,
                               help_text=gettext_lazy("When the customer promised to pay (optional)."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("incurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_description(self):
        description = " ".join(self.cleaned_data["description"].split())
        if not description:
            raise forms.ValidationError(_("Say what the credit was for."))
        return description

    def clean(self):
        data = super().clean()
        if data.get("due_date") and data.get("incurred_on") and data["due_date"] < data["incurred_on"]:
            self.add_error("due_date", _("The due date cannot be before the date the credit was given."))
        return data


def due_choice_label(due: Due, currency: str, locale: str) -> str:
    """``"Rice — ₹250.00 outstanding, due 05 Jan 2026"`` for a due with ``outstanding`` set."""
    values = {"description": due.description, "amount": format_money(due.outstanding, currency, locale)}
    if due.due_date:
        values["date"] = date_format(due.due_date, "d M Y")
        return _("%(description)s — %(amount)s outstanding, due %(date)s") % values
    return _("%(description)s — %(amount)s outstanding") % values


METHOD_NOT_OFFERED = gettext_lazy("Choose one of the payment methods this shop takes.")


def _offer_methods(field: forms.ChoiceField, choices: list[tuple[str, str]]) -> None:
    """Offer only ``choices`` in ``field`` (the shop's market's methods): any other posted
    value (UPI in a Kenyan shop …) is a form error on the field, never a 500."""
    field.choices = choices
    field.error_messages["invalid_choice"] = METHOD_NOT_OFFERED
    if field.initial not in dict(choices):
        field.initial = choices[0][0] if choices else None


class PaymentForm(OneTimeKeyForm):
    """A payment for one customer; leaving ``due`` empty applies it oldest-first.

    ``method`` offers the methods of the shop's market (``ledger.markets``), and the
    reference's help text names the market's own (UPI, M-Pesa, bKash/Nagad).

    ``open_dues`` is a function returning the dues it may be applied to (as
    ``customer_open_dues`` does). It is called only when needed, to render the choices or
    to check a chosen due, so a valid payment applied oldest-first reads no dues here (the
    service reads them again under the customer's row lock anyway).
    """

    amount = AmountField(label=gettext_lazy("Amount"))
    due = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=gettext_lazy("Apply to"))
    received_on = forms.DateField(label=gettext_lazy("Date received"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=Payment.Method.choices,
                               initial=Payment.Method.CASH)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False,
                                help_text=gettext_lazy("UPI / card / bank reference (optional)."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, shop, open_dues, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self._load_open_dues = open_dues
        self._shop = shop
        self.fields["due"].choices = self._due_choices  # a callable: evaluated when used
        _offer_methods(self.fields["method"], markets.payment_method_choices(shop))
        self.fields["reference"].help_text = markets.payment_reference_help(shop)

    @cached_property
    def open_dues(self) -> dict[int, Due]:
        return {due.pk: due for due in self._load_open_dues()}

    def _due_choices(self):
        return [("", _("Oldest dues first"))] + [
            (pk, due_choice_label(due, self._shop.currency, self._shop.locale)) for pk, due in self.open_dues.items()]

    def clean_due(self):
        pk = self.cleaned_data.get("due")
        return self.open_dues.get(pk) if pk is not None else None

    def clean(self):
        data = super().clean()
        due, amount = data.get("due"), data.get("amount")
        if due and amount and amount > due.outstanding:
            self.add_error("amount", _("This is more than the %(amount)s outstanding on the chosen due.")
                           % {"amount": due.outstanding})
        return data


class MarkPaidForm(OneTimeKeyForm):
    """Confirms "mark as paid": how (one of the methods of ``shop``'s market) and when the
    outstanding amount was received."""

    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.CASH,
                               label=gettext_lazy("Paid by"))
    received_on = forms.DateField(label=gettext_lazy("Date received"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, shop, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _offer_methods(self.fields["method"], markets.payment_method_choices(shop))


class RefundForm(OneTimeKeyForm):
    """Paying a customer's credit back; ``ledger.services.entries.refund_create`` checks the amount
    against the credit held. ``method`` offers cash and bank transfer, and UPI where ``shop``'s
    market has it."""

    amount = AmountField(label=gettext_lazy("Amount"))
    method = forms.ChoiceField(choices=Refund.Method.choices, initial=Refund.Method.CASH,
                               label=gettext_lazy("Paid back by"))
    refunded_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False,
                                help_text=gettext_lazy("UPI / bank reference (optional)."))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Paid twice by mistake")}))

    def __init__(self, *args, shop, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("refunded_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _offer_methods(self.fields["method"], markets.refund_method_choices(shop))
        self.fields["reference"].help_text = markets.refund_reference_help(shop)

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Give a reason for the refund."))
        return reason


class VoidForm(forms.Form):
    """The reason for voiding an entry (or an invoice), required."""

    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Entered twice")}))

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Give a reason for voiding."))
        return reason
