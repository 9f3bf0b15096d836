from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.gst import STATE_CHOICES, state_with_gstin
from core.markets import Country
from customers.models import Customer


class CustomerForm(forms.ModelForm):
    """A customer's contact fields. ``phone`` is checked for 6 to 15 digits and kept as
    typed; whether another customer has the number is the services' question."""

    class Meta:
        model = Customer
        fields = ("name", "phone", "email", "language", "address", "gstin", "state", "tax_number", "notes",
                  "credit_limit")
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": _("e.g. 98765 43210")}),
            "gstin": forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. 27AAPFU0939F1ZV"),
                                            "style": "text-transform: uppercase"}),
        }
        labels = {"state": _("State")}

    def __init__(self, *args, shop=None, **kwargs):
        """``shop`` (the request's) decides the tax fields: GSTIN and state in India, the
        buyer's tax number (BIN, KRA PIN) elsewhere (``core.markets``)."""
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", gettext("Not recorded (the shop's state)")), *STATE_CHOICES]
        if shop is not None and shop.country not in (Country.INDIA, ""):
            del self.fields["gstin"], self.fields["state"]
        else:
            del self.fields["tax_number"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(gettext("Enter the customer's name."))
        return name

    def clean_gstin(self):
        return "".join(self.cleaned_data["gstin"].split()).upper()

    def clean(self):
        data = super().clean()
        gstin, state = data.get("gstin"), data.get("state")
        if gstin and "gstin" not in self.errors:
            try:
                data["state"] = state_with_gstin(gstin, state)
            except ValueError as error:
                self.add_error("state", str(error))
        return data

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and (not 6 <= len(digits) <= 15 or any(c not in "+0123456789 -()" for c in phone)):
            raise forms.ValidationError(
                gettext("Enter a phone number of 6 to 15 digits (spaces, '+', '-' and brackets are fine).")
            )
        # Kept as typed (spaces tidied); the services store it in E.164 too, for search.
        return " ".join(phone.split())
