import pytest
from django.db import connection
from django_scopes import scopes_disabled

from accounts.models import Membership
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _no_scope_in_tests():
    """Tests build and inspect rows across shops; requests still get the middleware's
    own scope, which overrides this one."""
    with scopes_disabled():
        yield


@pytest.fixture
def owner(db):
    """An owner membership (``.user``, ``.shop``)."""
    return MembershipFactory(role=Membership.Role.OWNER)


@pytest.fixture
def shop(owner):
    return owner.shop


@pytest.fixture
def staff(shop):
    return MembershipFactory(shop=shop, role=Membership.Role.STAFF)


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
