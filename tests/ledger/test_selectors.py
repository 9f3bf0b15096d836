"""Ledger reads (DESIGN §5): open dues, statement, dashboard figures, top debtors, recent entries.

Every test also puts data in a second shop, which must never be counted.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from customers.models import Customer
from customers.services import customer_archive
from ledger.models import Allocation, Due, Payment
from ledger.selectors.dashboard import dashboard_summary, recent_entries, top_debtors
from ledger.selectors.drift import ledger_drift
from ledger.selectors.entries import customer_open_dues, customer_statement, statement_open_dues
from ledger.services.entries import due_create, due_mark_paid, due_void, payment_create, payment_void
from tests.customers.factories import CustomerFactory

D = Decimal


def date(month: int, day: int, year: int = 2025) -> datetime.date:
    return datetime.date(year, month, day)


def new_due(customer, amount, incurred, due_date=None, description="Groceries"):
    """A due via the service, in the customer's shop's scope (as a request of that shop)."""
    with scope(shop=customer.shop):
        return due_create(shop=customer.shop, customer=customer, amount=D(amount), description=description,
                          incurred_on=incurred, due_date=due_date)


def pay(customer, amount, received_on, **kwargs):
    """A payment via the service, in the customer's shop's scope."""
    with scope(shop=customer.shop):
        return payment_create(shop=customer.shop, customer=customer, amount=D(amount), received_on=received_on,
                              **kwargs)


@pytest.fixture
def other_shop(other_owner):
    return other_owner.shop


@pytest.fixture
def foreign(other_shop):
    """A customer of the second shop who owes a lot, overdue, with a payment this month."""
    customer = CustomerFactory(shop=other_shop)
    new_due(customer, "1000", date(1, 1), date(1, 2))
    pay(customer, "100", date(3, 5))
    return customer


# --- customer_open_dues ------------------------------------------------------------------


def test_customer_open_dues_order_statuses_and_overdue(shop, foreign):
    customer = CustomerFactory(shop=shop)
    partial = new_due(customer, "100", date(1, 1), date(1, 20), "partial")
    undated = new_due(customer, "60", date(1, 2), None, "undated")
    oldest = new_due(customer, "30", date(1, 3), date(1, 10), "oldest")
    paid = new_due(customer, "10", date(1, 4), date(1, 5), "paid")
    voided = new_due(customer, "20", date(1, 1), date(1, 1), "voided")
    pay(customer, "40", date(1, 6), due=partial)
    due_mark_paid(shop=shop, due=paid, received_on=date(1, 6))
    due_void(shop=shop, due=voided, reason="mistake")
    CustomerFactory(shop=shop)  # a customer without dues does not matter
    new_due(CustomerFactory(shop=shop), "999", date(1, 1), date(1, 1))  # another customer's due

    dues = customer_open_dues(customer=customer, today=date(1, 15))

    # Oldest due date first; the undated due counts from the day it was given (2 Jan).
    assert [d.pk for d in dues] == [undated.pk, oldest.pk, partial.pk]
    assert [(d.status, d.outstanding, d.is_overdue) for d in dues] == [
        (Due.Status.OPEN, D("60.00"), False),  # no due date: never overdue
        (Due.Status.OPEN, D("30.00"), True),  # 10 Jan < 15 Jan
        (Due.Status.PARTIAL, D("60.00"), False),  # 20 Jan not reached
    ]
    later = customer_open_dues(customer=customer, today=date(1, 21))
    assert [d.is_overdue for d in later] == [False, True, True]
    on_the_day = customer_open_dues(customer=customer, today=date(1, 20))
    assert [d.is_overdue for d in on_the_day] == [False, True, False]  # due today is not overdue yet
    assert customer_open_dues(customer=foreign, today=date(1, 15)) == []  # not in this shop's scope
    with scope(shop=foreign.shop):
        assert customer_open_dues(customer=foreign, today=date(1, 15))[0].outstanding == D("900.00")
    # The customer page takes the same list from the statement it reads anyway.
    from_statement = statement_open_dues(customer_statement(customer=customer))
    assert [(d.pk, d.status, d.outstanding) for d in from_statement] == [
        (d.pk, d.status, d.outstanding) for d in customer_open_dues(customer=customer)]


def test_customer_open_dues_empty_when_all_paid_or_credit(shop, foreign):
    customer = CustomerFactory(shop=shop)
    new_due(customer, "50", date(1, 1), date(1, 2))
    pay(customer, "70", date(1, 3))
    assert customer_open_dues(customer=customer, today=date(2, 1)) == []


# --- customer_statement -----------------------------------------------------------------------


def test_customer_statement_running_balance_in_date_order(shop, owner, foreign):
    customer = CustomerFactory(shop=shop)
    d1 = new_due(customer, "100", date(1, 10), description="Rice")
    p1 = pay(customer, "40", date(1, 12), method=Payment.Method.UPI, reference="UPI-9", note="first")
    d2 = new_due(customer, "50", date(1, 5), description="Oil")  # recorded later, dated earlier
    p2 = pay(customer, "25", date(1, 12))
    d3 = new_due(customer, "30", date(1, 12), description="Sugar")
    due_void(shop=shop, due=d2, reason="wrong customer", voided_by=owner.user)
    payment_void(shop=shop, payment=p2, reason="bounced", voided_by=owner.user)
    new_due(CustomerFactory(shop=shop), "77", date(1, 1))  # same shop, other customer

    statement = customer_statement(customer=customer)

    rows = [(line.date, line.kind, line.entry.pk, line.debit, line.credit, line.balance, line.voided)
            for line in statement.lines]
    assert rows == [
        (date(1, 5), "due", d2.pk, D("50.00"), None, D("0.00"), True),  # void: balance does not move
        (date(1, 10), "due", d1.pk, D("100.00"), None, D("100.00"), False),
        (date(1, 12), "payment", p1.pk, None, D("40.00"), D("60.00"), False),
        (date(1, 12), "payment", p2.pk, None, D("25.00"), D("60.00"), True),
        (date(1, 12), "due", d3.pk, D("30.00"), None, D("90.00"), False),
    ]
    assert statement.total_dues == D("130.00")
    assert statement.total_payments == D("40.00")
    assert statement.balance == D("90.00")
    assert statement.balance == Customer.objects.get(pk=customer.pk).balance
    descriptions = [line.description for line in statement.lines]
    assert descriptions[0] == "Oil"
    assert descriptions[2] == "Payment (UPI) ref UPI-9 · first"
    assert descriptions[3] == "Payment (Cash)"
    # Dues carry their derived status; the one allocation of p1 went to Rice (oldest open).
    assert [line.entry.status for line in statement.lines if line.kind == "due"] == [
        Due.Status.VOID, Due.Status.PARTIAL, Due.Status.OPEN]
    assert statement.lines[1].entry.outstanding == D("60.00")


def test_customer_statement_with_credit_goes_negative(shop, foreign):
    customer = CustomerFactory(shop=shop)
    pay(customer, "80", date(2, 1))
    new_due(customer, "30", date(2, 2))
    statement = customer_statement(customer=customer)
    assert [line.balance for line in statement.lines] == [D("-80.00"), D("-50.00")]
    assert statement.lines[1].entry.status == Due.Status.PAID
    assert (statement.total_dues, statement.total_payments, statement.balance) == (
        D("30.00"), D("80.00"), D("-50.00"))


def test_customer_statement_of_a_customer_without_entries(shop, foreign):
    statement = customer_statement(customer=CustomerFactory(shop=shop))
    assert statement.lines == []
    assert statement.balance == D("0")


# --- dashboard_summary -----------------------------------------------------------------------------


@pytest.fixture
def dashboard_shop(shop, foreign):
    """Shop data for 15 March 2025; see the comments for each customer's figures."""
    # c1 owes 270: 100 due 1 Mar (30 paid in Feb → 70 overdue) and 200 due 1 Apr.
    c1 = CustomerFactory(shop=shop, name="C1")
    new_due(c1, "100", date(2, 1), date(3, 1))
    pay(c1, "30", date(2, 10))
    new_due(c1, "200", date(3, 5), date(4, 1))
    bounced = pay(c1, "500", date(3, 3))
    payment_void(shop=shop, payment=bounced, reason="bounced")
    # c2 owes nothing: 20 paid a year ago (credit), a 50 due from Jan, 30 paid this month.
    c2 = CustomerFactory(shop=shop, name="C2")
    pay(c2, "20", date(3, 10, year=2024))
    new_due(c2, "50", date(1, 1), date(2, 1))
    pay(c2, "30", date(3, 2))
    # c3 has 80 credit, paid this month.
    c3 = CustomerFactory(shop=shop, name="C3")
    pay(c3, "80", date(3, 10))
    # c4 is archived with a zero balance.
    c4 = CustomerFactory(shop=shop, name="C4")
    customer_archive(customer=c4)
    # c5 owes 85: a voided overdue due, one due today (not overdue), one without due date.
    c5 = CustomerFactory(shop=shop, name="C5")
    voided = new_due(c5, "40", date(3, 1), date(3, 14))
    due_void(shop=shop, due=voided, reason="mistake")
    new_due(c5, "60", date(3, 1), date(3, 15))
    new_due(c5, "25", date(1, 1))
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def test_dashboard_setup_is_consistent(dashboard_shop):
    balances = {name: Customer.objects.get(pk=c.pk).balance for name, c in dashboard_shop.items()}
    assert balances == {"c1": D("270.00"), "c2": D("0.00"), "c3": D("-80.00"), "c4": D("0.00"), "c5": D("85.00")}
    assert ledger_drift() == []


