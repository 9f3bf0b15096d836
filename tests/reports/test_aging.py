import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from ledger.selectors.dashboard import dashboard_summary
from messaging.models import Message
from reports.selectors.aging import aging_rows, aging_totals
from reports.services import ReportError, aging_bucket_remind
from tests.factories import CustomerFactory, MembershipFactory
from tests.reports.helpers import aging_book, days, due, today

D = Decimal
pytestmark = pytest.mark.django_db


def _row(row):
    return {k: row[k] for k in ("name", "current", "d1_30", "d31_60", "d61_90", "d91_120", "d120_plus", "total")}


def test_aging_buckets_worked_by_hand(shop):
    aging_book(shop)
    rows = [_row(r) for r in aging_rows(shop=shop, as_of=today())]
    assert rows == [
        {"name": "Asha", "current": D("100"), "d1_30": D("500"), "d31_60": D("900"), "d61_90": D("600"),
         "d91_120": D("0"), "d120_plus": D("0"), "total": D("2100")},
        {"name": "Bala", "current": D("0"), "d1_30": D("0"), "d31_60": D("0"), "d61_90": D("0"),
         "d91_120": D("1000"), "d120_plus": D("30"), "total": D("1030")},
        {"name": "Devi", "current": D("10"), "d1_30": D("0"), "d31_60": D("0"), "d61_90": D("0"),
         "d91_120": D("0"), "d120_plus": D("0"), "total": D("10")},
    ]
    totals = aging_totals(shop=shop, as_of=today())
    assert totals.buckets == {"current": D("110.00"), "d1_30": D("500.00"), "d31_60": D("900.00"),
                              "d61_90": D("600.00"), "d91_120": D("1000.00"), "d120_plus": D("30.00")}
    assert totals.total == D("3140.00")
    assert totals.customers == 3  # Chitra is in credit; the voided 700 is left out


@pytest.mark.parametrize(("days_past", "bucket"), [
    (0, "current"), (1, "d1_30"), (30, "d1_30"), (31, "d31_60"), (60, "d31_60"), (61, "d61_90"),
    (90, "d61_90"), (91, "d91_120"), (120, "d91_120"), (121, "d120_plus"), (-1, "current"),
])
@pytest.mark.parametrize("as_of", [0, -100], ids=["as-of-today", "as-of-100-days-ago"])
def test_each_boundary_lands_in_its_bucket(shop, days_past, bucket, as_of):
    """Days past counted from the as-of date, on the live report (today: stored
    outstanding) and on a past date (amounts less what was paid by then)."""
    customer = CustomerFactory(shop=shop)
    due(shop, customer, 70, due_in=as_of - days_past)  # given 5 days before its due date
    (row,) = aging_rows(shop=shop, as_of=days(as_of))
    assert {k: v for k, v in _row(row).items() if k not in ("name", "total") and v} == {bucket: D("70")}
    totals = aging_totals(shop=shop, as_of=days(as_of))
    assert {k: v for k, v in totals.buckets.items() if v} == {bucket: D("70")}


def test_due_without_due_date_ages_from_the_day_it_was_given(shop):
    customer = CustomerFactory(shop=shop)
    due(shop, customer, 40, incurred=-31)
    (row,) = aging_rows(shop=shop, as_of=today())
    assert row["d31_60"] == D("40")


def test_aging_as_of_a_past_date(shop):
    aging_book(shop)
    # 61 days ago: Asha's 600 (given 66 days ago, due that day) and 500 (given 65 days ago,
    # due a day later) were not yet due; Bala's dues were 34 and 139 days old, and the 20
    # was paid only today, so all 50 was owed then.
    rows = [_row(r) for r in aging_rows(shop=shop, as_of=days(-61))]
    assert rows == [
        {"name": "Asha", "current": D("1100"), "d1_30": D("0"), "d31_60": D("0"), "d61_90": D("0"),
         "d91_120": D("0"), "d120_plus": D("0"), "total": D("1100")},
        {"name": "Bala", "current": D("0"), "d1_30": D("0"), "d31_60": D("1000"), "d61_90": D("0"),
         "d91_120": D("0"), "d120_plus": D("50"), "total": D("1050")},
    ]
    assert aging_totals(shop=shop, as_of=days(-61)).total == D("2150.00")


def test_aging_grand_total_equals_dashboard_total_outstanding(shop):
    aging_book(shop)
    assert aging_totals(shop=shop, as_of=today()).total == dashboard_summary(shop=shop).total_outstanding


