"""Customer writes: create, update, archive (only at a zero balance), unarchive."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import CustomerError, customer_archive, customer_create, customer_unarchive, customer_update
from ledger.selectors.drift import ledger_drift
from ledger.services.entries import due_create, payment_create, payment_void
from tests.customers.factories import CustomerFactory

D = Decimal
DAY = datetime.date(2025, 1, 1)


def owe(customer, amount):
    return due_create(shop=customer.shop, customer=customer, amount=D(amount), description="Groceries",
                      incurred_on=DAY)


def pay(customer, amount):
    return payment_create(shop=customer.shop, customer=customer, amount=D(amount), received_on=DAY)


def fresh(customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


# --- create -------------------------------------------------------------------------------


def test_create_stores_fields_with_zero_ledger_figures(shop):
    customer = customer_create(shop=shop, name="Asha Verma", phone="9876500001", email="asha@example.com",
                               address="12 Gandhi Road", notes="Pays on Fridays", credit_limit=D("5000.00"))

    row = fresh(customer)
    assert (row.shop, row.name, row.phone, row.email) == (shop, "Asha Verma", "9876500001", "asha@example.com")
    assert (row.address, row.notes, row.credit_limit) == ("12 Gandhi Road", "Pays on Fridays", D("5000.00"))
    assert row.balance == D("0.00")
    assert row.oldest_open_due_date is None
    assert row.last_activity_at is None
    assert row.is_archived is False
    assert not row.is_overdue
    assert ledger_drift() == []


def test_create_with_only_a_name(shop):
    customer = customer_create(shop=shop, name="Walk-in Ravi")
    row = fresh(customer)
    assert (row.phone, row.email, row.credit_limit) == ("", "", None)


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"name": "Ok", "email": "not-an-email"}, "email"),
    ({"name": "Ok", "credit_limit": D("-1")}, "credit_limit"),
])
def test_create_refuses_invalid_fields(shop, fields, bad_field):
    with pytest.raises(ValidationError) as exc:
        customer_create(shop=shop, **fields)
    assert bad_field in exc.value.message_dict
    assert not Customer.objects.exists()


def test_create_allows_a_zero_credit_limit(shop):
    assert customer_create(shop=shop, name="Strict", credit_limit=D("0")).credit_limit == D("0")


# --- update -----------------------------------------------------------------------------------


def test_update_changes_contact_fields_only(shop):
    customer = customer_create(shop=shop, name="Old Name", phone="111")
    owe(customer, "120")
    customer = fresh(customer)

    customer_update(customer=customer, name="New Name", phone="222", email="new@example.com",
                    address="New address", notes="VIP", credit_limit=D("750.50"))

    row = fresh(customer)
    assert (row.name, row.phone, row.email, row.address, row.notes, row.credit_limit) == (
        "New Name", "222", "new@example.com", "New address", "VIP", D("750.50"))
    assert row.balance == D("120.00")  # the ledger figures are untouched
    assert ledger_drift() == []


def test_update_with_a_stale_instance_does_not_overwrite_the_balance(shop):
    customer = customer_create(shop=shop, name="Stale")
    owe(customer, "300")  # ``customer`` in memory still says 0.00
    customer_update(customer=customer, notes="called")
    row = fresh(customer)
    assert row.notes == "called"
    assert row.balance == D("300.00")
    assert ledger_drift() == []


def test_update_refuses_ledger_and_unknown_fields(shop):
    customer = customer_create(shop=shop, name="Guarded")
    for field in ("balance", "is_archived", "shop", "oldest_open_due_date", "nickname"):
        with pytest.raises(TypeError):
            customer_update(customer=customer, **{field: None})
    assert fresh(customer).balance == D("0.00")


def test_update_refuses_invalid_values(shop):
    customer = customer_create(shop=shop, name="Valid", email="ok@example.com")
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=customer, email="broken")
    assert "email" in exc.value.message_dict
    assert fresh(customer).email == "ok@example.com"


# --- archive / unarchive -------------------------------------------------------------------------


def test_archive_refused_while_the_customer_owes(shop):
    customer = CustomerFactory(shop=shop)
    owe(customer, "10")
    with pytest.raises(CustomerError, match="zero balance"):
        customer_archive(customer=customer)
    assert fresh(customer).is_archived is False


def test_archive_refused_while_the_customer_has_credit(shop):
    customer = CustomerFactory(shop=shop)
    pay(customer, "10")
    assert fresh(customer).balance == D("-10.00")
    with pytest.raises(CustomerError):
        customer_archive(customer=customer)
    assert fresh(customer).is_archived is False


def test_archive_checks_the_stored_balance_not_a_stale_instance(shop):
    customer = CustomerFactory(shop=shop)  # in memory: balance 0
    owe(customer, "40")
    with pytest.raises(CustomerError):
        customer_archive(customer=customer)


def test_archive_allowed_at_zero_balance_after_settling(shop):
    customer = CustomerFactory(shop=shop)
    owe(customer, "100")
    pay(customer, "100")

    archived = customer_archive(customer=customer)

    assert archived.is_archived is True
    row = fresh(customer)
    assert row.is_archived is True
    assert row.balance == D("0.00")


def test_archive_a_new_customer_and_unarchive(shop):
    customer = customer_create(shop=shop, name="Seasonal")
    customer_archive(customer=customer)
    assert fresh(customer).is_archived is True

    restored = customer_unarchive(customer=fresh(customer))

    assert restored.is_archived is False
    assert fresh(customer).is_archived is False


def test_unarchive_keeps_the_ledger_figures(shop):
    customer = CustomerFactory(shop=shop)
    owe(customer, "50")
    payment = pay(customer, "50")
    customer_archive(customer=customer)
    customer_unarchive(customer=fresh(customer))
    payment_void(shop=shop, payment=payment, reason="bounced")  # the account works again
    row = fresh(customer)
    assert (row.is_archived, row.balance) == (False, D("50.00"))
    assert ledger_drift() == []
