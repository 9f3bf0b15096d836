"""The Activity page (issue #13): who did what and when, filtered, paginated at a constant
number of queries, for owners and managers only, never another shop's."""

import datetime
from decimal import Decimal

import pytest
from axes.models import AccessLog
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Membership
from billing.models import Invoice
from billing.services.catalogue import product_create, product_update
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Due, Payment
from ledger.services.entries import (
    due_create,
    due_void,
    payment_create,
    payment_void,
    refund_create,
    refund_void,
)
from reports.selectors.activity import PAGE_SIZE, ActivityFilter, activity_page
from tests.factories import CategoryFactory, CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db

URL = reverse("reports:activity")
def today():
    """The real local date, read when called: a run that crosses midnight keeps its tests right."""
    return timezone.localdate()


@pytest.fixture
def manager(shop):
    return MembershipFactory(shop=shop, role=Membership.Role.MANAGER, user__username="mina")


@pytest.fixture
def cashier(shop):
    return MembershipFactory(shop=shop, role=Membership.Role.CASHIER, user__username="kiran")


def rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context["page"].rows


def only(found, event):
    matching = [row for row in found if row["event"] == event]
    assert len(matching) == 1, [row["event"] for row in found]
    return matching[0]


def as_user(obj, user):
    """Make ``obj``'s next save record ``user`` in its history, as a request would."""
    obj._history_user = user
    return obj


def login_row(username, *, ip="10.0.0.7", when=None):
    log = AccessLog.objects.create(username=username, ip_address=ip, user_agent="Firefox", http_accept="*/*",
                                   path_info="/accounts/login/")
    if when is not None:
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
    return log


# --- Each kind of activity ---------------------------------------------------------------


def test_customer_edit_shows_each_field_before_and_after_with_who_did_it(owner_client, owner, shop):
    customer = CustomerFactory(shop=shop, name="Asha", phone="9800000001")
    response = owner_client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": "Asha Devi", "phone": "9700000002", "email": "", "address": "", "notes": "", "credit_limit": ""})
    assert response.status_code == 302

    row = only(rows(owner_client), "customer_changed")

    assert row["user"] == owner.user.username  # set by simple_history's middleware from the request
    assert row["kind"] == "customers" and row["action"] == "Customer edited"
    assert row["label"] == "Asha Devi"
    assert row["url"] == reverse("ledger:customer_account", args=[customer.pk])
    assert [str(change) for change in row["changes"]] == ["Name: Asha → Asha Devi", "Phone: 9800000001 → 9700000002"]
    assert row["summary"] == "Name: Asha → Asha Devi; Phone: 9800000001 → 9700000002"


def test_the_page_shows_the_change_before_and_after(owner_client, owner, shop):
    customer = CustomerFactory(shop=shop, name="Asha", phone="9800000001")
    owner_client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": "Asha", "phone": "9700000002", "email": "", "address": "", "notes": "", "credit_limit": ""})

    html = owner_client.get(URL).content.decode()

    assert "Customer edited" in html
    assert 'Phone:</span> <span class="text-body-secondary">9800000001</span> → 9700000002' in html


def test_a_voided_payment_shows_who_voided_it_and_the_reason(owner_client, owner, manager, shop):
    customer = CustomerFactory(shop=shop, name="Bala")
    payment = payment_create(shop=shop, customer=customer, amount=Decimal("250"), received_on=today(), method="upi",
                             created_by=owner.user)
    payment_void(shop=shop, payment=payment, reason="Recorded for the wrong customer", voided_by=manager.user)

    found = rows(owner_client)

    created, voided = only(found, "payment_created"), only(found, "payment_voided")
    assert (created["user"], created["summary"]) == (owner.user.username, "₹250.00 by UPI")
    assert voided["user"] == "mina"
    assert voided["action"] == "Payment voided"
    assert voided["summary"] == "₹250.00 by UPI · reason: Recorded for the wrong customer"
    assert voided["label"] == "Bala"
    assert voided["url"] == reverse("ledger:customer_account", args=[customer.pk])
    assert found.index(voided) < found.index(created)  # newest first


