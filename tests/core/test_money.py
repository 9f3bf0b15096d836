"""core: the money helpers every app shares, the one error type, the view helpers."""

from decimal import Decimal

import pytest
from django import forms
from django.db import models
from django.db.models import F
from django.utils import timezone

from billing.services import BillingError
from billing.tasks import InvoiceEmailError
from billing.totals import TotalsError
from core.errors import DomainError
from core.money import (
    AMOUNT_LIMIT,
    CENT,
    ZERO,
    AmountField,
    MoneyField,
    MoneyFormField,
    QuantityField,
    format_money,
    quantize_money,
    round_to_whole,
    rounded_sum,
)
from core.views import form_error
from customers.services import CustomerError
from ledger.models import Due
from ledger.services import LedgerError
from ledger.services.entries import due_create, payment_create
from ledger.services.reminders import ReminderError
from messaging.services import MessagingError
from tests.customers.factories import CustomerFactory

D = Decimal


def test_the_money_scale_comes_from_the_settings():
    assert D("0.01") == CENT
    assert str(ZERO) == "0.00"
    assert D(10) ** 12 == AMOUNT_LIMIT


@pytest.mark.parametrize(("value", "expected"), [
    ("2.345", D("2.35")), ("2.344", D("2.34")), (3, D("3.00")), (D("-0.005"), D("-0.01")), ("1e2", D("100.00")),
])
def test_quantize_money_rounds_half_up(value, expected):
    assert quantize_money(value) == expected
    assert quantize_money(value).as_tuple().exponent == -2


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", None, "1e40"])
def test_quantize_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError, match="amount"):
        quantize_money(value)


def test_quantize_money_refuses_a_float():
    with pytest.raises(TypeError, match="float"):
        quantize_money(0.1)


def test_round_to_whole():
    assert [round_to_whole(D(v)) for v in ("99.49", "99.50", "100.00", "0.50")] == [
        D("99.00"), D("100.00"), D("100.00"), D("1.00")]


def test_format_money_uses_the_shops_currency_and_locale():
    assert format_money(D("123456"), "INR", "en_IN") == "₹1,23,456.00"
    assert format_money(D("1234"), "KES", "en_KE") == "KSh\xa01,234.00"
    assert format_money(None) == ""


def test_the_model_fields_carry_the_project_digits():
    money, quantity = MoneyField(), QuantityField()
    assert isinstance(money, models.DecimalField) and isinstance(quantity, models.DecimalField)
    assert (money.max_digits, money.decimal_places) == (14, 2)
    assert (quantity.max_digits, quantity.decimal_places) == (14, 3)
    assert Due._meta.get_field("amount").max_digits == 14


@pytest.mark.django_db
def test_rounded_sum_compares_exactly_where_sqlite_sums_floats(shop):
    """0.70 + 0.10 is less than 0.80 as binary floats; the rounded sum is not."""
    customer = CustomerFactory(shop=shop)
    today = timezone.localdate()
    due = due_create(shop=shop, customer=customer, amount=D("0.80"), description="Tea", incurred_on=today)
    unpaid = due_create(shop=shop, customer=customer, amount=D("5"), description="Milk", incurred_on=today)
    for amount in ("0.70", "0.10"):
        payment_create(shop=shop, customer=customer, amount=D(amount), received_on=today, due=due)
    dues = Due.objects.filter(shop=shop).annotate(allocated=rounded_sum("allocations__amount"))
    assert quantize_money(dues.get(pk=due.pk).allocated) == D("0.80")
    assert not dues.filter(pk=due.pk, allocated__lt=F("amount")).exists()
    assert dues.get(pk=unpaid.pk).allocated == ZERO  # no rows: zero, not None


class AmountForm(forms.Form):
    amount = AmountField()
    price = MoneyFormField(min_value=0, required=False)


@pytest.mark.parametrize(("value", "error"), [
    ("0", "The amount must be more than zero."),
    ("-5", "The amount must be more than zero."),
    ("1.005", "Use at most 2 digits after the decimal point."),
    ("1000000000000", "That amount is too large (at most 12 digits before the decimal point)."),
    ("ten", "Enter an amount in numbers, such as 250 or 99.50."),
])
def test_amount_field_refuses_with_a_clear_message(value, error):
    form = AmountForm({"amount": value})
    assert not form.is_valid()
    assert form.errors["amount"] == [error]


def test_amount_field_accepts_money_and_shows_a_decimal_keypad():
    form = AmountForm({"amount": "999999999999.99", "price": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": D("999999999999.99"), "price": D("0")}
    html = str(form["amount"])
    assert 'step="0.01"' in html and 'min="0.01"' in html and 'inputmode="decimal"' in html
    assert 'min="0"' in str(form["price"])


@pytest.mark.parametrize("error", [
    LedgerError("x"), BillingError("x"), CustomerError("x"), MessagingError("x"), ReminderError("x"),
    InvoiceEmailError("x"), TotalsError("x"),
])
def test_every_apps_refusal_is_a_domain_error(error):
    assert isinstance(error, DomainError)


def test_a_domain_error_carries_its_message_and_field():
    error = DomainError("Give a reason.", field="reason")
    assert (str(error), error.field) == ("Give a reason.", "reason")
    assert DomainError("Refused.").field is None
    assert TotalsError("Too much discount.").field == "discount_value"


class NoteForm(forms.Form):
    note = forms.CharField(required=False)
    amount = forms.DecimalField(required=False)


@pytest.mark.parametrize(("field", "fields", "where"), [
    ("note", None, "note"),
    ("amount", None, "amount"),
    ("amount", ("note",), "__all__"),  # a field the caller does not show errors on
    ("customer", None, "__all__"),  # not a field of the form
    (None, None, "__all__"),
])
def test_form_error_puts_the_message_by_its_field(field, fields, where):
    form = NoteForm({})
    assert form.is_valid()
    form_error(form, DomainError("The drawer holds only ₹20.00.", field=field), fields=fields)
    assert form.errors == {where: ["The drawer holds only ₹20.00."]}
