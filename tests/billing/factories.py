"""factory-boy factories for billing models (shared by the billing tests; append,
don't rewrite others' parts). Tenant objects share their shop: ``ProductFactory(
category=c)`` takes ``c.shop``."""

from decimal import Decimal

import factory

from billing.models import Category, Denomination, Product, StockMovement
from tests.accounts.factories import ShopFactory

# --- Catalogue and stock ---------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with no stock history. ``stock_quantity`` may be given for a bare row;
    use ``billing.services.catalogue.stock_receive`` for stock with its movement."""

    class Meta:
        model = Product

    shop = factory.LazyAttribute(lambda p: p.category.shop if p.category else ShopFactory())
    category = None
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit = Product.Unit.PCS
    sale_price = Decimal("10.00")
    tax_rate = Decimal("0")


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A bare movement row (the product's ``stock_quantity`` is not changed)."""

    class Meta:
        model = StockMovement

    product = factory.SubFactory(ProductFactory)
    shop = factory.LazyAttribute(lambda m: m.product.shop)
    kind = StockMovement.Kind.RECEIVE
    quantity = Decimal("1.000")
    balance_after = factory.LazyAttribute(lambda m: m.product.stock_quantity + m.quantity)
    reason = "Stock received"


# --- Cash drawer -------------------------------------------------------------------------


class DenominationFactory(factory.django.DjangoModelFactory):
    """A note or coin in a shop's drawer (``value`` Decimal, ``count`` pieces)."""

    class Meta:
        model = Denomination

    shop = factory.SubFactory(ShopFactory)
    value = Decimal("100.00")
    count = 0