def test_dues_and_refunds_created_and_voided(owner_client, owner, manager, shop):
    customer = CustomerFactory(shop=shop, name="Chitra")
    due = due_create(shop=shop, customer=customer, amount=Decimal("500"), description="Rice 10 kg",
                     incurred_on=today(), created_by=owner.user)
    due_void(shop=shop, due=due, reason="Entered twice", voided_by=manager.user)
    payment_create(shop=shop, customer=customer, amount=Decimal("300"), received_on=today(), created_by=owner.user)
    refund = refund_create(shop=shop, customer=customer, amount=Decimal("100"), refunded_on=today(), method="cash",
                           reason="Overpaid", created_by=manager.user)
    refund_void(shop=shop, refund=refund, reason="Not paid out", voided_by=owner.user)

    found = rows(owner_client)

    assert only(found, "due_created")["summary"] == "₹500.00 · Rice 10 kg"
    assert only(found, "due_created")["user"] == owner.user.username
    assert (only(found, "due_voided")["user"], only(found, "due_voided")["summary"]) == (
        "mina", "₹500.00 · Rice 10 kg · reason: Entered twice")
    assert (only(found, "refund_created")["user"], only(found, "refund_created")["summary"]) == (
        "mina", "₹100.00 · Overpaid")
    assert only(found, "refund_voided")["summary"] == "₹100.00 · Overpaid · reason: Not paid out"
    assert {row["kind"] for row in found} >= {"dues", "payments", "refunds"}


def test_invoices_issued_and_voided(owner_client, owner, manager, shop):
    customer = CustomerFactory(shop=shop, name="Devi")
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=today(), created_by=owner.user,
                            amount_paid=Decimal("30"), lines=[
        LineInput(quantity=Decimal("2"), unit_price=Decimal("40"), tax_rate=Decimal("0"), description="Soap")])
    invoice_void(shop=shop, invoice=invoice, reason="Customer returned it", voided_by=manager.user)

    found = rows(owner_client)

    issued, voided = only(found, "invoice_created"), only(found, "invoice_voided")
    assert (issued["user"], issued["label"], issued["summary"]) == (owner.user.username, invoice.number,
                                                                    "₹80.00 · Devi")
    assert issued["url"] == reverse("billing:invoice_detail", args=[invoice.pk])
    assert (voided["user"], voided["summary"]) == ("mina", "₹80.00 · Devi · reason: Customer returned it")
    # The due it posted is there too, named after the invoice (its source, not repeated).
    assert only(found, "due_created")["summary"] == f"₹80.00 · Invoice {invoice.number}"
    assert only(found, "payment_created")["summary"] == f"₹30.00 by Cash · via Invoice {invoice.number}"


def test_product_added_and_edited_with_money_in_the_shops_currency(owner_client, owner, shop):
    staples, spices = CategoryFactory(shop=shop, name="Staples"), CategoryFactory(shop=shop, name="Spices")
    product = as_user(product_create(shop=shop, sku="RICE", name="Rice", unit="kg", sale_price=Decimal("50"),
                                     category=staples), owner.user)
    product_update(shop=shop, product=product, sale_price=Decimal("55.50"), category=spices)

    found = rows(owner_client)

    edited = only(found, "product_changed")
    assert edited["user"] == owner.user.username
    assert [str(c) for c in edited["changes"]] == ["Category: Staples → Spices", "Sale price: ₹50.00 → ₹55.50"]
    assert edited["url"] == reverse("billing:product_detail", args=[product.pk])
    assert only(found, "product_added")["summary"] == "SKU RICE"


