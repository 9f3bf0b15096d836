"""factory-boy factories for customers. ``CustomerFactory(shop=s)`` writes the row and moves
the shop's customer totals as ``customer_create`` would (``customers.totals``, which opens
the customer's shop's scope): it works in any scope, so a test may create another shop's
customer directly."""

from decimal import Decimal

import factory
from django.db import transaction

from customers.models import Customer
from customers.phones import phone_tail as digits_reversed
from customers.phones import shop_e164
from customers.totals import totals_apply
from tests.accounts.factories import ShopFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer with a unique Indian mobile number, stored as typed and in E.164."""

    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"98{n:08d}")
    phone_e164 = factory.LazyAttribute(lambda c: shop_e164(c.phone, shop=c.shop) or "")
    phone_tail = factory.LazyAttribute(lambda c: digits_reversed(c.phone, c.phone_e164))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Insert the row, then count it in its shop's totals: one active customer more
        (none when created archived) and its ``balance`` if one is given."""
        # One transaction, as in the services (a ``transaction=True`` test has none open, and
        # creating a shop's missing totals row locks rows).
        with transaction.atomic():
            customer = super()._create(model_class, *args, **kwargs)
            totals_apply(shop_id=customer.shop_id, customers=0 if customer.is_archived else 1,
                         balance_changes=[(Decimal(0), Decimal(str(customer.balance)))])
        return customer
