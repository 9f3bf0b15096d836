from django import forms

from customers.models import Customer


class CustomerForm(forms.ModelForm):
    """A customer's contact fields. ``phone`` is checked for 6 to 15 digits and kept as
    typed; whether another customer has the number is the services' question."""

    class Meta:
        model = Customer
        fields = ("name", "phone", "email", "address", "notes", "credit_limit")
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "e.g. 98765 43210"}),
        }

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the customer's name.")
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and (not 6 <= len(digits) <= 15 or any(c not in "+0123456789 -()" for c in phone)):
            raise forms.ValidationError(
                "Enter a phone number of 6 to 15 digits (spaces, '+', '-' and brackets are fine)."
            )
        # Kept as typed (spaces tidied); the services store it in E.164 too, for search.
        return " ".join(phone.split())
