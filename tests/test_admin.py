"""The operator's Django admin: every registered model's list and detail pages load, and
ledger rows cannot be added, changed or deleted there (only voided in the app)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import User
from ledger import services as ledger
from ledger.models import Due
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("operator", "op@example.com", "pass-word-123"))
    return client


@pytest.fixture
def due():
    customer = CustomerFactory()
    return ledger.due_create(shop=customer.shop, customer=customer, amount=Decimal("300"), description="Rice",
                             incurred_on=datetime.date(2026, 11, 1))


def test_every_admin_changelist_loads(operator, due):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert operator.get(url).status_code == 200, url


def test_ledger_rows_are_read_only_in_the_admin(operator, due):
    url = reverse("admin:ledger_due_change", args=[due.pk])
    page = operator.get(url)
    assert page.status_code == 200
    assert b'name="amount"' not in page.content  # shown, not an input
    operator.post(url, {"amount": "1", "description": "changed"})
    with scopes_disabled():
        row = Due.objects.get(pk=due.pk)
    assert (row.amount, row.outstanding, row.description) == (Decimal("300.00"), Decimal("300.00"), "Rice")
    assert operator.get(reverse("admin:ledger_due_add")).status_code == 403
    assert operator.post(reverse("admin:ledger_due_delete", args=[due.pk]), {"post": "yes"}).status_code == 403
    with scopes_disabled():
        assert Due.objects.filter(pk=due.pk).exists()