def test_settings_and_staff_changes(owner_client, owner, cashier, shop):
    as_user(shop, owner.user)
    shop.upi_id = "shop@okaxis"
    shop.remind_days_before = 5
    shop.save()
    as_user(cashier, owner.user)
    cashier.role = Membership.Role.MANAGER
    cashier.save()
    cashier.is_active = False
    cashier.save()

    found = rows(owner_client)

    settings = only(found, "settings_changed")
    assert settings["user"] == owner.user.username
    assert [str(c) for c in settings["changes"]] == ["UPI ID: — → shop@okaxis",
                                                     "Remind days before the due date: 2 → 5"]
    staff = [row for row in found if row["event"] == "staff_changed"]
    assert [[str(c) for c in row["changes"]] for row in staff] == [["Is active: Yes → No"], ["Role: Cashier → Manager"]]
    assert staff[0]["label"] == "kiran" and staff[0]["user"] == owner.user.username
    assert only([r for r in found if r["label"] == "kiran"], "staff_added")["summary"] == "as Cashier"


def test_a_login_appears_for_the_shops_members_only(owner_client, owner, cashier, shop, other_owner):
    response = Client().post(reverse("accounts:login"), {"username": "kiran", "password": "pass-word-123"},
                             REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert AccessLog.objects.filter(username="kiran").exists()  # django-axes logged it
    login_row(other_owner.user.username)  # not a member of this shop

    found = rows(owner_client, kind="logins")

    # The owner's own login (the test client's) and the cashier's; not the other shop's owner.
    assert [(row["user"], row["action"]) for row in found] == [("kiran", "Logged in"),
                                                              (owner.user.username, "Logged in")]
    assert found[0]["summary"] == "from 10.1.2.3"
    assert found[0]["url"] is None


# --- Filters --------------------------------------------------------------------------------


@pytest.fixture
def mixed(owner, manager, shop):
    """A due by the owner, a payment by the manager (voided by the owner), a customer edit by
    the manager, a login of each; the due and its login 10 days ago."""
    asha, bala = CustomerFactory(shop=shop, name="Asha"), CustomerFactory(shop=shop, name="Bala")
    due = due_create(shop=shop, customer=asha, amount=Decimal("100"), description="Old", incurred_on=today(),
                     created_by=owner.user)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Due.objects.filter(pk=due.pk).update(created_at=long_ago)
    payment = payment_create(shop=shop, customer=bala, amount=Decimal("30"), received_on=today(),
                             created_by=manager.user)
    payment_void(shop=shop, payment=payment, reason="Oops", voided_by=owner.user)
    as_user(bala, manager.user)
    bala.phone = "9123456789"
    bala.save()
    login_row(owner.user.username, when=long_ago)
    login_row("mina")
    return {"asha": asha, "bala": bala}


def _events(found):
    return sorted(row["event"] for row in found)


def test_filter_by_user(owner_client, owner, manager, mixed):
    found = rows(owner_client, user=manager.user.pk)
    assert _events(found) == ["customer_changed", "login", "payment_created"]
    assert {row["user"] for row in found} == {"mina"}


def test_filter_by_kind(owner_client, mixed):
    assert _events(rows(owner_client, kind="payments")) == ["payment_created", "payment_voided"]
    assert _events(rows(owner_client, kind="logins")) == ["login", "login", "login"]  # and the test client's
    assert _events(rows(owner_client, kind="customers")) == ["customer_added", "customer_added", "customer_changed"]


def test_filter_by_date_range(owner_client, mixed):
    ten_days_ago = (today() - datetime.timedelta(days=10)).isoformat()
    old = rows(owner_client, start=ten_days_ago, end=ten_days_ago)
    assert _events(old) == ["due_created", "login"]
    recent = rows(owner_client, start=(today() - datetime.timedelta(days=1)).isoformat(), end=today().isoformat())
    assert "due_created" not in _events(recent) and "payment_voided" in _events(recent)


def test_filter_by_customer_shows_its_edits_and_entries(owner_client, mixed):
    response = owner_client.get(URL, {"customer": mixed["bala"].pk})
    assert _events(response.context["page"].rows) == [
        "customer_added", "customer_changed", "payment_created", "payment_voided"]
    assert response.context["target"] == mixed["bala"]
    assert "Only the activity of" in response.content.decode()


def test_filters_combine(owner_client, owner, mixed):
    assert _events(rows(owner_client, user=owner.user.pk, kind="payments")) == ["payment_voided"]


@pytest.mark.parametrize("params, message", [
    ({"start": "2026-13-01"}, "Enter the start date as YYYY-MM-DD."),
    ({"start": "2026-05-02", "end": "2026-05-01"}, "The end date is before the start date."),
    ({"end": "1999-01-01"}, "Pick a date between"),
    ({"kind": "secrets"}, "Select a valid choice."),
    ({"user": "abc"}, "Select a valid choice."),
])
def test_bad_filters_are_form_errors_not_500s(owner_client, mixed, params, message):
    everything = len(rows(owner_client))
    response = owner_client.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(response.context["page"].rows) == everything  # the bad filter is left out


# --- Pagination at a constant number of queries -----------------------------------------------


def _round(shop, owner, manager, i, categories):
    """One of each kind of event (12 rows)."""
    customer = as_user(CustomerFactory(shop=shop, name=f"Customer {i:03d}"), manager.user)
    customer.phone = f"97{i:08d}"
    customer.save()
    due = due_create(shop=shop, customer=customer, amount=Decimal(10 + i), description=f"Item {i}",
                     incurred_on=today(), created_by=owner.user)
    payment = payment_create(shop=shop, customer=customer, amount=Decimal(5), received_on=today(),
                             created_by=manager.user)
    payment_void(shop=shop, payment=payment, reason="Oops", voided_by=owner.user)
    due_void(shop=shop, due=due, reason="Wrong", voided_by=owner.user)
    product = as_user(product_create(shop=shop, sku=f"P{i}", name=f"Product {i}", unit="pcs",
                                     sale_price=Decimal(20), category=categories[0]), owner.user)
    product_update(shop=shop, product=product, category=categories[1], sale_price=Decimal(21))
    as_user(shop, owner.user)
    shop.upi_id = f"shop{i}@okaxis"
    shop.save()
    as_user(manager, owner.user)
    manager.role = Membership.Role.CASHIER if manager.role == Membership.Role.MANAGER else Membership.Role.MANAGER
    manager.save()
    login_row(manager.user.username)


def _page_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries.captured_queries), response.context["page"]


