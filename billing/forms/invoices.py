"""Forms of the new-invoice page: a header form and one form per line item.

Line rows post repeated fields (``line-product``, ``line-description``,
``line-quantity``, ``line-unit_price``, ``line-price_includes_tax`` ("1": the price
includes tax, "0": before tax), ``line-tax_rate``) so rows can be added and
removed in the page without renumbering; :func:`line_forms_from_post` pairs them up.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm
from accounts.models import GstRegistration, Shop
from billing.forms.drawer import count_field
from billing.models import Denomination, Invoice, Product
from billing.totals import LineInput
from core.gst import STATE_CHOICES, state_label
from core.money import DecimalFormField, NumberInput, format_money
from customers.models import Customer
from ledger.models import Payment

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter a date as YYYY-MM-DD.")}
LINE_FIELDS = ("product", "description", "quantity", "unit_price", "price_includes_tax", "tax_rate")
#: Line fields that always carry a value (a select): they do not make a row "filled in".
LINE_FLAGS = ("price_includes_tax",)
PRICE_KIND_CHOICES = [("0", _("+ tax")), ("1", _("incl. tax"))]
MONEY_ERRORS = {
    "invalid": _("Enter an amount in numbers, such as 250 or 99.50."),
    "max_digits": _("That amount is too large."),
    "max_whole_digits": _("That amount is too large."),
    "max_decimal_places": _("Use at most 2 digits after the decimal point."),
    "min_value": _("This cannot be negative."),
}


def money_field(**kwargs):
    kwargs.setdefault("required", False)
    return DecimalFormField(max_digits=14, decimal_places=2, min_value=Decimal("0"), error_messages=MONEY_ERRORS,
                              widget=NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
                              **kwargs)


def payment_method_choices(shop: Shop) -> list[tuple[str, str]]:
    """The ways the counter takes payment in ``shop``'s market (``core.markets``): cash, card
    and bank everywhere, UPI in India, bKash and Nagad in Bangladesh, M-Pesa in Kenya."""
    return [(method, Payment.Method(method).label) for method in shop.market.payment_methods]


class InvoiceForm(OneTimeKeyForm):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput,
                                      error_messages={"invalid_choice": _("Choose one of your active customers.")})
    issued_on = forms.DateField(label=_("Invoice date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    discount_type = forms.ChoiceField(choices=Invoice.DiscountType.choices, initial=Invoice.DiscountType.AMOUNT,
                                      label=_("Discount as"))
    discount_value = money_field(label=_("Discount"))
    round_off = forms.BooleanField(required=False, label=_("Round off to the nearest rupee"))
    place_of_supply = forms.ChoiceField(
        required=False, label=_("Place of supply"),
        help_text=_("Sets CGST + SGST (your state) or IGST (another state). Walk-in: the buyer's state if "
                    "entered, else yours."))
    delivery_address = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label=_("Delivery address"),
        help_text=_("Optional: where the goods go, if not the customer's address."))
    # GST rule 46(e): a walk-in tax invoice of ₹50,000 or more names its buyer (billing.services.invoices).
    buyer_name = forms.CharField(required=False, max_length=120, label=_("Buyer's name"))
    buyer_state = forms.ChoiceField(required=False, label=_("Buyer's state"))
    amount_paid = money_field(label=_("Paid now"))
    payment_method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.CASH,
                                       label=_("Method"))
    cash_tendered = money_field(label=_("Cash tendered"), help_text=_("Optional: shows the change to give."))
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS,
                               label=_("Balance due by"), help_text=_("Optional, for what is left unpaid."))
    notes = forms.CharField(label=_("Notes"), max_length=200, required=False)

    def __init__(self, *args, shop, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("issued_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(shop=shop, is_archived=False)
        self.fields["payment_method"].choices = payment_method_choices(shop)
        if shop.currency != Shop.Currency.INR:
            self.fields["round_off"].label = gettext("Round off to a whole amount")
        if shop.gst_mode == GstRegistration.REGULAR:
            state = state_label(shop.gst_state)
            self.fields["place_of_supply"].choices = [
                ("", gettext("Customer's state, else %(state)s") % {"state": state} if state
                 else gettext("Customer's state")), *STATE_CHOICES]
            self.fields["buyer_state"].choices = [("", gettext("Choose a state")), *STATE_CHOICES]
        else:
            del self.fields["place_of_supply"], self.fields["delivery_address"]
            del self.fields["buyer_name"], self.fields["buyer_state"]
        # Cash: the notes tendered, optional, one count field per note or coin of the drawer.
        self.currency, self.locale = shop.currency, shop.locale
        self.denominations = list(Denomination.objects.filter(shop=shop).order_by("-value"))
        for denomination in self.denominations:
            field = count_field(label=format_money(denomination.value, shop.currency, shop.locale), required=False)
            field.widget.attrs.update({"class": "form-control form-control-sm text-end", "placeholder": "0"})
            self.fields[f"tendered_{denomination.pk}"] = field

    def clean(self):
        data = super().clean()
        for name in ("discount_value", "amount_paid"):
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal("0")
        notes = self.notes_tendered()
        tendered = data.get("cash_tendered")
        if notes and data.get("payment_method") == Payment.Method.CASH:
            in_notes = sum((value * count for value, count in notes.items()), Decimal("0"))
            if tendered is not None and tendered != in_notes:
                self.add_error("cash_tendered", gettext(
                    "The notes tendered add up to %(notes)s, not %(tendered)s. Correct one of them, or leave cash "
                    "tendered empty.") % {"notes": format_money(in_notes, self.currency, self.locale),
                                          "tendered": format_money(tendered, self.currency, self.locale)})
        return data

    @property
    def buyer_open(self) -> bool:
        """Whether the page shows the walk-in buyer's details opened (a value entered, or an error in them)."""
        return bool(self.is_bound and "buyer_name" in self.fields
                    and any(self[name].value() or self[name].errors for name in ("buyer_name", "buyer_state")))

    @property
    def tendered_fields(self) -> list[tuple[Denomination, forms.BoundField]]:
        """``[(denomination, its bound "notes tendered" count field), …]``, largest first."""
        return [(d, self[f"tendered_{d.pk}"]) for d in self.denominations]

    @property
    def tendered_open(self) -> bool:
        """Whether the page shows the notes-tendered grid opened (notes entered, or an error in it)."""
        return bool(self.is_bound and any(self[f"tendered_{d.pk}"].value() not in (None, "")
                                          for d in self.denominations))

    def notes_tendered(self) -> dict[Decimal, int]:
        """The notes and coins the customer handed over, ``{value (Decimal): count (int)}``
        without zeros (``{}`` when none were entered); valid counts only."""
        data = getattr(self, "cleaned_data", {})
        return {d.value: count for d in self.denominations if (count := data.get(f"tendered_{d.pk}"))}


