"""``manage.py check_ledger``, on the ledger's part of the demo shop (``ledger.demo``).

Seeding takes a few seconds, so the ledger story (without billing, and with the first
20 customers of the cast) is built once per module: committed to the test database
and deleted again at the end. Each test still runs in its own transaction, so the
corruptions below are rolled back. ``seed_demo`` itself is tested in
``tests/billing/test_seed_demo.py``.
"""

import datetime
import re
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Shop
from customers.models import Customer
from ledger import demo as ledger_demo
from ledger.services.entries import due_create, payment_create
from tests.customers.factories import CustomerFactory

CAST = ledger_demo.CUSTOMERS[:20]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), scopes_disabled(), transaction.atomic():
        shop = ledger_demo.Seeder(customers=CAST).run()
    yield SimpleNamespace(shop_id=shop.pk)
    with django_db_blocker.unblock(), scopes_disabled():
        ledger_demo.delete_demo()


@pytest.fixture
def shop(demo, db):
    return Shop.objects.get(pk=demo.shop_id)


def check_ledger(*args):
    out = StringIO()
    call_command("check_ledger", *args, stdout=out)
    return out.getvalue()


# -- check_ledger ------------------------------------------------------------------------------


def test_check_ledger_passes_after_seeding(demo, shop):
    output = check_ledger()
    customers = Customer.objects.count()
    assert f"Ledger OK: {customers} customers in {Shop.objects.count()} shops checked." in output
    assert f"Ledger OK: {len(CAST)} customers in 1 shops checked." in check_ledger("--shop", str(shop.pk))


def test_check_ledger_reports_a_corrupted_balance(shop):
    customer = Customer.objects.filter(shop=shop, balance__gt=0).order_by("pk").first()
    Customer.objects.filter(pk=customer.pk).update(balance=customer.balance + 1)
    out = StringIO()
    with pytest.raises(CommandError, match="1 problem") as excinfo:
        call_command("check_ledger", stdout=out)
    assert f"customer {customer.pk} ({customer.name})" in str(excinfo.value)
    assert f"customer {customer.pk} ({customer.name}): balance is {customer.balance + 1}, " \
           f"entries say {customer.balance}" in out.getvalue()


def test_check_ledger_reports_a_corrupted_oldest_open_due_date(shop):
    customer = Customer.objects.filter(shop=shop, oldest_open_due_date__isnull=False).order_by("pk").first()
    wrong = customer.oldest_open_due_date + datetime.timedelta(days=3)
    Customer.objects.filter(pk=customer.pk).update(oldest_open_due_date=wrong)
    out = StringIO()
    with pytest.raises(CommandError, match="1 problem") as excinfo:
        call_command("check_ledger", stdout=out)
    assert f"customer {customer.pk} ({customer.name})" in str(excinfo.value)
    assert f"oldest open due date is {wrong}, entries say {customer.oldest_open_due_date}" in out.getvalue()


def test_check_ledger_reports_a_lost_oldest_open_due_date(shop):
    customer = Customer.objects.filter(shop=shop, oldest_open_due_date__isnull=False).order_by("-pk").first()
    Customer.objects.filter(pk=customer.pk).update(oldest_open_due_date=None)
    with pytest.raises(CommandError, match=re.escape(f"customer {customer.pk} ({customer.name})")):
        check_ledger()


def test_check_ledger_shop_option_limits_the_check(shop):
    stray = CustomerFactory()
    with scope(shop=stray.shop):
        Customer.objects.filter(pk=stray.pk).update(balance=Decimal("10.00"))
    assert "Ledger OK" in check_ledger("--shop", str(shop.pk))
    with pytest.raises(CommandError, match=f"customer {stray.pk} "):
        check_ledger("--shop", str(stray.shop_id))
    with pytest.raises(CommandError, match="No shop with id 999999"):
        check_ledger("--shop", "999999")


def test_check_ledger_earliest_date_is_per_due_not_per_amount(customer_shop):
    """Open dues of equal or different amounts must not be pooled when finding the
    earliest open due date (a ``values("customer")`` regrouping would)."""
    shop, customer = customer_shop
    today = timezone.localdate()
    start = today - datetime.timedelta(days=40)
    first = due_create(shop=shop, customer=customer, amount=Decimal("100.00"), description="Atta",
                       incurred_on=start, due_date=start + datetime.timedelta(days=7))
    due_create(shop=shop, customer=customer, amount=Decimal("100.00"), description="Dal",
               incurred_on=start + datetime.timedelta(days=1), due_date=start + datetime.timedelta(days=20))
    due_create(shop=shop, customer=customer, amount=Decimal("250.00"), description="Oil",
               incurred_on=start + datetime.timedelta(days=2), due_date=start + datetime.timedelta(days=30))
    payment_create(shop=shop, customer=customer, amount=Decimal("100.00"), received_on=today, due=first)
    customer.refresh_from_db()
    assert customer.oldest_open_due_date == start + datetime.timedelta(days=20)
    assert "Ledger OK" in check_ledger("--shop", str(shop.pk))


@pytest.fixture
def customer_shop(db, enter_scope):
    """A customer of a new shop; the test runs in that shop's scope."""
    customer = CustomerFactory()
    return enter_scope(customer.shop), customer
