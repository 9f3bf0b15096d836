"""One-time keys (DESIGN §5): the same form posted twice records one due or payment,
and entry dates outside the sane range get a clear error."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from customers.models import Customer
from ledger.models import Due, Payment
from ledger.services import LedgerError
from ledger.services import entries as ledger
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Meena")


def form_key(client, url) -> str:
    """The one-time key a fresh form carries."""
    key = client.get(url).context["form"]["idempotency_key"].value()
    uuid.UUID(str(key))
    return str(key)


def test_due_form_posted_twice_records_one_due(owner_client, customer):
    url = reverse("ledger:due_create", args=[customer.pk])
    data = {"amount": "120", "description": "Dal", "incurred_on": today().isoformat(),
            "idempotency_key": form_key(owner_client, url)}

    first = owner_client.post(url, data)
    second = owner_client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert Due.objects.filter(customer=customer).count() == 1
    assert Customer.objects.get(pk=customer.pk).balance == D("120.00")


def test_two_fresh_forms_record_two_dues(owner_client, customer):
    url = reverse("ledger:due_create", args=[customer.pk])
    for _ in range(2):
        owner_client.post(url, {"amount": "10", "description": "Tea", "incurred_on": today().isoformat(),
                                "idempotency_key": form_key(owner_client, url)})
    assert Due.objects.filter(customer=customer).count() == 2


def test_payment_form_posted_twice_records_one_payment(owner_client, customer):
    ledger.due_create(shop=customer.shop, customer=customer, amount=D("500"), description="Rice",
                      incurred_on=today())
    url = reverse("ledger:payment_create", args=[customer.pk])
    data = {"amount": "200", "received_on": today().isoformat(), "method": "cash",
            "idempotency_key": form_key(owner_client, url)}

    for _ in range(3):
        assert owner_client.post(url, data).status_code == 302

    assert Payment.objects.filter(customer=customer).count() == 1
    assert Customer.objects.get(pk=customer.pk).balance == D("300.00")


def test_mark_paid_posted_twice_records_one_payment(owner_client, customer):
    due = ledger.due_create(shop=customer.shop, customer=customer, amount=D("80"), description="Milk",
                            incurred_on=today())
    url = reverse("ledger:due_mark_paid", args=[due.pk])
    data = {"method": "cash", "received_on": today().isoformat(), "idempotency_key": form_key(owner_client, url)}

    first = owner_client.post(url, data)
    second = owner_client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert Payment.objects.filter(customer=customer).count() == 1


def test_a_key_is_per_shop(shop, customer, other_owner):
    key = uuid.uuid4()
    other = CustomerFactory(shop=other_owner.shop)
    ledger.due_create(shop=shop, customer=customer, amount=D("5"), description="A", incurred_on=today(),
                      idempotency_key=key)
    with scope(shop=other_owner.shop):
        ledger.due_create(shop=other_owner.shop, customer=other, amount=D("7"), description="B",
                          incurred_on=today(), idempotency_key=key)
        assert Due.objects.filter(idempotency_key=key).get().amount == D("7.00")
    assert Due.objects.filter(idempotency_key=key).get().amount == D("5.00")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_payment_form_record_it_once(shop, customer):
    ledger.due_create(shop=shop, customer=customer, amount=D("500"), description="Rice", incurred_on=today())
    key = uuid.uuid4()

    def pay():
        return ledger.payment_create(shop=shop, customer=customer, amount=D("200"), received_on=today(),
                                     idempotency_key=key)

    first, second = run_together(pay, pay)

    assert isinstance(first, Payment) and isinstance(second, Payment), (first, second)
    assert first.pk == second.pk
    assert Payment.objects.filter(customer=customer).count() == 1
    assert Customer.objects.get(pk=customer.pk).balance == D("300.00")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("incurred_on", datetime.date(1999, 12, 31), "Enter a date from 01 Jan 2000 on."),
    ("incurred_on", datetime.date(9999, 12, 31), "The date cannot be more than a year ahead"),
    ("due_date", datetime.date(9999, 12, 31), "The due date cannot be more than 5 years ahead"),
])
def test_due_dates_out_of_range_are_refused_on_the_form(owner_client, customer, field, value, message):
    data = {"amount": "10", "description": "Tea", "incurred_on": today().isoformat()}
    data[field] = value.isoformat()

    response = owner_client.post(reverse("ledger:due_create", args=[customer.pk]), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Due.objects.exists()


def test_payment_date_out_of_range_is_refused_on_the_form(owner_client, customer):
    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "10", "received_on": "9999-12-31", "method": "cash"})
    assert "The date cannot be more than a year ahead" in response.context["form"].errors["received_on"][0]
    assert not Payment.objects.exists()


def test_date_bounds_at_their_edges(shop, customer):
    ledger.due_create(shop=shop, customer=customer, amount=D("1"), description="Edge", incurred_on=today(),
                      due_date=ledger._years_after(today(), 5))
    ledger.due_create(shop=shop, customer=customer, amount=D("1"), description="Old",
                      incurred_on=datetime.date(2000, 1, 1))
    with pytest.raises(LedgerError):
        ledger.due_create(shop=shop, customer=customer, amount=D("1"), description="Late", incurred_on=today(),
                          due_date=ledger._years_after(today(), 5) + datetime.timedelta(days=1))
    assert Due.objects.count() == 2


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_the_payment_page_record_one_payment(owner, customer):
    from django.test import Client

    ledger.due_create(shop=customer.shop, customer=customer, amount=D("500"), description="Rice", incurred_on=today())
    url = reverse("ledger:payment_create", args=[customer.pk])
    data = {"amount": "200", "received_on": today().isoformat(), "method": "cash", "idempotency_key": str(uuid.uuid4())}
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(owner.user)
        clients.append(client)

    first, second = run_together(*(lambda c=c: c.post(url, data) for c in clients))

    assert first.status_code == second.status_code == 302, (first, second)
    assert Payment.objects.filter(customer=customer).count() == 1
    assert Customer.objects.get(pk=customer.pk).balance == D("300.00")
