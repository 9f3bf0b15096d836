"""Ledger services (DESIGN §5): allocation, mark as paid, void, stored balances."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scope

from customers.models import Customer
from ledger.models import Allocation, Due, Payment
from ledger.selectors.drift import ledger_drift
from ledger.selectors.entries import due_outstanding
from ledger.services import LedgerError
from ledger.services.entries import due_create, due_mark_paid, due_void, payment_create, payment_void
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import DueFactory

D = Decimal
JAN1 = datetime.date(2025, 1, 1)


def day(n: int) -> datetime.date:
    """``n`` days after 1 January 2025."""
    return JAN1 + datetime.timedelta(days=n)


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop)


def new_due(shop, customer, amount, incurred=0, due_in=None, description="Groceries", **kwargs):
    """A due via the service, in ``shop``'s scope as a request of that shop: ``incurred`` and
    ``due_in`` are day offsets (``due_in`` absolute, None = no date)."""
    with scope(shop=shop):
        return due_create(shop=shop, customer=customer, amount=D(amount), description=description,
                          incurred_on=day(incurred), due_date=None if due_in is None else day(due_in), **kwargs)


def pay(shop, customer, amount, on=0, **kwargs):
    """A payment via the service, in ``shop``'s scope; ``on`` is a day offset."""
    with scope(shop=shop):
        return payment_create(shop=shop, customer=customer, amount=D(amount) if isinstance(amount, str) else amount,
                              received_on=day(on), **kwargs)


def allocations(**filters) -> dict:
    """``{(payment_pk, due_pk): amount}`` for the allocations matching ``filters``."""
    return {(a.payment_id, a.due_id): a.amount for a in Allocation.objects.filter(**filters)}


def balance(customer) -> Decimal:
    """The customer's stored balance, read in the customer's shop's scope."""
    with scope(shop=customer.shop):
        return Customer.objects.get(pk=customer.pk).balance


