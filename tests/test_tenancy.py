"""Tenancy (DESIGN §3): another shop's objects are invisible — 404 on GET and POST,
never 200 or 500 — and scoped queries refuse to run outside a shop scope."""

import datetime
import zlib
from decimal import Decimal

import pytest
from django.core.management import BaseCommand, call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import ScopeError, get_scope, scope

from accounts.models import Invite, Membership
from accounts.services import invite_create
from api.models import ApiToken
from api.services import api_token_create
from billing.models import (
    CashClose,
    CashMovement,
    Category,
    CreditNote,
    ImportJob,
    Invoice,
    Product,
    StockMovement,
)
from billing.services.catalogue import category_save, product_create
from billing.services.credit_notes import credit_note_create
from billing.services.drawer import drawer_close, drawer_setup
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Allocation, Due, Payment, PaymentClaim, Refund, StatementLink
from ledger.services import entries as ledger
from ledger.services.statements import claim_create, statement_link_get_or_create
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def object_url_names():
    """Every named URL of our apps whose pattern takes an integer object id."""
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        if any(type(c).__name__ == "IntConverter" for c in pattern.pattern.converters.values()):
            names.add(name)
    return names


@pytest.fixture
def victim(owner):
    """Shop A's book: a customer with a due, a partial payment and another open due."""
    shop = owner.shop
    customer = CustomerFactory(shop=shop, name="Victim Customer")
    due = ledger.due_create(shop=shop, customer=customer, amount=Decimal("500"), description="Rice",
                            incurred_on=TODAY, due_date=TODAY + datetime.timedelta(days=7))
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("80"), description="Tea", incurred_on=TODAY)
    payment = ledger.payment_create(shop=shop, customer=customer, amount=Decimal("200"), received_on=TODAY)
    category = category_save(shop=shop, name="Staples")
    product = product_create(shop=shop, sku="RICE", name="Rice", category=category, unit="kg",
                             sale_price=Decimal("50"), tax_rate=Decimal("5"), opening_stock=Decimal("10"))
    invoice = invoice_issue(shop=shop, customer=customer, issued_on=TODAY, amount_paid=Decimal("10"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("50"), tax_rate=Decimal("5"), description="Rice",
                  product=product)])
    credit_note = credit_note_create(shop=shop, invoice=invoice, reason="Returned",
                                     quantities={invoice.lines.get().pk: Decimal("0.5")}, issued_on=TODAY)
    saver = CustomerFactory(shop=shop, name="Victim With Credit")
    ledger.payment_create(shop=shop, customer=saver, amount=Decimal("300"), received_on=TODAY)
    refund = ledger.refund_create(shop=shop, customer=saver, amount=Decimal("100"), refunded_on=TODAY,
                                  method="cash", reason="Overpaid")
    link, _created = statement_link_get_or_create(shop=shop, customer=customer)
    claim = claim_create(link=link, amount=Decimal("50"), reference="UTR1")
    drawer_setup(shop=shop)
    cash_close = drawer_close(shop=shop, counts={}, note="Counted short")  # its cash sale's ₹10 is missing
    import_job = ImportJob.objects.create(  # a checked customer import waiting for its confirmation
        shop=shop, kind=ImportJob.Kind.CUSTOMERS, status=ImportJob.Status.PREVIEW, file_name="c.csv",
        file_type="csv", content=zlib.compress(b"Name,Phone\nMallory,9123456780\n"), total_rows=1)
    member = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)  # shop A's staff and invites
    invite = invite_create(shop=shop, email="new@example.com", role=Membership.Role.CASHIER, created_by=owner.user)
    return {"customer": customer, "due": due, "payment": payment, "product": product, "category": category,
            "invoice": invoice, "credit_note": credit_note, "claim": claim, "saver": saver, "refund": refund,
            "link": link,
            "cash_close": cash_close, "import_job": import_job,
            "cash_movement": cash_close.movement, "member": member, "invite": invite}


