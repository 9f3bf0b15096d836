"""``core.db.keyset_chunks``: every row once, in order, a query per chunk."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import keyset_chunks
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(shop):
    # balances with ties, so the second field of the ordering decides
    balances = [Decimal(b) for b in ("5", "9", "5", "0", "9", "1", "5", "9")]
    made = [CustomerFactory(shop=shop, name=f"C{i}") for i in range(len(balances))]
    for customer, balance in zip(made, balances, strict=True):
        Customer.objects.filter(pk=customer.pk).update(balance=balance)
    return made


def test_mixed_directions_give_every_row_once_in_order(shop, customers):
    queryset = Customer.objects.filter(shop=shop)
    expected = list(queryset.order_by("-balance", "pk").values_list("pk", flat=True))
    for size in (1, 2, 3, 7, 8, 100):
        got = [c.pk for c in keyset_chunks(queryset, ("-balance", "pk"), chunk_size=size)]
        assert got == expected, size


def test_values_dicts_and_one_query_per_chunk(shop, customers):
    queryset = Customer.objects.filter(shop=shop).values("pk", "name")
    with CaptureQueriesContext(connection) as ctx:
        names = [row["name"] for row in keyset_chunks(queryset, ("pk",), chunk_size=3)]
    assert names == [f"C{i}" for i in range(8)]
    assert len(ctx.captured_queries) == 3  # 3 + 3 + 2: the short chunk ends it


def test_needs_an_ordering(shop):
    with pytest.raises(ValueError, match="at least one field"):
        list(keyset_chunks(Customer.objects.filter(shop=shop), ()))
