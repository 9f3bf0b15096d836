"""The history panel of the customer's page (issue #13): the customer's last changes, field
by field, with who and when, for owners and managers."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _edit(client, customer, **changes):
    data = {"name": customer.name, "phone": customer.phone, "email": "", "address": "", "notes": "",
            "credit_limit": "", **changes}
    assert client.post(reverse("customers:edit", args=[customer.pk]), data).status_code == 302


def test_panel_lists_the_customers_changes_newest_first(owner_client, owner, shop):
    customer = CustomerFactory(shop=shop, name="Asha", phone="9800000001")
    _edit(owner_client, customer, phone="9700000002")
    customer.refresh_from_db()
    _edit(owner_client, customer, credit_limit="1500")

    response = owner_client.get(reverse("ledger:customer_history", args=[customer.pk]))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [[str(c) for c in e.changes] for e in entries] == [
        ["Credit limit: — → ₹1,500.00"], ["Phone: 9800000001 → 9700000002"], []]
    assert [e.action for e in entries] == ["changed", "changed", "added"]
    assert entries[0].user == owner.user
    html = response.content.decode()
    assert 'Phone:</span> <span class="text-body-secondary">9800000001</span> → 9700000002' in html
    assert f'{reverse("reports:activity")}?customer={customer.pk}' in html  # the Activity page, filtered


def test_panel_shows_the_last_20_changes(owner_client, shop):
    customer = CustomerFactory(shop=shop, name="Bala", phone="9800000001")
    for i in range(25):
        _edit(owner_client, customer, notes=f"note {i}")

    entries = owner_client.get(reverse("ledger:customer_history", args=[customer.pk])).context["entries"]

    assert len(entries) == 20
    assert str(entries[0].changes[0]) == "Notes: note 23 → note 24"
    assert str(entries[-1].changes[0]) == "Notes: note 4 → note 5"


def test_a_save_that_changed_nothing_is_not_listed(owner_client, shop):
    customer = CustomerFactory(shop=shop, name="Chitra", phone="9800000001")
    _edit(owner_client, customer)  # saved as it was

    entries = owner_client.get(reverse("ledger:customer_history", args=[customer.pk])).context["entries"]

    assert [e.action for e in entries] == ["added"]


def test_customer_page_loads_the_panel_for_owners_and_managers_only(client, owner_client, shop):
    customer = CustomerFactory(shop=shop)
    panel = reverse("ledger:customer_history", args=[customer.pk])
    page = reverse("ledger:customer_account", args=[customer.pk])
    assert f'hx-get="{panel}"' in owner_client.get(page).content.decode()
    manager = MembershipFactory(shop=shop, role=Membership.Role.MANAGER)
    client.force_login(manager.user)
    assert f'hx-get="{panel}"' in client.get(page).content.decode()
    assert client.get(panel).status_code == 200


@pytest.mark.parametrize("role", [Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_other_roles_get_no_panel_and_403(client, shop, role):
    customer = CustomerFactory(shop=shop)
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)
    panel = reverse("ledger:customer_history", args=[customer.pk])
    page = client.get(reverse("ledger:customer_account", args=[customer.pk])).content.decode()
    assert f'hx-get="{panel}"' not in page
    assert client.get(panel).status_code == 403


def test_another_shops_customer_is_404(owner_client, other_owner):
    theirs = CustomerFactory(shop=other_owner.shop)
    assert owner_client.get(reverse("ledger:customer_history", args=[theirs.pk])).status_code == 404
