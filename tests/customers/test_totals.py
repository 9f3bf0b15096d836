"""The shop's customer totals (``customers.totals``, issue 17): every service that changes a
customer's balance or active state keeps the row equal to a fresh recomputation from the
customers table, the dashboard reads its figures from it, another shop's row never moves,
a missing row is built once, and ``check_ledger`` reports a row that drifted."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.backup import shop_archive_restore, shop_archive_write
from billing.models import CreditNote, InvoiceLine
from billing.services.catalogue import product_create
from billing.services.credit_notes import credit_note_create
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers import totals as totals_module
from customers.models import Customer, CustomerTotals
from customers.services import customer_archive, customer_create, customer_unarchive
from customers.totals import shop_totals, totals_apply, totals_rebuild, totals_recompute
from ledger.imports import customer_rows_check, customers_import
from ledger.models import Due
from ledger.selectors.dashboard import dashboard_summary
from ledger.selectors.drift import ledger_drift
from ledger.services import entries as ledger
from ledger.services.opening import OpeningBalance, opening_balances_post
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def today():
    return timezone.localdate()


def ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def stored(shop) -> dict:
    """The shop's stored totals row as a dict (``None`` when it has none)."""
    with scope(shop=shop):
        return CustomerTotals.objects.filter(shop=shop).values("active_customers", "outstanding", "credit").first()


def assert_exact(shop, *, active=None, outstanding=None, credit=None):
    """The stored row equals a fresh recomputation, the dashboard shows it, and the ledger
    check finds nothing; optionally the figures themselves."""
    with scope(shop=shop):
        fresh = totals_recompute(shop_id=shop.pk)
        summary = dashboard_summary(shop=shop)
    assert stored(shop) == fresh
    assert (summary.customers_count, summary.total_outstanding, summary.total_credit) == (
        fresh["active_customers"], fresh["outstanding"], fresh["credit"])
    for name, value in (("active_customers", active), ("outstanding", outstanding), ("credit", credit)):
        if value is not None:
            assert fresh[name] == value, name
    with scopes_disabled():
        assert ledger_drift(shops=[shop]) == []


# --- The customers services ------------------------------------------------------------------------


def test_create_archive_unarchive_move_the_count_once(shop):
    asha = customer_create(shop=shop, name="Asha")
    customer_create(shop=shop, name="Bala")
    assert_exact(shop, active=2, outstanding=D("0"), credit=D("0"))

    customer_archive(customer=asha)
    assert_exact(shop, active=1)
    customer_archive(customer=asha)  # archived already: no second change
    assert_exact(shop, active=1)

    customer_unarchive(customer=asha)
    assert_exact(shop, active=2)
    customer_unarchive(customer=asha)  # active already
    assert_exact(shop, active=2)


def test_a_customer_who_owes_cannot_be_archived_and_the_count_stays(shop):
    asha = customer_create(shop=shop, name="Asha")
    ledger.due_create(shop=shop, customer=asha, amount=D("10"), description="Tea", incurred_on=today())
    with pytest.raises(Exception, match="zero balance"):
        customer_archive(customer=asha)
    assert_exact(shop, active=1, outstanding=D("10"))


def test_the_factory_keeps_the_totals(shop):
    CustomerFactory(shop=shop)
    CustomerFactory(shop=shop, is_archived=True)
    assert_exact(shop, active=1)


# --- The ledger services -----------------------------------------------------------------------------


def test_dues_payments_voids_and_refunds(shop):
    asha = customer_create(shop=shop, name="Asha")
    bala = customer_create(shop=shop, name="Bala")

    rice = ledger.due_create(shop=shop, customer=asha, amount=D("500"), description="Rice", incurred_on=ago(30),
                             due_date=ago(10))
    assert_exact(shop, outstanding=D("500"), credit=D("0"))
    part = ledger.payment_create(shop=shop, customer=asha, amount=D("120.50"), received_on=ago(5))
    assert_exact(shop, outstanding=D("379.50"))
    over = ledger.payment_create(shop=shop, customer=asha, amount=D("400"), received_on=ago(4))
    assert_exact(shop, outstanding=D("0"), credit=D("20.50"))  # over-payment: credit

    ledger.due_create(shop=shop, customer=bala, amount=D("80"), description="Oil", incurred_on=ago(3))
    assert_exact(shop, outstanding=D("80"), credit=D("20.50"))

    refund = ledger.refund_create(shop=shop, customer=asha, amount=D("20.50"), refunded_on=ago(1), method="cash",
                                  reason="Overpaid")
    assert_exact(shop, outstanding=D("80"), credit=D("0"))
    ledger.refund_void(shop=shop, refund=refund, reason="Not paid out")
    assert_exact(shop, outstanding=D("80"), credit=D("20.50"))

    ledger.payment_void(shop=shop, payment=over, reason="Bounced")  # credit gone, the due open again
    assert_exact(shop, outstanding=D("459.50"), credit=D("0"))
    ledger.payment_void(shop=shop, payment=part, reason="Bounced")
    assert_exact(shop, outstanding=D("580"))
    ledger.due_void(shop=shop, due=rice, reason="Mistake")
    assert_exact(shop, outstanding=D("80"), credit=D("0"))

    ledger.due_mark_paid(shop=shop, due=Due.objects.get(customer=bala))
    assert_exact(shop, active=2, outstanding=D("0"), credit=D("0"))


