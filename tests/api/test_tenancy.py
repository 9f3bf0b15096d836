"""Tenancy of the API (DESIGN §3): with another shop's token, every route that names an
object answers 404 on every method and changes nothing; lists show only the token's shop;
an id of another shop in a body is a field error, never a lookup outside the shop."""

import pytest
from django.urls import reverse

from tests.api.conftest import TokenClient, make_token
from tests.api.helpers import api_route_methods, make_book, snapshot

pytestmark = pytest.mark.django_db

VOID = {"reason": "malice"}

# (route name, method) -> (the book object whose id the URL takes, the body a valid request would send)
MATRIX = {
    ("api:v1:customer-detail", "get"): ("customer", None),
    ("api:v1:customer-detail", "put"): ("customer", {"name": "Hijacked", "phone": "9999999999"}),
    ("api:v1:customer-detail", "patch"): ("customer", {"name": "Hijacked"}),
    ("api:v1:customer-archive", "post"): ("settled", {}),
    ("api:v1:customer-unarchive", "post"): ("settled", {}),
    ("api:v1:customer-statement", "get"): ("customer", None),
    ("api:v1:customer-open-dues", "get"): ("customer", None),
    ("api:v1:due-detail", "get"): ("due", None),
    ("api:v1:due-void", "post"): ("due", VOID),
    ("api:v1:payment-detail", "get"): ("payment", None),
    ("api:v1:payment-void", "post"): ("payment", VOID),
    ("api:v1:invoice-detail", "get"): ("invoice", None),
    ("api:v1:invoice-void", "post"): ("invoice", VOID),
    ("api:v1:invoice-pdf", "get"): ("invoice", None),
    ("api:v1:product-detail", "get"): ("product", None),
    ("api:v1:product-detail", "put"): ("product", {"sku": "HIJACK", "name": "Hijacked", "sale_price": "1.00"}),
    ("api:v1:product-detail", "patch"): ("product", {"name": "Hijacked"}),
    ("api:v1:product-detail", "delete"): ("product", None),
    ("api:v1:product-receive", "post"): ("product", {"quantity": "5"}),
    ("api:v1:product-adjust", "post"): ("product", {"quantity": "-5", "reason": "malice"}),
    ("api:v1:category-detail", "get"): ("category", None),
    ("api:v1:category-detail", "put"): ("category", {"name": "Hijacked"}),
    ("api:v1:category-detail", "patch"): ("category", {"name": "Hijacked"}),
    ("api:v1:category-detail", "delete"): ("category", None),
}


def api_object_routes() -> set[tuple[str, str]]:
    """Every (route name, method) of the API whose URL takes an object id."""
    return {(name, method) for name, method, pattern in api_route_methods()
            if "pk" in pattern.pattern.regex.groupindex}


def test_the_matrix_covers_every_api_route_that_takes_an_id():
    assert api_object_routes() == set(MATRIX), "add new API routes with an id to the API tenancy MATRIX"


@pytest.fixture
def book(owner):
    return make_book(owner.shop)


@pytest.mark.parametrize(("name", "method"), sorted(MATRIX))
def test_another_shops_token_gets_404_and_nothing_changes(owner, book, other_api, name, method):
    target, body = MATRIX[(name, method)]
    url = reverse(name, kwargs={"pk": book[target].pk})
    before = snapshot(owner.shop)

    response = getattr(other_api, method)(url, body)

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert snapshot(owner.shop) == before


@pytest.mark.parametrize(("name", "method"), sorted(MATRIX))
def test_a_viewer_of_another_shop_also_gets_404(owner, book, other_owner, name, method):
    """Not 403: a role too weak to write must not reveal that the id exists elsewhere."""
    from accounts.models import Membership
    from tests.accounts.factories import MembershipFactory

    viewer = MembershipFactory(shop=other_owner.shop, role=Membership.Role.VIEWER)
    target, body = MATRIX[(name, method)]
    response = getattr(TokenClient(make_token(viewer)), method)(reverse(name, kwargs={"pk": book[target].pk}), body)
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), sorted(MATRIX))
def test_the_owners_own_token_reaches_every_route(owner, book, api, name, method):
    """The matrix's requests are real: with the right shop's token none is a 404."""
    target, body = MATRIX[(name, method)]
    response = getattr(api, method)(reverse(name, kwargs={"pk": book[target].pk}), body)
    assert response.status_code in (200, 201, 204, 400), response.content


LISTS = ["api:v1:customer-list", "api:v1:due-list", "api:v1:payment-list", "api:v1:invoice-list",
         "api:v1:product-list", "api:v1:category-list"]


@pytest.mark.parametrize("name", LISTS)
def test_lists_show_only_the_tokens_shop(owner, book, other_owner, other_api, api, name):
    make_book(other_owner.shop)
    mine = {row["id"] for row in api.get(reverse(name)).json()["results"]}
    theirs = {row["id"] for row in other_api.get(reverse(name)).json()["results"]}
    assert mine and theirs
    assert not mine & theirs


def test_reports_read_only_the_tokens_shop(owner, book, other_api, other_owner):
    aging = other_api.get(reverse("api:v1:report-aging")).json()
    assert aging["customers"] == 0 and aging["total"] == "0.00"
    sales = other_api.get(reverse("api:v1:report-sales"), {"start": "2026-11-01", "end": "2026-11-30"}).json()
    assert sales["summary"]["invoices"] == 0


BODY_REFERENCES = [
    ("api:v1:due-list", lambda b: {"customer": b["customer"].pk, "amount": "10", "description": "x"}, "customer"),
    ("api:v1:payment-list", lambda b: {"customer": b["customer"].pk, "amount": "10"}, "customer"),
    ("api:v1:invoice-list", lambda b: {"customer": b["customer"].pk, "amount_paid": "0", "lines": [
        {"description": "x", "quantity": "1", "unit_price": "10", "tax_rate": "0"}]}, "customer"),
    ("api:v1:invoice-list", lambda b: {"amount_paid": "52.50", "lines": [
        {"product": b["product"].pk, "quantity": "1"}]}, "lines.0.product"),
    ("api:v1:product-list", lambda b: {"sku": "X1", "name": "x", "sale_price": "1", "category": b["category"].pk},
     "category"),
]


@pytest.mark.parametrize(("name", "body", "field"), BODY_REFERENCES)
def test_an_id_of_another_shop_in_a_body_is_a_field_error(owner, book, other_owner, other_api, name, body, field):
    before, theirs_before = snapshot(owner.shop), snapshot(other_owner.shop)

    response = other_api.post(reverse(name), body(book))

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert "No such" in response.json()["errors"][0]["detail"]
    assert snapshot(owner.shop) == before
    assert snapshot(other_owner.shop) == theirs_before


def test_a_payment_for_a_due_of_another_shop_is_refused(owner, book, other_owner, other_api):
    theirs = make_book(other_owner.shop)
    before = snapshot(other_owner.shop)
    response = other_api.post(reverse("api:v1:payment-list"), {
        "customer": theirs["customer"].pk, "amount": "10", "due": book["due"].pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "due"
    assert snapshot(other_owner.shop) == before
