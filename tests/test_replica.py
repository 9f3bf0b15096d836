"""The read replica (issue 17): only the dashboard's and the reports' selectors read from it,
and never after a write or inside a transaction.

The first tests check the mark and the router's decisions on any database (the replica is
only named, never queried). The ``mariadb`` ones run against a real replica: ``.ci/run``
starts a second MariaDB replicating from the first (GTID) and sets
``REPLICA_DATABASE_URL``; under test the ``replica`` alias reads the primary's test
database as replication brings it (``TEST: MIRROR``). To tell the two apart, a session on
the replica read-locks ``customers_customer``, which holds the replica's applier: a payment
posted on the primary is then not on the replica until the lock goes, so a figure read
there is visibly the older one.
"""

import contextlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone

import config.urls
import core.db
from core.db import REPLICA_ALIAS, forget_writes, replica_read_allowed, replica_reads
from core.db_router import ReplicaRouter
from customers.models import Customer
from ledger.selectors.dashboard import dashboard_summary, top_debtors
from ledger.services.entries import payment_create
from reports.selectors.aging import aging_totals
from reports.selectors.exports import export_rows
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record, payment_record

HAS_REPLICA = REPLICA_ALIAS in settings.DATABASES


def needs_replica(test):
    """Run ``test`` on MariaDB with a replica only, both aliases open, outside a test transaction."""
    for mark in (
        pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA_ALIAS]),
        pytest.mark.skipif(not HAS_REPLICA, reason="needs a MariaDB replica: set REPLICA_DATABASE_URL (CI does)"),
        pytest.mark.mariadb,
    ):
        test = mark(test)
    return test


@pytest.fixture
def replica_configured(monkeypatch):
    """A ``replica`` alias named in the settings core.db reads, with replica reads on (the
    alias is never queried by these tests)."""
    databases = {**settings.DATABASES, REPLICA_ALIAS: settings.DATABASES[DEFAULT_DB_ALIAS]}
    monkeypatch.setattr(core.db, "settings", SimpleNamespace(DATABASES=databases, REPLICA_READS=True))
    forget_writes()
    yield
    forget_writes()


# --- The mark and the router, on any database ------------------------------------------


def test_without_a_replica_every_read_stays_on_the_primary():
    forget_writes()
    with replica_reads():
        assert HAS_REPLICA or not replica_read_allowed()
    assert not replica_read_allowed()


@pytest.mark.django_db(transaction=True)  # request_started closes old connections; no test transaction
def test_marked_reads_may_go_to_the_replica_until_the_request_writes(replica_configured):
    router = ReplicaRouter()
    assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS  # unmarked
    with replica_reads():
        assert router.db_for_read(Customer) == REPLICA_ALIAS
        assert router.db_for_write(Customer) == DEFAULT_DB_ALIAS  # a write: the rest of the request reads the primary
        assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS
    request_started.send(sender=None)  # the next request starts with nothing written
    with replica_reads():
        assert router.db_for_read(Customer) == REPLICA_ALIAS


@pytest.mark.django_db(transaction=True)  # no test transaction: the test opens its own
def test_reads_inside_a_transaction_stay_on_the_primary(replica_configured):
    with replica_reads():
        assert replica_read_allowed()
        with transaction.atomic():
            assert not replica_read_allowed()
        assert replica_read_allowed()


def test_the_database_caches_own_writes_do_not_count(replica_configured):
    from django.core.cache.backends.db import DatabaseCache

    router = ReplicaRouter()
    cache_model = DatabaseCache("khata_cache", {}).cache_model_class  # the API's request counter
    with replica_reads():
        assert router.db_for_write(cache_model) == DEFAULT_DB_ALIAS
        assert replica_read_allowed()


def test_replica_reads_off_keeps_marked_reads_on_the_primary(monkeypatch):
    databases = {**settings.DATABASES, REPLICA_ALIAS: settings.DATABASES[DEFAULT_DB_ALIAS]}
    monkeypatch.setattr(core.db, "settings", SimpleNamespace(DATABASES=databases, REPLICA_READS=False))
    forget_writes()
    with replica_reads():
        assert not replica_read_allowed()


def test_a_marked_selector_binds_its_queryset_and_reads_its_rows_under_the_mark(replica_configured, cross_shop):
    @replica_reads
    def customers():
        return Customer.objects.all()  # not evaluated here: no query

    @replica_reads
    def rows():
        yield replica_read_allowed()
        yield replica_read_allowed()

    assert customers().db == REPLICA_ALIAS  # evaluated later (in a template), still on the replica
    generator = rows()
    assert not replica_read_allowed()
    assert list(generator) == [True, True]  # each row is read under the mark
    core.db.note_write()
    assert customers().db == DEFAULT_DB_ALIAS


def test_writes_migrations_and_relations():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "ledger") is True
    assert router.allow_migrate(REPLICA_ALIAS, "ledger") is False
    primary, replica = Customer(), Customer()
    primary._state.db, replica._state.db = DEFAULT_DB_ALIAS, REPLICA_ALIAS
    assert router.allow_relation(primary, replica) is True
    forget_writes()


