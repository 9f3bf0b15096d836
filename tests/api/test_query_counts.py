"""List endpoints read a fixed number of queries: the same with 3 rows as with 30."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from billing.services.catalogue import category_save, product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from tests.api.conftest import TokenClient, make_token
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LISTS = ["api:v1:customer-list", "api:v1:due-list", "api:v1:payment-list", "api:v1:invoice-list",
         "api:v1:product-list", "api:v1:category-list"]


def _fill(shop, rows: int) -> None:
    """``rows`` customers, each with a due, a payment applied to two dues, an invoice of two
    lines; ``rows`` products in ``rows`` categories."""
    today = timezone.localdate()
    with scope(shop=shop):
        for i in range(rows):
            customer = CustomerFactory(shop=shop)
            ledger.due_create(shop=shop, customer=customer, amount=Decimal("10"), description="a", incurred_on=today)
            ledger.due_create(shop=shop, customer=customer, amount=Decimal("10"), description="b", incurred_on=today)
            ledger.payment_create(shop=shop, customer=customer, amount=Decimal("15"), received_on=today)
            category = category_save(shop=shop, name=f"Category {i}")
            product = product_create(shop=shop, sku=f"SKU{i}", name=f"Product {i}", category=category,
                                     sale_price=Decimal("5"), opening_stock=Decimal("100"))
            invoice_issue(shop=shop, customer=customer, lines=[
                LineInput(quantity=Decimal("1"), unit_price=Decimal("5"), tax_rate=Decimal("0"), description="x",
                          product=product),
                LineInput(quantity=Decimal("1"), unit_price=Decimal("2"), tax_rate=Decimal("0"), description="y")])


def _count(client, name) -> int:
    client.get(reverse(name), {"page_size": 50})  # warm: the token's last-used time is written once a minute
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), {"page_size": 50})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_rows(name, owner, other_owner):
    _fill(owner.shop, 3)
    _fill(other_owner.shop, 30)
    small, large = TokenClient(make_token(owner)), TokenClient(make_token(other_owner))
    assert len(small.get(reverse(name)).json()["results"]) >= 3
    assert len(large.get(reverse(name), {"page_size": 50}).json()["results"]) >= 30
    few, many = _count(small, name), _count(large, name)
    assert few == many
    # The token and its membership (2), the throttle's counter on the database cache (a read,
    # then a write of 5 with the cache's cull check and a savepoint), the page and one prefetch.
    assert many <= 10, many
