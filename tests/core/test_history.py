"""core.history: field-by-field changes of simple_history records, read in a constant number
of queries."""

import datetime
from decimal import Decimal

import pytest

from core.history import display_value, object_history, records_with_previous
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _save(customer, **changes):
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save()
    return customer.history.order_by("-history_id").first()


def test_records_with_previous_pairs_each_record_with_the_one_before_in_one_query(
        shop, django_assert_num_queries):
    first = CustomerFactory(shop=shop, name="A", phone="9800000001")
    second = CustomerFactory(shop=shop, name="B")
    a2 = _save(first, phone="9800000002")
    b2 = _save(second, notes="x")
    a3 = _save(first, phone="9800000003")
    added = first.history.get(history_type="+")
    # Two records of one instant: the later id comes after.
    Customer.history.filter(id=first.pk).update(history_date=added.history_date)

    with django_assert_num_queries(1):
        pairs = records_with_previous(Customer, [a3.history_id, b2.history_id, a2.history_id, added.history_id])

    assert {hid: (rec.phone, prev.phone if prev else None) for hid, (rec, prev) in pairs.items()} == {
        a3.history_id: ("9800000003", "9800000002"),
        a2.history_id: ("9800000002", "9800000001"),
        added.history_id: ("9800000001", None),
        b2.history_id: (second.phone, second.phone),
    }


def test_records_with_previous_of_nothing_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert records_with_previous(Customer, []) == {}


def test_a_change_without_an_earlier_record_says_so(shop):
    customer = CustomerFactory(shop=shop, name="A")
    customer.history.all().delete()  # as for rows that existed before their model had history
    _save(customer, name="B")

    [entry] = object_history(customer, shop=shop)

    assert (entry.action, entry.has_previous, entry.changes) == ("changed", False, [])


@pytest.mark.parametrize("field, value, shown", [
    ("credit_limit", Decimal("1500"), "₹1,500.00"),
    ("credit_limit", None, "—"),
    ("is_archived", True, "Yes"),
    ("notes", "", "—"),
    ("created_at", datetime.datetime(2026, 11, 1, 4, 30, tzinfo=datetime.UTC), "01 Nov 2026, 10:00"),
])
def test_values_are_shown_as_people_read_them(shop, field, value, shown):
    assert display_value(Customer._meta.get_field(field), value, shop=shop) == shown