def test_a_due_taking_credit_moves_both_figures(shop):
    asha = customer_create(shop=shop, name="Asha")
    ledger.payment_create(shop=shop, customer=asha, amount=D("100"), received_on=ago(2))
    assert_exact(shop, outstanding=D("0"), credit=D("100"))
    ledger.due_create(shop=shop, customer=asha, amount=D("150"), description="Rice", incurred_on=ago(1))
    assert_exact(shop, outstanding=D("50"), credit=D("0"))


def test_an_invoice_on_credit_with_part_payment_its_void_and_a_credit_note(shop):
    asha = customer_create(shop=shop, name="Asha")
    rice = product_create(shop=shop, sku="RICE", name="Rice", sale_price=D("100"), tax_rate=D("0"),
                          opening_stock=D("20"))

    def sell(quantity, paid):
        return invoice_issue(shop=shop, customer=asha, issued_on=today(), amount_paid=D(paid), payment_method="upi",
                             lines=[LineInput(quantity=D(quantity), unit_price=rice.sale_price,
                                              tax_rate=rice.tax_rate, description="Rice", product=rice)])

    first = sell("3", "120")
    assert_exact(shop, outstanding=D("180"), credit=D("0"))
    second = sell("2", "0")
    assert_exact(shop, outstanding=D("380"))
    invoice_void(shop=shop, invoice=second, reason="Wrong customer")
    assert_exact(shop, outstanding=D("180"))

    # Two of the three returned: 180 owed is settled, 20 becomes credit on the account.
    line = InvoiceLine.objects.get(invoice=first)
    credit_note_create(shop=shop, invoice=first, quantities={line.pk: D("2")}, reason="Spoilt",
                       refund_method=CreditNote.RefundMethod.CREDIT)
    assert_exact(shop, outstanding=D("0"), credit=D("20"))


def test_opening_balances_and_a_customer_import(shop, owner):
    held = customer_create(shop=shop, name="Holds credit")
    ledger.payment_create(shop=shop, customer=held, amount=D("30"), received_on=ago(9))
    owes = customer_create(shop=shop, name="Owes")
    opening_balances_post(shop=shop, created_by=owner.user, rows=[
        OpeningBalance(customer_id=owes.pk, amount=D("250"), incurred_on=ago(40)),
        OpeningBalance(customer_id=owes.pk, amount=D("50.25"), incurred_on=ago(20)),
        OpeningBalance(customer_id=held.pk, amount=D("10"), incurred_on=ago(8)),  # through due_create
    ])
    assert_exact(shop, active=2, outstanding=D("300.25"), credit=D("20"))

    result = customer_rows_check(shop=shop, rows=[
        {"name": "Imported One", "phone": "9812345601", "opening_balance": "100", "as_of": "", "_row": 2},
        {"name": "Imported Two", "phone": "9812345602", "opening_balance": "", "as_of": "", "_row": 3},
        {"name": "Imported Three", "phone": "9812345603", "opening_balance": "99.99", "as_of": "", "_row": 4},
    ])
    assert not result.errors
    customers_import(shop=shop, rows=result.good, created_by=owner.user)
    assert_exact(shop, active=5, outstanding=D("500.24"), credit=D("20"))


def test_a_customer_import_into_a_shop_without_a_row_counts_each_customer_once(shop, owner):
    result = customer_rows_check(shop=shop, rows=[
        {"name": "One", "phone": "9812345611", "opening_balance": "100", "as_of": "", "_row": 2},
        {"name": "Two", "phone": "9812345612", "opening_balance": "", "as_of": "", "_row": 3},
    ])
    assert stored(shop) is None
    customers_import(shop=shop, rows=result.good, created_by=owner.user)
    assert_exact(shop, active=2, outstanding=D("100"))


def test_a_restored_shop_gets_its_totals_rebuilt(shop):
    asha = customer_create(shop=shop, name="Asha")
    bala = customer_create(shop=shop, name="Bala")
    gone = customer_create(shop=shop, name="Gone")
    customer_archive(customer=gone)
    ledger.due_create(shop=shop, customer=asha, amount=D("700"), description="Rice", incurred_on=ago(3))
    ledger.payment_create(shop=shop, customer=bala, amount=D("45"), received_on=ago(2))
    handle = io.BytesIO()
    with scopes_disabled():
        shop_archive_write(shop=shop, handle=handle, include_password_hashes=False)
    handle.seek(0)

    copy = shop_archive_restore(handle=handle, as_new_shop="Copy").shop

    assert stored(copy) == stored(shop) == {"active_customers": 2, "outstanding": D("700"), "credit": D("45")}
    assert_exact(copy)


