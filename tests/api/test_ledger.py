"""``/api/v1/dues/`` and ``/api/v1/payments/``: the ledger's rules through the API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Payment
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
DUES, PAYMENTS = "/api/v1/dues/", "/api/v1/payments/"


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Asha")


def _due(shop, customer, amount, days_ago=0, due_in=None):
    today = timezone.localdate()
    return ledger.due_create(shop=shop, customer=customer, amount=Decimal(amount), description=f"Due {amount}",
                             incurred_on=today - datetime.timedelta(days=days_ago),
                             due_date=today + datetime.timedelta(days=due_in) if due_in is not None else None)


def test_a_due_is_recorded_with_todays_date_by_default(api, shop, customer):
    response = api.post(DUES, {"customer": customer.pk, "amount": "99.5", "description": "Oil 1 L",
                               "due_date": "2026-12-31"})
    assert response.status_code == 201
    due = response.json()
    assert (due["amount"], due["outstanding"], due["status"]) == ("99.50", "99.50", "open")
    assert due["incurred_on"] == timezone.localdate().isoformat() and due["due_date"] == "2026-12-31"
    customer.refresh_from_db()
    assert customer.balance == Decimal("99.50")


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"amount": "0"}, "amount", "The amount must be more than zero."),
    ({"amount": "1.999"}, "amount", "Use at most 2 digits after the decimal point."),
    ({"amount": 12.5}, None, None),
    ({"amount": "1000000000000"}, "amount", "That amount is too large (at most 12 digits before the decimal point)."),
    ({"incurred_on": "1999-12-31"}, "incurred_on", "Enter a date from 01 Jan 2000 on."),
    ({"incurred_on": "2026-13-01"}, "incurred_on", None),
    ({"due_date": "2020-01-01"}, "due_date", "The due date cannot be before the date the credit was given."),
    ({"description": "   "}, "description", None),
])
def test_bad_dues_are_field_errors(api, shop, customer, body, field, message):
    response = api.post(DUES, {"customer": customer.pk, "amount": "10", "description": "x",
                               "incurred_on": "2026-11-01", **body})
    if field is None:  # a JSON number is accepted too (exactly as written)
        assert response.status_code == 201 and response.json()["amount"] == "12.50"
        return
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if message:
        assert errors[0]["detail"] == message


def test_customer_credit_is_applied_to_a_new_due(api, shop, customer):
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("30"), received_on=timezone.localdate())
    due = api.post(DUES, {"customer": customer.pk, "amount": "50", "description": "Rice"}).json()
    assert (due["outstanding"], due["status"]) == ("20.00", "partial")


def test_a_payment_goes_to_the_oldest_dues_first(api, shop, customer):
    old, new = _due(shop, customer, "100", days_ago=10), _due(shop, customer, "50", days_ago=1)
    payment = api.post(PAYMENTS, {"customer": customer.pk, "amount": "120", "method": "upi",
                                  "reference": "UTR42"}).json()
    assert payment["allocations"] == [{"due": old.pk, "amount": "100.00"}, {"due": new.pk, "amount": "20.00"}]
    assert payment["method"] == "upi" and payment["due"] is None


def test_a_payment_to_a_chosen_due(api, shop, customer):
    _due(shop, customer, "100", days_ago=10)
    chosen = _due(shop, customer, "50", days_ago=1)
    payment = api.post(PAYMENTS, {"customer": customer.pk, "amount": "50", "due": chosen.pk}).json()
    assert payment["due"] == chosen.pk
    assert payment["allocations"] == [{"due": chosen.pk, "amount": "50.00"}]


def test_a_payment_above_the_chosen_dues_outstanding_is_refused(api, shop, customer):
    chosen = _due(shop, customer, "50")
    response = api.post(PAYMENTS, {"customer": customer.pk, "amount": "60", "due": chosen.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "amount"
    assert not Payment.objects.filter(shop=shop).exists()


def test_a_payment_for_another_customers_due_is_refused(api, shop, customer):
    other_due = _due(shop, CustomerFactory(shop=shop), "50")
    response = api.post(PAYMENTS, {"customer": customer.pk, "amount": "10", "due": other_due.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "due", "detail": "Choose one of this customer's open dues.",
                                          "code": "rule"}]


def test_voiding_a_payment_opens_its_dues_again(api, shop, customer):
    due = _due(shop, customer, "80")
    payment = ledger.payment_create(shop=shop, customer=customer, amount=Decimal("80"),
                                    received_on=timezone.localdate())
    url = reverse("api:v1:payment-void", kwargs={"pk": payment.pk})
    assert api.post(url, {}).json()["errors"][0]["field"] == "reason"
    voided = api.post(url, {"reason": "Cheque bounced"}).json()
    assert voided["voided_at"] is not None and voided["void_reason"] == "Cheque bounced"
    assert voided["allocations"] == []
    assert api.get(reverse("api:v1:due-detail", kwargs={"pk": due.pk})).json()["status"] == "open"


def test_voiding_a_due(api, shop, customer):
    due = _due(shop, customer, "80")
    voided = api.post(reverse("api:v1:due-void", kwargs={"pk": due.pk}), {"reason": "Typo"}).json()
    assert (voided["status"], voided["outstanding"]) == ("void", "0.00")
    customer.refresh_from_db()
    assert customer.balance == 0


def test_a_due_posted_by_an_invoice_is_voided_through_the_invoice(api, shop):
    from tests.api.helpers import make_book

    book = make_book(shop)
    invoice_due = book["invoice"].due
    response = api.post(reverse("api:v1:due-void", kwargs={"pk": invoice_due.pk}), {"reason": "x"})
    assert response.status_code == 400
    assert f"Void Invoice {book['invoice'].number} instead" in response.json()["detail"]


def test_lists_filter_by_customer_status_and_dates(api, shop, customer):
    other = CustomerFactory(shop=shop)
    paid = _due(shop, customer, "10", days_ago=5)
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("10"), received_on=timezone.localdate())
    open_ = _due(shop, customer, "20", days_ago=1)
    _due(shop, other, "30", days_ago=1)

    def ids(params, url=DUES):
        return [row["id"] for row in api.get(url, params).json()["results"]]

    assert ids({"customer": customer.pk, "ordering": "incurred_on"}) == [paid.pk, open_.pk]
    assert ids({"customer": customer.pk, "status": "paid"}) == [paid.pk]
    assert ids({"customer": customer.pk, "status": "open"}) == [open_.pk]
    incurred = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert ids({"customer": customer.pk, "incurred_after": incurred}) == [open_.pk]
    assert api.get(DUES, {"status": "owed"}).status_code == 400
    assert api.get(DUES, {"customer": "-1"}).status_code == 400
    assert len(ids({"customer": customer.pk}, PAYMENTS)) == 1
    assert ids({"method": "upi"}, PAYMENTS) == []
