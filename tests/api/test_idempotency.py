"""``Idempotency-Key`` (DESIGN §5): a POST sent twice with the same key is carried out
once; the repeat gets the first response back."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from api.models import IdempotentRequest
from billing.models import Invoice, StockMovement
from customers.models import Customer
from ledger.models import Due, Payment
from tests.api.conftest import TokenClient, make_token
from tests.api.helpers import make_book, snapshot
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Asha")


def _key():
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_a_repeated_due_returns_the_first_response_and_writes_once(api, shop, customer):
    key = _key()
    body = {"customer": customer.pk, "amount": "250.00", "description": "Rice 10 kg"}

    first = api.post(reverse("api:v1:due-list"), body, headers=key)
    second = api.post(reverse("api:v1:due-list"), body, headers=key)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Due.objects.filter(shop=shop).count() == 1
    customer.refresh_from_db()
    assert customer.balance == 250


def test_the_same_body_in_another_key_order_and_spacing_is_the_same_request(api, shop, customer):
    key = _key()
    api.post(reverse("api:v1:payment-list"), {"customer": customer.pk, "amount": "10"}, headers=key)
    again = api.post(reverse("api:v1:payment-list"), {"amount": "10", "customer": customer.pk}, headers=key)
    assert again.status_code == 201
    assert Payment.objects.filter(shop=shop).count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api, shop, customer):
    key = _key()
    api.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "250", "description": "Rice"},
             headers=key)
    before = snapshot(shop)

    response = api.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "999",
                                                     "description": "Rice"}, headers=key)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert snapshot(shop) == before


def test_the_same_key_on_another_route_is_422(api, shop, customer):
    key = _key()
    api.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "5", "description": "Tea"}, headers=key)
    response = api.post(reverse("api:v1:payment-list"), {"customer": customer.pk, "amount": "5"}, headers=key)
    assert response.status_code == 422
    assert not Payment.objects.filter(shop=shop).exists()


def test_a_refused_request_frees_its_key_for_the_corrected_one(api, shop, customer):
    key = _key()
    refused = api.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "0", "description": "Rice"},
                       headers=key)
    corrected = api.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "20",
                                                      "description": "Rice"}, headers=key)
    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert Due.objects.filter(shop=shop).count() == 1


def test_a_key_still_running_is_409(api, shop, customer, owner):
    key = _key()
    body = {"customer": customer.pk, "amount": "20", "description": "Rice"}
    first = api.post(reverse("api:v1:due-list"), body, headers=key)
    IdempotentRequest.objects.filter(shop=shop).update(status_code=None, response_body="")  # as if still running

    response = api.post(reverse("api:v1:due-list"), body, headers=key)

    assert first.status_code == 201
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert Due.objects.filter(shop=shop).count() == 1


def test_a_key_left_running_by_a_dead_process_is_taken_over_without_a_second_due(api, shop, customer):
    """The record says "running" long after the first request (its process died after the
    write): the key is free again, and the service's own one-time key returns the due the
    first request wrote."""
    key = _key()
    body = {"customer": customer.pk, "amount": "20", "description": "Rice"}
    first = api.post(reverse("api:v1:due-list"), body, headers=key)
    IdempotentRequest.objects.filter(shop=shop).update(
        status_code=None, response_body="", created_at=timezone.now() - datetime.timedelta(minutes=10))

    again = api.post(reverse("api:v1:due-list"), body, headers=key)

    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Due.objects.filter(shop=shop).count() == 1


def test_keys_are_per_client(owner, shop, customer):
    """Two programs of the shop that happen to pick the same key do not see each other's
    responses: each token's key is its own."""
    key = {"Idempotency-Key": "order-1"}
    one, two = TokenClient(make_token(owner, name="One")), TokenClient(make_token(owner, name="Two"))
    a = one.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "5", "description": "A"},
                 headers=key)
    b = two.post(reverse("api:v1:due-list"), {"customer": customer.pk, "amount": "7", "description": "B"},
                 headers=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_an_invoice_is_issued_once(api, shop, owner):
    book = make_book(shop)
    key = _key()
    body = {"customer": book["customer"].pk, "amount_paid": "0",
            "lines": [{"product": book["product"].pk, "quantity": "2"}]}
    first = api.post(reverse("api:v1:invoice-list"), body, headers=key)
    second = api.post(reverse("api:v1:invoice-list"), body, headers=key)
    assert first.status_code == 201
    assert second.json()["number"] == first.json()["number"]
    with scope(shop=shop):
        assert Invoice.objects.filter(shop=shop).count() == 2  # the book's and this one
        assert StockMovement.objects.filter(shop=shop, kind="sale").count() == 2


def test_a_void_repeated_with_its_key_is_replayed_not_refused(api, shop):
    book = make_book(shop)
    key = _key()
    url = reverse("api:v1:due-void", kwargs={"pk": book["due"].pk})
    first = api.post(url, {"reason": "Twice"}, headers=key)
    second = api.post(url, {"reason": "Twice"}, headers=key)
    without_key = api.post(url, {"reason": "Twice"})
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert without_key.status_code == 400
    assert without_key.json()["detail"] == "This due is already void."


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve"])
def test_a_bad_key_is_a_field_error(api, shop, customer, key):
    response = api.post(reverse("api:v1:customer-list"), {"name": "Ravi"}, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Customer.objects.filter(shop=shop).count() == 1


def test_without_a_key_each_post_writes(api, shop, customer):
    body = {"customer": customer.pk, "amount": "5", "description": "Tea"}
    api.post(reverse("api:v1:due-list"), body)
    api.post(reverse("api:v1:due-list"), body)
    assert Due.objects.filter(shop=shop).count() == 2


def test_keys_are_forgotten_after_a_day(api, shop, customer):
    key = _key()
    body = {"customer": customer.pk, "amount": "5", "description": "Tea"}
    api.post(reverse("api:v1:due-list"), body, headers=key)
    IdempotentRequest.objects.filter(shop=shop).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    api.post(reverse("api:v1:customer-list"), {"name": "Someone"}, headers=_key())  # any keyed POST prunes
    assert list(IdempotentRequest.objects.filter(shop=shop).values_list("path", flat=True)) == ["/api/v1/customers/"]
