"""Each report runs the same number of queries on a small shop and on a larger one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CustomerFactory
from tests.reports.helpers import aging_book, days, due, pay, today

pytestmark = pytest.mark.django_db


def _grow(shop, customer, n=25):
    for i in range(n):
        other = CustomerFactory(shop=shop)
        due(shop, other, 10 + i, incurred=-(i % 20))
        pay(shop, other, 5, on=-(i % 7), method=["cash", "upi", "card"][i % 3])
        due(shop, customer, 3 + i, incurred=-(i % 9))
        pay(shop, customer, 1, on=-(i % 9))


@pytest.mark.parametrize("name", ["reports:index", "reports:aging", "reports:collections", "reports:day_book",
                                  "reports:cash_book", "reports:charts", "reports:charts_panel", "statement"])
def test_same_query_count_small_and_larger(owner_client, shop, name, django_assert_num_queries):
    book = aging_book(shop)
    customer = book["asha"]
    url = reverse("reports:statement", args=[customer.pk]) if name == "statement" else reverse(name)
    query = {"period": "custom", "start": days(-30).isoformat(), "end": today().isoformat()}
    owner_client.get(url, query)
    with CaptureQueriesContext(connection) as small:
        assert owner_client.get(url, query).status_code == 200
    _grow(shop, customer)
    with django_assert_num_queries(len(small.captured_queries)):
        owner_client.get(url, query)
