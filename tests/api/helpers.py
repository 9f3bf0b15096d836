"""Shared pieces of the API tests: a shop's book made through the services, a
snapshot of every row the API can change, and the API's routes read from the URLconf."""

import datetime
from decimal import Decimal

from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scope

from billing.models import Category, Invoice, Product, StockMovement
from billing.services.catalogue import category_save, product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Allocation, Due, Payment
from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory

TODAY = datetime.date(2026, 11, 1)


def make_book(shop) -> dict:
    """A customer with a due (partly paid), a product in a category, and an invoice on
    credit, all made through the services. Returns the objects by name."""
    with scope(shop=shop):
        customer = CustomerFactory(shop=shop, name="Book Customer")
        due = ledger.due_create(shop=shop, customer=customer, amount=Decimal("500"), description="Rice",
                                incurred_on=TODAY, due_date=TODAY + datetime.timedelta(days=7))
        payment = ledger.payment_create(shop=shop, customer=customer, amount=Decimal("200"), received_on=TODAY)
        category = category_save(shop=shop, name="Staples")
        product = product_create(shop=shop, sku="RICE", name="Rice", category=category, unit="kg",
                                 sale_price=Decimal("50"), tax_rate=Decimal("5"), opening_stock=Decimal("10"))
        invoice = invoice_issue(shop=shop, customer=customer, issued_on=TODAY, amount_paid=Decimal("10"), lines=[
            LineInput(quantity=Decimal("1"), unit_price=Decimal("50"), tax_rate=Decimal("5"), description="Rice",
                      product=product)])
        settled = CustomerFactory(shop=shop, name="Settled Customer")
    return {"customer": customer, "due": due, "payment": payment, "category": category, "product": product,
            "invoice": invoice, "settled": settled}


def snapshot(shop) -> tuple:
    """Every row of ``shop`` the API may write, as plain values."""
    with scope(shop=shop):
        return (
            list(Customer.objects.filter(shop=shop).order_by("pk").values_list(
                "pk", "name", "phone", "balance", "is_archived", "credit_limit")),
            list(Due.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "outstanding",
                                                                          "voided_at")),
            list(Payment.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "voided_at")),
            list(Allocation.objects.filter(shop=shop).order_by("pk").values_list("pk", "due", "amount")),
            list(Product.objects.filter(shop=shop).order_by("pk").values_list(
                "pk", "sku", "name", "sale_price", "stock_quantity", "is_active")),
            list(Category.objects.filter(shop=shop).order_by("pk").values_list("pk", "name")),
            list(Invoice.objects.filter(shop=shop).order_by("pk").values_list("pk", "number", "voided_at")),
            list(StockMovement.objects.filter(shop=shop).order_by("pk").values_list("pk", "quantity")),
        )


def walk_routes(patterns, prefix=""):
    """``(namespaced name, pattern)`` of every named URL pattern under ``patterns``."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from walk_routes(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _methods(callback) -> set[str]:
    """The HTTP methods (lower case, without HEAD and OPTIONS) a route's view answers."""
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset route: method → action
        methods = set(actions)
    else:  # an APIView: the handlers it defines
        view = callback.cls
        methods = {method for method in view.http_method_names if hasattr(view, method)}
    # HEAD answers as GET (DRF adds it to ``actions`` once the route has served a GET); OPTIONS is metadata.
    return methods - {"head", "options"}


def api_route_methods() -> list[tuple[str, str, URLPattern]]:
    """Every ``(route name, method, pattern)`` of the REST API (``api:v1:…``), from the URLconf."""
    return [(name, method, pattern) for name, pattern in walk_routes(get_resolver().url_patterns)
            if name.startswith("api:v1:") for method in sorted(_methods(pattern.callback))]
