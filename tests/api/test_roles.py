"""Roles on the API (accounts.permissions): a token acts with its user's role. Every
write route × every role: allowed roles get through, the others get a 403 problem and
nothing changes; a read-only token is refused every write."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.permissions import can
from tests.accounts.factories import MembershipFactory
from tests.api.conftest import ROLES, TokenClient, make_token
from tests.api.helpers import api_route_methods, make_book, snapshot

pytestmark = pytest.mark.django_db

VOID = {"reason": "Entered twice"}

# (route name, method, the book object the URL takes or None, body, the permission action)
WRITES = [
    ("api:v1:customer-list", "post", None, {"name": "New Customer"}, "customer.edit"),
    ("api:v1:customer-detail", "patch", "customer", {"notes": "Pays on Fridays"}, "customer.edit"),
    ("api:v1:customer-detail", "put", "customer", {"name": "Renamed"}, "customer.edit"),
    ("api:v1:customer-archive", "post", "settled", {}, "customer.edit"),
    ("api:v1:customer-unarchive", "post", "settled", {}, "customer.edit"),
    ("api:v1:due-list", "post", None, {"customer": "customer", "amount": "10", "description": "Tea"}, "entry.create"),
    ("api:v1:due-void", "post", "due", VOID, "entry.void"),
    ("api:v1:payment-list", "post", None, {"customer": "customer", "amount": "10"}, "entry.create"),
    ("api:v1:payment-void", "post", "payment", VOID, "entry.void"),
    ("api:v1:invoice-list", "post", None, {"customer": "customer", "lines": [
        {"description": "Tea", "quantity": "1", "unit_price": "10", "tax_rate": "0"}]}, "sale.create"),
    ("api:v1:invoice-void", "post", "invoice", VOID, "invoice.void"),
    ("api:v1:product-list", "post", None, {"sku": "OIL", "name": "Oil", "sale_price": "120"}, "product.edit"),
    ("api:v1:product-detail", "patch", "product", {"sale_price": "55"}, "product.edit"),
    ("api:v1:product-detail", "put", "product", {"sku": "RICE", "name": "Rice", "sale_price": "55"}, "product.edit"),
    ("api:v1:product-detail", "delete", "product", None, "product.edit"),
    ("api:v1:product-receive", "post", "product", {"quantity": "5"}, "stock.receive"),
    ("api:v1:product-adjust", "post", "product", {"quantity": "-1", "reason": "Damaged"}, "stock.adjust"),
    ("api:v1:category-list", "post", None, {"name": "Oils"}, "product.edit"),
    ("api:v1:category-detail", "patch", "category", {"name": "Grains"}, "product.edit"),
    ("api:v1:category-detail", "put", "category", {"name": "Grains"}, "product.edit"),
    ("api:v1:category-detail", "delete", "category", None, "product.edit"),
]
WRITE_METHODS = {"post", "put", "patch", "delete"}
READS = ["api:v1:customer-list", "api:v1:due-list", "api:v1:payment-list", "api:v1:invoice-list",
         "api:v1:product-list", "api:v1:category-list"]


def test_writes_covers_every_write_route_of_the_api():
    """A new write route (a POST/PUT/PATCH/DELETE in the URLconf) must join ``WRITES``, so the
    role matrix and the read-only token test cover it."""
    routes = {(name, method) for name, method, _pattern in api_route_methods() if method in WRITE_METHODS}
    listed = {(name, method) for name, method, *_rest in WRITES}
    assert routes, "no API write routes found: is the URLconf walk still right?"
    missing = sorted(f"{method.upper()} {name}" for name, method in routes - listed)
    stale = sorted(f"{method.upper()} {name}" for name, method in listed - routes)
    assert not missing, f"add these API write routes to WRITES in tests/api/test_roles.py: {', '.join(missing)}"
    assert not stale, f"WRITES lists routes the API no longer has: {', '.join(stale)}"


def _request(book, name, target, body):
    url = reverse(name, kwargs={"pk": book[target].pk}) if target else reverse(name)
    if isinstance(body, dict) and body.get("customer") == "customer":
        body = {**body, "customer": book["customer"].pk}
    return url, body


@pytest.fixture
def book(owner):
    return make_book(owner.shop)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "target", "body", "action"), WRITES,
                         ids=[f"{w[1]}-{w[0]}" for w in WRITES])
def test_each_role_may_write_only_what_the_table_allows(owner, book, role, name, method, target, body, action):
    member = owner if role == Membership.Role.OWNER else MembershipFactory(shop=owner.shop, role=role)
    url, body = _request(book, name, target, body)
    before = snapshot(owner.shop)

    response = getattr(TokenClient(make_token(member)), method)(url, body)

    if can(member, action):
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "permission_denied"
        assert snapshot(owner.shop) == before


def test_a_cashier_cannot_void_a_payment(owner, book):
    cashier = MembershipFactory(shop=owner.shop, role=Membership.Role.CASHIER)
    response = TokenClient(make_token(cashier)).post(reverse("api:v1:payment-void", kwargs={"pk": book["payment"].pk}),
                                                     VOID)
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role cannot do this. Allowed: Owner, Manager."
    book["payment"].refresh_from_db()
    assert book["payment"].voided_at is None


def test_a_viewer_reads_but_cannot_record_a_due(owner, book):
    viewer = TokenClient(make_token(MembershipFactory(shop=owner.shop, role=Membership.Role.VIEWER)))
    assert viewer.get(reverse("api:v1:customer-list")).status_code == 200
    before = snapshot(owner.shop)
    response = viewer.post(reverse("api:v1:due-list"), {"customer": book["customer"].pk, "amount": "10",
                                                        "description": "Tea"})
    assert response.status_code == 403
    assert snapshot(owner.shop) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", READS)
def test_every_role_reads_the_lists(owner, book, role, name):
    member = owner if role == Membership.Role.OWNER else MembershipFactory(shop=owner.shop, role=role)
    assert TokenClient(make_token(member)).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_reports_follow_reports_view(owner, book, role):
    member = owner if role == Membership.Role.OWNER else MembershipFactory(shop=owner.shop, role=role)
    client = TokenClient(make_token(member))
    expected = 200 if can(member, "reports.view") else 403
    assert client.get(reverse("api:v1:report-aging")).status_code == expected
    assert client.get(reverse("api:v1:report-sales")).status_code == expected


@pytest.mark.parametrize(("name", "method", "target", "body", "action"), WRITES,
                         ids=[f"{w[1]}-{w[0]}" for w in WRITES])
def test_a_read_only_token_is_refused_every_write(owner, book, name, method, target, body, action):
    url, body = _request(book, name, target, body)
    before = snapshot(owner.shop)

    response = getattr(TokenClient(make_token(owner, read_only=True)), method)(url, body)

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert snapshot(owner.shop) == before


def test_a_read_only_token_reads(owner, book):
    client = TokenClient(make_token(owner, read_only=True))
    response = client.get(reverse("api:v1:customer-detail", kwargs={"pk": book["customer"].pk}))
    assert response.status_code == 200
    assert response.json()["balance"] == "342.50"  # 500 + 52.50 invoiced − 200 − 10 paid
