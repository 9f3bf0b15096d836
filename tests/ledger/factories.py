"""Ledger state for tests, built through the ledger services (allocation, stored balances
and outstanding amounts stay right), each call in the customer's shop's scope as a request
of that shop would run it.

``DueFactory`` and ``PaymentFactory`` write bare rows that bypass the services (no
allocation, no balance, no receipt): only for a test that needs such a raw row and says so
(a drift check, a payment to render in a template)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from django_scopes import scope

from ledger.models import Due, Payment
from ledger.services import entries
from tests.customers.factories import CustomerFactory


def due_record(customer, amount="100.00", *, incurred_on=None, due_date=None, description="Groceries", **kwargs):
    """Record a due of ``amount`` (str or Decimal, the shop's currency) for ``customer`` via
    ``ledger.services.entries.due_create``, in the customer's shop's scope; returns the Due.
    ``incurred_on`` defaults to today; raises what the service raises."""
    with scope(shop=customer.shop):
        return entries.due_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                  description=description, incurred_on=incurred_on or timezone.localdate(),
                                  due_date=due_date, **kwargs)


def payment_record(customer, amount="50.00", *, received_on=None, **kwargs):
    """Record a payment of ``amount`` from ``customer`` via
    ``ledger.services.entries.payment_create`` (allocated to open dues, oldest first, or to
    ``due=``), in the customer's shop's scope; returns the Payment."""
    with scope(shop=customer.shop):
        return entries.payment_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                      received_on=received_on or timezone.localdate(), **kwargs)


class DueFactory(factory.django.DjangoModelFactory):
    """A bare due row (no allocation, no balance update): see the module docstring."""

    class Meta:
        model = Due

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.LazyAttribute(lambda d: d.customer.shop)
    amount = Decimal("100.00")
    outstanding = factory.LazyAttribute(lambda d: d.amount)
    description = "Groceries"
    incurred_on = factory.LazyFunction(timezone.localdate)
    due_date = factory.LazyAttribute(lambda d: d.incurred_on + datetime.timedelta(days=30))


class PaymentFactory(factory.django.DjangoModelFactory):
    """A bare payment row (no allocation, no balance, no receipt): see the module docstring."""

    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.LazyAttribute(lambda p: p.customer.shop)
    amount = Decimal("50.00")
    received_on = factory.LazyFunction(timezone.localdate)
    method = Payment.Method.CASH