# URL name -> (kwargs from the victim's objects, POST data that would be valid for the owner)
def _api_token(victim):
    """Shop A's API token (made when the matrix first asks for it)."""
    if "api_token" not in victim:
        shop = victim["customer"].shop
        owner = Membership.objects.filter(shop=shop, role=Membership.Role.OWNER).first()
        victim["api_token"], _raw = api_token_create(shop=shop, user=owner.user, name="Victim sync")
    return victim["api_token"]


MATRIX = {
    "api:token_revoke": (lambda v: {"token_id": _api_token(v).pk}, {}),
    "customers:edit": (lambda v: {"customer_id": v["customer"].pk}, {"name": "Hijacked", "phone": "9999999999"}),
    "customers:archive": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "customers:unarchive": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "ledger:customer_account": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "ledger:due_create": (lambda v: {"customer_id": v["customer"].pk},
                          {"amount": "10", "description": "x", "incurred_on": "2026-11-01"}),
    "ledger:payment_create": (lambda v: {"customer_id": v["customer"].pk},
                              {"amount": "10", "received_on": "2026-11-01", "method": "cash"}),
    "ledger:due_mark_paid": (lambda v: {"due_id": v["due"].pk}, {"method": "cash", "received_on": "2026-11-01"}),
    "ledger:refund_create": (lambda v: {"customer_id": v["saver"].pk},
                             {"amount": "10", "method": "cash", "refunded_on": "2026-11-01", "reason": "malice"}),
    "ledger:refund_void": (lambda v: {"refund_id": v["refund"].pk}, {"reason": "malice"}),
    "ledger:due_void": (lambda v: {"due_id": v["due"].pk}, {"reason": "malice"}),
    "ledger:payment_void": (lambda v: {"payment_id": v["payment"].pk}, {"reason": "malice"}),
    "billing:product_detail": (lambda v: {"product_id": v["product"].pk}, {}),
    "billing:product_edit": (lambda v: {"product_id": v["product"].pk},
                             {"sku": "HIJACK", "name": "Hijacked", "unit": "kg", "sale_price": "1", "tax_rate_0": "0",
                              "low_stock_level": "0"}),
    "billing:product_stock": (lambda v: {"product_id": v["product"].pk},
                              {"action": "adjust", "quantity": "-5", "reason": "malice"}),
    "billing:category_edit": (lambda v: {"category_id": v["category"].pk}, {"name": "Hijacked"}),
    "billing:invoice_detail": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
    "billing:invoice_void": (lambda v: {"invoice_id": v["invoice"].pk}, {"reason": "malice"}),
    "billing:invoice_print": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
    "billing:invoice_receipt": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
    "billing:invoice_pdf": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
    "billing:customer_purchases": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "billing:credit_note_create": (lambda v: {"invoice_id": v["invoice"].pk},
                                   {"reason": "malice", "issued_on": "2026-11-01", "refund_method": "credit"}),
    "billing:credit_note_detail": (lambda v: {"credit_note_id": v["credit_note"].pk}, {}),
    "billing:credit_note_print": (lambda v: {"credit_note_id": v["credit_note"].pk}, {}),
    "billing:credit_note_receipt": (lambda v: {"credit_note_id": v["credit_note"].pk}, {}),
    "billing:credit_note_pdf": (lambda v: {"credit_note_id": v["credit_note"].pk}, {}),
    "ledger:statement_link_create": (lambda v: {"customer_id": v["customer"].pk}, {"regenerate": "1"}),
    "ledger:statement_link_revoke": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "ledger:claim_confirm": (lambda v: {"claim_id": v["claim"].pk}, {}),
    "ledger:claim_reject": (lambda v: {"claim_id": v["claim"].pk}, {}),
    "ledger:customer_remind": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "ledger:customer_whatsapp": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "ledger:customer_sms": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "billing:invoice_email": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
    "billing:invoice_etims": (lambda v: {"invoice_id": v["invoice"].pk},
                              {"etims_cu_number": "X1", "etims_qr_url": "https://example.com/q"}),
    "ledger:customer_messages": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "billing:cash_movement_detail": (lambda v: {"movement_id": v["cash_movement"].pk}, {}),
    "billing:cash_close_detail": (lambda v: {"close_id": v["cash_close"].pk}, {}),
    "reports:statement": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "accounts:staff_member": (lambda v: {"membership_id": v["member"].pk}, {"role": "owner"}),
    "accounts:staff_member_active": (lambda v: {"membership_id": v["member"].pk}, {"active": "0"}),
    "accounts:invite_revoke": (lambda v: {"invite_id": v["invite"].pk}, {}),
    "billing:import_detail": (lambda v: {"job_id": v["import_job"].pk}, {}),
    "billing:import_progress": (lambda v: {"job_id": v["import_job"].pk}, {}),
    "billing:import_confirm": (lambda v: {"job_id": v["import_job"].pk}, {"skip_bad_rows": "on"}),
    "billing:import_retry": (lambda v: {"job_id": v["import_job"].pk}, {}),
    "ledger:customer_history": (lambda v: {"customer_id": v["customer"].pk}, {}),
    "billing:product_history": (lambda v: {"product_id": v["product"].pk}, {}),
    "billing:invoice_history": (lambda v: {"invoice_id": v["invoice"].pk}, {}),
}


