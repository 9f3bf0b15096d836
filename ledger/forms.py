from django import forms
from django.utils import timezone

from accounts.forms import AmountField
from accounts.money import format_money
from ledger.models import Due, Payment

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD."}


class DueForm(forms.Form):
    amount = AmountField()
    description = forms.CharField(max_length=200,
                                  widget=forms.TextInput(attrs={"placeholder": "e.g. Rice 10 kg, oil 2 L"}))
    incurred_on = forms.DateField(label="Date", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS,
                               help_text="When the customer promised to pay (optional).")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("incurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_description(self):
        description = " ".join(self.cleaned_data["description"].split())
        if not description:
            raise forms.ValidationError("Say what the credit was for.")
        return description

    def clean(self):
        data = super().clean()
        if data.get("due_date") and data.get("incurred_on") and data["due_date"] < data["incurred_on"]:
            self.add_error("due_date", "The due date cannot be before the date the credit was given.")
        return data


class DueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, due):
        label = f"{due.description} — {format_money(due.outstanding, self.currency, self.locale)} outstanding"
        if due.due_date:
            label += f", due {due.due_date:%d %b %Y}"
        return label


class PaymentForm(forms.Form):
    """A payment for one customer. ``open_dues`` (from ``customer_open_dues``) are the
    dues it may be applied to; leaving ``due`` empty applies it oldest-first."""

    amount = AmountField()
    due = DueChoiceField(queryset=Due.objects.none(), required=False, label="Apply to",
                         empty_label="Oldest dues first")
    received_on = forms.DateField(label="Date received", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.CASH)
    reference = forms.CharField(max_length=100, required=False, help_text="UPI / card / bank reference (optional).")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, shop, open_dues, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.open_dues = {due.pk: due for due in open_dues}
        field = self.fields["due"]
        field.queryset = Due.objects.filter(shop=shop, pk__in=list(self.open_dues))
        field.currency, field.locale = shop.currency, shop.locale
        # Render the choices from the dues we already have (with their outstanding).
        field.choices = [("", field.empty_label)] + [(d.pk, field.label_from_instance(d)) for d in open_dues]

    def clean_due(self):
        due = self.cleaned_data.get("due")
        return self.open_dues.get(due.pk) if due else None

    def clean(self):
        data = super().clean()
        due, amount = data.get("due"), data.get("amount")
        if due and amount and amount > due.outstanding:
            self.add_error("amount", f"This is more than the {due.outstanding} outstanding on the chosen due.")
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Entered twice"}))

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Give a reason for voiding.")
        return reason