def test_same_number_of_queries_for_5_and_50_events(owner_client, owner, manager, shop):
    categories = [CategoryFactory(shop=shop, name="A"), CategoryFactory(shop=shop, name="B")]
    _round(shop, owner, manager, 0, categories)
    owner_client.get(URL)  # warm the session and caches
    small, small_page = _page_queries(owner_client)
    assert 5 <= len(small_page.rows) < PAGE_SIZE

    for i in range(1, 6):
        _round(shop, owner, manager, i, categories)
    large, large_page = _page_queries(owner_client)
    later, later_page = _page_queries(owner_client, page=2)

    assert len(large_page.rows) == PAGE_SIZE and large_page.has_next
    assert small == large == later
    assert small <= 16


def test_pages_follow_each_other_newest_first(owner_client, owner, shop):
    customer = CustomerFactory(shop=shop)
    for i in range(120):
        due_create(shop=shop, customer=customer, amount=Decimal(i + 1), description=f"Due {i}", incurred_on=today(),
                   created_by=owner.user)
    pages = [owner_client.get(URL, {"page": n, "kind": "dues"}).context["page"] for n in (1, 2, 3)]

    assert [len(page.rows) for page in pages] == [50, 50, 20]
    assert [page.has_next for page in pages] == [True, True, False]
    summaries = [row["summary"] for page in pages for row in page.rows]
    assert summaries == [f"₹{i + 1:,}.00 · Due {i}" for i in reversed(range(120))]
    html = owner_client.get(URL, {"page": 2, "kind": "dues"}).content.decode()
    assert "page=1" in html and "page=3" in html and "kind=dues" in html