def test_dashboard_summary_figures(shop, dashboard_shop):
    summary = dashboard_summary(shop=shop, today=date(3, 15))

    assert summary.customers_count == 4  # C4 is archived
    assert summary.total_outstanding == D("355.00")  # 270 + 85; C3's credit is not netted
    assert summary.total_credit == D("80.00")
    assert summary.overdue_amount == D("70.00")  # only the unpaid part of C1's due of 1 Mar
    assert summary.overdue_dues == 1
    assert summary.overdue_customers == 1
    assert summary.collected_this_month == D("110.00")  # 30 + 80; not the void 500, Feb, or 2024


def test_dashboard_summary_moves_with_today(shop, dashboard_shop):
    summary = dashboard_summary(shop=shop, today=date(3, 16))
    # C5's due of 15 Mar is overdue now.
    assert (summary.overdue_amount, summary.overdue_dues, summary.overdue_customers) == (D("130.00"), 2, 2)

    april = dashboard_summary(shop=shop, today=date(4, 2))
    assert (april.overdue_amount, april.overdue_dues, april.overdue_customers) == (D("330.00"), 3, 2)
    assert april.collected_this_month == D("0.00")

    february = dashboard_summary(shop=shop, today=date(2, 28))
    # C2's 50 due 1 Feb was still unpaid by 28 Feb in the real world, but is paid now:
    # the figures are for the ledger as it stands, dated by ``today``.
    assert (february.overdue_amount, february.overdue_dues) == (D("0.00"), 0)
    assert february.collected_this_month == D("30.00")  # C1's payment of 10 Feb