# --- Tenancy, the missing row, the rebuild -----------------------------------------------------------------


def test_another_shops_writes_never_move_this_shops_row(shop, other_owner):
    asha = customer_create(shop=shop, name="Asha")
    ledger.due_create(shop=shop, customer=asha, amount=D("90"), description="Tea", incurred_on=today())
    before = stored(shop)
    other = other_owner.shop
    with scope(shop=other):
        stranger = customer_create(shop=other, name="Stranger")
        ledger.due_create(shop=other, customer=stranger, amount=D("1000"), description="Rice", incurred_on=today())
        ledger.payment_create(shop=other, customer=stranger, amount=D("1500"), received_on=today())
        customer_create(shop=other, name="Second")
    assert stored(shop) == before
    assert stored(other) == {"active_customers": 2, "outstanding": D("0"), "credit": D("500")}
    assert_exact(other)
    assert_exact(shop)


def test_a_write_in_another_shops_scope_still_keeps_the_right_row(shop, other_owner):
    """The totals run in their own shop's scope, whatever scope is active."""
    CustomerFactory(shop=shop)
    customer_create(shop=other_owner.shop, name="Made from the wrong scope")
    assert stored(other_owner.shop)["active_customers"] == 1
    assert_exact(shop, active=1)


def test_a_missing_row_is_built_once_with_the_change_in_it(shop):
    asha = CustomerFactory(shop=shop)
    ledger.due_create(shop=shop, customer=asha, amount=D("300"), description="Rice", incurred_on=today())
    CustomerTotals.objects.filter(shop=shop).delete()

    ledger.payment_create(shop=shop, customer=asha, amount=D("100"), received_on=today())

    assert_exact(shop, active=1, outstanding=D("200"))


def test_shop_totals_builds_a_missing_row_and_the_dashboard_reads_it(shop):
    CustomerFactory(shop=shop, balance=D("0"))
    Customer.objects.filter(shop=shop).update(balance=D("12.30"))  # written outside the services
    CustomerTotals.objects.filter(shop=shop).delete()

    row = shop_totals(shop=shop)
    assert (row.active_customers, row.outstanding, row.credit) == (1, D("12.30"), D("0"))
    assert stored(shop) == {"active_customers": 1, "outstanding": D("12.30"), "credit": D("0")}

    CustomerTotals.objects.filter(shop=shop).delete()
    summary = dashboard_summary(shop=shop)  # a shop without a row: built on the first read
    assert (summary.customers_count, summary.total_outstanding) == (1, D("12.30"))
    assert stored(shop) is not None


def test_the_dashboard_of_a_shop_without_customers(shop):
    summary = dashboard_summary(shop=shop)
    assert (summary.customers_count, summary.total_outstanding, summary.total_credit) == (0, D("0"), D("0"))
    assert stored(shop) == {"active_customers": 0, "outstanding": D("0"), "credit": D("0")}


def test_a_row_created_meanwhile_by_another_transaction_gets_the_change_added(shop, monkeypatch):
    """``totals_apply`` finds no row, twice (before and after the shop's lock), and another
    transaction creates one before its insert (a writer that did not take the shop's lock):
    the insert fails in its savepoint and the change is added to that row."""
    asha = CustomerFactory(shop=shop)
    Customer.objects.filter(pk=asha.pk).update(balance=D("40"))
    CustomerTotals.objects.filter(shop=shop).update(active_customers=1, outstanding=D("0"), credit=D("0"))
    real, misses = totals_module._add, []

    def not_there_yet(shop_id, changes):
        if len(misses) < 2:
            misses.append(changes)
            return 0
        return real(shop_id, changes)

    monkeypatch.setattr(totals_module, "_add", not_there_yet)
    totals_apply(shop_id=shop.pk, balance_changes=[(D("0"), D("40"))])
    assert len(misses) == 2
    assert stored(shop) == {"active_customers": 1, "outstanding": D("40"), "credit": D("0")}


def test_rebuild_repairs_a_row_and_deltas_need_no_query_when_zero(shop, django_assert_num_queries):
    CustomerFactory(shop=shop, balance=D("-15"))
    CustomerTotals.objects.filter(shop=shop).update(outstanding=D("999"), active_customers=7)
    row = totals_rebuild(shop=shop)
    assert (row.active_customers, row.outstanding, row.credit) == (1, D("0"), D("15"))
    assert stored(shop) == {"active_customers": 1, "outstanding": D("0"), "credit": D("15")}
    with django_assert_num_queries(0):
        totals_apply(shop_id=shop.pk, balance_changes=[(D("5"), D("5"))])
    with django_assert_num_queries(1):
        totals_apply(shop_id=shop.pk, customers=1, balance_changes=[(D("-15"), D("-10")), (D("0"), D("4"))])
    assert stored(shop) == {"active_customers": 2, "outstanding": D("4"), "credit": D("10")}


