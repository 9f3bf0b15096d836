"""The customer list and search at any size (issue 17): phone numbers by their start or last
digits on indexed, normalised columns (``phone_e164``, ``phone_tail``), names by their start
or the start of any word (FTS5 on SQLite, the name index and FULLTEXT on MariaDB), and a
count that stops at a cap ("1,000+ customers").

On MariaDB the full-text index sees committed rows only: the tests that find a customer by a
later word of the name use committed data (``django_db(transaction=True)``)."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from customers import selectors, views
from customers.models import Customer
from customers.phones import digits, phone_tail
from customers.services import customer_archive, customer_create, customer_update
from ledger.imports import customer_rows_check, customers_import
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db
committed = pytest.mark.django_db(transaction=True)


def _names(client, query="", **params):
    response = client.get(reverse("customers:list"), {"q": query, **params})
    assert response.status_code == 200
    return [c.name for c in response.context["page"]]


@pytest.fixture
def people(shop):
    """Customers typed the way a shopkeeper writes them down, through the service."""
    return {
        "meena": customer_create(shop=shop, name="Meena Gupta", phone="96510 34997"),
        "ravi": customer_create(shop=shop, name="Ravi Kumar Sharma", phone="+91 98123-45678"),
        "landline": customer_create(shop=shop, name="Landline Lal", phone="12-345"),  # not a valid number
        "nophone": customer_create(shop=shop, name="Ramesh Nophone"),
        "hindi": customer_create(shop=shop, name="रवि शर्मा", phone="99887 76655"),
        "bengali": customer_create(shop=shop, name="অমিত দাস"),
    }


# --- the stored key ------------------------------------------------------------------------------


def test_phone_tail_is_the_numbers_digits_reversed():
    assert phone_tail("96510 34997", "+919651034997") == "799430156919"
    assert phone_tail("12-345", "") == "54321"  # not valid: the digits as typed
    assert phone_tail("", "") == ""
    assert digits("९८७ ६५") == "98765"  # Devanagari digits count


def test_the_services_and_the_import_keep_phone_tail(shop, owner, people):
    assert Customer.objects.get(pk=people["meena"].pk).phone_tail == "799430156919"
    assert Customer.objects.get(pk=people["landline"].pk).phone_tail == "54321"
    assert Customer.objects.get(pk=people["nophone"].pk).phone_tail == ""
    customer_update(customer=people["meena"], phone="098123 45679")
    assert Customer.objects.get(pk=people["meena"].pk).phone_tail == "976543218919"
    customer_update(customer=people["meena"], phone="")
    assert Customer.objects.get(pk=people["meena"].pk).phone_tail == ""
    result = customer_rows_check(shop=shop, rows=[
        {"name": "Imported", "phone": "098123 40000", "opening_balance": "", "as_of": "", "_row": 2}])
    assert not result.errors, result.errors
    [imported] = customers_import(shop=shop, rows=result.good, created_by=owner.user)
    assert Customer.objects.get(pk=imported.pk).phone_tail == digits(imported.phone_e164)[::-1]


def test_the_data_migration_fills_phone_tail_of_existing_rows(shop, people):
    with scopes_disabled():  # a migration runs across shops
        Customer.objects.update(phone_tail="")  # as the rows were before the migration
    migration = importlib.import_module("customers.migrations.0008_customer_search")
    with no_scope():  # as ``migrate`` runs it
        migration.fill_phone_tail(global_apps, None)
    with scopes_disabled():
        tails = dict(Customer.objects.values_list("name", "phone_tail"))
    assert tails["Meena Gupta"] == "799430156919"
    assert tails["Landline Lal"] == "54321"
    assert tails["Ramesh Nophone"] == ""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table and its triggers are SQLite's")
def test_the_fts5_table_has_its_triggers():
    """Django rebuilds a SQLite table for most AlterField operations, which drops its
    triggers: a migration that does so for customers must run ``create_search_index`` again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customers_customer'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {f"{selectors.FTS_TABLE}_{event}" for event in ("insert", "update", "delete")} <= triggers


# --- phone numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "96510",            # the start, as the live search sees it while typing
    "096510",           # with the trunk 0
    "+91 965",          # international
    "4997",             # the last four digits
    "10 34997",         # the last digits, spaced
    "096510-34997",     # the whole number
])
def test_a_number_is_found_by_its_start_or_its_last_digits(owner_client, people, query):
    assert _names(owner_client, query) == ["Meena Gupta"]


@pytest.mark.parametrize("query", ["1234", "2-345", "12345"])
def test_a_number_that_is_not_valid_is_found_by_its_digits_start_or_end(owner_client, people, query):
    assert _names(owner_client, query) == ["Landline Lal"]


