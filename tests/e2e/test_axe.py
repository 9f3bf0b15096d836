"""The accessibility guard: axe-core (shipped by the axe-playwright-python package) runs
in Chromium over every main page, at desktop and phone width, and any serious or critical
violation fails the suite, with axe's own report of what and where.

The rules are axe's defaults (WCAG 2.0/2.1 A and AA and its best practices) plus
``target-size`` (WCAG 2.2: touch targets of at least 24 px), which axe leaves off by
default.
"""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe  # requirements-dev.txt: a missing guard fails, never skips
from django.utils import timezone

from accounts.models import Membership
from accounts.services import invite_create
from billing.services.catalogue import category_save, product_create
from billing.services.drawer import drawer_setup
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from ledger.services import entries as ledger
from ledger.services.statements import statement_link_get_or_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import log_in, page_at

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D = Decimal
BLOCKING = ("serious", "critical")
OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def pages(enter_scope):
    """A shop with something on every page; returns ``(public pages, pages behind login)``
    as ``{name: path}``."""
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="axe-owner", shop__upi_id="shop@okaxis",
                              shop__gstin="09ABCDE1234F1Z5")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    shop = owner.shop
    today = timezone.localdate()
    customer = CustomerFactory(shop=shop, name="Asha Verma", email="asha@example.com", address="12 Mall Road")
    due = ledger.due_create(shop=shop, customer=customer, amount=D("900"), description="Rice",
                            incurred_on=today - datetime.timedelta(days=20),
                            due_date=today - datetime.timedelta(days=5))
    ledger.due_create(shop=shop, customer=customer, amount=D("450"), description="Oil", incurred_on=today)
    ledger.payment_create(shop=shop, customer=customer, amount=D("300"), received_on=today, method="upi")
    category = category_save(shop=shop, name="Staples")
    product = product_create(shop=shop, sku="DAL", name="Toor dal", category=category, unit="kg",
                             sale_price=D("140"), tax_rate=D("5"), opening_stock=D("10"), low_stock_level=D("12"))
    product_create(shop=shop, sku="DAL-M", name="Moong dal", unit="kg", sale_price=D("120"), tax_rate=D("5"))
    invoice = invoice_issue(shop=shop, customer=customer, amount_paid=D("100"), lines=[
        LineInput(quantity=D("1"), unit_price=D("140"), tax_rate=D("5"), description="Toor dal",
                  product=product)])
    drawer_setup(shop=shop)
    link, _ = statement_link_get_or_create(shop=shop, customer=customer)
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)
    invite = invite_create(shop=shop, email="new@example.com", role=Membership.Role.VIEWER, created_by=owner.user)
    public = {
        "login": "/accounts/login/",
        "register": "/accounts/register/",
        "public statement": f"/s/{link.token}/",
        "invite accept": f"/accounts/invite/{invite.token}/",
    }
    private = {
        "dashboard": "/",
        "customer list": "/customers/",
        "customer page": f"/customers/{customer.pk}/",
        "customer form": f"/customers/{customer.pk}/edit/",
        "due form": f"/customers/{customer.pk}/dues/new/",
        "payment form": f"/customers/{customer.pk}/payments/new/",
        "mark paid": f"/dues/{due.pk}/mark-paid/",
        "new sale": "/invoices/new/",
        "invoice list": "/invoices/",
        "invoice": f"/invoices/{invoice.pk}/",
        "invoice print": f"/invoices/{invoice.pk}/print/",
        "receipt": f"/invoices/{invoice.pk}/receipt/",
        "products": "/products/",
        "product": f"/products/{product.pk}/",
        "shop settings": "/accounts/shop/settings/",
        "staff": "/accounts/shop/staff/",
        "staff invite": "/accounts/shop/staff/invite/",
        "staff new login": "/accounts/shop/staff/new-login/",
        "staff member": f"/accounts/shop/staff/{cashier.pk}/",
        "ownership transfer": "/accounts/shop/staff/transfer/",
        "drawer": "/drawer/",
        "cash book": "/drawer/book/",
        "day close": "/drawer/close/",
        "claims": "/claims/",
        "messages": "/messages/",
        "reports": "/reports/",
        "aging": "/reports/aging/",
        "period statement": f"/reports/customers/{customer.pk}/statement/",
        "statement pick": "/reports/statement/?q=asha",
        "collections": "/reports/collections/",
        "day book": "/reports/day-book/",
        "cash book report": "/reports/cash-book/?period=this_fy",
        "charts": "/reports/charts/",
    }
    return public, private


def _blocking(axe, page):
    """axe's serious and critical violations on the page as it stands, as a report."""
    results = axe.run(page, options=OPTIONS)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    return "".join(results.generate_report(violation["id"]) for violation in blocking)


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violation_on_any_main_page(live_server, browser, axe, pages, width):
    public, private = pages
    failures = {}
    with page_at(browser, width) as page:
        for name, path in public.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if report := _blocking(axe, page):
                failures[name] = report
        log_in(page, live_server.url, "axe-owner")
        for name, path in private.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if report := _blocking(axe, page):
                failures[name] = report
        # The counter with its pick list open and a line added.
        page.goto(f"{live_server.url}/invoices/new/")
        page.locator("#product-search").fill("dal")
        page.locator("#product-listbox [role=option]").first.wait_for()
        if report := _blocking(axe, page):
            failures["new sale, product list open"] = report
        page.locator("#product-search").press("Enter")
        page.locator("#invoice-lines tr").first.wait_for()
        page.get_by_test_id("invoice-total").wait_for()
        if report := _blocking(axe, page):
            failures["new sale, with a line"] = report
    assert not failures, "\n\n".join(f"== {name} ==\n{report}" for name, report in failures.items())
