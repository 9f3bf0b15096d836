from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Shop


class RegistrationForm(UserCreationForm):
    """Username, email, password twice, and the new shop's details."""

    email = forms.EmailField(required=True)
    shop_name = forms.CharField(label="Shop name", max_length=120)
    phone = forms.CharField(label="Shop phone", max_length=32, required=False)
    address = forms.CharField(label="Shop address", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Log in or reset your password.")
        return email


class ShopSettingsForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ("name", "phone", "address", "currency", "locale", "upi_id", "gstin", "invoice_prefix",
                  "financial_year_start_month")
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_gstin(self):
        return self.cleaned_data["gstin"].strip().upper()


class AmountField(forms.DecimalField):
    """A money amount: more than zero, at most 12 digits before the point and 2 after."""

    default_error_messages = {
        "invalid": "Enter an amount in numbers, such as 250 or 99.50.",
        "max_digits": "That amount is too large (at most 12 digits before the decimal point).",
        "max_whole_digits": "That amount is too large (at most 12 digits before the decimal point).",
        "max_decimal_places": "Use at most 2 digits after the decimal point.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError("The amount must be more than zero.", code="min_value")
