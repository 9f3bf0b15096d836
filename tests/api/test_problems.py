"""One error shape for everything: RFC 9457 problem details."""

import pytest
from django.urls import reverse

from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/customers/"


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank" and body["status"] == status and body["code"] == code
    assert body["title"] and body["detail"]
    return body


def test_a_validation_error(api, shop):
    body = _problem(api.post(LIST, {"name": ""}), 400, "invalid")
    assert body["instance"] == LIST
    assert body["errors"] == [{"field": "name", "detail": "This field may not be blank.", "code": "blank"}]
    assert body["detail"] == "name: This field may not be blank."


def test_a_business_rule(api, shop):
    customer = CustomerFactory(shop=shop, balance=5)
    body = _problem(api.post(reverse("api:v1:customer-archive", kwargs={"pk": customer.pk})), 400, "rule")
    assert body["errors"][0]["field"] is None


def test_not_found_method_not_allowed_and_unknown_routes(api, shop):
    _problem(api.get(reverse("api:v1:customer-detail", kwargs={"pk": 99999})), 404, "not_found")
    _problem(api.get("/api/v1/customers/99999999999999999999/"), 404, "not_found")
    _problem(api.get("/api/v1/customers/-1/"), 404, "not_found")
    _problem(api.get("/api/v1/nowhere/"), 404, "not_found")
    body = _problem(api.delete(LIST), 405, "method_not_allowed")
    assert body["detail"] == 'Method "DELETE" not allowed.'


def test_malformed_json_and_other_media_types(api, shop):
    malformed = api.client.post(LIST, data="{not json", content_type="application/json",
                                headers={"Authorization": f"Bearer {api.token}"})
    _problem(malformed, 400, "parse_error")
    form = api.client.post(LIST, data="name=x", content_type="application/x-www-form-urlencoded",
                           headers={"Authorization": f"Bearer {api.token}"})
    _problem(form, 415, "unsupported_media_type")
    _problem(api.get(LIST, headers={"Accept": "text/html"}), 406, "not_acceptable")


def test_a_wrong_json_shape_is_a_400(api, shop):
    _problem(api.post(LIST, ["a", "list"]), 400, "invalid")
    _problem(api.post("/api/v1/invoices/", {"lines": "not a list"}), 400, "invalid")
