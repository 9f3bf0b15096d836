"""Customer phone numbers: stored as typed and in E.164 (``phone_e164``), found by search
however they are written, and a warning (with a confirm path) when another active customer
of the shop already has the number."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.models import Shop
from customers.models import Customer
from customers.selectors import customer_list
from customers.services import DuplicatePhoneError, customer_archive, customer_create, customer_update
from tests.accounts.factories import ShopFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

MEENA = "+919651034997"


@pytest.fixture
def meena(shop):
    """Meena's number typed the way the shopkeeper wrote it down."""
    return customer_create(shop=shop, name="Meena Gupta", phone="96510 34997")


@pytest.fixture
def neighbours(shop):
    """Customers whose numbers share some digits with Meena's but are not hers."""
    return [
        customer_create(shop=shop, name="Suresh Yadav", phone="98123 45678"),
        customer_create(shop=shop, name="Kamla Devi", phone="+91 99651 03499"),  # Meena's digits inside
    ]


def _names(client, query, **extra):
    response = client.get(reverse("customers:list"), {"q": query}, **extra)
    assert response.status_code == 200
    return [c.name for c in response.context["page"]]


# --- stored number ---------------------------------------------------------------------------


def test_the_number_is_kept_as_typed_and_stored_in_e164(meena):
    row = Customer.objects.get(pk=meena.pk)
    assert row.phone == "96510 34997"
    assert row.phone_e164 == MEENA


def test_the_e164_number_follows_the_shops_country(db, enter_scope):
    kenyan = enter_scope(ShopFactory(locale=Shop.Locale.EN_KE, currency=Shop.Currency.KES))
    customer = customer_create(shop=kenyan, name="Wanjiru", phone="0712 345678")
    assert customer.phone_e164 == "+254712345678"


def test_an_invalid_number_has_no_e164_number(shop):
    customer = customer_create(shop=shop, name="Landline Lal", phone="12345")
    assert (customer.phone, customer.phone_e164) == ("12345", "")


def test_editing_the_number_updates_the_e164_number(meena):
    customer_update(customer=meena, phone="098123-45679")
    row = Customer.objects.get(pk=meena.pk)
    assert (row.phone, row.phone_e164) == ("098123-45679", "+919812345679")
    customer_update(customer=row, phone="")
    assert Customer.objects.get(pk=meena.pk).phone_e164 == ""


def test_the_add_form_keeps_the_number_as_typed(owner_client, shop):
    response = owner_client.post(reverse("customers:create"), {"name": "Meena", "phone": " +91 96510-34997 "})
    assert response.status_code == 302
    row = Customer.objects.get(shop=shop)
    assert (row.phone, row.phone_e164) == ("+91 96510-34997", MEENA)


def test_the_data_migration_fills_the_e164_number_of_existing_rows(shop, meena, db):
    kenyan = ShopFactory(locale=Shop.Locale.EN_KE, currency=Shop.Currency.KES)
    with scope(shop=kenyan):
        wanjiru = customer_create(shop=kenyan, name="Wanjiru", phone="0712 345678")
    nobody = customer_create(shop=shop, name="No Phone")
    with scopes_disabled():  # a migration runs across shops
        Customer.objects.update(phone_e164="")  # as the rows were before the migration

    migration = importlib.import_module("customers.migrations.0003_customer_phone_e164")
    with no_scope():  # as ``migrate`` runs it
        migration.fill_phone_e164(global_apps, None)

    with scopes_disabled():
        assert Customer.objects.get(pk=meena.pk).phone_e164 == MEENA
        assert Customer.objects.get(pk=wanjiru.pk).phone_e164 == "+254712345678"
        assert Customer.objects.get(pk=nobody.pk).phone_e164 == ""


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "+91 96510 34997",   # international, as printed on a visiting card
    "+919651034997",     # E.164
    "096510-34997",      # trunk prefix and a dash
    "096510 34997",
    "96510 34997",       # as stored
    "9651034997",
    "91 96510 34997",    # country code without the +
    "(0) 96510 34997",
    "4997",              # the last four digits
    "34997",
    "1034997",
    "96510",             # the start, as the live search sees it while typing
    "965103",
])
def test_search_finds_the_customer_however_the_number_is_written(owner_client, meena, neighbours, query):
    assert _names(owner_client, query) == ["Meena Gupta"]


def test_live_search_and_the_counters_customer_search_find_the_number(owner_client, meena, neighbours):
    table = owner_client.get(reverse("customers:list"), {"q": "+91 96510 34997"}, HTTP_HX_REQUEST="true")
    assert "Meena Gupta" in table.content.decode() and "Suresh" not in table.content.decode()
    counter = owner_client.get(reverse("billing:invoice_customer_search"), {"q": "096510-34997"})
    assert [c.name for c in counter.context["customers"]] == ["Meena Gupta"]


@pytest.mark.parametrize("query", ["1234", "+91 96510 34990", "96511", "+44 96510 34997", "997"])
def test_search_does_not_match_other_numbers(owner_client, meena, neighbours, query):
    assert "Meena Gupta" not in _names(owner_client, query)


@pytest.mark.django_db(transaction=True)  # a later word: MariaDB's full-text index sees committed rows only
def test_search_by_name_still_works(owner_client, meena, neighbours):
    assert _names(owner_client, "meena") == ["Meena Gupta"]
    assert _names(owner_client, "devi") == ["Kamla Devi"]


def test_search_finds_a_number_that_is_not_valid_by_its_digits(owner_client, shop):
    customer_create(shop=shop, name="Landline Lal", phone="12345")
    assert _names(owner_client, "12345") == ["Landline Lal"]


