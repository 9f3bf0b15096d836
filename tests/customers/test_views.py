from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_create
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_add_customer_keeps_the_phone_as_typed_with_its_e164_form_and_opens_their_page(owner_client, shop):
    response = owner_client.post(reverse("customers:create"), {
        "name": "  Sunita   Devi ", "phone": "+91 98765-43210", "email": "", "address": "", "notes": ""})

    customer = Customer.objects.get(shop=shop)
    assert response.status_code == 302
    assert response.url == customer.get_absolute_url()
    assert customer.name == "Sunita Devi"
    assert (customer.phone, customer.phone_e164) == ("+91 98765-43210", "+919876543210")
    assert customer.balance == Decimal("0.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "A", "phone": "call me"}, "phone", "Enter a phone number of 6 to 15 digits"),
        ({"name": "A", "email": "nope"}, "email", "Enter a valid email address."),
        ({"name": "A", "credit_limit": "-5"}, "credit_limit", "greater than or equal to 0"),
    ],
)
def test_add_customer_errors(owner_client, shop, data, field, message):
    response = owner_client.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Customer.objects.filter(shop=shop).exists()


def test_edit_customer(owner_client, shop):
    customer = CustomerFactory(shop=shop, name="Old")
    response = owner_client.post(reverse("customers:edit", args=[customer.pk]),
                                 {"name": "New", "phone": "9123456789", "email": "new@example.com"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("New", "new@example.com")


def test_list_shows_only_this_shops_active_customers_with_balance(owner_client, shop, other_owner):
    ravi = CustomerFactory(shop=shop, name="Ravi Kumar")
    ledger.due_create(shop=shop, customer=ravi, amount=Decimal("1234.50"), description="Rice",
                      incurred_on=timezone.localdate())
    CustomerFactory(shop=shop, name="Gone Person", is_archived=True)
    CustomerFactory(shop=other_owner.shop, name="Foreign Customer")

    response = owner_client.get(reverse("customers:list"))

    body = response.content.decode()
    assert "Ravi Kumar" in body and "₹1,234.50" in body
    assert "Gone Person" not in body
    assert "Foreign Customer" not in body
    archived = owner_client.get(reverse("customers:list"), {"archived": "1"}).content.decode()
    assert "Gone Person" in archived and "Ravi Kumar" not in archived


@pytest.mark.django_db(transaction=True)  # a later word: MariaDB's full-text index sees committed rows only
def test_search_by_name_or_phone_fragment(owner_client, shop):
    customer_create(shop=shop, name="Anita Sharma", phone="9811122233")
    customer_create(shop=shop, name="Bharat Patel", phone="9700000001")

    names = lambda q: [c.name for c in owner_client.get(reverse("customers:list"), {"q": q}).context["page"]]  # noqa: E731
    assert names("sharma") == ["Anita Sharma"]
    assert names("98111") == ["Anita Sharma"]
    assert names("98 111") == ["Anita Sharma"]
    assert names("zzz") == []


def test_htmx_search_returns_only_the_table(owner_client, shop):
    CustomerFactory(shop=shop, name="Anita Sharma")
    response = owner_client.get(reverse("customers:list"), {"q": "anita"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Anita Sharma" in body
    assert "<html" not in body


def test_sort_by_balance_and_pagination(owner_client, shop):
    for i in range(30):
        CustomerFactory(shop=shop, name=f"C{i:02d}", balance=Decimal(i))
    page1 = owner_client.get(reverse("customers:list"), {"sort": "-balance"}).context["page"]
    assert [c.name for c in page1][:3] == ["C29", "C28", "C27"]
    assert len(page1) == 25
    page2 = owner_client.get(reverse("customers:list"), {"sort": "-balance", "page": 2}).context["page"]
    assert [c.name for c in page2] == ["C04", "C03", "C02", "C01", "C00"]
    # An unknown sort key falls back to name; a bad page number gives the last/first page, not a 500.
    assert owner_client.get(reverse("customers:list"), {"sort": "evil", "page": "x"}).status_code == 200


def test_list_query_count_does_not_grow_with_customers(owner_client, shop, django_assert_max_num_queries):
    CustomerFactory.create_batch(3, shop=shop)
    with django_assert_max_num_queries(6) as small:
        owner_client.get(reverse("customers:list"))
    CustomerFactory.create_batch(60, shop=shop)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(reverse("customers:list"), {"sort": "-activity"})


def test_archive_only_at_zero_balance(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("10"), description="Tea",
                      incurred_on=timezone.localdate())

    response = owner_client.post(reverse("customers:archive", args=[customer.pk]), follow=True)
    customer.refresh_from_db()
    assert not customer.is_archived
    assert "Only a customer with a zero balance can be archived" in response.content.decode()

    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("10"), received_on=timezone.localdate())
    owner_client.post(reverse("customers:archive", args=[customer.pk]))
    customer.refresh_from_db()
    assert customer.is_archived

    owner_client.post(reverse("customers:unarchive", args=[customer.pk]))
    customer.refresh_from_db()
    assert not customer.is_archived


def test_archive_is_post_only(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    assert owner_client.get(reverse("customers:archive", args=[customer.pk])).status_code == 405
