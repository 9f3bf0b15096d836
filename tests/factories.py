"""factory-boy factories for every model. Tenant objects share their shop:
``DueFactory(customer=c)`` takes ``c.shop``."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Membership, Shop, User
from customers.models import Customer
from customers.phones import shop_e164
from ledger.models import Due, Payment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"Shop {n}")
    phone = "9876543210"
    address = "1 Market Road"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    shop = factory.SubFactory(ShopFactory)
    role = Membership.Role.OWNER


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"98{n:08d}")
    phone_e164 = factory.LazyAttribute(lambda c: shop_e164(c.phone, shop=c.shop) or "")


class DueFactory(factory.django.DjangoModelFactory):
    """A bare due row (no allocation, no balance update): use ledger services for
    realistic ledgers; this is for tests that need a row only."""

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
    """A bare payment row; see :class:`DueFactory`."""

    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    shop = factory.LazyAttribute(lambda p: p.customer.shop)
    amount = Decimal("50.00")
    received_on = factory.LazyFunction(timezone.localdate)
    method = Payment.Method.CASH