def test_dashboard_summary_of_an_empty_shop(shop, foreign):
    summary = dashboard_summary(shop=shop, today=date(3, 15))
    assert summary.customers_count == 0
    assert summary.total_outstanding == summary.total_credit == summary.overdue_amount == D("0")
    assert summary.overdue_dues == summary.overdue_customers == 0
    assert summary.collected_this_month == D("0")


def test_dashboard_summary_counts_the_other_shop_on_its_own(other_shop, dashboard_shop, foreign):
    with scope(shop=other_shop):
        summary = dashboard_summary(shop=other_shop, today=date(3, 15))
    assert summary.customers_count == 1
    assert summary.total_outstanding == D("900.00")
    assert (summary.overdue_amount, summary.overdue_dues, summary.overdue_customers) == (D("900.00"), 1, 1)
    assert summary.collected_this_month == D("100.00")


# --- top_debtors ----------------------------------------------------------------------------


def test_top_debtors_order_and_limit(shop, foreign):
    amounts = ["10", "500", "75.50", "300", "75.50", "1", "250"]
    customers = []
    for amount in amounts:
        customer = CustomerFactory(shop=shop)
        new_due(customer, amount, date(1, 1))
        customers.append(customer)
    settled = CustomerFactory(shop=shop)
    new_due(settled, "900", date(1, 1))
    pay(settled, "900", date(1, 2))
    in_credit = CustomerFactory(shop=shop)
    pay(in_credit, "5", date(1, 2))

    top = top_debtors(shop=shop)

    # Largest first; a tie keeps the order the customers were added in.
    assert [c.pk for c in top] == [customers[i].pk for i in (1, 3, 6, 2, 4)]
    assert [c.balance for c in top] == [D("500.00"), D("300.00"), D("250.00"), D("75.50"), D("75.50")]
    assert [c.pk for c in top_debtors(shop=shop, limit=2)] == [customers[1].pk, customers[3].pk]
    assert len(top_debtors(shop=shop, limit=20)) == 7  # no settled, credit or foreign customers
    assert foreign.pk not in {c.pk for c in top_debtors(shop=shop, limit=20)}


