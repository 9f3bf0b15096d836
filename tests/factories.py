"""The factories of every app in one import, for convenience: each app's live in
``tests/<app>/factories.py`` (accounts, customers, ledger, messaging, billing). Tenant
objects share their shop: ``DueFactory(customer=c)`` takes ``c.shop``."""

from tests.accounts.factories import MembershipFactory, ShopFactory, UserFactory
from tests.billing.factories import (
    CategoryFactory,
    DenominationFactory,
    ProductFactory,
    StockMovementFactory,
)
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import DueFactory, PaymentFactory, due_record, payment_record
from tests.messaging.factories import MessageFactory

__all__ = [
    "CategoryFactory", "CustomerFactory", "DenominationFactory", "DueFactory", "MembershipFactory",
    "MessageFactory", "PaymentFactory", "ProductFactory", "ShopFactory", "StockMovementFactory", "UserFactory",
    "due_record", "payment_record",
]
