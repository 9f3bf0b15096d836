"""The history panels of the product and invoice pages (issue #13), for owners and managers."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from billing.services.catalogue import product_create, product_update, stock_adjust, stock_receive
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from tests.factories import CategoryFactory, CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _sale(shop, product, **kwargs):
    return invoice_issue(shop=shop, customer=CustomerFactory(shop=shop, name="Devi"), issued_on=timezone.localdate(),
                         lines=[LineInput(quantity=Decimal("1"), unit_price=Decimal("40"), tax_rate=Decimal("0"),
                                          description="Rice", product=product)], **kwargs)


def test_product_panel_shows_its_edits(owner_client, owner, shop):
    staples, spices = CategoryFactory(shop=shop, name="Staples"), CategoryFactory(shop=shop, name="Spices")
    product = product_create(shop=shop, sku="RICE", name="Rice", unit="kg", sale_price=Decimal("50"),
                             category=staples)
    product._history_user = owner.user
    product_update(shop=shop, product=product, sale_price=Decimal("55"), category=spices, track_stock=False)

    response = owner_client.get(reverse("billing:product_history", args=[product.pk]))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [str(c) for c in entries[0].changes] == [
        "Category: Staples → Spices", "Sale price: ₹50.00 → ₹55.00", "Track stock: Yes → No"]
    assert entries[0].user == owner.user
    assert f'{reverse("reports:activity")}?product={product.pk}' in response.content.decode()


def test_stock_changes_leave_no_empty_history_records(shop):
    """Stock is not in the product's history: receiving, adjusting or selling writes no
    history record (each used to write one that changed nothing)."""
    product = product_create(shop=shop, sku="OIL", name="Oil", unit="litre", sale_price=Decimal("40"),
                             opening_stock=Decimal("5"))
    stock_receive(shop=shop, product=product, quantity=Decimal("3"))
    stock_adjust(shop=shop, product=product, quantity=Decimal("-1"), reason="Spilt")
    _sale(shop, product, amount_paid=Decimal("40"))

    assert [r.history_type for r in product.history.all()] == ["+"]
    product.refresh_from_db()
    assert product.stock_quantity == Decimal("6")


def test_invoice_panel_shows_issue_and_void(owner_client, owner, shop):
    invoice = _sale(shop, None, created_by=owner.user)
    invoice.refresh_from_db()
    invoice._history_user = owner.user
    invoice_void(shop=shop, invoice=invoice, reason="Customer returned it", voided_by=owner.user)

    response = owner_client.get(reverse("billing:invoice_history", args=[invoice.pk]))

    entries = response.context["entries"]
    assert [e.action for e in entries] == ["changed", "added"]  # linking its due is not shown as a change
    changes = {c.label: (c.before, c.after) for c in entries[0].changes}
    assert changes["Voided by"] == ("—", owner.user.username)
    assert changes["Void reason"] == ("—", "Customer returned it")
    assert f'{reverse("reports:activity")}?invoice={invoice.pk}' in response.content.decode()


def test_pages_load_the_panels_for_owners_only_not_cashiers(owner_client, shop):
    product = product_create(shop=shop, sku="SOAP", name="Soap", unit="pcs", sale_price=Decimal("40"))
    invoice = _sale(shop, None)
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)
    client = Client()
    client.force_login(cashier.user)
    for page, panel in [(reverse("billing:product_detail", args=[product.pk]),
                         reverse("billing:product_history", args=[product.pk])),
                        (reverse("billing:invoice_detail", args=[invoice.pk]),
                         reverse("billing:invoice_history", args=[invoice.pk]))]:
        assert f'hx-get="{panel}"' in owner_client.get(page).content.decode()
        assert f'hx-get="{panel}"' not in client.get(page).content.decode()
        assert client.get(panel).status_code == 403


def test_another_shops_product_and_invoice_are_404(owner_client, other_owner, enter_scope):
    theirs = enter_scope(other_owner.shop)
    product = product_create(shop=theirs, sku="X", name="Theirs", unit="pcs", sale_price=Decimal("1"))
    invoice = _sale(theirs, None)
    assert owner_client.get(reverse("billing:product_history", args=[product.pk])).status_code == 404
    assert owner_client.get(reverse("billing:invoice_history", args=[invoice.pk])).status_code == 404
