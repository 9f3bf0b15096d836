"""factory-boy factories for customers. ``CustomerFactory(shop=s)`` writes the row only (no
query): it works in any scope, so a test may create another shop's customer directly."""

import factory

from customers.models import Customer
from customers.phones import shop_e164
from tests.accounts.factories import ShopFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer with a unique Indian mobile number, stored as typed and in E.164."""

    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"98{n:08d}")
    phone_e164 = factory.LazyAttribute(lambda c: shop_e164(c.phone, shop=c.shop) or "")