@pytest.mark.parametrize("query", ["6510", "3499", "+92 96510", "2345 1"])
def test_digits_inside_a_number_do_not_match(owner_client, people, query):
    assert "Meena Gupta" not in _names(owner_client, query)
    assert "Landline Lal" not in _names(owner_client, query)


def test_a_phone_search_reads_ranges_not_substrings(shop, people):
    with CaptureQueriesContext(connection) as ctx:
        found = selectors.customer_search(shop=shop, query="4997")
        list(found.customers)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "'7994'" in sql  # the last digits reversed: a prefix range on phone_tail
    assert "%4997%" not in sql and "%7994%" not in sql  # no substring test of every row


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["mee", "MEENA", "Meena G", "meena gupta"])
def test_a_name_is_found_by_its_start_in_any_case(owner_client, people, query):
    assert _names(owner_client, query) == ["Meena Gupta"]


def test_two_letters_find_names_that_start_with_them(owner_client, people):
    assert _names(owner_client, "ra") == ["Ramesh Nophone", "Ravi Kumar Sharma"]
    assert _names(owner_client, "la") == ["Landline Lal"]


def test_a_fragment_inside_a_word_does_not_match(owner_client, people):
    """The search was a substring match; shopkeepers type the start of a name or surname."""
    assert _names(owner_client, "eena") == []
    assert _names(owner_client, "harm") == []


def test_names_in_devanagari_and_bengali_are_found_by_their_start(owner_client, people):
    assert _names(owner_client, "रवि") == ["रवि शर्मा"]
    assert _names(owner_client, "रव") == ["रवि शर्मा"]
    assert _names(owner_client, "অমি") == ["অমিত দাস"]
    assert _names(owner_client, "रवीना") == []


@committed
def test_a_later_word_of_the_name_is_found(owner_client, people):
    assert _names(owner_client, "gupta") == ["Meena Gupta"]
    assert _names(owner_client, "sharma") == ["Ravi Kumar Sharma"]
    assert _names(owner_client, "ravi sh") == ["Ravi Kumar Sharma"]
    assert _names(owner_client, "kumar ravi") == ["Ravi Kumar Sharma"]  # each word, in any order
    assert _names(owner_client, "शर्मा") == ["रवि शर्मा"]
    assert _names(owner_client, "দাস") == ["অমিত দাস"]


@committed
def test_a_renamed_customer_is_found_by_the_new_name_only(owner_client, people):
    customer_update(customer=people["meena"], name="Zubeda Khan")
    assert _names(owner_client, "zub") == ["Zubeda Khan"]
    assert _names(owner_client, "khan") == ["Zubeda Khan"]
    assert _names(owner_client, "meena") == []
    assert _names(owner_client, "gupta") == []


def test_the_counter_and_the_statement_find_customers_the_same_way(owner_client, people):
    counter = owner_client.get(reverse("billing:invoice_customer_search"), {"q": "mee"})
    assert [c.name for c in counter.context["customers"]] == ["Meena Gupta"]
    counter = owner_client.get(reverse("billing:invoice_customer_search"), {"q": "4997"})
    assert [c.name for c in counter.context["customers"]] == ["Meena Gupta"]
    statement = owner_client.get(reverse("reports:statement_pick"), {"q": "MEE"})
    assert [c.name for c in statement.context["found"]] == ["Meena Gupta"]


# --- archived, other shops -------------------------------------------------------------------------


def test_the_archived_list_is_searched_on_its_own(owner_client, people):
    customer_archive(customer=people["landline"])
    assert _names(owner_client, "land") == []
    assert _names(owner_client, "land", archived="1") == ["Landline Lal"]
    assert _names(owner_client, "12345", archived="1") == ["Landline Lal"]
    assert _names(owner_client, "mee", archived="1") == []


@committed
def test_another_shops_customers_are_never_found(owner_client, people, other_owner):
    customer_create(shop=other_owner.shop, name="Meena Gupta Twin", phone="+91 96510 34997")
    customer_create(shop=other_owner.shop, name="Foreign Sharma", phone="12-345")
    for query in ("mee", "gupta", "twin", "foreign", "sharma", "4997", "96510", "+91 96510 34997", "12345"):
        assert not {"Meena Gupta Twin", "Foreign Sharma"} & set(_names(owner_client, query)), query


# --- the count ---------------------------------------------------------------------------------------


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 5 matches and pages of 2 rows, so a handful of customers pass the cap."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def _count_text(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="customer-count">') + len('data-testid="customer-count">')
    return body[start:body.index("<", start)]


