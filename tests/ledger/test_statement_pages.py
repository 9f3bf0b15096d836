"""The customer page's statement, a page at a time (issue 17): the latest 50 entries, then
"Earlier entries" (htmx, or a plain ``?before=`` link) for the 50 before them, with the
running balance of the whole statement on every row, keyset pagination on the statement's
sort key and a fixed number of queries.

Long accounts are written as raw rows with ``bulk_create`` (fast): the statement reads only
amounts, dates, creation times and voids, which need no allocation. Voids, refunds and the
balances the services keep are made through the services.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ledger.models import Due, Payment, Refund
from ledger.selectors.entries import (
    STATEMENT_PAGE_SIZE,
    StatementCursor,
    customer_statement,
    customer_statement_page,
)
from ledger.services.entries import due_void, payment_void, refund_create
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record, payment_record

D = Decimal
START = datetime.date(2026, 1, 1)


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Ramesh Kirana")


def bulk_entries(customer, count: int, *, per_day: int = 3) -> None:
    """``count`` raw entries for ``customer``, ``per_day`` on each day from ``START``: every
    third one a payment of ₹70.00, the others dues of ₹100.00 + n."""
    dues, payments = [], []
    for n in range(count):
        day = START + datetime.timedelta(days=n // per_day)
        if n % 3 == 2:
            payments.append(
                Payment(
                    shop=customer.shop,
                    customer=customer,
                    amount=D("70.00"),
                    received_on=day,
                    method=Payment.Method.UPI,
                    reference=f"UPI{n:04d}",
                )
            )
        else:
            amount = D("100.00") + n
            dues.append(
                Due(
                    shop=customer.shop,
                    customer=customer,
                    amount=amount,
                    outstanding=amount,
                    description=f"Entry {n:03d}",
                    incurred_on=day,
                )
            )
    Due.objects.bulk_create(dues)
    Payment.objects.bulk_create(payments)


def as_rows(lines) -> list[tuple]:
    """(kind, pk, balance, voided, description, debit, credit) of page lines or statement lines."""
    return [
        (
            line.kind,
            line.pk if hasattr(line, "pk") else line.entry.pk,
            line.balance,
            line.voided,
            line.description,
            line.debit,
            line.credit,
        )
        for line in lines
    ]


def every_page(customer, size: int = STATEMENT_PAGE_SIZE) -> list:
    """Every page from the latest back to the first, following ``earlier_cursor``."""
    pages = [customer_statement_page(customer=customer, size=size)]
    while pages[-1].earlier_cursor is not None:
        pages.append(customer_statement_page(customer=customer, before=pages[-1].earlier_cursor, size=size))
    return pages


def page_url(customer, before=None) -> str:
    url = reverse("ledger:customer_account", args=[customer.pk])
    return f"{url}?before={before}" if before is not None else url


def statement_body(response) -> str:
    html = response.content.decode()
    return html[html.index('id="statement"') : html.index("</table>", html.index('id="statement"'))]


# --- The selector ---------------------------------------------------------------------------------


def test_first_page_is_the_50_latest_with_the_whole_statements_balances(customer):
    bulk_entries(customer, 120)
    full = customer_statement(customer=customer)

    page = customer_statement_page(customer=customer)

    assert len(page.lines) == 50
    assert as_rows(page.lines) == as_rows(full.lines[-50:])
    assert page.earlier == 70
    assert page.brought_forward == full.lines[-51].balance
    assert (page.total_dues, page.total_payments, page.total_refunds, page.balance) == (
        full.total_dues,
        full.total_payments,
        full.total_refunds,
        full.balance,
    )
    assert page.is_latest and page.before is None
    assert page.earlier_cursor == page.lines[0].cursor


def test_page_two_first_row_has_the_balance_the_whole_statement_gives_it(customer):
    bulk_entries(customer, 120)
    full = customer_statement(customer=customer)
    first = customer_statement_page(customer=customer)

    second = customer_statement_page(customer=customer, before=first.earlier_cursor)

    assert len(second.lines) == 50
    assert second.lines[0].balance == full.lines[20].balance
    assert as_rows(second.lines) == as_rows(full.lines[20:70])
    assert second.earlier == 20
    assert second.brought_forward == full.lines[19].balance
    assert not second.is_latest
    # The whole statement's totals, whatever the page.
    assert second.balance == full.balance == first.balance


def test_walking_back_page_by_page_gives_the_whole_statement(customer):
    bulk_entries(customer, 120)
    full = customer_statement(customer=customer)

    pages = every_page(customer)

    assert [len(page.lines) for page in pages] == [50, 50, 20]
    assert as_rows([line for page in reversed(pages) for line in page.lines]) == as_rows(full.lines)
    assert pages[-1].earlier == 0 and pages[-1].earlier_cursor is None
    assert pages[-1].brought_forward == D("0.00")


@pytest.mark.parametrize(("count", "sizes", "earlier"), [(50, [50], 0), (51, [50, 1], 1)])
def test_the_boundary_at_50_and_51_entries(customer, count, sizes, earlier):
    bulk_entries(customer, count)
    full = customer_statement(customer=customer)

    pages = every_page(customer)

    assert [len(page.lines) for page in pages] == sizes
    assert pages[0].earlier == earlier
    assert pages[0].brought_forward == (full.lines[0].balance if earlier else D("0.00"))
    assert as_rows([line for page in reversed(pages) for line in page.lines]) == as_rows(full.lines)


def test_entries_of_one_date_and_one_creation_time_keep_one_order_across_pages(customer):
    """Dues, payments and refunds on the same day, written at the same instant: the pages
    split them where the unpaginated statement orders them (dues, payments, refunds, then
    by id), none twice, none lost, whatever the page size."""
    due_record(customer, "900.00", incurred_on=START)
    payment_record(customer, "2000.00", received_on=START)  # leaves ₹1,100.00 of credit
    with scope(shop=customer.shop):
        for _ in range(3):
            refund_create(
                shop=customer.shop,
                customer=customer,
                amount=D("10.00"),
                refunded_on=START,
                method="cash",
                reason="Change",
            )
    bulk_entries(customer, 14, per_day=14)  # all on START
    instant = timezone.now()
    for model in (Due, Payment, Refund):
        model.objects.filter(customer=customer).update(created_at=instant)
    full = customer_statement(customer=customer)
    kinds = [line.kind for line in full.lines]
    assert kinds == sorted(kinds, key=["due", "payment", "refund"].index)  # the order on ties

    for size in (1, 2, 3, 4, 7):
        pages = every_page(customer, size=size)
        assert as_rows([line for page in reversed(pages) for line in page.lines]) == as_rows(full.lines), size


def test_voided_entries_are_listed_but_do_not_move_the_balance(customer):
    bulk_entries(customer, 60)
    rice = due_record(customer, "500.00", incurred_on=START + datetime.timedelta(days=40), description="Rice")
    cash = payment_record(customer, "300.00", received_on=START + datetime.timedelta(days=40))
    with scope(shop=customer.shop):
        due_void(shop=customer.shop, due=rice, reason="Entered twice")
        payment_void(shop=customer.shop, payment=cash, reason="Cheque bounced")
    full = customer_statement(customer=customer)

    pages = every_page(customer)

    lines = [line for page in reversed(pages) for line in page.lines]
    assert as_rows(lines) == as_rows(full.lines)
    voided = [line for line in lines if line.voided]
    assert [(line.kind, line.pk, line.void_reason) for line in voided] == [
        ("due", rice.pk, "Entered twice"),
        ("payment", cash.pk, "Cheque bounced"),
    ]
    at = lines.index(voided[0])
    assert lines[at].balance == lines[at - 1].balance == lines[at + 1].balance  # neither moved it
    assert pages[0].total_dues == full.total_dues  # without the voided ₹500.00
    assert pages[0].total_payments == full.total_payments  # without the voided ₹300.00


def test_the_page_costs_two_queries_whatever_the_size(customer, django_assert_num_queries):
    bulk_entries(customer, 30)
    with django_assert_num_queries(2):
        small = customer_statement_page(customer=customer)
    assert len(small.lines) == 30
    bulk_entries(customer, 300)
    latest = customer_statement_page(customer=customer)
    with django_assert_num_queries(2):
        earlier = customer_statement_page(customer=customer, before=latest.earlier_cursor)
    assert len(earlier.lines) == 50 and earlier.earlier == 330 - 100


def test_cursor_reads_back_what_it_writes():
    cursor = StatementCursor(
        date=datetime.date(2026, 3, 4),
        order=1,
        pk=812,
        created_at=datetime.datetime(2026, 3, 4, 9, 30, 5, 123456, tzinfo=datetime.UTC),
    )
    assert StatementCursor.parse(str(cursor)) == cursor
    for text in (
        None,
        "",
        "x",
        "2026-03-04.1.1",
        "2026-13-04.1.1.1",
        "2026-03-04.1.5.1",
        "2026-03-04.1.1.0",
        "2026-03-04.99999999999999999999.1.1",
    ):
        assert StatementCursor.parse(text) is None, text


# --- The customer page ----------------------------------------------------------------------------


def test_customer_page_shows_the_latest_50_and_a_link_to_the_earlier_ones(owner_client, customer):
    bulk_entries(customer, 120)
    full = customer_statement(customer=customer)

    response = owner_client.get(page_url(customer))

    assert response.status_code == 200
    page = response.context["statement"]
    cursor = str(page.earlier_cursor)
    body = statement_body(response)
    assert body.count("<tr") == 1 + 1 + 50 + 1  # the header, "Earlier entries", the rows, the closing balance
    assert f'href="{page_url(customer, cursor)}#statement"' in body  # without JavaScript
    assert f'hx-get="{page_url(customer, cursor)}"' in body
    assert "Brought forward from 70 earlier entries" in body
    assert "Entry 118" in body and "Entry 070" in body and "Entry 069" not in body
    assert "Closing balance" in body
    assert f"₹{full.balance:,}" in body
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_link_shows_the_earlier_page_in_the_whole_page(owner_client, customer):
    bulk_entries(customer, 120)
    first = customer_statement_page(customer=customer)
    full = customer_statement(customer=customer)

    response = owner_client.get(page_url(customer, first.earlier_cursor))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Open dues" in html
    page = response.context["statement"]
    assert as_rows(page.lines) == as_rows(full.lines[20:70])
    body = statement_body(response)
    assert "Closing balance" not in body  # the closing balance is the latest page's
    assert "Latest entries" in body
    assert "Brought forward from 20 earlier entries" in body


def test_htmx_gets_the_rows_alone_in_place_of_the_earlier_entries_row(owner_client, customer):
    bulk_entries(customer, 120)
    first = customer_statement_page(customer=customer)
    full = customer_statement(customer=customer)

    response = owner_client.get(page_url(customer, first.earlier_cursor), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Open dues" not in html and "Closing balance" not in html
    assert html.count("<tr") == 1 + 50  # the next "Earlier entries" row, then the rows
    assert html.lstrip().startswith('<tr class="statement-earlier">')
    assert "autofocus" in html.split("</tr>")[0]  # the next "Earlier entries" takes the focus
    assert "Entry 069" in html and "Entry 070" not in html and "Entry 019" not in html
    balances = re.findall(r'<td class="amount no-strike">(.*?)</td>', html)
    assert balances[1] == f"₹{full.lines[20].balance:,}"  # page 2's first row, as the whole statement says
    assert "HX-Request" in response["Vary"]

    # The last page: no "Earlier entries" row; its first row takes the focus.
    second = response.context["statement"]
    last = owner_client.get(page_url(customer, second.earlier_cursor), headers={"HX-Request": "true"}).content.decode()
    assert last.count("<tr") == 20 and "statement-earlier" not in last
    assert 'tabindex="-1" autofocus' in last.split("</tr>")[0]


def test_the_page_renders_voids_and_their_reasons_as_before(owner_client, customer):
    rice = due_record(customer, "500.00", incurred_on=START, description="Rice")
    due_record(customer, "200.00", incurred_on=START, description="Oil", due_date=START + datetime.timedelta(days=9))
    payment_record(customer, "100.00", received_on=START, method="upi", reference="UPI-4471")
    with scope(shop=customer.shop):
        due_void(shop=customer.shop, due=rice, reason="Entered twice")

    body = statement_body(owner_client.get(page_url(customer)))

    assert re.search(r'<tr class="voided">.*?Rice.*?Void: Entered twice', body, re.S)
    assert body.count('class="voided"') == 1
    assert "(due 10 Jan)" in body
    assert "Payment (UPI) ref UPI-4471" in body
    assert body.count(">Void</a>") == 2  # Oil and the payment; the voided due shows its reason
    assert "statement-earlier" not in body  # 3 entries: one page


@pytest.mark.parametrize("count", [50, 51])
def test_customer_page_boundary(owner_client, customer, count):
    bulk_entries(customer, count)

    response = owner_client.get(page_url(customer))

    body = statement_body(response)
    assert body.count("<tr") == 1 + (count > 50) + 50 + 1
    assert ("Brought forward from 1 earlier entry" in body) is (count == 51)


def test_another_shops_customer_is_a_404(owner_client, other_owner):
    stranger = CustomerFactory(shop=other_owner.shop)
    with scope(shop=other_owner.shop):
        bulk_entries(stranger, 60)
        cursor = customer_statement_page(customer=stranger).earlier_cursor
    assert cursor is not None

    assert owner_client.get(page_url(stranger)).status_code == 404
    assert owner_client.get(page_url(stranger, cursor)).status_code == 404
    assert owner_client.get(page_url(stranger, cursor), headers={"HX-Request": "true"}).status_code == 404


def test_a_before_that_is_no_cursor_is_a_404(owner_client, customer):
    bulk_entries(customer, 3)
    assert owner_client.get(page_url(customer, "yesterday")).status_code == 404
    assert owner_client.get(page_url(customer, "yesterday"), headers={"HX-Request": "true"}).status_code == 404


def test_page_queries_do_not_grow_with_the_account(owner_client, customer, django_assert_max_num_queries):
    bulk_entries(customer, 60)
    with django_assert_max_num_queries(10) as small:
        owner_client.get(page_url(customer))
    cursor = str(customer_statement_page(customer=customer).earlier_cursor)
    with django_assert_max_num_queries(10) as small_rows:
        owner_client.get(page_url(customer, cursor), headers={"HX-Request": "true"})
    bulk_entries(customer, 240)
    with django_assert_max_num_queries(len(small)):
        owner_client.get(page_url(customer))
    cursor = str(customer_statement_page(customer=customer).earlier_cursor)
    with django_assert_max_num_queries(len(small_rows)):
        owner_client.get(page_url(customer, cursor), headers={"HX-Request": "true"})
