"""``manage.py seed_demo`` and ``manage.py check_ledger``.

Seeding takes a few seconds, so the demo shop is built once per module (committed to
the test database, deleted again at the end); each test still runs in its own
transaction, so the corruptions below are rolled back.
"""

import datetime
import re
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max, Min
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Membership, Shop, User
from customers.models import Customer
from ledger.management.commands import seed_demo
from ledger.models import Allocation, Due, Payment
from ledger.selectors import customer_open_dues
from ledger.services import due_create, payment_create
from tests.factories import CustomerFactory

PHONE = re.compile(r"[6-9]\d{9}")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), scopes_disabled():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        shop = Shop.objects.get(name=seed_demo.DEMO_SHOP_NAME)
    yield SimpleNamespace(shop_id=shop.pk, output=out.getvalue())
    with django_db_blocker.unblock(), scopes_disabled():
        seed_demo.delete_demo()


@pytest.fixture
def shop(demo, db):
    return Shop.objects.get(pk=demo.shop_id)


def counts(shop):
    return {
        "shops": Shop.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.filter(shop=shop).count(),
        "customers": Customer.objects.filter(shop=shop).count(),
        "dues": Due.objects.filter(shop=shop).count(),
        "payments": Payment.objects.filter(shop=shop).count(),
        "allocations": Allocation.objects.filter(shop=shop).count(),
        "balances": list(Customer.objects.filter(shop=shop).order_by("pk").values_list("balance", flat=True)),
    }


def check_ledger(*args):
    out = StringIO()
    call_command("check_ledger", *args, stdout=out)
    return out.getvalue()


# -- seed_demo ---------------------------------------------------------------------------------


def test_seed_demo_creates_the_shop_and_its_logins(demo, shop):
    assert shop.currency == "INR"
    assert shop.locale == "en_IN"
    assert shop.upi_id == "sharmastore@okaxis"
    assert shop.phone and shop.address
    owner = Membership.objects.get(shop=shop, user__username="demo")
    staff = Membership.objects.get(shop=shop, user__username="demo-staff")
    assert owner.role == Membership.Role.OWNER
    assert staff.role == Membership.Role.STAFF
    assert owner.user.check_password("demo-pass-123")
    assert staff.user.check_password("demo-pass-123")
    assert "'demo' / 'demo-pass-123'" in demo.output
    assert "total outstanding" in demo.output


def test_seed_demo_creates_realistic_customers(shop):
    customers = list(Customer.objects.filter(shop=shop))
    assert 55 <= len(customers) <= 65
    assert len({c.name for c in customers}) == len(customers)
    phones = [c.phone for c in customers if c.phone]
    assert len(phones) >= len(customers) - 5
    assert all(PHONE.fullmatch(p) for p in phones), phones
    assert len(set(phones)) == len(phones)
    assert any(c.email for c in customers)
    assert any(c.address for c in customers)
    assert any(c.notes for c in customers)


def test_seed_demo_tells_every_story(shop):
    today = timezone.localdate()
    customers = list(Customer.objects.filter(shop=shop))
    assert any(c.is_overdue for c in customers)
    assert any(c.balance < 0 for c in customers)
    with_entries = set(Due.objects.filter(shop=shop).values_list("customer", flat=True))
    assert any(c.balance == 0 and c.pk in with_entries for c in customers), "someone settled at zero"
    assert sum(1 for c in customers if c.pk not in with_entries) >= 2
    assert all(c.last_activity_at is None for c in customers if c.pk not in with_entries)
    statuses = {due.status for c in customers for due in customer_open_dues(customer=c, today=today)}
    assert Due.Status.PARTIAL in statuses
    voided = Due.objects.filter(shop=shop, voided_at__isnull=False)
    assert voided.count() == 1
    assert voided.get().void_reason
    methods = set(Payment.objects.filter(shop=shop).values_list("method", flat=True))
    assert {Payment.Method.CASH, Payment.Method.UPI} <= methods
    assert Payment.objects.filter(shop=shop, note__startswith="Marked as paid").exists()


def test_seed_demo_spans_six_months_ending_today(shop):
    today = timezone.localdate()
    dues = Due.objects.filter(shop=shop)
    span = dues.aggregate(first=Min("incurred_on"), last=Max("incurred_on"))
    assert today - datetime.timedelta(days=190) <= span["first"] <= today - datetime.timedelta(days=170)
    last_payment = Payment.objects.filter(shop=shop).aggregate(last=Max("received_on"))["last"]
    assert today - datetime.timedelta(days=7) <= max(span["last"], last_payment) <= today
    amounts = list(dues.values_list("amount", flat=True))
    assert all(isinstance(a, Decimal) and Decimal(50) <= a <= Decimal(5000) for a in amounts)
    assert all(
        d.due_date is None or 7 <= (d.due_date - d.incurred_on).days <= 30 for d in dues
    )
    assert dues.filter(due_date__isnull=False).exists() and dues.filter(due_date__isnull=True).exists()


def test_seed_demo_backdates_timestamps(shop):
    now = timezone.now()
    dues = list(Due.objects.filter(shop=shop))
    payments = list(Payment.objects.filter(shop=shop))
    for due in dues:
        assert timezone.localtime(due.created_at).date() == due.incurred_on
    for payment in payments:
        assert timezone.localtime(payment.created_at).date() == payment.received_on
    latest = {}
    for entry in [*dues, *payments]:
        assert entry.created_at <= now
        stamp = max(entry.created_at, entry.voided_at or entry.created_at)
        latest[entry.customer_id] = max(latest.get(entry.customer_id, stamp), stamp)
    for customer in Customer.objects.filter(shop=shop, pk__in=latest):
        assert customer.last_activity_at == latest[customer.pk]
        assert customer.created_at <= min(e.created_at for e in [*dues, *payments] if e.customer_id == customer.pk)


def test_seed_demo_twice_changes_nothing(shop):
    before = counts(shop)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already exists" in out.getvalue()
    assert counts(shop) == before


def test_seed_demo_reset_recreates_the_shop(shop, monkeypatch):
    # A smaller cast keeps the rebuild quick; --reset must still remove every old row.
    monkeypatch.setattr(seed_demo, "CUSTOMERS", seed_demo.CUSTOMERS[:10])
    other = CustomerFactory(name="Not a demo customer")
    old_users = set(User.objects.filter(username__in=["demo", "demo-staff"]).values_list("pk", flat=True))
    out = StringIO()
    call_command("seed_demo", "--reset", stdout=out)
    assert "Deleted the demo shop" in out.getvalue()
    assert not Shop.objects.filter(pk=shop.pk).exists()
    for model in (Customer, Due, Payment, Allocation):
        assert not model.objects.filter(shop_id=shop.pk).exists()
        assert not model.history.filter(shop_id=shop.pk).exists()
    new_shop = Shop.objects.get(name=seed_demo.DEMO_SHOP_NAME)
    assert Customer.objects.filter(shop=new_shop).count() == 10
    assert not old_users & set(User.objects.filter(username__in=["demo", "demo-staff"]).values_list("pk", flat=True))
    assert Customer.objects.filter(pk=other.pk).exists()
    assert "Ledger OK" in check_ledger()


# -- check_ledger ------------------------------------------------------------------------------


def test_check_ledger_passes_after_seeding(demo, shop):
    output = check_ledger()
    customers = Customer.objects.count()
    assert f"Ledger OK: {customers} customers in {Shop.objects.count()} shops checked." in output
    assert "Ledger OK: 60 customers in 1 shops checked." in check_ledger("--shop", str(shop.pk))


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
def customer_shop(db):
    customer = CustomerFactory()
    return customer.shop, customer