def test_matrix_covers_every_url_that_takes_an_object_id():
    assert object_url_names() == set(MATRIX), "add new object URLs to the tenancy MATRIX"


def _snapshot(shop):
    return (
        list(Product.objects.filter(shop=shop).order_by("pk").values_list("pk", "sku", "name", "stock_quantity")),
        list(Category.objects.filter(shop=shop).order_by("pk").values_list("pk", "name")),
        list(Invoice.objects.filter(shop=shop).order_by("pk").values_list("pk", "voided_at")),
        list(CreditNote.objects.filter(shop=shop).order_by("pk").values_list("pk", "total")),
        list(StockMovement.objects.filter(shop=shop).order_by("pk").values_list("pk", "quantity")),
        list(StatementLink.objects.filter(shop=shop).order_by("pk").values_list("pk", "token", "revoked_at")),
        list(PaymentClaim.objects.filter(shop=shop).order_by("pk").values_list("pk", "status", "payment")),
        list(Customer.objects.filter(shop=shop).order_by("pk").values_list("pk", "name", "balance", "is_archived")),
        list(Due.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "voided_at")),
        list(Payment.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "voided_at")),
        list(Allocation.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount")),
        list(Refund.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "voided_at")),
        list(CashMovement.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount")),
        list(CashClose.objects.filter(shop=shop).order_by("pk").values_list("pk", "counted")),
        list(Membership.objects.filter(shop=shop).order_by("pk").values_list("pk", "role", "is_active")),
        list(Invite.objects.filter(shop=shop).order_by("pk").values_list("pk", "revoked_at", "accepted_at")),
        list(ImportJob.objects.filter(shop=shop).order_by("pk").values_list("pk", "status", "attempts")),
        list(ApiToken.objects.filter(shop=shop).order_by("pk").values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_shops_user_gets_404_and_nothing_changes(client, owner, victim, other_owner, name, method):
    kwargs, data = MATRIX[name]
    url = reverse(name, kwargs=kwargs(victim))
    before = _snapshot(owner.shop)
    client.force_login(other_owner.user)

    response = getattr(client, method)(url, data)

    # POST-only views answer GET with 405 before looking anything up; that leaks nothing either.
    assert response.status_code in ((404, 405) if method == "get" else (404,))
    assert _snapshot(owner.shop) == before


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_staff_of_another_shop_also_gets_404(client, owner, victim, name):
    outsider = MembershipFactory(role=Membership.Role.CASHIER)
    kwargs, data = MATRIX[name]
    client.force_login(outsider.user)
    assert client.post(reverse(name, kwargs=kwargs(victim)), data).status_code == 404


def test_payment_form_refuses_a_due_of_another_shop(owner_client, shop, other_owner):
    mine = CustomerFactory(shop=shop)
    theirs = CustomerFactory(shop=other_owner.shop)
    with scope(shop=other_owner.shop):
        foreign_due = ledger.due_create(shop=other_owner.shop, customer=theirs, amount=Decimal("50"),
                                        description="x", incurred_on=TODAY)

    response = owner_client.post(reverse("ledger:payment_create", args=[mine.pk]), {
        "amount": "10", "received_on": "2026-11-01", "method": "cash", "due": foreign_due.pk})

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["due"][0]
    assert not Payment.objects.exists()


def test_queries_outside_a_scope_raise():
    CustomerFactory()  # a test without the shop fixture runs with no scope, as a worker does
    with pytest.raises(ScopeError):
        list(Customer.objects.all())


def test_a_management_command_runs_with_no_scope_even_in_a_shop_test(shop):
    """The suite's harness (conftest): a command, like cron, starts with no scope, so one that
    forgot to open its own fails its tests."""
    seen = []

    class Probe(BaseCommand):
        def handle(self, *args, **options):
            seen.append(get_scope())
            list(Customer.objects.all())

    assert get_scope()["shop"] == shop
    with pytest.raises(ScopeError):
        call_command(Probe())
    assert seen == [{}]
    assert get_scope()["shop"] == shop  # the test's scope is back after the command


def test_a_test_with_the_shop_fixture_runs_in_its_scope(shop, other_owner):
    mine, theirs = CustomerFactory(shop=shop), CustomerFactory(shop=other_owner.shop)
    assert list(Customer.objects.all()) == [mine]
    with no_scope(), pytest.raises(ScopeError):
        list(Customer.objects.all())
    with scope(shop=other_owner.shop):
        assert list(Customer.objects.all()) == [theirs]


def test_scope_filters_to_the_shop():
    a = CustomerFactory(name="A")
    CustomerFactory(name="B")
    with scope(shop=a.shop):
        assert [c.name for c in Customer.objects.all()] == ["A"]


PUBLIC_URLS = {
    "accounts:login", "accounts:register", "accounts:password_reset", "accounts:password_reset_done",
    "accounts:password_reset_confirm", "accounts:password_reset_complete",
    # The customer's statement link: public by design, guarded by its secret token.
    "ledger:public_statement", "ledger:public_statement_pdf", "ledger:public_statement_claim",
    # A staff invitation's accept page: public by design, guarded by its secret token.
    "accounts:invite_accept",
    "healthz",  # the load balancer's check: says only whether the database answers
    # The language switcher (the login page has it) and the translations of khata.js: no shop data.
    "set_language", "javascript-catalog",
}


#: The REST API's routes (and its schema) answer a request without credentials with 401.
API_ROUTES = ("api:v1:", "api:schema")


def _dummy_kwargs(pattern):
    kwargs = {name: 1 if type(conv).__name__ == "IntConverter" else "x"
              for name, conv in pattern.pattern.converters.items()}
    # Regex routes (the API's router) name their groups without converters: ids there.
    return {**dict.fromkeys(pattern.pattern.regex.groupindex, 1), **kwargs}


def test_every_page_but_the_public_ones_requires_login(client):
    checked = 0
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name in PUBLIC_URLS:
            continue
        if name.startswith(API_ROUTES):  # a 401 problem instead of the login page: tests/api/test_auth.py
            continue
        url = reverse(name, kwargs=_dummy_kwargs(pattern))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method, response.status_code)
            assert response.url.startswith(reverse("accounts:login")), (name, method)
        checked += 1
    assert checked >= 12
