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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from billing.barcodes import clean_barcode
from billing.models import TAX_RATE_PRESETS, TAX_RATE_PRESETS_BY_SCHEME, Category, Product
from billing.selectors.catalogue import barcode_in_use, category_choices, sku_in_use
from billing.services import BillingError
from billing.services.catalogue import PRODUCT_FIELDS, barcode_taken_message, sku_taken_message
from core.markets import TaxScheme
from core.money import (
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    QUANTITY_STEP,
    DecimalFormField,
    MoneyFormField,
    NumberInput,
    interpolate_lazy,
)

HSN_RE = re.compile(r"^\d{4,8}$")


class PriceField(MoneyFormField):
    """A price in money digits that may be zero (a free item) but not negative."""

    default_error_messages = {"min_value": _("The price cannot be negative.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


class QuantityField(DecimalFormField):
    """A quantity with up to 3 decimals (1.250 kg) and 11 whole digits. Signed unless
    ``min_value`` is given."""

    default_error_messages = {
        "invalid": _("Enter a quantity in numbers, such as 2 or 1.250."),
        "max_digits": interpolate_lazy(
            _("That quantity is too large (at most %(digits)s digits before the decimal point)."),
            {"digits": QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES}),
        "max_whole_digits": interpolate_lazy(
            _("That quantity is too large (at most %(digits)s digits before the decimal point)."),
            {"digits": QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES}),
        "max_decimal_places": interpolate_lazy(_("Use at most %(places)s digits after the decimal point."),
                                               {"places": QUANTITY_DECIMAL_PLACES}),
        "min_value": _("The quantity cannot be negative."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
        attrs = {"step": str(QUANTITY_STEP), "inputmode": "decimal"}
        if kwargs.get("min_value") is not None:
            attrs["min"] = str(kwargs["min_value"])
        kwargs.setdefault("widget", NumberInput(attrs=attrs))
        super().__init__(**kwargs)


class RateField(DecimalFormField):
    """A tax rate in percent, 0–100 with up to 2 decimals."""

    default_error_messages = {
        "invalid": _("Enter the tax rate as a number, such as 18."),
        "max_digits": _("Enter a tax rate from 0 to 100."),
        "max_whole_digits": _("Enter a tax rate from 0 to 100."),
        "max_decimal_places": interpolate_lazy(_("Use at most %(places)s digits after the decimal point."),
                                               {"places": 2}),
        "min_value": _("Enter a tax rate from 0 to 100."),
        "max_value": _("Enter a tax rate from 0 to 100."),
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


def preset_choices(presets) -> list[tuple[str, str]]:
    """``[("18", "18%"), …]`` for the rates ``presets`` (Decimal)."""
    return [(f"{rate:f}", f"{rate:f}%") for rate in presets]


PRESET_CHOICES = preset_choices(TAX_RATE_PRESETS)


class TaxRateWidget(forms.MultiWidget):
    """The presets (GST's by default; ``presets``: Decimal rates) as a row of toggle
    buttons (``<name>_0``) and an "Other" rate box (``<name>_1``). Works without JavaScript.
    ``group_label`` names the row of buttons for screen readers."""

    use_fieldset = True

    def __init__(self, attrs=None, presets=None, group_label=None):
        self.presets = list(presets or TAX_RATE_PRESETS)
        self.choices = preset_choices(self.presets)
        self.group_label = group_label
        widgets = [forms.RadioSelect(choices=[*self.choices, (OTHER, _("Other"))]), NumberInput()]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if value in (None, ""):
            return [None, None]
        value = Decimal(value)
        for preset in self.presets:
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
             for i, (key, label) in enumerate([*self.choices, (OTHER, gettext("Other"))])),
        )
        box = format_html(
            '<div class="input-group tax-rate-other">'
            '<label class="input-group-text" for="{}">{}</label>'
            '<input type="number" name="{}" id="{}" value="{}" class="form-control{}" step="0.01" min="0" max="100" '
            'inputmode="decimal" placeholder="{}"{}>'
            '<span class="input-group-text">%</span></div>',
            f"{base_id}_other", gettext("Other rate"), f"{name}_1", f"{base_id}_other",
            other if other not in (None, "") else "", " is-invalid" if invalid else "", gettext("e.g. 3"),
            format_html(' aria-describedby="{}"', described) if described else "",
        )
        return format_html(
            '<div class="d-flex flex-wrap align-items-center gap-2{}" id="{}" data-tax-rate>'
            '<div class="btn-group" role="group" aria-label="{}">{}</div>{}</div>',
            " is-invalid" if invalid else "", base_id, self.group_label or gettext("GST rate presets"), buttons, box,
        )


class TaxRateField(forms.MultiValueField):
    """A preset (GST's 0/5/12/18/28 unless ``presets`` are given) or another rate typed in
    the box: a Decimal 0–100.

    A box left filled while a different preset is picked is an error (never a
    silent guess); with no preset picked, a typed rate counts as "Other".
    """

    widget = TaxRateWidget

    def __init__(self, presets=None, group_label=None, **kwargs):
        choices = preset_choices(presets or TAX_RATE_PRESETS)
        kwargs.setdefault("widget", TaxRateWidget(presets=presets, group_label=group_label))
        fields = (forms.ChoiceField(choices=[*choices, (OTHER, _("Other"))], required=False),
                  RateField(required=False))
        kwargs.setdefault("error_messages", {"required": interpolate_lazy(
            _("Pick a tax rate (%(zero)s if the product is exempt)."), {"zero": "0%"})})
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        preset, other = data_list
        if preset in ("", OTHER):
            if other is None:
                raise forms.ValidationError(gettext("Type the tax rate in the Other box, from 0 to 100."),
                                            code="incomplete")
            return other
        preset = Decimal(preset)
        if other is not None and other != preset:
            raise forms.ValidationError(
                gettext("You picked %(preset)s%% and typed %(other)s%% under Other: pick Other, or clear the box.")
                % {"preset": f"{preset:f}", "other": f"{other.normalize():f}"}, code="ambiguous")
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

    sale_price = PriceField(label=_("Sale price"), help_text=_("0 for a free item."))
    cost_price = PriceField(label=_("Cost price"), required=False,
                            help_text=_("What you pay per unit, before tax (optional; for the stock valuation)."))
    tax_rate = TaxRateField(label=_("Tax rate (GST)"),
                            help_text=_("Pick a rate, or type another from 0 to 100 under Other."))
    low_stock_level = QuantityField(min_value=0, initial=0, label=_("Low-stock level"),
                                    help_text=_("Flag the product as low when its stock is at or below this."))
    # Declared here (not generated) so importing the form runs no tenant query; the
    # shop's categories are set in __init__.
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, label=_("Category"))
    opening_stock = QuantityField(min_value=0, required=False, label=_("Opening stock"),
                                  help_text=_("Stock you have now (optional). Recorded as received."))
    # Bangladesh only (the field is removed elsewhere): supplementary duty, charged before VAT.
    sd_rate = RateField(label=_("Supplementary duty (SD) rate %"), required=False, initial=0,
                        help_text=_("0 unless the product bears SD (VAT and SD Act 2012, Third Schedule). VAT is "
                                    "charged on the price with SD."),
                        error_messages={"invalid": _("Enter the SD rate as a number, such as 10."),
                                        "max_digits": _("Enter an SD rate from 0 to 100."),
                                        "max_whole_digits": _("Enter an SD rate from 0 to 100."),
                                        "min_value": _("Enter an SD rate from 0 to 100."),
                                        "max_value": _("Enter an SD rate from 0 to 100.")})

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        labels = {"sku": _("SKU"), "hsn_code": _("HSN/SAC code"),
                  "is_active": _("Active (shown in lists and at the counter)"),
                  "track_stock": _("Track stock"), "allow_negative_stock": _("Allow selling below zero stock"),
                  "price_includes_tax": _("Price includes tax (MRP)")}
        help_texts = {"sku": _("Your code for the product; unique in your shop."),
                      "hsn_code": _("4 to 8 digits (optional)."),
                      "price_includes_tax": _("On: the sale price is what the customer pays, tax included (as "
                                              "printed on the pack); the invoice works the taxable value back from "
                                              "it. Off: tax is added on top.")}
        widgets = {
            "sku": forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. RICE-5KG")}),
            "name": forms.TextInput(attrs={"placeholder": _("e.g. Basmati rice 5 kg")}),
            "hsn_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "barcode": forms.TextInput(attrs={"autocomplete": "off",
                                              "placeholder": _("Scan or type, e.g. 8901234567893")}),
        }

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.is_create = self.instance.pk is None
        if self.is_create and "price_includes_tax" not in self.initial:
            # A new product's price kind follows the shop's setting (MRP by default in India).
            self.initial["price_includes_tax"] = shop.prices_include_tax
        scheme = shop.market.tax_scheme
        if scheme in (TaxScheme.VAT_BD, TaxScheme.VAT_KE):
            # VAT's rates (Bangladesh 15 %, Kenya 16 % standard) in place of GST's slabs.
            self.fields["tax_rate"] = TaxRateField(
                presets=TAX_RATE_PRESETS_BY_SCHEME[scheme], group_label=gettext("VAT rate presets"),
                label=_("VAT rate"), help_text=_("Pick a rate, or type another from 0 to 100 under Other."))
        if self.is_create and "tax_rate" not in self.initial and shop.market.default_tax_rate:
            self.initial["tax_rate"] = shop.market.default_tax_rate
        if scheme != TaxScheme.VAT_BD:
            del self.fields["sd_rate"]
        if not self.is_create:
            del self.fields["opening_stock"]
            # "3" rather than "3.000" in the box.
            self.initial["low_stock_level"] = f"{self.instance.low_stock_level.normalize():f}"
        category = self.fields["category"]
        category.queryset = category_choices(shop=shop)
        category.empty_label = gettext("No category")
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
            *([Row(Column("sd_rate", css_class="col-md-5"))] if "sd_rate" in self.fields else []),
            Row(*stock_row),
            Switch("track_stock"),
            Switch("allow_negative_stock"),
            Switch("is_active"),
        )

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if not sku:
            raise forms.ValidationError(gettext("Enter the product's SKU."))
        if any(c.isspace() for c in sku):
            raise forms.ValidationError(gettext("An SKU cannot contain spaces (use - instead)."))
        # The service refuses it too; checking here shows it with the other errors at once.
        if sku_in_use(shop=self.shop, sku=sku, exclude=self.instance):
            raise forms.ValidationError(sku_taken_message(sku))
        return sku

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(gettext("Enter the product's name."))
        return name

    def clean_hsn_code(self):
        code = "".join(self.cleaned_data["hsn_code"].split())
        if code and not HSN_RE.match(code):
            raise forms.ValidationError(gettext("An HSN/SAC code is 4 to 8 digits."))
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

    def clean_sd_rate(self):
        return self.cleaned_data["sd_rate"] or Decimal("0")


