import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from customers.models import Customer
from ledger.models import Due, Payment
from ledger.selectors.entries import due_outstanding
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Sunita Devi")


def add_due(customer, amount, days_ago=10, due_in=5, description="Groceries"):
    """A due via the service, in the customer's shop's scope."""
    incurred = TODAY() - datetime.timedelta(days=days_ago)
    with scope(shop=customer.shop):
        return ledger.due_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                 description=description, incurred_on=incurred,
                                 due_date=incurred + datetime.timedelta(days=due_in))


def test_add_due_updates_balance(owner_client, customer):
    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), {
        "amount": "1500.50", "description": "Rice 25 kg", "incurred_on": "2026-10-20", "due_date": "2026-11-01"})

    assert response.status_code == 302
    due = Due.objects.get(customer=customer)
    assert (due.amount, due.due_date, due.created_by.username) == (
        Decimal("1500.50"), datetime.date(2026, 11, 1), customer.shop.memberships.get().user.username)
    customer.refresh_from_db()
    assert customer.balance == Decimal("1500.50")


AMOUNT_ERRORS = [
    ("0", "The amount must be more than zero."),
    ("-5", "The amount must be more than zero."),
    ("abc", "Enter an amount in numbers, such as 250 or 99.50."),
    ("1234567890123", "That amount is too large (at most 12 digits before the decimal point)."),
    ("10.123", "Use at most 2 digits after the decimal point."),
    ("NaN", "Enter an amount in numbers, such as 250 or 99.50."),
    ("", "This field is required."),
]


@pytest.mark.parametrize(("amount", "message"), AMOUNT_ERRORS)
def test_bad_due_amount_is_a_form_error(owner_client, customer, amount, message):
    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), {
        "amount": amount, "description": "Rice", "incurred_on": "2026-10-20"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert not Due.objects.exists()


@pytest.mark.parametrize(("amount", "message"), AMOUNT_ERRORS)
def test_bad_payment_amount_is_a_form_error(owner_client, customer, amount, message):
    add_due(customer, "100")
    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": amount, "received_on": "2026-10-20", "method": "cash"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("value", ["20/10/2026", "2026-13-01", "yesterday"])
def test_bad_dates_are_form_errors(owner_client, customer, value):
    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), {
        "amount": "10", "description": "Rice", "incurred_on": value, "due_date": value})
    errors = response.context["form"].errors
    assert errors["incurred_on"] == ["Enter a date as YYYY-MM-DD."]
    assert errors["due_date"] == ["Enter a date as YYYY-MM-DD."]
    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "10", "received_on": value, "method": "cash"})
    assert response.context["form"].errors["received_on"] == ["Enter a date as YYYY-MM-DD."]
    assert not Due.objects.exists() and not Payment.objects.exists()


def test_due_date_before_incurred_date_is_refused(owner_client, customer):
    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), {
        "amount": "10", "description": "Rice", "incurred_on": "2026-10-20", "due_date": "2026-10-01"})
    assert response.context["form"].errors["due_date"] == [
        "The due date cannot be before the date the credit was given."]


def test_payment_above_the_chosen_dues_outstanding_is_a_form_error(owner_client, customer):
    due = add_due(customer, "300")
    ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("100"), received_on=TODAY())

    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "250", "received_on": "2026-10-20", "method": "upi", "due": due.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "This is more than the 200.00 outstanding on the chosen due."]
    assert Payment.objects.count() == 1


def test_partial_payment_to_chosen_due(owner_client, customer):
    older = add_due(customer, "100", days_ago=20)
    chosen = add_due(customer, "300", days_ago=5)

    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "120", "received_on": TODAY().isoformat(), "method": "upi", "reference": "UPI123",
        "due": chosen.pk})

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert [(a.due_id, a.amount) for a in payment.allocations.all()] == [(chosen.pk, Decimal("120.00"))]
    assert due_outstanding(older) == Decimal("100.00")
    customer.refresh_from_db()
    assert customer.balance == Decimal("280.00")


def test_payment_form_preselects_the_due_from_the_query_string(owner_client, customer):
    due = add_due(customer, "100")
    response = owner_client.get(reverse("ledger:payment_create", args=[customer.pk]), {"due": due.pk})
    assert response.context["form"]["due"].value() == due.pk
    assert "Groceries — ₹100.00 outstanding" in response.content.decode()


def test_mark_paid_shows_the_amount_and_asks_the_method(owner_client, customer):
    due = add_due(customer, "250")
    ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("50"), received_on=TODAY())

    page = owner_client.get(reverse("ledger:due_mark_paid", args=[due.pk]))

    assert page.status_code == 200
    assert Payment.objects.count() == 1  # a GET records nothing
    html = page.content.decode()
    assert 'data-testid="mark-paid-amount">₹200.00<' in html
    assert page.context["form"]["method"].value() == Payment.Method.CASH


def test_mark_paid_records_the_chosen_method(owner_client, customer):
    due = add_due(customer, "250")
    ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("50"), received_on=TODAY())
    url = reverse("ledger:due_mark_paid", args=[due.pk])

    response = owner_client.post(url, {"method": "upi", "received_on": TODAY().isoformat()}, follow=True)

    assert "as paid (₹200.00 received, upi)" in response.content.decode()
    payment = Payment.objects.latest("pk")
    assert (payment.amount, payment.method, payment.due_id) == (Decimal("200.00"), "upi", due.pk)
    customer.refresh_from_db()
    assert customer.balance == Decimal("0.00")
    again = owner_client.post(url, {"method": "cash", "received_on": TODAY().isoformat()})
    assert "This due is already paid." in again.content.decode()
    assert Payment.objects.count() == 2