# --- recent_entries ---------------------------------------------------------------------------


def test_recent_entries_newest_first_across_dues_and_payments(shop, other_shop):
    customer = CustomerFactory(shop=shop)
    base = timezone.now() - datetime.timedelta(days=1)
    expected = []
    for i in range(12):
        if i % 3 == 2:
            entry = pay(customer, f"{i}.25", date(1, 1 + i))
            kind = "payment"
        else:
            entry = new_due(customer, f"{100 + i}", date(1, 1 + i))
            kind = "due"
        # Pin the recording time; the dates given to the entries do not decide the order.
        type(entry).objects.filter(pk=entry.pk).update(created_at=base + datetime.timedelta(minutes=i))
        expected.append((kind, entry.pk, entry.amount))
    foreign_customer = CustomerFactory(shop=other_shop)
    new_due(foreign_customer, "5", date(1, 1))  # newer than all, but another shop's
    pay(foreign_customer, "5", date(1, 1))

    entries = recent_entries(shop=shop)

    assert len(entries) == 10
    assert [(e.kind, e.entry.pk, e.amount) for e in entries] == expected[::-1][:10]
    assert all(e.customer == customer for e in entries)
    assert [e.date for e in entries[:2]] == [date(1, 12), date(1, 11)]
    assert [e.created_at for e in entries] == sorted((e.created_at for e in entries), reverse=True)
    assert [(e.kind, e.entry.pk) for e in recent_entries(shop=shop, limit=3)] == [
        (k, pk) for k, pk, _ in expected[::-1][:3]]


def test_recent_entries_include_voided_entries(shop, other_shop):
    customer = CustomerFactory(shop=shop)
    due = new_due(customer, "10", date(1, 1))
    due_void(shop=shop, due=due, reason="mistake")
    assert [(e.kind, e.entry.pk, e.entry.is_voided) for e in recent_entries(shop=shop)] == [("due", due.pk, True)]
    assert recent_entries(shop=other_shop) == []


def test_drift_reports_credit_left_unapplied_while_dues_are_open(shop):
    customer = CustomerFactory(shop=shop)
    due_create(shop=shop, customer=customer, amount=D("100"), description="x", incurred_on=datetime.date(2026, 1, 1))
    payment_create(shop=shop, customer=customer, amount=D("60"), received_on=datetime.date(2026, 1, 2))
    assert ledger_drift(shops=[shop]) == []

    # As if the payment had never been allocated.
    Allocation.objects.filter(shop=shop).delete()
    Due.objects.filter(shop=shop).update(outstanding=D("100"))

    problems = [d.problem for d in ledger_drift(shops=[shop])]
    assert problems == ["has unapplied payment credit while dues are open"]


@pytest.mark.parametrize("void", [False, True])
def test_drift_reports_a_due_whose_stored_outstanding_disagrees_with_its_allocations(shop, void):
    customer = CustomerFactory(shop=shop)
    due = due_create(shop=shop, customer=customer, amount=D("100"), description="x",
                     incurred_on=datetime.date(2026, 1, 1))
    payment_create(shop=shop, customer=customer, amount=D("60.25"), received_on=datetime.date(2026, 1, 2))
    if void:
        due_void(shop=shop, due=due, reason="mistake")
    assert Due.objects.get(pk=due.pk).outstanding == (D("0.00") if void else D("39.75"))
    assert ledger_drift(shops=[shop]) == []

    Due.objects.filter(pk=due.pk).update(outstanding=D("39.74"))

    expected = "0.00" if void else "39.75"
    assert [d.problem for d in ledger_drift(shops=[shop])] == [
        f"due {due.pk} stores 39.74 outstanding, entries say {expected}"]