# --- check_ledger ------------------------------------------------------------------------------------------


def test_check_ledger_passes_an_exact_row_and_reports_a_tampered_one(shop):
    asha = customer_create(shop=shop, name="Asha")
    ledger.due_create(shop=shop, customer=asha, amount=D("250"), description="Rice", incurred_on=today())
    out = io.StringIO()
    call_command("check_ledger", "--shop", str(shop.pk), stdout=out)
    assert "Ledger OK" in out.getvalue()

    CustomerTotals.objects.filter(shop=shop).update(outstanding=D("240"), active_customers=3)
    out = io.StringIO()
    with pytest.raises(CommandError, match=re.escape("2 problem(s)")):
        call_command("check_ledger", "--shop", str(shop.pk), stdout=out)
    printed = out.getvalue()
    assert "no single customer: customer totals: outstanding is 240.00, entries say 250.00" in printed
    assert "customer totals: active customers is 3, customers say 1" in printed


def test_a_wrong_balance_on_one_customer_is_one_problem_not_two(shop):
    """The totals are checked against what the entries say, so a customer row changed by
    hand is reported once, on that customer."""
    asha = customer_create(shop=shop, name="Asha")
    ledger.due_create(shop=shop, customer=asha, amount=D("250"), description="Rice", incurred_on=today())
    Customer.objects.filter(pk=asha.pk).update(balance=D("251"))
    with scopes_disabled():
        problems = ledger_drift(shops=[shop])
    assert [(p.customer_id, "balance is 251.00" in p.problem) for p in problems] == [(asha.pk, True)]


# --- The dashboard's overdue queries read index ranges ---------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_the_dashboard_reads_its_row_and_index_ranges_never_every_customer(shop):
    """``EXPLAIN QUERY PLAN`` of each query the dashboard's figures run: the totals row by its
    primary key, the overdue customers and the overdue dues as index ranges; no table is
    scanned whole."""
    for n in range(3):
        customer = CustomerFactory(shop=shop)
        ledger.due_create(shop=shop, customer=customer, amount=D("10"), description="Tea", incurred_on=ago(20),
                          due_date=ago(5 - n))
    with CaptureQueriesContext(connection) as captured:
        dashboard_summary(shop=shop)
    assert len(captured) == 3
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append("\n".join(row[-1] for row in cursor.fetchall()))
    totals, dues, payments = plans
    # The row by its primary key (a unique index: the key is a bigint), the overdue customers
    # in the same query as a scalar subquery over the index range.
    assert re.search(r"SEARCH customers_customertotals USING (INDEX \S+|INTEGER PRIMARY KEY) \(shop_id=\?\)",
                     totals), totals
    assert "USING COVERING INDEX customer_shop_oldest_due (shop_id=? AND oldest_open_due_date<?)" in totals, totals
    assert re.search(r"SEARCH ledger_due USING COVERING INDEX due_shop_open\w* \(shop_id=\? AND outstanding>\?\)",
                     dues), dues
    for plan in plans:
        assert "SCAN" not in plan, plan


# --- Concurrency (MariaDB row locks) ----------------------------------------------------------------------


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_for_different_customers_of_one_shop_keep_the_row_exact(enter_scope):
    first = CustomerFactory()
    shop = enter_scope(first.shop)
    customers = [first] + [CustomerFactory(shop=shop) for _ in range(3)]
    for customer in customers:
        ledger.due_create(shop=shop, customer=customer, amount=D("100"), description="Rice", incurred_on=today())

    calls = []
    for customer in customers:
        calls.append(lambda c=customer: ledger.payment_create(shop=shop, customer=c, amount=D("130"),
                                                              received_on=today()))
        calls.append(lambda c=customer: ledger.due_create(shop=shop, customer=c, amount=D("10"),
                                                          description="Tea", incurred_on=today()))
    calls.append(lambda: customer_create(shop=shop, name="New one"))
    results = run_together(*calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert_exact(shop, active=5, outstanding=D("0"), credit=D("80"))


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_the_first_customers_of_a_new_shop_created_together_are_each_counted(enter_scope):
    shop = enter_scope(CustomerFactory().shop)
    CustomerTotals.objects.filter(shop=shop).delete()
    results = run_together(*[lambda n=n: customer_create(shop=shop, name=f"Together {n}") for n in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results  # creators queue on the shop's row
    assert_exact(shop, active=5)