class ProductChoiceField(forms.ModelChoiceField):
    """A line's product, found among ``known`` (``{id: product}``: the products of all the
    posted lines, read in one query by :func:`line_forms_from_post`) when it is given, else
    read from the queryset as ``ModelChoiceField`` does. An id not known is an invalid choice."""

    known: dict[int, Product] | None = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        try:
            return self.known[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value}) from None


class LineForm(forms.Form):
    product = ProductChoiceField(queryset=Product.objects.none(), required=False, widget=forms.HiddenInput,
                                 error_messages={"invalid_choice": _("That product is not in your catalogue.")})
    description = forms.CharField(label=_("Description"), max_length=200,
                                  error_messages={"required": _("Describe the item.")})
    quantity = DecimalFormField(label=_("Quantity"), max_digits=14, decimal_places=3,
                                  validators=[MinValueValidator(Decimal("0.001"))],
                                  error_messages={"invalid": _("Enter a quantity such as 2 or 1.250."),
                                                  "required": _("Enter a quantity."),
                                                  "min_value": _("The quantity must be more than zero."),
                                                  "max_digits": _("That quantity is too large."),
                                                  "max_whole_digits": _("That quantity is too large."),
                                                  "max_decimal_places": _("Use at most 3 digits after the point.")})
    unit_price = DecimalFormField(label=_("Unit price"), max_digits=14, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0"))],
                                    error_messages={**MONEY_ERRORS, "required": _("Enter a price.")})
    price_includes_tax = forms.TypedChoiceField(label=_("Price includes tax"), choices=PRICE_KIND_CHOICES,
                                                coerce=lambda value: value == "1", required=False, empty_value=False,
                                                error_messages={"invalid_choice": _("Choose + tax or incl. tax.")})
    tax_rate = DecimalFormField(label=_("Tax rate"), max_digits=5, decimal_places=2,
                                  validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
                                  error_messages={"invalid": _("Enter a tax rate such as 5 or 18."),
                                                  "required": _("Enter a tax rate (0 for none)."),
                                                  "min_value": _("Between 0 and 100."),
                                                  "max_value": _("Between 0 and 100."),
                                                  "max_digits": _("Between 0 and 100."),
                                                  "max_whole_digits": _("Between 0 and 100.")})

    def __init__(self, *args, shop, products: dict[int, Product] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _sellable(shop)
        self.fields["product"].known = products

    def as_line_input(self) -> LineInput:
        data = self.cleaned_data
        product = data.get("product")
        return LineInput(quantity=data["quantity"], unit_price=data["unit_price"], tax_rate=data["tax_rate"],
                         price_includes_tax=data["price_includes_tax"], description=data["description"],
                         product=product,
                         hsn_code=product.hsn_code if product else "", unit=product.unit if product else "")


def _sellable(shop) -> QuerySet:
    return Product.objects.filter(shop=shop, is_active=True)


def line_forms_from_post(post, *, shop) -> list[LineForm]:
    """One bound :class:`LineForm` per posted row, skipping rows left entirely empty. The
    products of all the rows are read in one query, however many rows there are."""
    columns = [post.getlist(f"line-{name}") for name in LINE_FIELDS]
    rows = max((len(c) for c in columns), default=0)
    ids = {int(value) for value in columns[LINE_FIELDS.index("product")] if str(value).strip().isdecimal()}
    products = {p.pk: p for p in _sellable(shop).filter(pk__in=ids)} if ids else {}
    forms_ = []
    for i in range(rows):
        data = {name: (column[i] if i < len(column) else "") for name, column in zip(LINE_FIELDS, columns, strict=True)}
        if not any(str(v).strip() for name, v in data.items() if name not in LINE_FLAGS):
            continue
        forms_.append(LineForm(data, shop=shop, products=products))
    return forms_


def line_form_for_product(product: Product | None, *, shop) -> LineForm:
    """An unbound row prefilled from ``product`` (price, its kind and tax rate stay
    editable); a row for an item not in the catalogue takes the shop's default price kind."""
    initial = {"quantity": Decimal("1"), "price_includes_tax": "1" if shop.prices_include_tax else "0"}
    if shop.market.default_tax_rate:
        # Outside India a new row starts at the standard VAT rate (15 % in Bangladesh, 16 % in Kenya).
        initial["tax_rate"] = shop.market.default_tax_rate
    if product is not None:
        initial.update(product=product.pk, description=product.name, unit_price=product.sale_price,
                       price_includes_tax="1" if product.price_includes_tax else "0", tax_rate=product.tax_rate)
    return LineForm(initial=initial, shop=shop)


class EtimsForm(forms.Form):
    """Kenya's eTIMS references of an issued invoice (``billing.services.etims``, which checks
    them): the control unit's invoice number and the verification link."""

    etims_cu_number = forms.CharField(
        label=_("Control unit invoice number"), max_length=50, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. KRACU0100000001/152")}),
        help_text=_("As printed by the eTIMS control unit."))
    etims_qr_url = forms.CharField(
        label=_("Verification link"), max_length=500, required=False,
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://"}),
        help_text=_("The link of the eTIMS QR code; printed on the invoice as a QR code."))