class StockForm(forms.Form):
    """Receive stock (``quantity`` > 0) or adjust it (signed ``quantity``, a reason).
    Without ``can_adjust`` only receiving is offered."""

    RECEIVE, ADJUST = "receive", "adjust"

    action = forms.ChoiceField(label=_("What happened?"), widget=forms.RadioSelect, initial=RECEIVE,
                               choices=[(RECEIVE, _("Received stock (a delivery or purchase)")),
                                        (ADJUST, _("Adjust the count (damage, loss, a recount)"))])
    quantity = QuantityField(label=_("Quantity"),
                             help_text=_("To adjust, a negative number removes stock (e.g. -2)."))
    reason = forms.CharField(label=_("Note / reason"), max_length=200, required=False,
                             widget=forms.TextInput(
                                 attrs={"placeholder": _("e.g. Supplier bill 1042 · 2 packets torn")}),
                             help_text=_("Optional when receiving; required for an adjustment."))

    def __init__(self, *args, can_adjust: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_adjust:
            self.fields["action"].choices = self.fields["action"].choices[:1]
            self.fields["action"].widget = forms.HiddenInput()
            self.fields["reason"].widget.attrs["placeholder"] = gettext("e.g. Supplier bill 1042")
            self.fields["quantity"].help_text = ""
            self.fields["reason"].label = gettext("Note")
            self.fields["reason"].help_text = gettext("Optional, e.g. the supplier's bill number.")

    def clean_reason(self):
        return " ".join(self.cleaned_data["reason"].split())


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=80,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Grains"), "autocomplete": "off"}))

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(gettext("Enter a name for the category."))
        return name