def test_a_page_number_out_of_range_is_not_an_error(owner_client, mixed):
    assert owner_client.get(URL, {"page": "abc"}).context["page"].number == 1
    response = owner_client.get(URL, {"page": 99})
    assert response.status_code == 200 and response.context["page"].rows == []


# --- Tenancy and roles --------------------------------------------------------------------------


def test_another_shops_activity_never_appears(owner_client, owner, shop, other_owner):
    theirs = other_owner.shop
    with scope(shop=theirs):
        customer = as_user(CustomerFactory(shop=theirs, name="Their customer"), other_owner.user)
        customer.phone = "9000000000"
        customer.save()
        due_create(shop=theirs, customer=customer, amount=Decimal("70"), description="Theirs", incurred_on=today(),
                   created_by=other_owner.user)
        invoice_issue(shop=theirs, customer=customer, issued_on=today(), created_by=other_owner.user, lines=[
            LineInput(quantity=Decimal("1"), unit_price=Decimal("5"), tax_rate=Decimal("0"), description="X")])
        product_create(shop=theirs, sku="T", name="Their product", unit="pcs", sale_price=Decimal(1))
    as_user(theirs, other_owner.user)
    theirs.upi_id = "their@upi"
    theirs.save()
    MembershipFactory(shop=theirs, role=Membership.Role.CASHIER)
    login_row(other_owner.user.username)
    mine = CustomerFactory(shop=shop, name="Mine")

    found = rows(owner_client)

    assert {row["label"] for row in found} == {"Mine", shop.name, owner.user.username}
    assert other_owner.user.username not in {row["user"] for row in found}
    # Filtering by their customer is a form error, not their data.
    with scope(shop=theirs):
        their_customer = Customer.objects.get(name="Their customer")
        their_invoice = Invoice.objects.get()
    for params in ({"customer": their_customer.pk}, {"invoice": their_invoice.pk}):
        response = owner_client.get(URL, params)
        assert response.status_code == 200
        assert "is not in this shop" in response.content.decode()
        assert "Their customer" not in response.content.decode()
    assert mine.pk


def test_manager_sees_the_page(client, manager, mixed):
    client.force_login(manager.user)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_cashier_and_viewer_get_403(client, shop, mixed, role):
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Asha" not in response.content.decode()


def test_links_to_the_page_for_owners_and_managers_only(client, owner_client, manager, cashier):
    assert URL in owner_client.get(reverse("reports:index")).content.decode()
    assert f'href="{URL}"' in owner_client.get(reverse("ledger:dashboard")).content.decode()
    client.force_login(manager.user)
    assert f'href="{URL}"' in client.get(reverse("ledger:dashboard")).content.decode()
    client.force_login(cashier.user)
    assert f'href="{URL}"' not in client.get(reverse("ledger:dashboard")).content.decode()


# --- The selector directly ------------------------------------------------------------------------


def test_selector_filters_by_invoice(owner, shop):
    customer = CustomerFactory(shop=shop)
    lines = [LineInput(quantity=Decimal("1"), unit_price=Decimal("5"), tax_rate=Decimal("0"), description="X")]
    first = invoice_issue(shop=shop, customer=customer, issued_on=today(), lines=lines)
    invoice_issue(shop=shop, customer=customer, issued_on=today(), lines=lines)
    invoice_void(shop=shop, invoice=first, reason="Typo")

    page = activity_page(shop=shop, flt=ActivityFilter(invoice_id=first.pk))

    assert [(row["event"], row["label"]) for row in page.rows] == [
        ("invoice_voided", first.number), ("invoice_created", first.number)]
    assert Payment.objects.count() == 0
