"""A small shop's book with figures worked out by hand, shared by the report tests.

Dates are relative to ``today()`` (the real local date: the ledger refuses entries over a
year ahead). Every entry goes through the ledger services, so balances, outstanding and
allocations are what the app itself writes.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from ledger.services.entries import due_create, due_void, payment_create, refund_create
from tests.factories import CustomerFactory


def today():
    """The real local date, read when called: a run that crosses midnight keeps its tests right."""
    return timezone.localdate()


def days(n: int) -> datetime.date:
    """``today()`` plus ``n`` days (negative: before)."""
    return today() + datetime.timedelta(days=n)


def due(shop, customer, amount, *, due_in=None, incurred=None, description="Goods"):
    """A due of ``amount`` falling due ``due_in`` days from today (None: no due date),
    given ``incurred`` days from today (default: 5 days before the due date)."""
    due_date = days(due_in) if due_in is not None else None
    if incurred is None:
        incurred = (due_in - 5) if due_in is not None else 0
    return due_create(shop=shop, customer=customer, amount=Decimal(amount), description=description,
                      incurred_on=days(incurred), due_date=due_date)


def pay(shop, customer, amount, *, on=0, method="cash", user=None):
    return payment_create(shop=shop, customer=customer, amount=Decimal(amount), received_on=days(on),
                          method=method, created_by=user)


def aging_book(shop):
    """The aging fixture. As of today (hand-worked):

    - Asha (email): 100 due today (0 days: not yet due), 200 and 300 due 1 and 30 days ago
      (1–30), 400 and 500 due 31 and 60 days ago (31–60), 600 due 61 days ago (61–90):
      total 2100.
    - Bala (no email): 1000 given 95 days ago without a due date (91–120); 50 given 200
      days ago without one, 20 of it paid today (120+: 30); a voided 700: total 1030.
    - Chitra: paid 80 with nothing owed (in credit): no row.
    - Devi (email): 10 due in 10 days (not yet due): total 10.

    Totals: not yet due 110, 1–30 500, 31–60 900, 61–90 600, 91–120 1000, 120+ 30 = 3140.
    """
    asha = CustomerFactory(shop=shop, name="Asha", email="asha@example.com")
    bala = CustomerFactory(shop=shop, name="Bala", email="")
    chitra = CustomerFactory(shop=shop, name="Chitra", email="chitra@example.com")
    devi = CustomerFactory(shop=shop, name="Devi", email="devi@example.com")
    for amount, due_in in [(100, 0), (200, -1), (300, -30), (400, -31), (500, -60), (600, -61)]:
        due(shop, asha, amount, due_in=due_in)
    due(shop, bala, 1000, incurred=-95)
    due(shop, bala, 50, incurred=-200)
    pay(shop, bala, 20)
    voided = due(shop, bala, 700, due_in=-10)
    due_void(shop=shop, due=voided, reason="Entered twice")
    pay(shop, chitra, 80)
    due(shop, devi, 10, due_in=10, incurred=0)
    return {"asha": asha, "bala": bala, "chitra": chitra, "devi": devi}


def refund(shop, customer, amount, *, on=0):
    return refund_create(shop=shop, customer=customer, amount=Decimal(amount), refunded_on=days(on),
                         method="cash", reason="Overpaid")
