import contextlib

import pytest
from django.core.management import BaseCommand
from django.db import connection
from django_scopes import scope, scopes_disabled
from django_tasks.backends.immediate import ImmediateBackend

from accounts.models import Membership
from tests.accounts.factories import MembershipFactory
from tests.scoping import no_scope

SHOP_FIXTURES = {"shop", "owner"}


@pytest.fixture(autouse=True)
def _shop_scope(request):
    """Run each test inside its shop's scope, as the tenancy middleware runs a request.

    A test that uses the ``shop`` or ``owner`` fixture runs (fixtures included) inside
    ``scope(shop=shop)``: its queries see that shop only, and a command, task or selector
    that forgot to open its own scope is caught by a test that calls it outside one (wrap
    the call in ``tests.scoping.no_scope()``, or use no shop fixture). A test without those fixtures
    runs with no scope at all: a query of a tenant model raises ``ScopeError``. Tests of
    cross-shop maintenance code (admin, migrations, ``check_ledger`` …) say so with the
    ``cross_shop`` fixture or ``with scopes_disabled():``. Requests made through the test
    client get the middleware's own scope, which overrides this one."""
    if SHOP_FIXTURES.isdisjoint(request.fixturenames):
        yield None
        return
    shop = request.getfixturevalue("shop")
    with scope(shop=shop):
        yield shop


@pytest.fixture(autouse=True)
def _workers_have_no_scope(monkeypatch):
    """Management commands and tasks run with no scope, as under cron or the worker, even
    inside a test's shop scope: each must open its own (``scope(shop=…)``, or
    ``scopes_disabled()`` for cross-shop maintenance), or its queries raise ``ScopeError``
    (a task's error fails it: the test sees no email, no row)."""
    execute_command, execute_task = BaseCommand.execute, ImmediateBackend._execute_task

    def command_without_scope(self, *args, **options):
        with no_scope():
            return execute_command(self, *args, **options)

    def task_without_scope(self, task_result):
        with no_scope():
            return execute_task(self, task_result)

    monkeypatch.setattr(BaseCommand, "execute", command_without_scope)
    monkeypatch.setattr(ImmediateBackend, "_execute_task", task_without_scope)


@pytest.fixture(autouse=True, scope="session")
def _reads_stay_on_the_primary():
    """With ``REPLICA_DATABASE_URL`` set (CI), the suite still reads from the primary: test
    transactions are invisible to the replica, and a test's own writes reach it only after
    the replication delay. ``tests/test_replica.py`` turns replica reads on where it tests
    them (``settings.REPLICA_READS = True`` with pytest-django's ``settings`` fixture)."""
    from django.conf import settings

    settings.REPLICA_READS = False
    yield


@pytest.fixture
def cross_shop():
    """Disable scopes for the test (cross-shop maintenance code only: admin, migrations,
    ``check_ledger``, ``seed_demo`` …). Takes precedence over the shop's scope."""
    with scopes_disabled():
        yield


@pytest.fixture
def enter_scope():
    """``shop = enter_scope(ShopFactory())``: the rest of the test runs in that shop's
    scope (for a test that builds its own shop instead of using the ``shop`` fixture)."""
    with contextlib.ExitStack() as stack:
        def enter(shop):
            stack.enter_context(scope(shop=shop))
            return shop

        yield enter


@pytest.fixture
def owner(db):
    """An owner membership (``.user``, ``.shop``)."""
    return MembershipFactory(role=Membership.Role.OWNER)


@pytest.fixture
def shop(owner):
    return owner.shop


@pytest.fixture
def staff(shop):
    return MembershipFactory(shop=shop, role=Membership.Role.CASHIER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def other_owner(db):
    """The owner of a second, unrelated shop."""
    return MembershipFactory(role=Membership.Role.OWNER)


def pytest_collection_modifyitems(config, items):
    """Skip ``@pytest.mark.mariadb`` tests, with the reason, unless the database is MySQL/MariaDB."""
    if connection.vendor == "mysql":
        return
    skip = pytest.mark.skip(reason="needs MariaDB/MySQL row locks; set DATABASE_URL=mysql://… (CI does)")
    for item in items:
        if "mariadb" in item.keywords:
            item.add_marker(skip)
