"""The restricted services check the acting role themselves (issue #13): a membership (or
a user whose membership) may not do the action gets ``PermissionError`` and nothing is
written, whoever calls the service; commands and tasks (no user) are not checked."""

from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from accounts.permissions import PermissionError, check_actor
from accounts.services import shop_update
from billing.models import CashClose, CashMovement, Category, Denomination, Invoice, Product, StockMovement
from billing.services import cash as cash_services
from billing.services import drawer as drawer_services
from billing.services.catalogue import (
    category_delete,
    category_save,
    product_create,
    product_update,
    stock_adjust,
    stock_receive,
)
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers import services as customer_services
from customers.models import Customer
from ledger.models import Allocation, Due, Payment, PaymentClaim, Refund, StatementLink
from ledger.services import entries as ledger
from ledger.services import statements
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def book(shop):
    today = timezone.localdate()
    asha = CustomerFactory(shop=shop, name="Asha")
    due = ledger.due_create(shop=shop, customer=asha, amount=D("500"), description="Rice", incurred_on=today)
    payment = ledger.payment_create(shop=shop, customer=asha, amount=D("200"), received_on=today)
    saver = CustomerFactory(shop=shop, name="Saver")
    ledger.payment_create(shop=shop, customer=saver, amount=D("300"), received_on=today)
    refund = ledger.refund_create(shop=shop, customer=saver, amount=D("100"), refunded_on=today, method="cash",
                                  reason="Paid twice")
    product = product_create(shop=shop, sku="RICE", name="Rice", unit="kg", sale_price=D("50"), tax_rate=D("0"),
                             opening_stock=D("10"))
    invoice = invoice_issue(shop=shop, customer=asha, issued_on=today, amount_paid=D("0"), lines=[
        LineInput(quantity=D("1"), unit_price=D("50"), tax_rate=D("0"), description="Rice", product=product)])
    drawer_services.drawer_setup(shop=shop)
    link, _created = statements.statement_link_get_or_create(shop=shop, customer=asha)
    claim = statements.claim_create(link=link, amount=D("50"), reference="UTR1")
    category = category_save(shop=shop, name="Grains")
    return {"shop": shop, "asha": asha, "due": due, "payment": payment, "saver": saver, "refund": refund,
            "category": category, "product": product, "invoice": invoice, "today": today, "claim": claim,
            "settled": CustomerFactory(shop=shop, name="Settled"),
            "archived": CustomerFactory(shop=shop, name="Gone", is_archived=True)}


def state(shop):
    models = (Customer, Due, Payment, Allocation, Refund, StatementLink, PaymentClaim, Product, StockMovement, Invoice,
              Denomination, CashMovement, CashClose, Category)
    rows = {m.__name__: list(m.objects.filter(shop=shop).order_by("pk").values()) for m in models}
    rows["shop"] = model_to_dict(type(shop).objects.get(pk=shop.pk))
    return rows


