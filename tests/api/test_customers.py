"""``/api/v1/customers/``: search, filters, ordering, cursor pages, create, update,
archive; a customer's statement and open dues."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_create
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/customers/"


def _names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_create_returns_the_customer_with_money_as_strings(api, shop):
    response = api.post(LIST, {"name": "  Asha Verma ", "phone": "096510 34997", "credit_limit": "5000"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Asha Verma"
    assert body["credit_limit"] == "5000.00" and body["balance"] == "0.00"
    customer = Customer.objects.get(shop=shop, pk=body["id"])
    assert customer.phone_e164 == "+919651034997"


def test_a_duplicate_phone_is_refused_until_confirmed(api, shop):
    CustomerFactory(shop=shop, name="Ravi", phone="9651034997", phone_e164="+919651034997")
    refused = api.post(LIST, {"name": "Ravi's wife", "phone": "+91 96510 34997"})
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["code"] == "duplicate_phone" and problem["errors"][0]["field"] == "phone"
    assert problem["confirm_phone"] == "+919651034997"
    saved = api.post(LIST, {"name": "Ravi's wife", "phone": "+91 96510 34997", "confirm_phone": "+919651034997"})
    assert saved.status_code == 201


def test_bad_fields_are_field_errors(api, shop):
    response = api.post(LIST, {"name": "", "email": "not-an-email", "credit_limit": "-1"})
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"name", "email", "credit_limit"}
    assert not Customer.objects.filter(shop=shop).exists()


def test_search_by_name_or_any_form_of_the_phone(api, shop):
    # Through the service, which keeps phone_e164 and phone_tail (the last digits' index).
    customer_create(shop=shop, name="Asha Verma", phone="9651034997")
    customer_create(shop=shop, name="Ravi Kumar", phone="9812345678")
    assert _names(api.get(LIST, {"q": "asha"})) == ["Asha Verma"]
    assert _names(api.get(LIST, {"q": "+91 98123 45678"})) == ["Ravi Kumar"]
    assert _names(api.get(LIST, {"q": "4997"})) == ["Asha Verma"]


def test_filters_archived_overdue_and_balance(api, shop):
    today = timezone.localdate()
    late = CustomerFactory(shop=shop, name="Late")
    ledger.due_create(shop=shop, customer=late, amount=Decimal("100"), description="x",
                      incurred_on=today - datetime.timedelta(days=20), due_date=today - datetime.timedelta(days=5))
    small = CustomerFactory(shop=shop, name="Small")
    ledger.due_create(shop=shop, customer=small, amount=Decimal("10"), description="x", incurred_on=today)
    CustomerFactory(shop=shop, name="Gone", is_archived=True)
    assert _names(api.get(LIST)) == ["Late", "Small"]
    assert _names(api.get(LIST, {"archived": "true"})) == ["Gone"]
    assert _names(api.get(LIST, {"overdue": "true"})) == ["Late"]
    assert _names(api.get(LIST, {"overdue": "false"})) == ["Small"]
    assert _names(api.get(LIST, {"balance_min": "50"})) == ["Late"]
    assert _names(api.get(LIST, {"balance_max": "50"})) == ["Small"]


def test_ordering_and_bad_ordering(api, shop):
    for name, balance in (("B", 5), ("A", 30), ("C", 10)):
        CustomerFactory(shop=shop, name=name, balance=Decimal(balance))
    assert _names(api.get(LIST)) == ["A", "B", "C"]
    assert _names(api.get(LIST, {"ordering": "-balance"})) == ["A", "C", "B"]
    assert _names(api.get(LIST, {"ordering": "-name"})) == ["C", "B", "A"]
    bad = api.get(LIST, {"ordering": "phone"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ordering"


@pytest.mark.parametrize("ordering", ["name", "-name", "balance", "-balance", "created_at", "-created_at"])
def test_cursor_pages_walk_every_row_once_both_ways(api, shop, ordering):
    for i in range(7):
        # Equal names and balances: the id breaks the ties.
        CustomerFactory(shop=shop, name=f"Customer {i % 3}", balance=Decimal(i % 2))
    seen, url, pages = [], LIST, []
    params = {"ordering": ordering, "page_size": 3}
    while url:
        page = api.get(url, params if url == LIST else None).json()
        pages.append(page)
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 7
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert pages[0]["previous"] is None
    back = api.get(pages[2]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[1]["results"]]


def test_a_forged_cursor_or_page_size_is_a_400(api, shop):
    assert api.get(LIST, {"cursor": "not-base64!"}).status_code == 400
    assert api.get(LIST, {"cursor": "eyJyIjpmYWxzZSwidiI6WyJ4Il19"}).status_code == 400  # one value for two fields
    assert api.get(LIST, {"page_size": "0"}).status_code == 400
    assert api.get(LIST, {"page_size": "201"}).status_code == 400


def test_update_and_partial_update(api, shop):
    customer = CustomerFactory(shop=shop, name="Asha", notes="old")
    url = reverse("api:v1:customer-detail", kwargs={"pk": customer.pk})
    assert api.patch(url, {"notes": "Pays on Fridays"}).json()["notes"] == "Pays on Fridays"
    replaced = api.put(url, {"name": "Asha V", "credit_limit": None})
    assert replaced.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.notes) == ("Asha V", "Pays on Fridays")


def test_archive_needs_a_zero_balance(api, shop):
    customer = CustomerFactory(shop=shop)
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("5"), description="x",
                      incurred_on=timezone.localdate())
    url = reverse("api:v1:customer-archive", kwargs={"pk": customer.pk})
    refused = api.post(url)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("Only a customer with a zero balance can be archived")
    settled = CustomerFactory(shop=shop)
    archived = api.post(reverse("api:v1:customer-archive", kwargs={"pk": settled.pk}))
    assert archived.status_code == 200 and archived.json()["is_archived"] is True
    # An archived customer is still readable by id, and comes back with unarchive.
    assert api.get(reverse("api:v1:customer-detail", kwargs={"pk": settled.pk})).status_code == 200
    assert api.post(reverse("api:v1:customer-unarchive", kwargs={"pk": settled.pk})).json()["is_archived"] is False


def test_statement_and_open_dues(api, shop):
    customer = CustomerFactory(shop=shop)
    today = timezone.localdate()
    first = ledger.due_create(shop=shop, customer=customer, amount=Decimal("100"), description="Rice",
                              incurred_on=today - datetime.timedelta(days=3))
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("40.50"), description="Oil", incurred_on=today)
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("120"), received_on=today)

    statement = api.get(reverse("api:v1:customer-statement", kwargs={"pk": customer.pk})).json()
    assert statement["balance"] == "20.50"
    assert [(line["kind"], line["debit"], line["credit"], line["balance"]) for line in statement["lines"]] == [
        ("due", "100.00", None, "100.00"), ("due", "40.50", None, "140.50"), ("payment", None, "120.00", "20.50")]
    assert statement["lines"][0]["id"] == first.pk

    dues = api.get(reverse("api:v1:customer-open-dues", kwargs={"pk": customer.pk})).json()
    assert [(d["description"], d["outstanding"], d["status"]) for d in dues] == [("Oil", "20.50", "partial")]


def test_a_change_through_the_api_records_the_token_user_in_history(api, shop, owner):
    """The activity history's "who": DRF authenticates the token inside the view, after
    simple_history's middleware, and must still name the token's user."""
    body = api.post(LIST, {"name": "Asha Verma", "phone": "9651034997"}).json()
    customer = Customer.objects.get(shop=shop, pk=body["id"])
    assert customer.history.latest().history_user == owner.user


def test_a_customer_carries_a_gstin_and_its_state(api, shop):
    created = api.post(LIST, {"name": "Bharat Caterers", "gstin": "29aagcb7383j1z4"})
    assert created.status_code == 201, created.content
    assert (created.json()["gstin"], created.json()["state"]) == ("29AAGCB7383J1Z4", "29")
    refused = api.post(LIST, {"name": "Typo Traders", "gstin": "29AAGCB7383J1Z5"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "gstin"
