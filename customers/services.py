"""Writes of the customers app. Ledger figures are not touched here."""

from django.db import transaction

from accounts.models import Shop
from customers.models import Customer

EDITABLE_FIELDS = ("name", "phone", "email", "address", "notes", "credit_limit")


class CustomerError(Exception):
    """A customer change that the business rules refuse; the message is for the user."""


@transaction.atomic
def customer_create(*, shop: Shop, name: str, phone: str = "", email: str = "", address: str = "",
                    notes: str = "", credit_limit=None) -> Customer:
    """Add a customer to ``shop`` with a zero balance."""
    customer = Customer(shop=shop, name=name, phone=phone, email=email, address=address,
                        notes=notes, credit_limit=credit_limit)
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    """Change a customer's contact fields (see ``EDITABLE_FIELDS``)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save(update_fields=[*fields, "updated_at"])
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer) -> Customer:
    """Hide a customer from the list. Raises ``CustomerError`` unless the balance is zero.

    The row is locked so a payment or due posted at the same time cannot slip in
    between the check and the update.
    """
    locked = Customer.objects.select_for_update().get(shop_id=customer.shop_id, pk=customer.pk)
    if locked.balance != 0:
        raise CustomerError("Only a customer with a zero balance can be archived. Settle the account first.")
    locked.is_archived = True
    locked.save(update_fields=["is_archived", "updated_at"])
    return locked


@transaction.atomic
def customer_unarchive(*, customer: Customer) -> Customer:
    """Show an archived customer in the list again."""
    customer.is_archived = False
    customer.save(update_fields=["is_archived", "updated_at"])
    return customer