# service name -> call(book, **acting) where acting is membership=… or the user keyword the service takes
CALLS = {
    "due_void": lambda b, **a: ledger.due_void(shop=b["shop"], due=b["due"], reason="x", **a),
    "payment_void": lambda b, **a: ledger.payment_void(shop=b["shop"], payment=b["payment"], reason="x", **a),
    "refund_void": lambda b, **a: ledger.refund_void(shop=b["shop"], refund=b["refund"], reason="x", **a),
    "refund_create": lambda b, **a: ledger.refund_create(shop=b["shop"], customer=b["saver"], amount=D("10"),
                                                         refunded_on=b["today"], method="cash", reason="x", **a),
    "invoice_void": lambda b, **a: invoice_void(shop=b["shop"], invoice=b["invoice"], reason="x", **a),
    "stock_adjust": lambda b, **a: stock_adjust(shop=b["shop"], product=b["product"], quantity=D("-1"),
                                                reason="Damaged", **a),
    "product_update": lambda b, **a: product_update(shop=b["shop"], product=b["product"], name="Rice 2", **a),
    "drawer_set_counts": lambda b, **a: drawer_services.drawer_set_counts(
        shop=b["shop"], counts={D("10"): 3}, **a),
    "drawer_add_denomination": lambda b, **a: drawer_services.drawer_add_denomination(
        shop=b["shop"], value=D("7"), count=1, **a),
    "drawer_remove_denomination": lambda b, **a: drawer_services.drawer_remove_denomination(
        shop=b["shop"], value=D("2000"), **a),
    "drawer_close": lambda b, **a: drawer_services.drawer_close(shop=b["shop"], counts={}, note="x", **a),
    "cash_movement_create (pay-out)": lambda b, **a: cash_services.cash_movement_create(
        shop=b["shop"], kind="float", amount=D("100"), note="x", **a),
    "shop_update": lambda b, **a: shop_update(shop=b["shop"], name="Renamed", **a),
    "statement_link_regenerate": lambda b, **a: statements.statement_link_regenerate(
        shop=b["shop"], customer=b["asha"], **a),
    "statement_link_revoke": lambda b, **a: statements.statement_link_revoke(shop=b["shop"], customer=b["asha"], **a),
    "stock_receive": lambda b, **a: stock_receive(shop=b["shop"], product=b["product"], quantity=D("5"), **a),
    "product_create": lambda b, **a: product_create(shop=b["shop"], sku="DAL", name="Dal", unit="kg",
                                                    sale_price=D("90"), tax_rate=D("0"), opening_stock=D("4"), **a),
    "category_save (add)": lambda b, **a: category_save(shop=b["shop"], name="Pulses", **a),
    "category_save (rename)": lambda b, **a: category_save(shop=b["shop"], name="Cereals", category=b["category"],
                                                           **a),
    "category_delete": lambda b, **a: category_delete(shop=b["shop"], category=b["category"], **a),
}
# The keyword naming the acting user, for services that take one (the others take a membership only).
USER_KEYWORD = {"due_void": "voided_by", "payment_void": "voided_by", "refund_void": "voided_by",
                "refund_create": "created_by", "invoice_void": "voided_by", "stock_adjust": "created_by",
                "drawer_set_counts": "created_by", "drawer_add_denomination": "created_by",
                "drawer_close": "created_by", "cash_movement_create (pay-out)": "created_by",
                "statement_link_regenerate": "created_by"}
MANAGER_ONLY = set(CALLS) - {"shop_update"}

