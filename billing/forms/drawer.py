"""Cash drawer forms: the recount (one count field per denomination), adding a note
or coin, the "what change can I give?" checker, the cash book's pay-out / deposit /
cash-added form, the day close and the cash book's day picker."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm
from accounts.models import Shop
from billing.models import CashMovement, Denomination
from billing.services.drawer import MAX_DENOMINATION, MAX_PIECES
from core.money import AmountField, IntegerFormField, NumberInput, format_money, interpolate_lazy

COUNT_ERRORS = {
    "required": _("Enter a count (0 if there are none)."),
    "invalid": _("Enter a whole number of pieces, such as 0 or 25."),
    "min_value": _("The count cannot be negative."),
    "max_value": interpolate_lazy(_("At most %(count)s pieces."), {"count": f"{MAX_PIECES:,}"}),
}


def count_field(**kwargs) -> IntegerFormField:
    """A number of notes or coins: a whole number from 0 to ``MAX_PIECES``."""
    kwargs.setdefault("widget", NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}))
    return IntegerFormField(min_value=0, max_value=MAX_PIECES, error_messages=COUNT_ERRORS, **kwargs)


class DrawerCountsForm(forms.Form):
    """One count field per denomination of the shop's drawer (``count_<id>``).

    ``denominations`` are the shop's rows (``billing.selectors.drawer.drawer_denominations``);
    fields are built from them only, so a posted id of another shop's row is simply ignored.
    :meth:`counts` gives ``{value (Decimal): count (int)}`` for ``drawer_set_counts``.
    """

    def __init__(self, *args, shop: Shop, denominations: list[Denomination], **kwargs):
        super().__init__(*args, **kwargs)
        self.denominations = list(denominations)
        for denomination in self.denominations:
            label = format_money(denomination.value, shop.currency, shop.locale)
            field = count_field(label=gettext("Pieces of %(value)s") % {"value": label}, initial=denomination.count)
            field.widget.attrs["class"] = "form-control text-end"
            self.fields[self.field_name(denomination)] = field

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name.startswith("count_") and name in self.fields:  # red outline, the error's id for screen readers
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

    value = AmountField(label=_("Value of the note or coin"), max_value=MAX_DENOMINATION,
                        help_text=_("For example 500 or 0.50."),
                        error_messages={"max_value": interpolate_lazy(
                            _("A note or coin can be worth at most %(value)s."), {"value": f"{MAX_DENOMINATION:,}"})})
    count = count_field(label=_("Pieces in the drawer"), required=False, initial=0)

    def clean_count(self):
        return self.cleaned_data.get("count") or 0


class ChangeCheckForm(forms.Form):
    """``?change=60``: the change to work out from the drawer."""

    change = AmountField(label=_("Change to give"))


class CashMovementForm(OneTimeKeyForm):
    """Cash moved by hand: ``kind`` (pay-out, bank deposit or cash added), ``amount``
    (Decimal > 0, optional when notes are given), ``note`` (the reason, required) and
    optional pieces per denomination (``piece_<id>``, the shop's rows only). Carries a
    one-time key so a double submit records it once. :meth:`pieces` gives
    ``{value (Decimal): count (int)}`` of the non-zero pieces."""

    KINDS = [(CashMovement.Kind.PAYOUT, _("Pay-out or expense")),
             (CashMovement.Kind.DEPOSIT, _("Deposit to the bank")),
             (CashMovement.Kind.FLOAT, _("Cash added to the drawer"))]

    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, initial=CashMovement.Kind.PAYOUT,
                             label=_("What happened"))
    amount = AmountField(label=_("Amount"), required=False,
                         help_text=_("Leave empty to use the notes and coins below."))
    note = forms.CharField(label=_("Reason"), max_length=200,
                           error_messages={"required": _("Give a reason.")},
                           help_text=_("For example: milk supplier's bill, deposited at SBI, change brought from "
                                       "home."))

    def __init__(self, *args, shop: Shop, denominations: list[Denomination], **kwargs):
        super().__init__(*args, **kwargs)
        self.denominations = list(denominations)
        for denomination in self.denominations:
            label = format_money(denomination.value, shop.currency, shop.locale)
            field = count_field(label=gettext("Pieces of %(value)s") % {"value": label}, required=False)
            field.widget.attrs["class"] = "form-control form-control-sm text-end"
            self.fields[self.piece_name(denomination)] = field

    @staticmethod
    def piece_name(denomination: Denomination) -> str:
        return f"piece_{denomination.pk}"

    @property
    def piece_fields(self) -> list[tuple[Denomination, forms.BoundField]]:
        return [(d, self[self.piece_name(d)]) for d in self.denominations]

    def pieces(self) -> dict[Decimal, int]:
        """The non-zero pieces entered (call after ``is_valid()``)."""
        return {d.value: count for d in self.denominations
                if (count := self.cleaned_data.get(self.piece_name(d)))}

    def clean(self):
        data = super().clean()
        if data.get("amount") is None and "amount" not in self.errors and not self.pieces():
            self.add_error("amount", gettext("Enter the amount, or the notes and coins."))
        return data


class DayCloseForm(DrawerCountsForm, OneTimeKeyForm):
    """The day close: a count field per denomination (``count_<id>``, required, blank to
    start with so the owner really counts), a ``note`` (required by the service when the
    count differs from the book) and the one-time key."""

    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           help_text=_("Needed when the count differs from the book: say why."))

    def __init__(self, *args, shop: Shop, denominations: list[Denomination], **kwargs):
        super().__init__(*args, shop=shop, denominations=denominations, **kwargs)
        for denomination in self.denominations:
            self.fields[self.field_name(denomination)].initial = None


class CashBookDayForm(forms.Form):
    """``?date=YYYY-MM-DD``: the cash book's day (default today; no future days)."""

    date = forms.DateField(label=_("Day"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})

    def clean_date(self):
        day = self.cleaned_data.get("date") or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(gettext("The cash book has no entries for days to come."))
        return day
