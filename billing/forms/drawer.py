"""Cash drawer forms: the recount (one count field per denomination), adding a note
or coin, and the "what change can I give?" checker."""

from decimal import Decimal

from django import forms

from accounts.forms import AmountField
from accounts.models import Shop
from accounts.money import format_money
from billing.models import Denomination
from billing.services.drawer import MAX_DENOMINATION, MAX_PIECES

COUNT_ERRORS = {
    "required": "Enter a count (0 if there are none).",
    "invalid": "Enter a whole number of pieces, such as 0 or 25.",
    "min_value": "The count cannot be negative.",
    "max_value": f"At most {MAX_PIECES:,} pieces.",
}


def count_field(**kwargs) -> forms.IntegerField:
    """A number of notes or coins: a whole number from 0 to ``MAX_PIECES``."""
    kwargs.setdefault("widget", forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}))
    return forms.IntegerField(min_value=0, max_value=MAX_PIECES, error_messages=COUNT_ERRORS, **kwargs)


class DrawerCountsForm(forms.Form):
    """One count field per denomination of the shop's drawer (``count_<id>``).

    ``denominations`` are the shop's rows (from ``drawer_denominations``); fields are
    built from them only, so a posted id of another shop's row is simply ignored.
    :meth:`counts` gives ``{value (Decimal): count (int)}`` for ``drawer_set_counts``.
    """

    def __init__(self, *args, shop: Shop, denominations: list[Denomination], **kwargs):
        super().__init__(*args, **kwargs)
        self.denominations = list(denominations)
        for denomination in self.denominations:
            label = format_money(denomination.value, shop.currency, shop.locale)
            field = count_field(label=f"Pieces of {label}", initial=denomination.count)
            field.widget.attrs["class"] = "form-control text-end"
            self.fields[self.field_name(denomination)] = field

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # Bootstrap's red outline and the error's id for screen readers
                attrs = self.fields[name].widget.attrs
                attrs["class"] += " is-invalid"
                attrs["aria-describedby"] = f"{name}-error"

    @staticmethod
    def field_name(denomination: Denomination) -> str:
        return f"count_{denomination.pk}"

    @property
    def rows(self) -> list[tuple[Denomination, forms.BoundField, Decimal]]:
        """``[(denomination, its bound count field, value × saved count), …]`` in
        drawer order, for the table."""
        return [(d, self[self.field_name(d)], d.value * d.count) for d in self.denominations]

    def counts(self) -> dict[Decimal, int]:
        """The cleaned counts, ``{value: count}`` (call after ``is_valid()``)."""
        return {d.value: self.cleaned_data[self.field_name(d)] for d in self.denominations}


class DenominationForm(forms.Form):
    """A note or coin to add to the drawer, with how many pieces it holds now."""

    value = AmountField(label="Value of the note or coin", max_value=MAX_DENOMINATION,
                        help_text="For example 500 or 0.50.",
                        error_messages={"max_value": f"A note or coin can be worth at most {MAX_DENOMINATION:,}."})
    count = count_field(label="Pieces in the drawer", required=False, initial=0)

    def clean_count(self):
        return self.cleaned_data.get("count") or 0


class ChangeCheckForm(forms.Form):
    """``?change=60``: the change to work out from the drawer."""

    change = AmountField(label="Change to give")