# Writes a cashier may do as well; a viewer writes nothing (service name -> call(book, **acting)).
WRITER_CALLS = {
    "customer_create": lambda b, **a: customer_services.customer_create(shop=b["shop"], name="Ravi",
                                                                        phone="9123456780", **a),
    "customer_update": lambda b, **a: customer_services.customer_update(customer=b["asha"], name="Asha Rao", **a),
    "customer_archive": lambda b, **a: customer_services.customer_archive(customer=b["settled"], **a),
    "customer_unarchive": lambda b, **a: customer_services.customer_unarchive(customer=b["archived"], **a),
    "statement_link_get_or_create": lambda b, **a: statements.statement_link_get_or_create(
        shop=b["shop"], customer=b["settled"], **a),
    "claim_confirm": lambda b, **a: statements.claim_confirm(shop=b["shop"], claim=b["claim"], **a),
    "claim_reject": lambda b, **a: statements.claim_reject(shop=b["shop"], claim=b["claim"], **a),
    "due_create": lambda b, **a: ledger.due_create(shop=b["shop"], customer=b["asha"], amount=D("40"),
                                                   description="Sugar", incurred_on=b["today"], **a),
    "payment_create": lambda b, **a: ledger.payment_create(shop=b["shop"], customer=b["asha"], amount=D("40"),
                                                           received_on=b["today"], **a),
    "due_mark_paid": lambda b, **a: ledger.due_mark_paid(shop=b["shop"], due=b["due"], received_on=b["today"], **a),
    "invoice_issue": lambda b, **a: invoice_issue(shop=b["shop"], customer=b["asha"], issued_on=b["today"],
                                                  amount_paid=D("20"), lines=[
        LineInput(quantity=D("1"), unit_price=D("50"), tax_rate=D("0"), description="Rice", product=b["product"])],
                                                  **a),
}
WRITER_USER_KEYWORD = {"statement_link_get_or_create": "created_by", "claim_confirm": "decided_by",
                       "claim_reject": "decided_by"}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("role", [Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_a_refused_role_gets_permission_error_and_nothing_changes(book, name, role):
    member = MembershipFactory(shop=book["shop"], role=role)
    before = state(book["shop"])
    with pytest.raises(PermissionError) as refused:
        CALLS[name](book, membership=member)
    assert "Allowed: Owner, Manager." in str(refused.value) or "Only the shop owner" in str(refused.value)
    assert state(book["shop"]) == before


@pytest.mark.parametrize("name", sorted(USER_KEYWORD))
def test_the_acting_users_role_is_read_when_no_membership_is_given(book, name):
    """A caller that passes only the user (``created_by``/``voided_by``) is checked too."""
    cashier = MembershipFactory(shop=book["shop"], role=Membership.Role.CASHIER)
    before = state(book["shop"])
    with pytest.raises(PermissionError):
        CALLS[name](book, **{USER_KEYWORD[name]: cashier.user})
    assert state(book["shop"]) == before


@pytest.mark.parametrize("name", sorted(MANAGER_ONLY))
def test_a_manager_may(book, name):
    manager = MembershipFactory(shop=book["shop"], role=Membership.Role.MANAGER)
    before = state(book["shop"])
    CALLS[name](book, membership=manager)
    assert state(book["shop"]) != before


def test_a_manager_may_not_change_the_shops_settings(book):
    manager = MembershipFactory(shop=book["shop"], role=Membership.Role.MANAGER)
    with pytest.raises(PermissionError, match="Only the shop owner can change the shop's settings."):
        shop_update(shop=book["shop"], name="Renamed", membership=manager)
    book["shop"].refresh_from_db()
    assert book["shop"].name != "Renamed"


def test_a_cashier_voiding_a_payment_leaves_the_balance_as_it_was(book):
    cashier = MembershipFactory(shop=book["shop"], role=Membership.Role.CASHIER)
    with pytest.raises(PermissionError, match="Your role cannot do this. Allowed: Owner, Manager."):
        ledger.payment_void(shop=book["shop"], payment=book["payment"], reason="x", membership=cashier)
    book["asha"].refresh_from_db()
    book["payment"].refresh_from_db()
    assert book["asha"].balance == D("350.00")  # 500 + 50 invoiced − 200 paid
    assert book["payment"].voided_at is None


def test_a_deactivated_owner_is_refused(book):
    gone = MembershipFactory(shop=book["shop"], role=Membership.Role.OWNER, is_active=False)
    with pytest.raises(PermissionError):
        ledger.due_void(shop=book["shop"], due=book["due"], reason="x", voided_by=gone.user)
    book["due"].refresh_from_db()
    assert book["due"].voided_at is None


def test_a_membership_of_another_shop_is_refused(book, other_owner):
    with pytest.raises(PermissionError, match="another shop"):
        ledger.due_void(shop=book["shop"], due=book["due"], reason="x", membership=other_owner)
    book["due"].refresh_from_db()
    assert book["due"].voided_at is None


def test_commands_and_tasks_with_no_user_are_not_checked(book):
    due = ledger.due_void(shop=book["shop"], due=book["due"], reason="Cleanup")
    assert due.voided_at is not None


def test_check_actor_returns_the_membership_it_checked(owner, shop):
    assert check_actor(shop=shop, action="entry.void", user=owner.user) == owner
    assert check_actor(shop=shop, action="entry.void", membership=owner) is owner
    assert check_actor(shop=shop, action="entry.void") is None


def test_an_invoice_void_by_a_manager_reads_the_role_once(book):
    """invoice_void passes the membership it checked on to the ledger's voids (no second
    lookup of the user's role)."""
    manager = MembershipFactory(shop=book["shop"], role=Membership.Role.MANAGER)
    with CaptureQueriesContext(connection) as queries:
        invoice = invoice_void(shop=book["shop"], invoice=book["invoice"], reason="Wrong", voided_by=manager.user)
    assert invoice.voided_at is not None
    assert Due.objects.get(pk=invoice.due_id).voided_at is not None
    role_reads = [q["sql"] for q in queries.captured_queries if "accounts_membership" in q["sql"]]
    assert len(role_reads) == 1


@pytest.mark.parametrize("name", sorted(WRITER_CALLS))
def test_a_viewer_writes_nothing_even_through_the_service(book, name):
    viewer = MembershipFactory(shop=book["shop"], role=Membership.Role.VIEWER)
    before = state(book["shop"])
    with pytest.raises(PermissionError, match="Allowed: Owner, Manager, Cashier."):
        WRITER_CALLS[name](book, membership=viewer)
    assert state(book["shop"]) == before


@pytest.mark.parametrize("name", sorted(WRITER_USER_KEYWORD))
def test_a_viewer_named_as_the_user_is_refused_too(book, name):
    viewer = MembershipFactory(shop=book["shop"], role=Membership.Role.VIEWER)
    before = state(book["shop"])
    with pytest.raises(PermissionError):
        WRITER_CALLS[name](book, **{WRITER_USER_KEYWORD[name]: viewer.user})
    assert state(book["shop"]) == before


@pytest.mark.parametrize("name", sorted(WRITER_CALLS))
def test_a_cashier_may_do_the_counters_writes(book, name):
    cashier = MembershipFactory(shop=book["shop"], role=Membership.Role.CASHIER)
    before = state(book["shop"])
    WRITER_CALLS[name](book, membership=cashier)
    assert state(book["shop"]) != before


def test_a_membership_of_another_shop_cannot_edit_a_customer(book, other_owner):
    with pytest.raises(PermissionError, match="another shop"):
        customer_services.customer_update(customer=book["asha"], name="Hijacked", membership=other_owner)
    book["asha"].refresh_from_db()
    assert book["asha"].name == "Asha"


def test_internal_callers_without_a_membership_are_not_checked(book):
    """Commands, imports, the demo data and the invoice posting its own due and payment
    pass no membership: nothing is checked (the fixture above wrote through them too)."""
    payment = ledger.due_mark_paid(shop=book["shop"], due=book["due"], received_on=book["today"])
    movement = stock_receive(shop=book["shop"], product=book["product"], quantity=D("2"))
    assert payment.amount == D("300.00")
    assert movement.quantity == D("2")


def test_an_invoice_passes_its_checked_membership_to_the_ledger(book):
    """invoice_issue checks ``sale.create`` once; the due and payment it posts are checked
    against the same membership object (no read of the role at all)."""
    cashier = MembershipFactory(shop=book["shop"], role=Membership.Role.CASHIER)
    with CaptureQueriesContext(connection) as queries:
        invoice = WRITER_CALLS["invoice_issue"](book, membership=cashier)
    assert invoice.due_id is not None and invoice.payment_id is not None
    assert not [q["sql"] for q in queries.captured_queries if "accounts_membership" in q["sql"]]


def test_a_claim_confirm_reads_the_deciders_role_once(book):
    """claim_confirm passes the membership it checked on to payment_create."""
    cashier = MembershipFactory(shop=book["shop"], role=Membership.Role.CASHIER)
    with CaptureQueriesContext(connection) as queries:
        claim = statements.claim_confirm(shop=book["shop"], claim=book["claim"], decided_by=cashier.user)
    assert claim.payment_id is not None
    role_reads = [q["sql"] for q in queries.captured_queries if "accounts_membership" in q["sql"]]
    assert len(role_reads) == 1


def test_a_membership_of_another_shop_cannot_record_a_due(book, other_owner):
    before = state(book["shop"])
    with pytest.raises(PermissionError, match="another shop"):
        WRITER_CALLS["due_create"](book, membership=other_owner)
    assert state(book["shop"]) == before
