"""SQLite query plans that are right by design (issue #17), and ``core.sqlite``.

SQLite without ``ANALYZE`` statistics picks an index by its shape alone: these tests read
``EXPLAIN QUERY PLAN`` on a database that has no statistics for the tables involved, as a
freshly created or never-analysed database has, and check the index the planner takes.
"""

import pytest
from django.db import connection

from core import sqlite as core_sqlite
from customers.selectors import customer_list
from ledger.models import Due
from ledger.services.allocation import OPEN_DUES_ORDER
from tests.factories import CustomerFactory, DueFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN output is SQLite's"),
]


def query_plan(queryset) -> list[str]:
    """The ``detail`` column of each row of SQLite's ``EXPLAIN QUERY PLAN`` for ``queryset``."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def has_statistics(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone() is not None


@pytest.fixture
def customer(shop):
    customer = CustomerFactory(shop=shop)
    for other in [customer, CustomerFactory(shop=shop), CustomerFactory(shop=shop)]:
        DueFactory.create_batch(3, customer=other)
    assert not has_statistics("ledger_due"), "the plans below are meant for a database without statistics"
    return customer


def test_open_dues_of_one_customer_use_the_customer_index(customer):
    """``_open_dues`` (payment and invoice posting) and the customer page's open dues read
    the customer's own dues, not every open due of the shop (``due_shop_open_aging``)."""
    queryset = (Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True,
                                   outstanding__gt=0).order_by(*OPEN_DUES_ORDER))
    plan = query_plan(queryset)
    assert "USING INDEX due_shop_customer_open (shop_id=? AND customer_id=? AND outstanding>?)" in plan[0], plan


def test_earliest_open_due_date_uses_the_customer_index(customer):
    queryset = Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True,
                                  outstanding__gt=0, due_date__isnull=False).values("due_date")
    plan = query_plan(queryset)
    assert "USING INDEX due_shop_customer_open" in plan[0], plan


@pytest.mark.parametrize("archived", [False, True])
def test_customer_list_by_name_reads_the_index_in_order(shop, archived):
    CustomerFactory.create_batch(3, shop=shop)
    assert not has_statistics("customers_customer")
    plan = query_plan(customer_list(shop=shop, archived=archived)[:25])
    assert "USING INDEX customer_shop_name (shop_id=? AND is_archived=?)" in plan[0], plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_customer_list_still_filters_archived(shop):
    active = CustomerFactory(shop=shop, name="Asha")
    archived = CustomerFactory(shop=shop, name="Bina", is_archived=True)
    assert list(customer_list(shop=shop)) == [active]
    assert list(customer_list(shop=shop, archived=True)) == [archived]


def test_connection_sets_an_analysis_limit():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit")
        assert cursor.fetchone()[0] == core_sqlite.ANALYSIS_LIMIT


def test_optimize_runs_and_records_statistics(customer):
    core_sqlite.analyze(connection)
    assert has_statistics("ledger_due")
    core_sqlite.optimize(connection)  # no error; usually a no-op
    # With statistics the planner still reads one customer's dues (either customer index).
    queryset = Due.objects.filter(shop_id=customer.shop_id, customer=customer, voided_at__isnull=True,
                                  outstanding__gt=0)
    assert "(shop_id=? AND customer_id=?" in query_plan(queryset)[0]


def test_post_migrate_runs_analyze(customer):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.send(sender=apps.get_app_config("accounts"), app_config=apps.get_app_config("accounts"),
                      verbosity=0, interactive=False, using="default", apps=apps, plan=[])
    assert has_statistics("ledger_due")


def test_other_vendors_are_left_alone():
    class Other:
        vendor = "mysql"

        def cursor(self):
            raise AssertionError("no query on another vendor")

    core_sqlite.configure(sender=None, connection=Other())
    core_sqlite.optimize(Other())


def test_customer_name_search_keeps_the_index_order(shop):
    CustomerFactory.create_batch(3, shop=shop)
    plan = query_plan(customer_list(shop=shop, query="mee")[:25])
    assert "USING INDEX customer_shop_name (shop_id=? AND is_archived=?)" in plan[0], plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_customer_phone_search_keeps_the_phone_index(shop):
    CustomerFactory.create_batch(3, shop=shop)
    plan = query_plan(customer_list(shop=shop, query="+91 98000 00001")[:25])
    assert "USING INDEX customer_shop_phone_e164 (shop_id=? AND phone_e164=?)" in plan[0], plan
