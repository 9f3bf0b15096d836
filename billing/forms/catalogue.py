"""Forms of the catalogue pages: product, stock receive/adjust, category.

They parse and check input; the rules (unique SKU, stock below zero, a reason for an
adjustment) are the services' (``billing.services.catalogue``), whose ``BillingError``
the views put back on the field it names."""

import re
from decimal import Decimal

from babel.numbers import get_currency_symbol
from crispy_bootstrap5.bootstrap5 import Switch
from crispy_forms.bootstrap import PrependedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.html import format_html, format_html_join

from accounts.models import Shop
from billing.barcodes import clean_barcode
from billing.models import TAX_RATE_PRESETS, Category, Product
from billing.selectors.catalogue import barcode_in_use, category_choices, sku_in_use
from billing.services import BillingError
from billing.services.catalogue import PRODUCT_FIELDS, barcode_taken_message, sku_taken_message
from core.money import QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS, QUANTITY_STEP, MoneyFormField

HSN_RE = re.compile(r"^\d{4,8}$")


class PriceField(MoneyFormField):
    """A price in money digits that may be zero (a free item) but not negative."""

    default_error_messages = {"min_value": "The price cannot be negative."}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


class QuantityField(forms.DecimalField):
    """A quantity with up to 3 decimals (1.250 kg) and 11 whole digits. Signed unless
    ``min_value`` is given."""

    default_error_messages = {
        "invalid": "Enter a quantity in numbers, such as 2 or 1.250.",
        "max_digits": f"That quantity is too large (at most {QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES} "
                      "digits before the decimal point).",
        "max_whole_digits": f"That quantity is too large (at most {QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES} "
                            "digits before the decimal point).",
        "max_decimal_places": f"Use at most {QUANTITY_DECIMAL_PLACES} digits after the decimal point.",
        "min_value": "The quantity cannot be negative.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
        attrs = {"step": str(QUANTITY_STEP), "inputmode": "decimal"}
        if kwargs.get("min_value") is not None:
            attrs["min"] = str(kwargs["min_value"])
        kwargs.setdefault("widget", forms.NumberInput(attrs=attrs))
        super().__init__(**kwargs)


class RateField(forms.DecimalField):
    """A tax rate in percent, 0–100 with up to 2 decimals."""

    default_error_messages = {
        "invalid": "Enter the tax rate as a number, such as 18.",
        "max_digits": "Enter a tax rate from 0 to 100.",
        "max_whole_digits": "Enter a tax rate from 0 to 100.",
        "max_decimal_places": "Use at most 2 digits after the decimal point.",
        "min_value": "Enter a tax rate from 0 to 100.",
        "max_value": "Enter a tax rate from 0 to 100.",
    }

    def __init__(self, **kwargs):
        kwargs.update(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        super().__init__(**kwargs)

    def to_python(self, value):
        # "sNaN" would reach the error's params, and MultiValueField compares errors by
        # hashing them: hash(Decimal("sNaN")) raises TypeError (a 500). Refuse it first.
        if isinstance(value, str) and "nan" in value.strip().lower():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


OTHER = "other"
PRESET_CHOICES = [(f"{rate:f}", f"{rate:f}%") for rate in TAX_RATE_PRESETS]


class TaxRateWidget(forms.MultiWidget):
    """The GST presets as a row of toggle buttons (``<name>_0``) and an "Other" rate
    box (``<name>_1``). Works without JavaScript."""

    use_fieldset = True

    def __init__(self, attrs=None):
        widgets = [forms.RadioSelect(choices=[*PRESET_CHOICES, (OTHER, "Other")]), forms.NumberInput()]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if value in (None, ""):
            return [None, None]
        value = Decimal(value)
        for preset in TAX_RATE_PRESETS:
            if value == preset:
                return [f"{preset:f}", None]
        return [OTHER, f"{value.normalize():f}"]

    def id_for_label(self, id_):
        return f"{id_}_other" if id_ else ""

    def render(self, name, value, attrs=None, renderer=None):
        preset, other = value if isinstance(value, list | tuple) else self.decompress(value)
        attrs = attrs or {}
        base_id = attrs.get("id") or f"id_{name}"
        # crispy marks errors on the sub-widgets' classes (it styles each part of a MultiWidget).
        invalid = any("is-invalid" in a.get("class", "") for a in (attrs, *(w.attrs for w in self.widgets)))
        described = attrs.get("aria-describedby")
        buttons = format_html_join(
            "",
            '<input type="radio" class="btn-check" name="{}" id="{}" value="{}" autocomplete="off"{}>'
            '<label class="btn btn-outline-primary" for="{}">{}</label>',
            ((f"{name}_0", f"{base_id}_{i}", key, " checked" if str(preset) == key else "",
              f"{base_id}_{i}", label)
             for i, (key, label) in enumerate([*PRESET_CHOICES, (OTHER, "Other")])),
        )
        box = format_html(
            '<div class="input-group tax-rate-other">'
            '<label class="input-group-text" for="{}">Other rate</label>'
            '<input type="number" name="{}" id="{}" value="{}" class="form-control{}" step="0.01" min="0" max="100" '
            'inputmode="decimal" placeholder="e.g. 3"{}>'
            '<span class="input-group-text">%</span></div>',
            f"{base_id}_other", f"{name}_1", f"{base_id}_other", other if other not in (None, "") else "",
            " is-invalid" if invalid else "",
            format_html(' aria-describedby="{}"', described) if described else "",
        )
        return format_html(
            '<div class="d-flex flex-wrap align-items-center gap-2{}" id="{}" data-tax-rate>'
            '<div class="btn-group" role="group" aria-label="GST rate presets">{}</div>{}</div>',
            " is-invalid" if invalid else "", base_id, buttons, box,
        )


class TaxRateField(forms.MultiValueField):
    """A GST preset (0/5/12/18/28) or another rate typed in the box: a Decimal 0–100.

    A box left filled while a different preset is picked is an error (never a
    silent guess); with no preset picked, a typed rate counts as "Other".
    """

    widget = TaxRateWidget

    def __init__(self, **kwargs):
        fields = (forms.ChoiceField(choices=[*PRESET_CHOICES, (OTHER, "Other")], required=False),
                  RateField(required=False))
        kwargs.setdefault("error_messages", {"required": "Pick a tax rate (0% if the product is exempt)."})
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        preset, other = data_list
        if preset in ("", OTHER):
            if other is None:
                raise forms.ValidationError("Type the tax rate in the Other box, from 0 to 100.", code="incomplete")
            return other
        preset = Decimal(preset)
        if other is not None and other != preset:
            raise forms.ValidationError(
                f"You picked {preset:f}% and typed {other.normalize():f}% under Other: "
                f"pick Other, or clear the box.", code="ambiguous")
        return preset


def _currency_symbol(shop: Shop) -> str:
    try:
        return get_currency_symbol(shop.currency, locale=shop.locale)
    except Exception:  # noqa: BLE001 (an unknown locale must not break the form)
        return shop.currency


class ProductForm(forms.ModelForm):
    """A product's details; on create (no ``instance``) also its opening stock.

    ``cleaned_data`` is the keyword arguments of ``services.catalogue.product_create``
    (``opening_stock``: Decimal or ``None``) or ``product_update``.
    """

    sale_price = PriceField(label="Sale price", help_text="0 for a free item.")
    cost_price = PriceField(label="Cost price", required=False,
                            help_text="What you pay per unit, before tax (optional; for the stock valuation).")
    tax_rate = TaxRateField(label="Tax rate (GST)", help_text="Pick a rate, or type another from 0 to 100 under Other.")
    low_stock_level = QuantityField(min_value=0, initial=0, label="Low-stock level",
                                    help_text="Flag the product as low when its stock is at or below this.")
    # Declared here (not generated) so importing the form runs no tenant query; the
    # shop's categories are set in __init__.
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, label="Category")
    opening_stock = QuantityField(min_value=0, required=False, label="Opening stock",
                                  help_text="Stock you have now (optional). Recorded as received.")

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        labels = {"sku": "SKU", "hsn_code": "HSN/SAC code", "is_active": "Active (shown in lists and at the counter)",
                  "track_stock": "Track stock", "allow_negative_stock": "Allow selling below zero stock",
                  "price_includes_tax": "Price includes tax (MRP)"}
        help_texts = {"sku": "Your code for the product; unique in your shop.",
                      "hsn_code": "4 to 8 digits (optional).",
                      "price_includes_tax": "On: the sale price is what the customer pays, tax included (as printed "
                                            "on the pack); the invoice works the taxable value back from it. Off: "
                                            "tax is added on top."}
        widgets = {
            "sku": forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. RICE-5KG"}),
            "name": forms.TextInput(attrs={"placeholder": "e.g. Basmati rice 5 kg"}),
            "hsn_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "barcode": forms.TextInput(attrs={"autocomplete": "off",
                                              "placeholder": "Scan or type, e.g. 8901234567893"}),
        }

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.is_create = self.instance.pk is None
        if self.is_create and "price_includes_tax" not in self.initial:
            # A new product's price kind follows the shop's setting (MRP by default in India).
            self.initial["price_includes_tax"] = shop.prices_include_tax
        if not self.is_create:
            del self.fields["opening_stock"]
            # "3" rather than "3.000" in the box.
            self.initial["low_stock_level"] = f"{self.instance.low_stock_level.normalize():f}"
        category = self.fields["category"]
        category.queryset = category_choices(shop=shop)
        category.empty_label = "No category"
        self.helper = FormHelper()
        self.helper.form_tag = False
        stock_row = [Column("low_stock_level", css_class="col-md-6")]
        if self.is_create:
            stock_row.append(Column("opening_stock", css_class="col-md-6"))
        self.helper.layout = Layout(
            Row(Column("sku", css_class="col-md-4"), Column("name", css_class="col-md-8")),
            Row(Column("category", css_class="col-md-5"), Column("unit", css_class="col-md-3"),
                Column("hsn_code", css_class="col-md-4")),
            Row(Column("barcode", css_class="col-md-6")),
            Row(Column(PrependedText("sale_price", _currency_symbol(shop)), css_class="col-md-4"),
                Column(Switch("price_includes_tax"), css_class="col-md-8 pt-md-4 mt-md-2")),
            Row(Column(PrependedText("cost_price", _currency_symbol(shop)), css_class="col-md-4")),
            Row(Column("tax_rate", css_class="col-md-12")),
            Row(*stock_row),
            Switch("track_stock"),
            Switch("allow_negative_stock"),
            Switch("is_active"),
        )

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if not sku:
            raise forms.ValidationError("Enter the product's SKU.")
        if any(c.isspace() for c in sku):
            raise forms.ValidationError("An SKU cannot contain spaces (use - instead).")
        # The service refuses it too; checking here shows it with the other errors at once.
        if sku_in_use(shop=self.shop, sku=sku, exclude=self.instance):
            raise forms.ValidationError(sku_taken_message(sku))
        return sku

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the product's name.")
        return name

    def clean_hsn_code(self):
        code = "".join(self.cleaned_data["hsn_code"].split())
        if code and not HSN_RE.match(code):
            raise forms.ValidationError("An HSN/SAC code is 4 to 8 digits.")
        return code

    def clean_barcode(self):
        """EAN-13/EAN-8 check digit (``billing.barcodes``) and unique in the shop; ``None`` when empty."""
        try:
            barcode = clean_barcode(self.cleaned_data.get("barcode"))
        except BillingError as exc:
            raise forms.ValidationError(str(exc)) from None
        if barcode and barcode_in_use(shop=self.shop, barcode=barcode, exclude=self.instance):
            raise forms.ValidationError(barcode_taken_message(barcode))
        return barcode

    def clean_opening_stock(self):
        return self.cleaned_data["opening_stock"] or None


