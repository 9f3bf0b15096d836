"""Pages show each role only what it may do (issue #13): buttons, links and nav items of a
refused action are left out (the role matrix proves the refusal itself)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from billing.services.catalogue import product_create
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def book(shop):
    today = timezone.localdate()
    asha = CustomerFactory(shop=shop, name="Asha", email="asha@example.com", phone="9876543210")
    due = ledger.due_create(shop=shop, customer=asha, amount=D("500"), description="Rice", incurred_on=today)
    payment = ledger.payment_create(shop=shop, customer=asha, amount=D("200"), received_on=today)
    saver = CustomerFactory(shop=shop, name="Saver")
    ledger.payment_create(shop=shop, customer=saver, amount=D("300"), received_on=today)
    product = product_create(shop=shop, sku="RICE", name="Rice", unit="kg", sale_price=D("50"), tax_rate=D("0"),
                             opening_stock=D("10"))
    invoice = invoice_issue(shop=shop, customer=asha, issued_on=today, amount_paid=D("0"), lines=[
        LineInput(quantity=D("1"), unit_price=D("50"), tax_rate=D("0"), description="Rice", product=product)])
    return {"asha": asha, "due": due, "payment": payment, "saver": saver, "product": product, "invoice": invoice}


def page(client, shop, role, url):
    client.force_login(MembershipFactory(shop=shop, role=role).user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cashiers_customer_page_has_no_void_or_refund(client, shop, book):
    html = page(client, shop, Membership.Role.CASHIER, book["asha"].get_absolute_url())
    assert reverse("ledger:due_create", args=[book["asha"].pk]) in html
    assert reverse("ledger:due_mark_paid", args=[book["due"].pk]) in html
    assert reverse("ledger:due_void", args=[book["due"].pk]) not in html
    assert reverse("ledger:payment_void", args=[book["payment"].pk]) not in html
    assert reverse("ledger:statement_link_revoke", args=[book["asha"].pk]) not in html
    assert "Remind by email" in html
    saver = client.get(book["saver"].get_absolute_url()).content.decode()
    assert reverse("ledger:refund_create", args=[book["saver"].pk]) not in saver


def test_a_managers_customer_page_has_the_voids(client, shop, book):
    html = page(client, shop, Membership.Role.MANAGER, book["asha"].get_absolute_url())
    assert reverse("ledger:due_void", args=[book["due"].pk]) in html
    assert reverse("ledger:payment_void", args=[book["payment"].pk]) in html


def test_a_viewers_customer_page_writes_nothing(client, shop, book):
    html = page(client, shop, Membership.Role.VIEWER, book["asha"].get_absolute_url())
    for name in ("ledger:due_create", "ledger:payment_create", "customers:edit", "customers:archive",
                 "ledger:customer_remind", "ledger:statement_link_create"):
        assert reverse(name, args=[book["asha"].pk]) not in html, name
    assert reverse("ledger:due_mark_paid", args=[book["due"].pk]) not in html
    assert "Rice" in html and "₹350.00" in html  # the statement itself is there


@pytest.mark.parametrize(("role", "reports", "new_sale", "settings"), [
    (Membership.Role.OWNER, True, True, True),
    (Membership.Role.MANAGER, True, True, False),
    (Membership.Role.CASHIER, False, True, False),
    (Membership.Role.VIEWER, True, False, False),
])
def test_the_nav_shows_what_the_role_may_open(client, shop, role, reports, new_sale, settings):
    html = page(client, shop, role, reverse("ledger:dashboard"))
    assert (f'href="{reverse("reports:index")}"' in html) is reports
    assert (f'href="{reverse("billing:invoice_create")}"' in html) is new_sale
    assert (f'href="{reverse("accounts:shop_settings")}"' in html) is settings
    assert (reverse("reports:charts_panel") in html) is reports
    assert f"Role: {role.label}" in html


def test_a_cashier_prints_invoices_but_does_not_void_them(client, shop, book):
    html = page(client, shop, Membership.Role.CASHIER, book["invoice"].get_absolute_url())
    assert reverse("billing:invoice_print", args=[book["invoice"].pk]) in html
    assert reverse("billing:invoice_void", args=[book["invoice"].pk]) not in html


def test_the_product_page_offers_what_the_role_may_do(client, shop, book):
    url = book["product"].get_absolute_url()
    cashier = page(client, shop, Membership.Role.CASHIER, url)
    assert reverse("billing:product_stock", args=[book["product"].pk]) not in cashier  # stock.receive: managers
    assert reverse("billing:product_edit", args=[book["product"].pk]) not in cashier
    manager = page(client, shop, Membership.Role.MANAGER, url)
    assert "Receive / adjust stock" in manager
    assert reverse("billing:product_edit", args=[book["product"].pk]) in manager
    viewer = page(client, shop, Membership.Role.VIEWER, url)
    assert reverse("billing:product_stock", args=[book["product"].pk]) not in viewer


def test_the_drawer_page_is_read_only_for_cashiers(client, shop):
    cashier = page(client, shop, Membership.Role.CASHIER, reverse("billing:drawer"))
    assert "Only owners and managers can change the counts" in cashier
    assert reverse("billing:drawer_close") not in cashier
    manager = page(client, shop, Membership.Role.MANAGER, reverse("billing:drawer"))
    assert reverse("billing:drawer_close") in manager and "Add a note or coin" in manager


@pytest.fixture
def earlier_sale(shop, book):
    """An invoice of yesterday, beside the book's invoice of today."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return invoice_issue(shop=shop, customer=book["asha"], issued_on=yesterday, amount_paid=D("0"), lines=[
        LineInput(quantity=D("2"), unit_price=D("50"), tax_rate=D("0"), description="Rice", product=book["product"])])


def test_a_cashier_sees_only_todays_invoices_and_no_month_figures(client, shop, book, earlier_sale):
    yesterday = earlier_sale.issued_on.isoformat()
    html = page(client, shop, Membership.Role.CASHIER, reverse("billing:invoice_list") + f"?date_from={yesterday}")
    assert book["invoice"].number in html
    assert earlier_sale.number not in html  # asking for earlier dates changes nothing
    assert 'data-testid="today-only"' in html and "Today's invoices only" in html
    assert 'name="date_from"' not in html and 'name="date_to"' not in html
    dashboard = client.get(reverse("ledger:dashboard")).content.decode()
    assert 'data-testid="collected-this-month"' not in dashboard and "Collected this month" not in dashboard
    panel = client.get(reverse("billing:sales_panel")).content.decode()
    assert 'data-testid="sales-today"' in panel and 'data-testid="sales-month"' not in panel


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.MANAGER, Membership.Role.VIEWER])
def test_roles_with_all_sales_see_every_invoice_and_the_month(client, shop, book, earlier_sale, role):
    html = page(client, shop, role, reverse("billing:invoice_list"))
    assert book["invoice"].number in html and earlier_sale.number in html
    assert 'data-testid="today-only"' not in html and 'name="date_from"' in html
    yesterday = earlier_sale.issued_on.isoformat()
    filtered = client.get(reverse("billing:invoice_list"), {"date_from": yesterday, "date_to": yesterday})
    assert earlier_sale.number in filtered.content.decode() and book["invoice"].number not in filtered.content.decode()
    dashboard = client.get(reverse("ledger:dashboard")).content.decode()
    assert 'data-testid="collected-this-month"' in dashboard
    assert 'data-testid="sales-month"' in client.get(reverse("billing:sales_panel")).content.decode()