# --- A real replica (MariaDB) --------------------------------------------------------------


def _caught_up() -> None:
    """Wait (up to 60 s) until the replica has applied everything the primary committed."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT @@gtid_binlog_pos")
        position = cursor.fetchone()[0]
    with connections[REPLICA_ALIAS].cursor() as cursor:
        cursor.execute("SELECT MASTER_GTID_WAIT(%s, 60)", [position])
        assert cursor.fetchone()[0] == 0, f"the replica did not reach {position} within 60 s"


def _server(alias: str) -> tuple:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT @@server_id, @@read_only")
        return cursor.fetchone()


@contextlib.contextmanager
def replication_held():
    """Hold the replica's applier: a session of its own on the replica read-locks
    ``customers_customer`` (every payment changes a balance there), so transactions
    committed on the primary meanwhile reach the replica only when the lock goes."""
    locker = connections.create_connection(REPLICA_ALIAS)
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLES customers_customer READ")
        yield
    finally:
        with locker.cursor() as cursor:
            cursor.execute("UNLOCK TABLES")
        locker.close()


@contextlib.contextmanager
def queries_by_alias():
    """``{"default": [sql, …], "replica": [sql, …]}``: the queries run on each connection."""
    found = {}
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as replica,
    ):
        yield found
    found[DEFAULT_DB_ALIAS] = [q["sql"] for q in primary.captured_queries]
    found[REPLICA_ALIAS] = [q["sql"] for q in replica.captured_queries]


@pytest.fixture
def replica_reads_on(settings):
    """Replica reads as in production (the suite keeps them off: tests/conftest.py)."""
    settings.REPLICA_READS = True
    forget_writes()
    yield
    forget_writes()
    _caught_up()  # leave nothing half-applied for the next test


@pytest.mark.usefixtures("replica_reads_on")
@needs_replica
def test_dashboard_and_report_selectors_read_from_the_replica(enter_scope):
    customer = CustomerFactory()
    shop = enter_scope(customer.shop)
    due_record(customer, "1000.00")
    _caught_up()
    primary_id, replica_id = _server(DEFAULT_DB_ALIAS), _server(REPLICA_ALIAS)
    assert primary_id[0] != replica_id[0]  # two servers
    assert replica_id[1] == 1  # read-only for the app

    with replication_held():
        payment_record(customer, "300.00")  # committed on the primary; the replica cannot apply it yet
        forget_writes()  # the next request has written nothing
        with queries_by_alias() as queries:
            summary = dashboard_summary(shop=shop)
            debtors = top_debtors(shop=shop)
            aging = aging_totals(shop=shop, as_of=timezone.localdate())
            exported = list(export_rows(shop=shop, dataset="customers"))
        assert queries[DEFAULT_DB_ALIAS] == []
        assert len(queries[REPLICA_ALIAS]) >= 6
        # The replica's figures: the payment has not arrived there.
        assert summary.total_outstanding == Decimal("1000.00")
        assert summary.collected_this_month == Decimal("0.00")
        assert [d.balance for d in debtors] == [Decimal("1000.00")]
        assert aging.total == Decimal("1000.00")
        assert len(exported) == 1
        # The primary has it (an unmarked read).
        assert Customer.objects.get(pk=customer.pk).balance == Decimal("700.00")

    _caught_up()
    forget_writes()
    assert dashboard_summary(shop=shop).total_outstanding == Decimal("700.00")


def _pay_then_read_dashboard(request, customer_id):
    """A request that posts a payment, then reads the dashboard's figures (test URLconf)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    payment_create(shop=request.shop, customer=customer, amount=Decimal("300.00"), received_on=timezone.localdate())
    summary = dashboard_summary(shop=request.shop)
    return JsonResponse({"outstanding": str(summary.total_outstanding), "collected": str(summary.collected_this_month)})


urlpatterns = [
    *config.urls.urlpatterns,
    path("test-replica/<int:customer_id>/pay/", _pay_then_read_dashboard, name="test_replica_pay"),
]


@pytest.mark.urls("tests.test_replica")
@pytest.mark.usefixtures("replica_reads_on")
@needs_replica
def test_a_request_reads_its_own_payment_from_the_primary(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    due_record(customer, "1000.00")
    _caught_up()

    with replication_held():
        payment_record(customer, "100.00")  # an earlier request; it cannot reach the replica yet
        # The dashboard page, which writes nothing, is read from the replica (without that payment).
        with queries_by_alias() as queries:
            response = owner_client.get(reverse("ledger:dashboard"))
        assert response.status_code == 200
        assert response.context["summary"].total_outstanding == Decimal("1000.00")
        assert any("customers_customer" in sql for sql in queries[REPLICA_ALIAS])
        assert not any("SUM(" in sql.upper() for sql in queries[DEFAULT_DB_ALIAS])

        # A request that posts a payment reads the figures back from the primary: both payments.
        with queries_by_alias() as queries:
            response = owner_client.post(reverse("test_replica_pay", args=[customer.pk]))
        assert response.json() == {"outstanding": "600.00", "collected": "400.00"}
        assert queries[REPLICA_ALIAS] == []
