import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from ledger.services.entries import payment_void
from reports.periods import Period
from reports.selectors.statement import customer_period_statement
from tests.factories import CustomerFactory, MembershipFactory
from tests.reports.helpers import days, due, pay, refund

D = Decimal
pytestmark = pytest.mark.django_db


def _book(shop):
    """Before the period: 500 given, 200 paid (opening 300). In it: 150 given, 500 paid
    (50 of it credit), a voided payment of 999, 40 of the credit refunded. After it: 70
    given. Closing = 300 + 150 − 500 + 40 = −10 (the customer's credit)."""
    customer = CustomerFactory(shop=shop, name="Meera")
    due(shop, customer, 500, incurred=-40)
    pay(shop, customer, 200, on=-35)
    due(shop, customer, 150, incurred=-20)
    pay(shop, customer, 500, on=-15)
    payment_void(shop=shop, payment=pay(shop, customer, 999, on=-14), reason="Wrong customer")
    refund(shop, customer, 40, on=-12)
    due(shop, customer, 70, incurred=-1)
    return customer


def test_opening_entries_closing_by_hand(shop):
    customer = _book(shop)
    statement = customer_period_statement(shop=shop, customer=customer, period=Period(days(-30), days(-10)))
    assert statement.opening == D("300.00")
    assert [(e.kind, e.debit, e.credit, e.balance) for e in statement.entries] == [
        ("due", D("150"), D("0"), D("450.00")),
        ("payment", D("0"), D("500"), D("-50.00")),
        ("refund", D("40"), D("0"), D("-10.00")),
    ]
    assert (statement.debits, statement.credits, statement.closing) == (D("190.00"), D("500.00"), D("-10.00"))


def test_closing_today_equals_the_customers_balance(shop):
    customer = _book(shop)
    statement = customer_period_statement(shop=shop, customer=customer, period=Period(days(-30), days(0)))
    customer.refresh_from_db()
    assert statement.closing == customer.balance == D("60.00")


def test_page_and_exports(owner_client, shop):
    customer = _book(shop)
    url = reverse("reports:statement", args=[customer.pk])
    query = {"period": "custom", "start": days(-30).isoformat(), "end": days(-10).isoformat()}
    response = owner_client.get(url, query)
    html = response.content.decode()
    assert 'data-testid="opening-balance">₹300.00<' in html
    assert response.context["statement"].closing == D("-10.00")
    assert 'data-testid="closing-balance">-₹10.00<' in html
    assert "999" not in html

    response = owner_client.get(url, {**query, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][1:] == ["Opening balance", "", "", "", "300.00"]
    assert rows[-1][1:] == ["Closing balance", "", "190.00", "500.00", "-10.00"]

    response = owner_client.get(url, {**query, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[-1][1:] == ["Closing balance", None, 190, 500, -10]


def test_pdf(owner_client, shop):
    customer = _book(shop)
    response = owner_client.get(reverse("reports:statement", args=[customer.pk]), {"export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_another_shops_customer_is_404(owner_client, other_owner):
    with scope(shop=other_owner.shop):
        stranger = CustomerFactory(shop=other_owner.shop)
    for export in ("", "csv", "pdf"):
        response = owner_client.get(reverse("reports:statement", args=[stranger.pk]), {"export": export})
        assert response.status_code == 404


def test_staff_gets_403(client, shop):
    customer = CustomerFactory(shop=shop)
    staff = MembershipFactory(shop=shop, role="cashier")
    client.force_login(staff.user)
    assert client.get(reverse("reports:statement", args=[customer.pk])).status_code == 403
    assert client.get(reverse("reports:statement_pick")).status_code == 403


def test_bad_dates_are_form_errors(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    response = owner_client.get(reverse("reports:statement", args=[customer.pk]),
                                {"period": "custom", "start": "2026-04-31", "end": "2026-05-01", "export": "pdf"})
    assert response.status_code == 200
    assert "Enter the start date as YYYY-MM-DD." in response.content.decode()


def test_pick_finds_customers_of_this_shop_only(owner_client, shop, other_owner):
    mine = CustomerFactory(shop=shop, name="Ravi Kumar")
    with scope(shop=other_owner.shop):
        CustomerFactory(shop=other_owner.shop, name="Ravi Other")
    response = owner_client.get(reverse("reports:statement_pick"), {"q": "ravi"})
    assert [c.pk for c in response.context["found"]] == [mine.pk]
