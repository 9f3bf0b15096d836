import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing.models import CashMovement
from billing.selectors.cash import drawer_balance
from billing.services.cash import cash_movement_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services.entries import due_void
from reports.periods import Period
from reports.selectors.cashbook import cash_book_report
from reports.selectors.daybook import day_book
from tests.factories import CustomerFactory, MembershipFactory
from tests.reports.helpers import days, due, pay, refund, today

D = Decimal
pytestmark = pytest.mark.django_db


def _today_book(shop):
    """Today: Asha given 100 and pays 60 cash; Bala pays 50 cash with nothing owed and gets
    20 back in cash; a walk-in sale of 200 paid in cash; a pay-out of 30. Not today: a
    voided due of 999, a due of 77 yesterday.
    Dues 100, payments 110, refunds 20, invoices 200; cash in 60 + 50 + 200 = 310, out 50."""
    asha = CustomerFactory(shop=shop, name="Asha")
    bala = CustomerFactory(shop=shop, name="Bala")
    due(shop, asha, 100, incurred=0)
    pay(shop, asha, 60)
    pay(shop, bala, 50)
    refund(shop, bala, 20)
    invoice_issue(shop=shop, lines=[LineInput(quantity=D("1"), unit_price=D("200"), tax_rate=D("0"),
                                              description="Rice 10 kg")],
                  amount_paid=D("200"), issued_on=today())
    cash_movement_create(shop=shop, kind=CashMovement.Kind.PAYOUT, note="Tea", amount=D("30"))
    due_void(shop=shop, due=due(shop, asha, 999, incurred=0), reason="Typo")
    due(shop, asha, 77, incurred=-1)


def test_day_book_by_hand(shop):
    _today_book(shop)
    book = day_book(shop=shop, day=today())
    assert [d.amount for d in book.dues] == [D("100")]
    assert book.totals == {"dues": D("100.00"), "payments": D("110.00"), "refunds": D("20.00"),
                           "invoices": D("200.00"), "invoices_paid": D("200.00"),
                           "cash_in": D("310.00"), "cash_out": D("50.00")}
    assert day_book(shop=shop, day=days(-1)).totals["dues"] == D("77.00")


def test_day_book_page_and_csv(owner_client, shop):
    _today_book(shop)
    response = owner_client.get(reverse("reports:day_book"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Asha" in html and "999" not in html and "77.00" not in html
    assert response.context["book"].totals["cash_in"] == D("310.00")
    response = owner_client.get(reverse("reports:day_book"), {"date": today().isoformat(), "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    totals = {r[0]: r[4] for r in rows if r[0].startswith("Total")}
    assert totals == {"Total dues": "100.00", "Total payments": "110.00", "Total refunds": "20.00",
                      "Total invoices": "200.00", "Total cash in": "310.00", "Total cash out": "50.00"}


def test_day_book_bad_date(owner_client, shop):
    response = owner_client.get(reverse("reports:day_book"), {"date": "31/12/2026"})
    assert response.status_code == 200
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()


def _move_to(movement, day_offset):
    when = timezone.now() + datetime.timedelta(days=day_offset)
    CashMovement.objects.filter(pk=movement.pk).update(created_at=when)


def _cash_book(shop):
    """1000 float three days ago, a 200 pay-out two days ago, a 60 cash payment today."""
    _move_to(cash_movement_create(shop=shop, kind=CashMovement.Kind.FLOAT, note="Float", amount=D("1000")), -3)
    _move_to(cash_movement_create(shop=shop, kind=CashMovement.Kind.PAYOUT, note="Rent", amount=D("200")), -2)
    pay(shop, CustomerFactory(shop=shop), 60)


def test_cash_book_by_hand(shop):
    _cash_book(shop)
    book = cash_book_report(shop=shop, period=Period(days(-2), today()))
    assert book.opening == D("1000.00")
    assert [(d.day, d.opening, d.cash_in, d.cash_out, d.closing) for d in book.days] == [
        (days(-2), D("1000.00"), D("0.00"), D("200.00"), D("800.00")),
        (today(), D("800.00"), D("60.00"), D("0.00"), D("860.00")),
    ]
    assert (book.cash_in, book.cash_out, book.closing) == (D("60.00"), D("200.00"), D("860.00"))
    assert book.closing == drawer_balance(shop=shop)


def test_cash_book_exports_and_query_count(owner_client, shop, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("reports:cash_book")
    query = {"period": "custom", "start": days(-2).isoformat(), "end": today().isoformat()}
    owner_client.get(url, query)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(url, query)
    _cash_book(shop)
    for n in range(10):
        _move_to(cash_movement_create(shop=shop, kind=CashMovement.Kind.FLOAT, note="More", amount=D(n + 1)), -(n % 3))
    with django_assert_num_queries(len(small.captured_queries)):
        owner_client.get(url, query)
    response = owner_client.get(url, {**query, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Date", "Opening", "Cash in", "Cash out", "Closing", "Movements"]
    assert rows[-1] == ["Total", "1000.00", "115.00", "200.00", "915.00", "12"]
    response = owner_client.get(url, {**query, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert list(list(sheet.iter_rows(values_only=True))[-1]) == ["Total", 1000, 115, 200, 915, 12]


def test_staff_gets_403(client, shop):
    staff = MembershipFactory(shop=shop, role="cashier")
    client.force_login(staff.user)
    for name in ("reports:day_book", "reports:cash_book", "reports:charts", "reports:charts_panel"):
        assert client.get(reverse(name)).status_code == 403, name