def test_owner_voids_a_due_with_a_reason(owner_client, customer):
    due = add_due(customer, "250")
    url = reverse("ledger:due_void", args=[due.pk])

    response = owner_client.post(url, {"reason": "   "})
    assert response.context["form"].errors["reason"] == ["This field is required."]

    response = owner_client.post(url, {"reason": "Entered twice"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.void_reason == "Entered twice" and due.voided_by is not None
    customer.refresh_from_db()
    assert customer.balance == Decimal("0.00")
    page = owner_client.get(customer.get_absolute_url()).content.decode()
    assert "Void: Entered twice" in page


def test_owner_voids_a_payment_and_the_due_reopens(owner_client, customer):
    add_due(customer, "250")
    payment = ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("250"),
                                    received_on=TODAY())
    owner_client.post(reverse("ledger:payment_void", args=[payment.pk]), {"reason": "Cheque bounced"})
    customer.refresh_from_db()
    assert customer.balance == Decimal("250.00")


def test_staff_cannot_void(client, staff, shop):
    customer = CustomerFactory(shop=shop)
    due = add_due(customer, "250")
    client.force_login(staff.user)
    assert client.post(reverse("ledger:due_void", args=[due.pk]), {"reason": "x"}).status_code == 403
    due.refresh_from_db()
    assert not due.is_voided
    # Staff still record entries.
    response = client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "10", "received_on": TODAY().isoformat(), "method": "cash"})
    assert response.status_code == 302


def test_customer_page_shows_balance_open_dues_and_statement(owner_client, customer):
    add_due(customer, "1000", days_ago=40, due_in=10, description="Rice")
    add_due(customer, "500", days_ago=5, due_in=20, description="Oil")
    ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("400"), received_on=TODAY())

    response = owner_client.get(customer.get_absolute_url())

    body = response.content.decode()
    statement = response.context["statement"]
    assert [line.balance for line in statement.lines] == [Decimal("1000"), Decimal("1500"), Decimal("1100")]
    assert [(d.description, d.outstanding, d.is_overdue) for d in response.context["open_dues"]] == [
        ("Rice", Decimal("600.00"), True), ("Oil", Decimal("500.00"), False)]
    assert "₹1,100.00" in body
    assert "Overdue" in body and "Partially paid" in body


def test_pages_query_count_is_constant(owner_client, customer, django_assert_max_num_queries):
    for i in range(3):
        add_due(customer, "100", days_ago=30 - i)
    with django_assert_max_num_queries(12) as small_page:
        owner_client.get(customer.get_absolute_url())
    with django_assert_max_num_queries(14) as small_dash:
        owner_client.get(reverse("ledger:dashboard"))
    for i in range(20):
        add_due(customer, "100", days_ago=20 - i)
        ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal("30"), received_on=TODAY())
        CustomerFactory(shop=customer.shop)
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        owner_client.get(customer.get_absolute_url())
    with django_assert_max_num_queries(len(small_dash.captured_queries)):
        owner_client.get(reverse("ledger:dashboard"))


def test_dashboard_figures(owner_client, shop, other_owner):
    a = CustomerFactory(shop=shop, name="Asha")
    b = CustomerFactory(shop=shop, name="Bilal")
    add_due(a, "1000", days_ago=30, due_in=10)  # overdue
    add_due(b, "300", days_ago=2, due_in=10)
    ledger.payment_create(shop=shop, customer=a, amount=Decimal("250"), received_on=TODAY())
    foreign = CustomerFactory(shop=other_owner.shop)
    add_due(foreign, "99999", days_ago=30, due_in=1)

    response = owner_client.get(reverse("ledger:dashboard"))

    summary = response.context["summary"]
    assert summary.customers_count == 2
    assert summary.total_outstanding == Decimal("1050.00")
    assert summary.overdue_amount == Decimal("750.00")
    assert summary.overdue_customers == 1
    assert summary.collected_this_month == Decimal("250.00")
    assert [c.name for c in response.context["top_debtors"]] == ["Asha", "Bilal"]
    assert [e.kind for e in response.context["recent"]] == ["payment", "due", "due"]
    body = response.content.decode()
    assert "₹1,050.00" in body and "₹750.00" in body
    with scope(shop=other_owner.shop):
        assert Customer.objects.filter(shop=other_owner.shop).get().balance == Decimal("99999.00")


def test_due_above_the_credit_limit_is_recorded_with_a_warning(owner_client, shop):
    customer = CustomerFactory(shop=shop, name="Limited", credit_limit=Decimal("1000"))
    add_due(customer, "800")

    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), {
        "amount": "300", "description": "Oil", "incurred_on": TODAY().isoformat()}, follow=True)

    assert "Limited now owes ₹1,100.00, above the credit limit of ₹1,000.00." in response.content.decode()
    customer.refresh_from_db()
    assert customer.balance == Decimal("1100.00")