def test_page_lists_rows_linking_to_customers_with_totals(owner_client, shop):
    book = aging_book(shop)
    response = owner_client.get(reverse("reports:aging"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("ledger:customer_account", args=[book["asha"].pk]) in html
    assert "Chitra" not in html
    assert html.index("Asha") < html.index("Bala") < html.index("Devi")
    assert response.context["totals"].total == D("3140.00")
    assert '<td class="num" data-testid="aging-total">₹3,140.00</td>' in html
    # the chart's numbers are beside it as a table
    assert "aging-chart-table" in html


def test_bad_date_is_a_form_error_not_a_500(owner_client, shop):
    response = owner_client.get(reverse("reports:aging"), {"date": "2026-02-31"})
    assert response.status_code == 200
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()
    assert response.context["as_of"] == today()
    # and no download of a report whose form has errors
    response = owner_client.get(reverse("reports:aging"), {"date": "nope", "export": "csv"})
    assert response["Content-Type"].startswith("text/html")


def test_csv_and_xlsx_read_back_to_the_same_figures(owner_client, shop):
    aging_book(shop)
    response = owner_client.get(reverse("reports:aging"), {"date": today().isoformat(), "export": "csv"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Customer", "Phone", "Not yet due", "1–30 days", "31–60 days", "61–90 days",
                       "91–120 days", "Over 120 days", "Total"]
    assert [r[0] for r in rows[1:]] == ["Asha", "Bala", "Devi", "Total"]
    assert rows[1][2:] == ["100.00", "500.00", "900.00", "600.00", "0.00", "0.00", "2100.00"]
    assert rows[-1][2:] == ["110.00", "500.00", "900.00", "600.00", "1000.00", "30.00", "3140.00"]

    response = owner_client.get(reverse("reports:aging"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[2][0] == "Bala" and values[2][6:] == [1000, 30, 1030]
    assert values[-1][0] == "Total" and values[-1][-1] == 3140


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_shop(owner_client, shop, django_assert_num_queries):
    aging_book(shop)
    url = reverse("reports:aging")
    past = {"date": days(-40).isoformat()}
    small, small_past = _count_queries(owner_client, url), _count_queries(owner_client, url + "?" + urlencode(past))
    for n in range(30):
        customer = CustomerFactory(shop=shop)
        due(shop, customer, 10 + n, due_in=-n * 5)
        due(shop, customer, 5, incurred=-n)
    with django_assert_num_queries(small):
        owner_client.get(url)
    with django_assert_num_queries(small_past):
        owner_client.get(url, past)


def test_staff_gets_403(client, shop):
    staff = MembershipFactory(shop=shop, role="cashier")
    client.force_login(staff.user)
    assert client.get(reverse("reports:aging")).status_code == 403
    assert client.post(reverse("reports:aging_remind"), {"bucket": "d1_30", "as_of": today().isoformat()}
                       ).status_code == 403
    assert not Message.objects.filter(shop=shop).exists()


def test_remind_bucket_queues_through_the_reminder_service_once(shop, owner):
    book = aging_book(shop)
    key = uuid.uuid4()
    result = aging_bucket_remind(shop=shop, bucket="d1_30", as_of=today(), idempotency_key=key, created_by=owner.user)
    assert (result.queued, result.already, result.skipped) == (1, 0, [])
    (message,) = Message.objects.filter(shop=shop)
    assert (message.customer, message.kind, message.to) == (book["asha"], Message.Kind.REMINDER, "asha@example.com")
    # The same form again: nothing new.
    again = aging_bucket_remind(shop=shop, bucket="d1_30", as_of=today(), idempotency_key=key)
    assert (again.queued, again.already) == (0, 1)
    assert Message.objects.filter(shop=shop).count() == 1
    # Bala has no email: skipped with the reminder service's reason.
    result = aging_bucket_remind(shop=shop, bucket="d91_120", as_of=today(), idempotency_key=uuid.uuid4())
    assert result.queued == 0
    assert result.skipped == [("Bala", "Bala has no email address. Add one with Edit, "
                                       "or remind them by WhatsApp or SMS.")]
    with pytest.raises(ReportError, match="Pick one of the aging buckets."):
        aging_bucket_remind(shop=shop, bucket="d0", as_of=today())


def test_remind_post_from_the_page(owner_client, shop):
    aging_book(shop)
    page = owner_client.get(reverse("reports:aging"))
    form = dict(page.context["remind_forms"][0][1].initial)
    data = {"bucket": "current", "as_of": today().isoformat(), "idempotency_key": str(form["idempotency_key"])}
    response = owner_client.post(reverse("reports:aging_remind"), data, follow=True)
    assert "2 reminders queued for Not yet due." in response.content.decode()
    owner_client.post(reverse("reports:aging_remind"), data)
    assert Message.objects.filter(shop=shop, kind=Message.Kind.REMINDER).count() == 2
    # A tampered form: a message, never a 500, nothing sent.
    for bad in ({**data, "as_of": "0001-01-01"}, {**data, "bucket": "d0"}, {}):
        response = owner_client.post(reverse("reports:aging_remind"), bad, follow=True)
        assert response.status_code == 200
        assert "That reminder form was not valid. Reload the page and try again." in response.content.decode()
    assert Message.objects.filter(shop=shop, kind=Message.Kind.REMINDER).count() == 2


def test_another_shops_customers_never_show(owner_client, shop, other_owner):
    from django_scopes import scope

    with scope(shop=other_owner.shop):
        stranger = CustomerFactory(shop=other_owner.shop, name="Stranger")
        due(other_owner.shop, stranger, 999, due_in=-3)
    response = owner_client.get(reverse("reports:aging"))
    assert "Stranger" not in response.content.decode()
    assert response.context["totals"].total == D("0.00")


def test_live_rows_agree_with_the_general_query(shop):
    """The live path (stored balances, page by page) and the general GROUP BY (used for
    past dates) give the same rows as of today."""
    aging_book(shop)
    for n in range(5):  # ties on total: ordered by customer id
        due(shop, CustomerFactory(shop=shop, name=f"Tie {n}"), 75, due_in=-n * 20)
    live = aging_rows(shop=shop, as_of=today())
    general = aging_rows(shop=shop, as_of=today(), today=days(1))  # "today" tomorrow: the general path
    assert [_row(r) for r in live] == [_row(r) for r in general]
    assert live.count() == general.count() == 8
    assert [_row(r) for r in live[2:5]] == [_row(r) for r in general[2:5]]
    assert [r["name"] for r in live[2:5]] == ["Tie 0", "Tie 1", "Tie 2"]


def test_live_export_reads_customers_in_chunks(shop, monkeypatch):
    from reports.selectors import aging as aging_module

    aging_book(shop)
    monkeypatch.setattr(aging_module, "_CHUNK", 2)
    rows = list(aging_module.aging_export_rows(shop=shop, as_of=today()))
    assert [r[0] for r in rows] == ["Asha", "Bala", "Devi", "Total"]
    assert rows[-1][-1] == D("3140.00")


def test_a_due_dated_after_today_is_not_yet_due_in_the_live_report(shop):
    customer = CustomerFactory(shop=shop, name="Early")
    due(shop, customer, 45, incurred=3)  # recorded ahead of the day it was given
    (row,) = aging_rows(shop=shop, as_of=today())
    assert (row["current"], row["total"]) == (D("45"), D("45"))
    assert aging_totals(shop=shop, as_of=today()).buckets["current"] == D("45.00")


def test_remind_bucket_is_capped_per_post_and_the_next_post_reaches_the_rest(shop, monkeypatch):
    """At most ``REMIND_LIMIT`` emails a post (largest totals first), ``REMIND_BATCH``
    customers per transaction; whoever got a reminder email today is not emailed again, so
    the next post (a new form) reminds the ones left."""
    from reports import services

    monkeypatch.setattr(services, "REMIND_LIMIT", 3)
    monkeypatch.setattr(services, "REMIND_BATCH", 2)
    for i in range(5):
        due(shop, CustomerFactory(shop=shop, name=f"P{i}", email=f"p{i}@example.com"), 100 + i, due_in=-10)
    first = aging_bucket_remind(shop=shop, bucket="d1_30", as_of=today(), idempotency_key=uuid.uuid4())
    assert (first.queued, first.already, first.skipped, first.left) == (3, 0, [], 2)
    assert set(Message.objects.filter(shop=shop).values_list("customer__name", flat=True)) == {"P4", "P3", "P2"}
    second = aging_bucket_remind(shop=shop, bucket="d1_30", as_of=today(), idempotency_key=uuid.uuid4())
    assert (second.queued, second.already, second.left) == (2, 3, 0)
    third = aging_bucket_remind(shop=shop, bucket="d1_30", as_of=today(), idempotency_key=uuid.uuid4())
    assert (third.queued, third.already, third.left) == (0, 5, 0)
    assert Message.objects.filter(shop=shop, kind=Message.Kind.REMINDER).count() == 5


def test_remind_post_says_how_many_are_left(owner_client, shop, monkeypatch):
    from reports import services
    from reports.views import aging as aging_views

    monkeypatch.setattr(services, "REMIND_LIMIT", 1)
    monkeypatch.setattr(aging_views, "REMIND_LIMIT", 1)
    aging_book(shop)  # not yet due: Asha (100) and Devi (10), both with an email
    form = dict(owner_client.get(reverse("reports:aging")).context["remind_forms"][0][1].initial)
    data = {"bucket": "current", "as_of": today().isoformat(), "idempotency_key": str(form["idempotency_key"])}
    body = owner_client.post(reverse("reports:aging_remind"), data, follow=True).content.decode()
    assert ("1 reminder queued for Not yet due. 1 more in this bucket not reminded yet (at most 1 at a time): "
            "remind the bucket again to reach them.") in body
    assert list(Message.objects.filter(shop=shop).values_list("to", flat=True)) == ["asha@example.com"]