def stored(customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


# --- due_create -------------------------------------------------------------------


def test_due_create_sets_balance_and_oldest_open_due_date(shop, owner, customer):
    due = new_due(shop, customer, "250.50", incurred=0, due_in=10, created_by=owner.user)

    due.refresh_from_db()
    assert (due.amount, due.shop, due.customer, due.created_by) == (D("250.50"), shop, customer, owner.user)
    assert due.due_date == day(10)
    row = stored(customer)
    assert row.balance == D("250.50")
    assert row.oldest_open_due_date == day(10)
    assert row.last_activity_at is not None
    assert due_outstanding(due) == D("250.50")
    assert ledger_drift() == []


def test_due_create_quantizes_half_up(shop, customer):
    due = due_create(shop=shop, customer=customer, amount="10.005", description="x", incurred_on=JAN1)
    assert due.amount == D("10.01")
    assert balance(customer) == D("10.01")


@pytest.mark.parametrize("amount", [D("0"), D("-5"), "0.004", "abc", "", None, 12.5])
def test_due_create_refuses_bad_amount(shop, customer, amount):
    with pytest.raises(LedgerError) as exc:
        due_create(shop=shop, customer=customer, amount=amount, description="x", incurred_on=JAN1)
    assert exc.value.field == "amount"
    assert not Due.objects.exists()
    assert balance(customer) == D("0.00")


def test_due_create_refuses_amount_above_max_digits(shop, customer):
    with pytest.raises(LedgerError) as exc:
        due_create(shop=shop, customer=customer, amount=D("1000000000000"), description="x", incurred_on=JAN1)
    assert exc.value.field == "amount"
    assert not Due.objects.exists()


def test_due_create_refuses_absurdly_large_amount(shop, customer):
    with pytest.raises(LedgerError) as exc:
        due_create(shop=shop, customer=customer, amount="1e30", description="x", incurred_on=JAN1)
    assert exc.value.field == "amount"


def test_due_create_refuses_due_date_before_incurred_on(shop, customer):
    with pytest.raises(LedgerError, match="due date cannot be before") as exc:
        new_due(shop, customer, "100", incurred=5, due_in=4)
    assert exc.value.field == "due_date"
    assert not Due.objects.exists()
    assert balance(customer) == D("0.00")


def test_due_create_accepts_due_date_equal_to_incurred_on(shop, customer):
    due = new_due(shop, customer, "100", incurred=5, due_in=5)
    assert due.due_date == day(5)


def test_due_create_refuses_empty_description(shop, customer):
    with pytest.raises(LedgerError) as exc:
        new_due(shop, customer, "100", description="   ")
    assert exc.value.field == "description"
    assert balance(customer) == D("0.00")


def test_due_create_refuses_customer_of_another_shop(shop, other_owner):
    foreign = CustomerFactory(shop=other_owner.shop)
    with pytest.raises(LedgerError):
        new_due(shop, foreign, "100")
    assert not Due.objects.exists()
    assert balance(foreign) == D("0.00")


# --- payment allocation ------------------------------------------------------------


def test_partial_payment_leaves_due_partially_paid(shop, customer):
    due = new_due(shop, customer, "500.00", due_in=30)
    payment = pay(shop, customer, "120.35", on=1)

    assert allocations() == {(payment.pk, due.pk): D("120.35")}
    assert due_outstanding(due) == D("379.65")
    row = stored(customer)
    assert row.balance == D("379.65")
    assert row.oldest_open_due_date == day(30)  # still open
    assert ledger_drift() == []


def test_exact_payment_pays_the_due(shop, customer):
    due = new_due(shop, customer, "500.00", due_in=30)
    payment = pay(shop, customer, "500.00", on=1)

    assert allocations() == {(payment.pk, due.pk): D("500.00")}
    assert due_outstanding(due) == D("0.00")
    row = stored(customer)
    assert row.balance == D("0.00")
    assert row.oldest_open_due_date is None
    assert ledger_drift() == []


def test_payment_spans_dues_oldest_due_date_first(shop, customer):
    # Recorded in an order different from their due dates.
    late = new_due(shop, customer, "100", incurred=0, due_in=40, description="late")
    early = new_due(shop, customer, "100", incurred=2, due_in=10, description="early")
    # No due date: ordered by its incurred date (day 20), between the two others.
    undated = new_due(shop, customer, "100", incurred=20, due_in=None, description="undated")

    payment = pay(shop, customer, "250", on=21)

    assert allocations() == {
        (payment.pk, early.pk): D("100.00"),
        (payment.pk, undated.pk): D("100.00"),
        (payment.pk, late.pk): D("50.00"),
    }
    assert [due_outstanding(d) for d in (early, undated, late)] == [D("0.00"), D("0.00"), D("50.00")]
    row = stored(customer)
    assert row.balance == D("50.00")
    assert row.oldest_open_due_date == day(40)
    assert ledger_drift() == []


def test_undated_due_goes_after_a_due_with_earlier_due_date(shop, customer):
    undated = new_due(shop, customer, "100", incurred=5, due_in=None)
    dated = new_due(shop, customer, "100", incurred=1, due_in=6)

    payment = pay(shop, customer, "100", on=7)

    # undated counts from day 5, dated from day 6: the undated one is older.
    assert allocations() == {(payment.pk, undated.pk): D("100.00")}
    assert due_outstanding(dated) == D("100.00")
    assert stored(customer).oldest_open_due_date == day(6)


def test_overpayment_becomes_credit_and_next_due_consumes_it(shop, customer):
    first = new_due(shop, customer, "100", due_in=5)
    payment = pay(shop, customer, "150", on=1)

    assert allocations() == {(payment.pk, first.pk): D("100.00")}
    row = stored(customer)
    assert row.balance == D("-50.00")
    assert row.has_credit
    assert row.oldest_open_due_date is None
    assert ledger_drift() == []

    second = new_due(shop, customer, "80", incurred=2, due_in=12)

    assert allocations() == {(payment.pk, first.pk): D("100.00"), (payment.pk, second.pk): D("50.00")}
    assert due_outstanding(second) == D("30.00")
    row = stored(customer)
    assert row.balance == D("30.00")
    assert row.oldest_open_due_date == day(12)
    assert ledger_drift() == []


def test_credit_fully_covers_a_smaller_new_due(shop, customer):
    payment = pay(shop, customer, "200")  # nothing owed: all credit
    assert allocations() == {}
    assert balance(customer) == D("-200.00")

    due = new_due(shop, customer, "75.25", due_in=3)

    assert allocations() == {(payment.pk, due.pk): D("75.25")}
    row = stored(customer)
    assert row.balance == D("-124.75")
    assert row.oldest_open_due_date is None  # paid at once
    assert ledger_drift() == []


def test_credit_from_two_payments_is_used_oldest_payment_first(shop, customer):
    later = pay(shop, customer, "30", on=5)
    earlier = pay(shop, customer, "40", on=2)
    due = new_due(shop, customer, "50", incurred=6)

    assert allocations() == {(earlier.pk, due.pk): D("40.00"), (later.pk, due.pk): D("10.00")}
    assert balance(customer) == D("-20.00")
    assert ledger_drift() == []


def test_payment_to_chosen_due_goes_there_even_if_another_is_older(shop, customer):
    older = new_due(shop, customer, "100", incurred=0, due_in=5)
    newer = new_due(shop, customer, "100", incurred=3, due_in=20)

    payment = pay(shop, customer, "60", on=4, due=newer)

    assert payment.due == newer
    assert allocations() == {(payment.pk, newer.pk): D("60.00")}
    assert due_outstanding(older) == D("100.00")
    assert due_outstanding(newer) == D("40.00")
    row = stored(customer)
    assert row.balance == D("140.00")
    assert row.oldest_open_due_date == day(5)
    assert ledger_drift() == []


def test_payment_of_exactly_the_chosen_due_outstanding(shop, customer):
    older = new_due(shop, customer, "100", due_in=5)
    newer = new_due(shop, customer, "100", incurred=3, due_in=20)
    pay(shop, customer, "30", due=newer)

    payment = pay(shop, customer, "70", due=newer)

    assert allocations(payment=payment) == {(payment.pk, newer.pk): D("70.00")}
    assert due_outstanding(newer) == D("0.00")
    assert due_outstanding(older) == D("100.00")
    assert stored(customer).oldest_open_due_date == day(5)
    assert ledger_drift() == []


def test_cents_that_add_up_exactly_pay_the_due(shop, customer):
    """0.70 + 0.10 is 0.80 (SQLite sums decimals as floats, where it is 0.7999…)."""
    due = new_due(shop, customer, "0.80", due_in=5)
    p1 = pay(shop, customer, "0.70")
    p2 = pay(shop, customer, "0.10")

    assert allocations() == {(p1.pk, due.pk): D("0.70"), (p2.pk, due.pk): D("0.10")}
    assert due_outstanding(due) == D("0.00")
    assert str(due_outstanding(due)) == "0.00"
    row = stored(customer)
    assert row.balance == D("0.00")
    assert row.oldest_open_due_date is None
    assert ledger_drift() == []
    p3 = pay(shop, customer, "0.10")  # nothing owed: all credit, no allocation
    assert allocations(payment=p3) == {}
    assert balance(customer) == D("-0.10")


def test_outstanding_in_the_refusal_message_is_in_cents(shop, customer):
    due = new_due(shop, customer, "1.00")
    pay(shop, customer, "0.10", due=due)
    pay(shop, customer, "0.20", due=due)
    with pytest.raises(LedgerError) as exc:
        pay(shop, customer, "0.71", due=due)
    assert "the 0.70 outstanding" in str(exc.value)


def test_chosen_due_amount_above_outstanding_is_refused(shop, customer):
    new_due(shop, customer, "100", due_in=5)
    chosen = new_due(shop, customer, "100", incurred=3, due_in=20)
    pay(shop, customer, "30", due=chosen)

    with pytest.raises(LedgerError, match="70.00 outstanding") as exc:
        pay(shop, customer, "70.01", due=chosen)
    assert exc.value.field == "amount"
    assert Payment.objects.count() == 1
    assert balance(customer) == D("170.00")
    assert ledger_drift() == []


def test_chosen_due_of_another_customer_is_refused(shop, customer):
    other = CustomerFactory(shop=shop)
    new_due(shop, customer, "100")
    foreign_due = new_due(shop, other, "100")

    with pytest.raises(LedgerError) as exc:
        pay(shop, customer, "50", due=foreign_due)
    assert exc.value.field == "due"
    assert not Payment.objects.exists()
    assert (balance(customer), balance(other)) == (D("100.00"), D("100.00"))


def test_chosen_voided_due_is_refused(shop, customer):
    new_due(shop, customer, "100")
    voided = new_due(shop, customer, "40")
    due_void(shop=shop, due=voided, reason="entered twice")

    with pytest.raises(LedgerError) as exc:
        pay(shop, customer, "40", due=voided)
    assert exc.value.field == "due"
    assert not Payment.objects.exists()
    assert balance(customer) == D("100.00")


def test_chosen_paid_due_is_refused(shop, customer):
    paid = new_due(shop, customer, "100")
    new_due(shop, customer, "100", incurred=1)
    pay(shop, customer, "100", due=paid)

    with pytest.raises(LedgerError, match="already paid") as exc:
        pay(shop, customer, "10", due=paid)
    assert exc.value.field == "due"
    assert Payment.objects.count() == 1
    assert balance(customer) == D("100.00")


def test_chosen_due_of_another_shops_customer_is_refused(shop, customer, other_owner):
    other_shop = other_owner.shop
    foreign_customer = CustomerFactory(shop=other_shop)
    foreign_due = new_due(other_shop, foreign_customer, "100")
    new_due(shop, customer, "100")

    with pytest.raises(LedgerError):
        pay(shop, customer, "50", due=foreign_due)
    assert Payment.objects.count() == 0
    with scope(shop=other_shop):
        assert due_outstanding(foreign_due) == D("100.00")
    assert balance(customer) == D("100.00")


def test_payment_for_customer_of_another_shop_is_refused(shop, other_owner):
    other_shop = other_owner.shop
    foreign_customer = CustomerFactory(shop=other_shop)
    foreign_due = new_due(other_shop, foreign_customer, "100")

    with pytest.raises(LedgerError):
        pay(shop, foreign_customer, "50")
    with pytest.raises(LedgerError):
        pay(shop, foreign_customer, "50", due=foreign_due)
    assert not Payment.objects.exists()
    assert balance(foreign_customer) == D("100.00")


@pytest.mark.parametrize("amount", [D("0"), D("0.00"), D("-10"), "-0.01", "abc", "1,000", "", None, 10.0, "NaN",
                                    "Infinity"])
def test_payment_refuses_bad_amount(shop, customer, amount):
    new_due(shop, customer, "100")
    with pytest.raises(LedgerError) as exc:
        payment_create(shop=shop, customer=customer, amount=amount, received_on=JAN1)
    assert exc.value.field == "amount"
    assert not Payment.objects.exists()
    assert balance(customer) == D("100.00")


def test_payment_accepts_numeric_string_and_int(shop, customer):
    new_due(shop, customer, "100")
    payment_create(shop=shop, customer=customer, amount="12.5", received_on=JAN1)
    payment_create(shop=shop, customer=customer, amount=7, received_on=JAN1)
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [D("7.00"), D("12.50")]
    assert balance(customer) == D("80.50")


def test_payment_refuses_unknown_method(shop, customer):
    with pytest.raises(LedgerError) as exc:
        pay(shop, customer, "10", method="cheque")
    assert exc.value.field == "method"
    assert not Payment.objects.exists()


def test_payment_stores_its_details(shop, staff, customer):
    new_due(shop, customer, "100")
    payment = pay(shop, customer, "10", on=3, method=Payment.Method.UPI, reference="  UPI123 ", note=" thanks ",
                  created_by=staff.user)
    payment.refresh_from_db()
    assert (payment.method, payment.reference, payment.note) == ("upi", "UPI123", "thanks")
    assert (payment.received_on, payment.created_by, payment.due) == (day(3), staff.user, None)


# --- mark as paid -------------------------------------------------------------------


def test_mark_paid_records_payment_of_the_outstanding_to_that_due(shop, owner, customer):
    older = new_due(shop, customer, "100", due_in=5)
    due = new_due(shop, customer, "300", incurred=2, due_in=30, description="Rice")
    pay(shop, customer, "120.50", due=due)

    payment = due_mark_paid(shop=shop, due=due, received_on=day(9), method=Payment.Method.CARD,
                            created_by=owner.user)

    payment.refresh_from_db()
    assert payment.amount == D("179.50")
    assert (payment.due_id, payment.received_on, payment.method) == (due.pk, day(9), "card")
    assert payment.created_by == owner.user
    assert "Rice" in payment.note
    assert allocations(payment=payment) == {(payment.pk, due.pk): D("179.50")}
    assert due_outstanding(due) == D("0.00")
    assert due_outstanding(older) == D("100.00")
    row = stored(customer)
    assert row.balance == D("100.00")
    assert row.oldest_open_due_date == day(5)
    assert ledger_drift() == []


def test_mark_paid_defaults_received_on_to_today(shop, customer):
    from django.utils import timezone

    due = new_due(shop, customer, "100")
    payment = due_mark_paid(shop=shop, due=due)
    assert payment.received_on == timezone.localdate()
    assert payment.method == Payment.Method.CASH


def test_mark_paid_twice_is_refused(shop, customer):
    due = new_due(shop, customer, "100")
    due_mark_paid(shop=shop, due=due, received_on=day(1))

    with pytest.raises(LedgerError, match="already paid"):
        due_mark_paid(shop=shop, due=due, received_on=day(2))
    assert Payment.objects.count() == 1
    assert balance(customer) == D("0.00")


def test_mark_paid_of_a_voided_due_is_refused(shop, customer):
    due = new_due(shop, customer, "100")
    due_void(shop=shop, due=due, reason="mistake")
    with pytest.raises(LedgerError, match="voided"):
        due_mark_paid(shop=shop, due=due)
    assert not Payment.objects.exists()


def test_mark_paid_of_another_shops_due_is_refused(shop, other_owner):
    other_shop = other_owner.shop
    foreign_due = new_due(other_shop, CustomerFactory(shop=other_shop), "100")
    with pytest.raises(LedgerError):
        due_mark_paid(shop=shop, due=foreign_due)
    assert not Payment.objects.exists()
    with scope(shop=other_shop):
        assert not Payment.objects.exists()
        assert due_outstanding(foreign_due) == D("100.00")


# --- void ----------------------------------------------------------------------------


def test_void_due_keeps_the_row_and_records_who_and_why(shop, owner, customer):
    due = new_due(shop, customer, "100", due_in=5)

    voided = due_void(shop=shop, due=due, reason="  typed twice  ", voided_by=owner.user)

    row = Due.objects.get(pk=due.pk)  # never deleted
    assert row.is_voided and voided.is_voided
    assert row.voided_by == owner.user
    assert row.void_reason == "typed twice"
    assert row.amount == D("100.00")
    assert due_outstanding(row) == D("0.00")
    customer_row = stored(customer)
    assert customer_row.balance == D("0.00")
    assert customer_row.oldest_open_due_date is None
    assert ledger_drift() == []


def test_void_paid_due_frees_payment_as_credit_and_reallocates_it(shop, customer):
    other = new_due(shop, customer, "100", incurred=0, due_in=5)
    paid = new_due(shop, customer, "80", incurred=1, due_in=10)
    payment = pay(shop, customer, "80", on=2, due=paid)
    assert balance(customer) == D("100.00")

    due_void(shop=shop, due=paid, reason="wrong customer")

    assert allocations() == {(payment.pk, other.pk): D("80.00")}
    assert due_outstanding(other) == D("20.00")
    row = stored(customer)
    assert row.balance == D("20.00")
    assert row.oldest_open_due_date == day(5)
    assert ledger_drift() == []


def test_void_only_due_turns_its_payment_into_credit(shop, customer):
    due = new_due(shop, customer, "80")
    payment = pay(shop, customer, "80")

    due_void(shop=shop, due=due, reason="mistake")

    assert allocations() == {}
    assert balance(customer) == D("-80.00")
    assert ledger_drift() == []
    later = new_due(shop, customer, "50", incurred=3)
    assert allocations() == {(payment.pk, later.pk): D("50.00")}
    assert balance(customer) == D("-30.00")


def test_void_due_whose_payment_also_part_paid_another_due(shop, customer):
    """The freed credit goes to a due that the same payment already part-paid."""
    first = new_due(shop, customer, "100", incurred=0, due_in=5)
    second = new_due(shop, customer, "100", incurred=1, due_in=10)
    payment = pay(shop, customer, "150", on=2)
    assert allocations() == {(payment.pk, first.pk): D("100.00"), (payment.pk, second.pk): D("50.00")}

    due_void(shop=shop, due=first, reason="mistake")

    assert allocations() == {(payment.pk, second.pk): D("100.00")}
    assert due_outstanding(second) == D("0.00")
    row = stored(customer)
    assert row.balance == D("-50.00")
    assert row.oldest_open_due_date is None
    assert ledger_drift() == []


def test_void_payment_reopens_its_dues_and_raises_the_balance(shop, owner, customer):
    first = new_due(shop, customer, "100", due_in=5)
    second = new_due(shop, customer, "100", incurred=1, due_in=10)
    payment = pay(shop, customer, "150", on=2)
    assert stored(customer).oldest_open_due_date == day(10)

    payment_void(shop=shop, payment=payment, reason="cheque bounced", voided_by=owner.user)

    row = Payment.objects.get(pk=payment.pk)  # kept
    assert row.is_voided
    assert (row.voided_by, row.void_reason, row.amount) == (owner.user, "cheque bounced", D("150.00"))
    assert allocations() == {}
    assert (due_outstanding(first), due_outstanding(second)) == (D("100.00"), D("100.00"))
    customer_row = stored(customer)
    assert customer_row.balance == D("200.00")
    assert customer_row.oldest_open_due_date == day(5)
    assert ledger_drift() == []


def test_void_payment_lets_other_credit_fill_the_reopened_due(shop, customer):
    due = new_due(shop, customer, "100")
    p1 = pay(shop, customer, "60", on=1)
    p2 = pay(shop, customer, "100", on=2)  # 40 to the due, 60 credit
    assert allocations() == {(p1.pk, due.pk): D("60.00"), (p2.pk, due.pk): D("40.00")}
    assert balance(customer) == D("-60.00")

    payment_void(shop=shop, payment=p1, reason="counterfeit note")

    assert allocations() == {(p2.pk, due.pk): D("100.00")}
    assert due_outstanding(due) == D("0.00")
    assert balance(customer) == D("0.00")
    assert ledger_drift() == []


def test_void_payment_with_unapplied_credit(shop, customer):
    due = new_due(shop, customer, "100")
    payment = pay(shop, customer, "130")
    assert balance(customer) == D("-30.00")

    payment_void(shop=shop, payment=payment, reason="refunded")

    assert allocations() == {}
    assert due_outstanding(due) == D("100.00")
    assert balance(customer) == D("100.00")
    assert ledger_drift() == []


def test_void_twice_is_refused(shop, customer):
    due = new_due(shop, customer, "100")
    payment = pay(shop, customer, "10")
    due_void(shop=shop, due=due, reason="first")
    payment_void(shop=shop, payment=payment, reason="first")

    with pytest.raises(LedgerError, match="already void"):
        due_void(shop=shop, due=due, reason="again")
    with pytest.raises(LedgerError, match="already void"):
        payment_void(shop=shop, payment=payment, reason="again")
    assert Due.objects.get(pk=due.pk).void_reason == "first"
    assert Payment.objects.get(pk=payment.pk).void_reason == "first"
    assert balance(customer) == D("0.00")
    assert ledger_drift() == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_void_needs_a_reason(shop, customer, reason):
    due = new_due(shop, customer, "100")
    payment = pay(shop, customer, "10")

    with pytest.raises(LedgerError) as exc:
        due_void(shop=shop, due=due, reason=reason)
    assert exc.value.field == "reason"
    with pytest.raises(LedgerError) as exc:
        payment_void(shop=shop, payment=payment, reason=reason)
    assert exc.value.field == "reason"

    assert not Due.objects.get(pk=due.pk).is_voided
    assert not Payment.objects.get(pk=payment.pk).is_voided
    assert allocations() == {(payment.pk, due.pk): D("10.00")}
    assert balance(customer) == D("90.00")


def test_void_reason_is_cut_to_200_characters(shop, customer):
    due = new_due(shop, customer, "100")
    due_void(shop=shop, due=due, reason="x" * 250)
    assert Due.objects.get(pk=due.pk).void_reason == "x" * 200


def test_void_of_another_shops_entries_is_refused(shop, other_owner):
    other_shop = other_owner.shop
    foreign_customer = CustomerFactory(shop=other_shop)
    due = new_due(other_shop, foreign_customer, "100")
    payment = pay(other_shop, foreign_customer, "40")

    with pytest.raises(LedgerError):
        due_void(shop=shop, due=due, reason="x")
    with pytest.raises(LedgerError):
        payment_void(shop=shop, payment=payment, reason="x")
    with scope(shop=other_shop):
        assert not Due.objects.get(pk=due.pk).is_voided
        assert not Payment.objects.get(pk=payment.pk).is_voided
    assert balance(foreign_customer) == D("60.00")


# --- stored figures vs. ledger_drift ------------------------------------------------------


def test_drift_is_empty_after_a_sequence_and_reports_a_corrupted_balance(shop, customer, other_owner, cross_shop):
    """``ledger_drift`` is the cross-shop check of ``check_ledger``: it runs with scopes off."""
    other_shop = other_owner.shop
    other_customer = CustomerFactory(shop=other_shop)
    d1 = new_due(shop, customer, "100", due_in=5)
    new_due(shop, customer, "250.75", incurred=1, due_in=3)
    p1 = pay(shop, customer, "300", on=2)
    due_void(shop=shop, due=d1, reason="mistake")
    new_due(shop, customer, "20", incurred=4)
    payment_void(shop=shop, payment=p1, reason="bounced")
    new_due(other_shop, other_customer, "10")
    assert ledger_drift() == []
    assert stored(customer).balance == D("270.75")

    Customer.objects.filter(pk=customer.pk).update(balance=D("270.70"))
    drift = ledger_drift()
    assert len(drift) == 1
    assert (drift[0].shop_id, drift[0].customer_id) == (shop.pk, customer.pk)
    assert "270.70" in drift[0].problem and "270.75" in drift[0].problem
    assert ledger_drift(shops=[other_shop]) == []


def test_drift_reports_a_wrong_oldest_open_due_date(shop, customer):
    new_due(shop, customer, "100", due_in=5)
    Customer.objects.filter(pk=customer.pk).update(oldest_open_due_date=day(6))
    drift = ledger_drift()
    assert [(d.customer_id, "oldest open due date" in d.problem) for d in drift] == [(customer.pk, True)]


def test_drift_reports_over_allocation_and_allocation_to_void_due(shop, customer):
    due = new_due(shop, customer, "100")
    payment = pay(shop, customer, "100")
    Allocation.objects.filter(payment=payment).update(amount=D("120.00"))
    problems = [d.problem for d in ledger_drift()]
    assert any(f"due {due.pk} has 120.00 allocated of 100.00" in p for p in problems)
    assert any(f"payment {payment.pk} has 120.00 allocated of 100.00" in p for p in problems)

    raw = DueFactory(customer=customer, amount=D("5.00"))  # a raw row the balance never saw
    assert any(d.customer_id == customer.pk and "balance" in d.problem for d in ledger_drift())
    assert raw.pk


def test_balance_is_refreshed_from_the_locked_row_not_the_stale_instance(shop, customer):
    new_due(shop, customer, "100")
    # ``customer`` still says 0.00 in memory; the services must not trust it.
    assert customer.balance == D("0")
    new_due(shop, customer, "50", incurred=1)
    pay(shop, customer, "30")
    assert balance(customer) == D("120.00")
    assert ledger_drift() == []


# --- randomized invariants -------------------------------------------------------------------


def _assert_never_over_allocated(shop):
    for due in Due.objects.filter(shop=shop).annotate(allocated=Sum("allocations__amount")):
        allocated = due.allocated or D("0")
        assert allocated <= due.amount, due
        if due.is_voided:
            assert allocated == 0, due
    for payment in Payment.objects.filter(shop=shop).annotate(allocated=Sum("allocations__amount")):
        allocated = payment.allocated or D("0")
        assert allocated <= payment.amount, payment
        if payment.is_voided:
            assert allocated == 0, payment


def _assert_credit_is_applied(customer):
    """Unapplied credit and open dues never coexist: credit goes to the next due at once."""
    open_dues = [d for d in Due.objects.filter(customer=customer, voided_at__isnull=True) if due_outstanding(d) > 0]
    if not open_dues:
        return
    for payment in Payment.objects.filter(customer=customer, voided_at__isnull=True).annotate(
            allocated=Sum("allocations__amount")):
        assert (payment.allocated or 0) == payment.amount, payment


def test_randomized_operations_keep_every_invariant(shop, other_owner, cross_shop):
    """Random steps, each in its shop's scope; the checks read both shops (cross-shop)."""
    rng = random.Random(20250101)
    other_shop = other_owner.shop
    customers = [CustomerFactory(shop=shop) for _ in range(3)] + [CustomerFactory(shop=other_shop)]
    done = {"due": 0, "payment": 0, "chosen": 0, "mark_paid": 0, "void_due": 0, "void_payment": 0}

    def money():
        return D(rng.randint(1, 40000)) / 100

    for step in range(60):
        customer = rng.choice(customers)
        shop_ = customer.shop
        with scope(shop=shop_):  # each step as a request of its shop
            active_dues = list(Due.objects.filter(customer=customer, voided_at__isnull=True))
            open_dues = [d for d in active_dues if due_outstanding(d) > 0]
            active_payments = list(Payment.objects.filter(customer=customer, voided_at__isnull=True))
            op = rng.choices(["due", "payment", "chosen", "mark_paid", "void_due", "void_payment"],
                             weights=[5, 4, 2, 1, 1, 1])[0]
            incurred = rng.randint(0, 60)
            if op == "due" or (op in ("chosen", "mark_paid") and not open_dues):
                due_date = None if rng.random() < 0.3 else day(incurred + rng.randint(0, 30))
                due_create(shop=shop_, customer=customer, amount=money(), description=f"step {step}",
                           incurred_on=day(incurred), due_date=due_date)
                op = "due"
            elif op == "payment":
                payment_create(shop=shop_, customer=customer, amount=money(), received_on=day(incurred))
            elif op == "chosen":
                chosen = rng.choice(open_dues)
                outstanding = due_outstanding(chosen)
                amount = outstanding if rng.random() < 0.3 else max(D("0.01"), (outstanding * D(rng.random())).quantize(
                    D("0.01")))
                payment_create(shop=shop_, customer=customer, amount=amount, received_on=day(incurred), due=chosen)
            elif op == "mark_paid":
                due_mark_paid(shop=shop_, due=rng.choice(open_dues), received_on=day(incurred))
            elif op == "void_due" and active_dues:
                due_void(shop=shop_, due=rng.choice(active_dues), reason=f"step {step}")
            elif op == "void_payment" and active_payments:
                payment_void(shop=shop_, payment=rng.choice(active_payments), reason=f"step {step}")
            else:
                continue
            done[op] += 1
            _assert_credit_is_applied(customer)

    assert all(done.values()), done  # every kind of operation ran at least once
    for s in (shop, other_shop):
        _assert_never_over_allocated(s)
    for customer in customers:
        _assert_credit_is_applied(customer)
        dues = Due.objects.filter(customer=customer, voided_at__isnull=True).aggregate(t=Sum("amount"))["t"] or 0
        paid = Payment.objects.filter(customer=customer, voided_at__isnull=True).aggregate(t=Sum("amount"))["t"] or 0
        assert balance(customer) == dues - paid
    assert ledger_drift() == []