def test_a_search_with_more_matches_than_the_cap_says_so_and_pages_on(owner_client, shop, small_cap):
    for n in range(8):
        customer_create(shop=shop, name=f"Ravi {n}")
    url = reverse("customers:list")
    first = owner_client.get(url, {"q": "ravi"})
    page = first.context["page"]
    assert (page.paginator.capped, page.paginator.shown_count) == (True, 5)
    assert [c.name for c in page] == ["Ravi 0", "Ravi 1"]
    assert _count_text(first) == "1–2 of 5+ customers"
    assert "Page 1<" in first.content.decode() and "Page 1 of" not in first.content.decode()
    assert "?q=ravi&amp;page=2" in first.content.decode()
    # Every page stays reachable: each counts as far as it reaches, and one page further.
    third = owner_client.get(url, {"q": "ravi", "page": "3"})
    assert [c.name for c in third.context["page"]] == ["Ravi 4", "Ravi 5"]
    assert _count_text(third) == "5–6 of 6+ customers"
    last = owner_client.get(url, {"q": "ravi", "page": "4"})
    assert [c.name for c in last.context["page"]] == ["Ravi 6", "Ravi 7"]
    assert not last.context["page"].paginator.capped  # all 8 counted: exact
    assert _count_text(last) == "7–8 of 8"
    assert owner_client.get(url, {"q": "ravi", "page": "x"}).context["page"].number == 1


def test_the_plain_list_counts_from_the_totals_row_and_the_archive_is_capped(owner_client, shop, small_cap):
    for n in range(9):
        customer_create(shop=shop, name=f"Asha {n}")
    many = owner_client.get(reverse("customers:list"))
    # The active list shows the shop's exact count (its totals row), past the cap.
    assert (many.context["page"].paginator.count, many.context["page"].paginator.capped) == (9, False)
    assert _count_text(many) == "1–2 of 9"
    for customer in Customer.objects.filter(shop=shop)[:7]:
        customer_archive(customer=customer)
    archive = owner_client.get(reverse("customers:list"), {"archived": "1"})
    assert _count_text(archive) == "1–2 of 5+ customers"
    few = owner_client.get(reverse("customers:list"))
    assert (few.context["page"].paginator.count, _count_text(few)) == (2, "2 customers")
    assert _count_text(owner_client.get(reverse("customers:list"), {"q": "asha 8"})) == "1 customer"


def test_a_given_total_is_shown_exactly_for_the_active_list(shop, small_cap):
    for n in range(7):
        customer_create(shop=shop, name=f"Asha {n}")
    page = selectors.customer_page(shop=shop, per_page=2, total=7)
    assert (page.paginator.count, page.paginator.capped, page.paginator.num_pages) == (7, False, 4)
    archived = selectors.customer_page(shop=shop, archived=True, per_page=2, total=7)
    assert archived.paginator.count == 0  # the total is the active customers'


def test_the_count_reads_at_most_the_cap(shop, people):
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.customer_count(shop=shop, limit=3) == 3
        assert selectors.customer_search(shop=shop, query="4997", limit=3).count == 1
    assert all("LIMIT 3" in q["sql"] for q in ctx.captured_queries), ctx.captured_queries


def test_the_list_page_takes_no_more_queries_than_before(owner_client, people, django_assert_max_num_queries):
    url = reverse("customers:list")
    with CaptureQueriesContext(connection) as plain:
        owner_client.get(url)
    for query in ("mee", "4997", "zzzz", "ra"):
        with django_assert_max_num_queries(len(plain.captured_queries)):
            owner_client.get(url, {"q": query})
    with django_assert_max_num_queries(len(plain.captured_queries)):
        owner_client.get(url, {"q": "mee"}, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize("walk_from", [1, 1000])
@pytest.mark.parametrize("sort", ["name", "-balance"])
def test_few_or_many_matches_give_the_same_page(shop, people, monkeypatch, walk_from, sort):
    """Few matches are read by id and sorted; many (on SQLite from ``SQLITE_WALK_FROM``) by
    walking the sort's index in order: the same customers in the same order either way."""
    monkeypatch.setattr(selectors, "SQLITE_WALK_FROM", walk_from)
    for query in ("ra", "96510", "la"):
        found = selectors.customer_search(shop=shop, query=query, sort=sort)
        assert list(found.customers) == list(selectors.customer_list(shop=shop, query=query, sort=sort))
    many = selectors.customer_search(shop=shop, query="ra", sort=sort)
    sql = str(many.customers.query)
    if connection.vendor == "sqlite" and walk_from == 1:
        assert "+ 0" not in sql  # walked in the sort's index order
    else:
        assert "+ 0" in sql  # read by id, sorted on a tie-break no index provides