class StockForm(forms.Form):
    """Receive stock (``quantity`` > 0) or adjust it (signed ``quantity``, a reason).
    Without ``can_adjust`` only receiving is offered."""

    RECEIVE, ADJUST = "receive", "adjust"

    action = forms.ChoiceField(label="What happened?", widget=forms.RadioSelect, initial=RECEIVE,
                               choices=[(RECEIVE, "Received stock (a delivery or purchase)"),
                                        (ADJUST, "Adjust the count (damage, loss, a recount)")])
    quantity = QuantityField(help_text="To adjust, a negative number removes stock (e.g. -2).")
    reason = forms.CharField(label="Note / reason", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "e.g. Supplier bill 1042 · 2 packets torn"}),
                             help_text="Optional when receiving; required for an adjustment.")

    def __init__(self, *args, can_adjust: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_adjust:
            self.fields["action"].choices = self.fields["action"].choices[:1]
            self.fields["action"].widget = forms.HiddenInput()
            self.fields["reason"].widget.attrs["placeholder"] = "e.g. Supplier bill 1042"
            self.fields["quantity"].help_text = ""
            self.fields["reason"].label = "Note"
            self.fields["reason"].help_text = "Optional, e.g. the supplier's bill number."

    def clean_reason(self):
        return " ".join(self.cleaned_data["reason"].split())


class CategoryForm(forms.Form):
    name = forms.CharField(label="Category name", max_length=80,
                           widget=forms.TextInput(attrs={"placeholder": "e.g. Grains", "autocomplete": "off"}))

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a name for the category.")
        return name
