import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledger.services.entries import payment_void
from reports.periods import Period
from reports.selectors.collections import collections_report
from tests.factories import CustomerFactory, MembershipFactory, UserFactory
from tests.reports.helpers import days, pay

D = Decimal
pytestmark = pytest.mark.django_db


def _book(shop, owner):
    """In the period (10 to 1 days ago): owner 100 cash + 50 UPI 10 days ago, clerk 30 cash
    and 20 card 5 days ago, a voided 500; outside it, 999 today and 777 20 days ago."""
    clerk = UserFactory(username="clerk")
    MembershipFactory(shop=shop, user=clerk, role="cashier")
    customer = CustomerFactory(shop=shop)
    pay(shop, customer, 100, on=-10, method="cash", user=owner.user)
    pay(shop, customer, 50, on=-10, method="upi", user=owner.user)
    pay(shop, customer, 30, on=-5, method="cash", user=clerk)
    pay(shop, customer, 20, on=-5, method="card", user=clerk)
    payment_void(shop=shop, payment=pay(shop, customer, 500, on=-5, user=clerk), reason="Typo")
    pay(shop, customer, 999, on=0)
    pay(shop, customer, 777, on=-20)


def test_by_day_method_and_staff_by_hand(shop, owner):
    _book(shop, owner)
    report = collections_report(shop=shop, period=Period(days(-10), days(-1)))
    assert [(r["day"], r["count"], r["amount"]) for r in report.by_day] == [
        (days(-10), 2, D("150.00")), (days(-5), 2, D("50.00"))]
    assert [(r["label"], r["count"], r["amount"]) for r in report.by_method] == [
        ("Cash", 2, D("130.00")), ("UPI", 1, D("50.00")), ("Card", 1, D("20.00"))]
    assert [(r["username"], r["count"], r["amount"]) for r in report.by_staff] == [
        (owner.user.username, 2, D("150.00")), ("clerk", 2, D("50.00"))]
    assert (report.count, report.total) == (4, D("200.00"))


def test_page_exports_and_query_count(owner_client, shop, owner, django_assert_num_queries):
    url = reverse("reports:collections")
    query = {"period": "custom", "start": days(-10).isoformat(), "end": days(-1).isoformat()}
    owner_client.get(url, query)  # warm up (session, etc.)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url, query)
    _book(shop, owner)
    for n in range(20):
        pay(shop, CustomerFactory(shop=shop), 1 + n, on=-(n % 10) - 1, method=["cash", "upi", "bank"][n % 3])
    with django_assert_num_queries(len(empty.captured_queries)):
        response = owner_client.get(url, query)
    assert response.status_code == 200

    _sum = sum(range(1, 21))
    response = owner_client.get(url, {**query, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Date", "Method", "Recorded by", "Payments", "Amount"]
    assert rows[-1] == ["Total", "", "", "24", f"{200 + _sum}.00"]
    assert [days(-10).isoformat(), "Cash", owner.user.username, "1", "100.00"] in rows

    response = owner_client.get(url, {**query, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[-1] == ["Total", None, None, 24, 200 + _sum]


def test_staff_gets_403(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse("reports:collections")).status_code == 403


def test_bad_dates_are_form_errors(owner_client, shop):
    response = owner_client.get(reverse("reports:collections"),
                                {"period": "custom", "start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