def test_search_never_matches_another_shops_customer(owner_client, meena, other_owner):
    customer_create(shop=other_owner.shop, name="Foreign Meena Twin", phone="+91 96510 34997")
    for query in ("+91 96510 34997", "4997", "96510"):
        assert _names(owner_client, query) == ["Meena Gupta"]
    assert _names(owner_client, "twin") == []


def test_a_full_number_is_found_through_the_e164_index(shop, meena):
    plan = customer_list(shop=shop, query="096510-34997").explain()
    assert "customer_shop_phone_e164" in plan


def test_search_query_count_stays_constant(owner_client, shop, meena, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as few:
        owner_client.get(reverse("customers:list"), {"q": "4997"})
    for i in range(40):
        customer_create(shop=shop, name=f"Extra {i}", phone=f"98700 {i:05d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(reverse("customers:list"), {"q": "98700"})


# --- duplicates: the service -------------------------------------------------------------------


def test_adding_a_customer_with_another_customers_number_is_refused_naming_them(shop, meena):
    with pytest.raises(DuplicatePhoneError) as exc:
        customer_create(shop=shop, name="Meena G.", phone="096510-34997")
    assert exc.value.field == "phone"
    assert exc.value.phone_e164 == MEENA
    assert exc.value.customers == [meena]
    assert str(exc.value) == "Meena Gupta already has this phone number (+91 96510 34997)."
    assert Customer.objects.filter(shop=shop).count() == 1


def test_the_duplicate_is_added_when_the_user_confirms_that_number(shop, meena):
    with pytest.raises(DuplicatePhoneError):  # a confirmation of another number does not count
        customer_create(shop=shop, name="Meena G.", phone="096510-34997", confirm_phone="+919651034998")
    twin = customer_create(shop=shop, name="Meena G.", phone="096510-34997", confirm_phone=MEENA)
    assert twin.phone_e164 == MEENA
    assert Customer.objects.filter(shop=shop, phone_e164=MEENA).count() == 2


def test_archived_customers_and_other_shops_do_not_count_as_duplicates(shop, meena, other_owner):
    foreign = customer_create(shop=other_owner.shop, name="Foreign", phone="96510 34997")
    assert foreign.phone_e164 == MEENA
    customer_archive(customer=meena)
    assert customer_create(shop=shop, name="New Meena", phone="96510 34997").phone_e164 == MEENA


def test_editing_a_customer_to_another_customers_number_is_refused(shop, meena, neighbours):
    suresh = neighbours[0]
    with pytest.raises(DuplicatePhoneError) as exc:
        customer_update(customer=suresh, phone="+91 96510 34997")
    assert exc.value.customers == [meena]
    assert Customer.objects.get(pk=suresh.pk).phone == "98123 45678"
    customer_update(customer=suresh, phone="+91 96510 34997", confirm_phone=MEENA)
    assert Customer.objects.get(pk=suresh.pk).phone_e164 == MEENA


def test_editing_other_fields_of_a_customer_who_shares_a_number_needs_no_confirmation(shop, meena):
    twin = customer_create(shop=shop, name="Meena's son", phone="96510 34997", confirm_phone=MEENA)
    customer_update(customer=twin, notes="Pays for his mother", phone="96510-34997")  # same number
    assert Customer.objects.get(pk=twin.pk).notes == "Pays for his mother"


# --- duplicates: the pages ---------------------------------------------------------------------


def test_add_page_warns_about_the_duplicate_then_saves_after_confirmation(owner_client, shop, meena):
    url = reverse("customers:create")
    data = {"name": "Meena G.", "phone": "096510-34997", "email": "", "address": "", "notes": ""}

    warning = owner_client.post(url, data)

    assert warning.status_code == 200
    body = warning.content.decode()
    assert "Meena Gupta" in body and f'href="{meena.get_absolute_url()}"' in body
    assert "already has this phone number (+91 96510 34997)" in " ".join(body.split())
    assert f'name="confirm_phone" value="{MEENA}"' in body and "Save anyway" in body
    assert Customer.objects.filter(shop=shop).count() == 1

    saved = owner_client.post(url, {**data, "confirm_phone": MEENA})

    assert saved.status_code == 302
    twin = Customer.objects.get(shop=shop, name="Meena G.")
    assert saved.url == twin.get_absolute_url()
    assert (twin.phone, twin.phone_e164) == ("096510-34997", MEENA)


def test_edit_page_warns_about_the_duplicate_then_saves_after_confirmation(owner_client, shop, meena, neighbours):
    suresh = neighbours[0]
    url = reverse("customers:edit", args=[suresh.pk])
    data = {"name": "Suresh Yadav", "phone": "+91 96510 34997"}

    body = owner_client.post(url, data).content.decode()
    assert "Meena Gupta" in body and "Save anyway" in body
    assert Customer.objects.get(pk=suresh.pk).phone == "98123 45678"

    assert owner_client.post(url, {**data, "confirm_phone": MEENA}).status_code == 302
    assert Customer.objects.get(pk=suresh.pk).phone_e164 == MEENA


def test_another_shops_customer_with_the_number_is_never_named(owner_client, shop, other_owner):
    with scope(shop=other_owner.shop):
        customer_create(shop=other_owner.shop, name="Foreign Meena", phone="96510 34997")
    response = owner_client.post(reverse("customers:create"), {"name": "Meena", "phone": "+91 96510 34997"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Customer.objects.filter(phone_e164=MEENA).count() == 2
    page = owner_client.get(response.url).content.decode()
    assert "Foreign Meena" not in page
