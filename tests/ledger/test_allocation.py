"""The allocation rule as a pure function (ledger.services.allocation): open dues and an
amount in, allocations out. The services and the load-data generator both use it."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.services.allocation import allocate, allocation_key

D = Decimal


def test_oldest_first_each_due_gets_at_most_its_outstanding_and_the_rest_is_credit():
    dues = [("rice", D("100.00")), ("oil", D("250.00")), ("milk", D("40.00"))]
    assert allocate(D("300.00"), dues) == [("rice", D("100.00")), ("oil", D("200.00"))]
    assert allocate(D("500.00"), dues) == [("rice", D("100.00")), ("oil", D("250.00")), ("milk", D("40.00"))]
    assert allocate(D("60.00"), dues) == [("rice", D("60.00"))]


def test_the_due_the_user_picked_is_paid_first_then_the_others_in_order():
    dues = [("rice", D("100.00")), ("oil", D("250.00")), ("milk", D("40.00"))]
    assert allocate(D("300.00"), dues, first="oil") == [("oil", D("250.00")), ("rice", D("50.00"))]
    assert allocate(D("100.00"), dues, first="milk") == [("milk", D("40.00")), ("rice", D("60.00"))]


def test_paid_dues_and_nothing_to_give_allocate_nothing():
    assert allocate(D("50.00"), [("paid", D("0.00")), ("open", D("20.00"))]) == [("open", D("20.00"))]
    assert allocate(D("0.00"), [("open", D("20.00"))]) == []
    assert allocate(D("10.00"), []) == []


def test_any_number_type_works_the_generator_counts_in_paise():
    assert allocate(30_000, [(0, 10_000), (1, 25_000)]) == [(0, 10_000), (1, 20_000)]


def test_allocation_order_is_due_date_else_the_date_given_then_that_date_then_id():
    day = datetime.date(2026, 11, 1)
    dues = [
        {"pk": 1, "due_date": day + datetime.timedelta(days=30), "incurred_on": day},
        {"pk": 2, "due_date": None, "incurred_on": day + datetime.timedelta(days=5)},
        {"pk": 3, "due_date": day + datetime.timedelta(days=5), "incurred_on": day + datetime.timedelta(days=1)},
        {"pk": 4, "due_date": day + datetime.timedelta(days=5), "incurred_on": day},
    ]
    ordered = sorted(dues, key=lambda due: allocation_key(**due))
    assert [due["pk"] for due in ordered] == [4, 3, 2, 1]


amounts = st.integers(min_value=0, max_value=10**8)


@given(amount=amounts, outstanding=st.lists(amounts, max_size=12), pick=st.integers(min_value=0, max_value=11))
def test_never_over_allocates_a_due_or_the_payment(amount, outstanding, pick):
    dues = list(enumerate(outstanding))
    first = pick if pick < len(dues) else None
    allocations = allocate(amount, dues, first=first)
    given_out = sum(share for _, share in allocations)
    assert given_out <= amount
    assert all(0 < share <= outstanding[due] for due, share in allocations)
    assert len({due for due, _ in allocations}) == len(allocations)
    if given_out < amount:  # credit is left only when every open due is paid in full
        assert given_out == sum(outstanding)
    if first is not None and outstanding[first] > 0 and amount > 0:
        assert allocations[0][0] == first
