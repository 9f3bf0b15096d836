"""The operator's Django admin: every registered model's list and detail pages load, and
ledger rows cannot be added, changed or deleted there (only voided in the app)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from ledger.models import Due, PaymentClaim, StatementLink
from messaging.models import Message
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("operator", "op@example.com", "pass-word-123"))
    return client


@pytest.fixture(autouse=True)
def _admin_is_cross_shop(cross_shop):
    """The admin is the operator's, across shops (DESIGN §3): these tests run with scopes off."""


@pytest.fixture
def due():
    """A due of a new shop, recorded through the ledger service in that shop's scope."""
    return due_record(CustomerFactory(), "300", description="Rice", incurred_on=datetime.date(2026, 11, 1))


def test_every_admin_changelist_loads(operator, due):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = operator.get(url)
        assert response.status_code == 200, url
        changelist = response.context["cl"]
        assert changelist.model is model, url
        # "Select due to view" (or "… to change"): the model's own list, titled by its name.
        assert str(model._meta.verbose_name) in changelist.title, url
        assert escape(changelist.title) in response.content.decode(), url
    dues = operator.get(reverse("admin:ledger_due_changelist"))
    assert list(dues.context["cl"].result_list) == [due]  # across shops: no scope hides it
    assert "Rice" in dues.content.decode() and due.customer.name in dues.content.decode()


def test_ledger_rows_are_read_only_in_the_admin(operator, due):
    url = reverse("admin:ledger_due_change", args=[due.pk])
    page = operator.get(url)
    assert page.status_code == 200
    assert b'name="amount"' not in page.content  # shown, not an input
    operator.post(url, {"amount": "1", "description": "changed"})
    row = Due.objects.get(pk=due.pk)
    assert (row.amount, row.outstanding, row.description) == (Decimal("300.00"), Decimal("300.00"), "Rice")
    assert operator.get(reverse("admin:ledger_due_add")).status_code == 403
    assert operator.post(reverse("admin:ledger_due_delete", args=[due.pk]), {"post": "yes"}).status_code == 403
    assert Due.objects.filter(pk=due.pk).exists()


# --- who may use the admin --------------------------------------------------------------------


@pytest.fixture
def staff_with_view_customer():
    """A staff user (not a superuser) holding only ``customers.view_customer``: the case
    that used to see every shop's customers."""
    user = User.objects.create_user("helper", "helper@example.com", "pass-word-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_customer", content_type__app_label="customers"))
    return user


def test_a_staff_user_who_is_not_a_superuser_is_refused(client, staff_with_view_customer):
    CustomerFactory(name="Secret Customer")
    client.force_login(staff_with_view_customer)

    for url in (reverse("admin:index"), reverse("admin:customers_customer_changelist")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
        assert b"Secret Customer" not in client.get(url, follow=True).content


def test_a_staff_user_who_is_not_a_superuser_cannot_log_in_to_the_admin(client, staff_with_view_customer):
    response = client.post(reverse("admin:login"), {"username": "helper", "password": "pass-word-123",
                                                    "next": reverse("admin:customers_customer_changelist")})
    assert response.status_code == 200
    assert "only for the site operator" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 302


def test_a_superuser_logs_in_to_the_admin(client):
    User.objects.create_superuser("root", "root@example.com", "pass-word-123")
    response = client.post(reverse("admin:login"), {"username": "root", "password": "pass-word-123",
                                                    "next": reverse("admin:index")})
    assert response.status_code == 302
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert {app["app_label"] for app in index.context["app_list"]} >= {"accounts", "customers", "ledger", "billing"}
    assert reverse("admin:ledger_due_changelist") in index.content.decode()


# --- read-only pages for claims, statement links and messages ------------------------------------


@pytest.fixture
def claim(due):
    link = StatementLink.objects.create(shop=due.shop, customer=due.customer, token="tok-" + "x" * 40)
    return PaymentClaim.objects.create(shop=due.shop, customer=due.customer, link=link, amount=Decimal("120.50"),
                                       reference="UPI123456", note="Paid by GPay")


@pytest.fixture
def message(due):
    return Message.objects.create(shop=due.shop, customer=due.customer, kind=Message.Kind.REMINDER,
                                  to="ravi@example.com", subject="Payment reminder", body="Please pay ₹300.00")


@pytest.mark.parametrize(("model", "fixture", "shown", "field"), [
    ("ledger_paymentclaim", "claim", ["UPI123456", "120.50", "Paid by GPay"], "amount"),
    ("ledger_statementlink", "claim", ["tok-xx…"], "customer"),
    ("messaging_message", "message", ["ravi@example.com", "Payment reminder", "Please pay ₹300.00"], "to"),
])
def test_claims_links_and_messages_have_read_only_admin_pages(operator, request, model, fixture, shown, field):
    row = request.getfixturevalue(fixture)
    if model == "ledger_statementlink":
        row = row.link
    changelist = operator.get(reverse(f"admin:{model}_changelist"))
    assert changelist.status_code == 200
    change_url = reverse(f"admin:{model}_change", args=[row.pk])
    page = operator.get(change_url)
    assert page.status_code == 200
    body = page.content.decode()
    for text in shown:
        assert text in body, text
    assert f'name="{field}"' not in body and 'name="_save"' not in body  # shown, not inputs
    assert operator.get(reverse(f"admin:{model}_add")).status_code == 403
    assert operator.post(change_url, {"status": "confirmed", "to": "x@example.com"}).status_code == 403
    assert operator.post(reverse(f"admin:{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_statement_links_token_is_not_shown_in_full(operator, claim):
    body = operator.get(reverse("admin:ledger_statementlink_change", args=[claim.link.pk])).content.decode()
    assert claim.link.token not in body


def test_archiving_or_deleting_a_customer_in_the_admin_recounts_the_shop_totals(operator):
    from customers.models import CustomerTotals
    from customers.totals import totals_recompute

    customer = CustomerFactory(name="Asha")
    other = CustomerFactory(shop=customer.shop, name="Bala")
    assert CustomerTotals.objects.get(shop=customer.shop).active_customers == 2
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = operator.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "is_archived"}
    data.update({"name": "Asha", "is_archived": "on", "language": "", "credit_limit": ""})
    assert operator.post(url, data).status_code == 302
    assert CustomerTotals.objects.get(shop=customer.shop).active_customers == 1
    delete = reverse("admin:customers_customer_delete", args=[other.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 302
    assert CustomerTotals.objects.get(shop=customer.shop).active_customers == 0
    assert totals_recompute(shop_id=customer.shop_id)["active_customers"] == 0
