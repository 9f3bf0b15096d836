"""One error shape for everything: RFC 9457 problem details."""

import json
import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from api.exceptions import server_error_problem, wants_problem
from customers import services as customer_services
from tests.customers.factories import CustomerFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db
LIST = "/api/v1/customers/"


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json", response.content[:200]
    body = json.loads(response.content)  # also a plain HttpResponse (handler500's)
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


# --- Server errors and unknown paths: problems too, never the site's HTML pages ---------------


def _raw_client():
    """A Django test client that returns the 500 response instead of raising the exception."""
    return Client(raise_request_exception=False)


def _post_customer(client, token, **headers):
    with no_scope():
        return client.post(LIST, {"name": "Asha"}, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}", **headers})


def _boom(message):
    def service(**kwargs):
        raise RuntimeError(message)

    return service


def test_an_unexpected_error_is_a_logged_500_problem_without_internals(api, shop, monkeypatch, caplog):
    monkeypatch.setattr(customer_services, "customer_create", _boom("secret internals /srv/khata/settings.py"))

    with caplog.at_level(logging.ERROR, logger="api.exceptions"):
        response = _post_customer(_raw_client(), api.token)

    body = _problem(response, 500, "server_error")
    text = response.content.decode()
    assert "secret internals" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "<html" not in text.lower()
    assert body["instance"] == LIST and body["request_id"] == response["X-Request-ID"]
    logged = [r for r in caplog.records if r.name == "api.exceptions"]
    assert len(logged) == 1 and logged[0].exc_info[0] is RuntimeError  # the traceback, for the operator


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_unreachable_database_is_a_503_problem_with_retry_after(api, shop, monkeypatch, error):
    def down(**kwargs):
        raise error("could not connect to server db.internal:3306")

    monkeypatch.setattr(customer_services, "customer_create", down)

    response = _post_customer(_raw_client(), api.token, **{"Idempotency-Key": "retry-me"})

    body = _problem(response, 503, "database_unavailable")
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "db.internal" not in text and "Traceback" not in text and error.__name__ not in text
    assert "Idempotency-Key" in body["detail"]
    # The failed request freed its Idempotency-Key: the retry runs once the database is back.
    monkeypatch.undo()
    retry = _post_customer(_raw_client(), api.token, **{"Idempotency-Key": "retry-me"})
    assert retry.status_code == 201, retry.content


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", ["/api/v2/customers/", "/api/v2/", "/api/nothing", "/api/v1/nothing/",
                                  "/api/v1/customers/1/nothing/", "/api/"])
def test_every_unknown_api_path_is_a_404_problem(client, path, method):
    response = getattr(client, method)(path)
    body = _problem(response, 404, "not_found")
    assert body["instance"] == path


def test_a_path_without_its_final_slash_is_redirected_as_on_the_site(api, owner_client):
    redirect = api.get("/api/v1/customers", {"q": "asha"})
    assert redirect.status_code == 301 and redirect["Location"] == "/api/v1/customers/?q=asha"
    assert owner_client.get("/api/docs")["Location"] == "/api/docs/"
    # Only a GET: a POST is not redirected (its body would be lost), it is a 404 problem.
    _problem(api.post("/api/v1/customers", {"name": "Asha"}), 404, "not_found")


def test_the_schema_and_docs_still_answer(api, owner_client):
    assert api.get("/api/schema/").status_code == 200
    assert owner_client.get("/api/docs/").status_code == 200
    assert owner_client.get("/api/tokens/").status_code == 200


def _handle_as_django_does(error):
    request = RequestFactory().get("/api/v1/customers/")
    request.request_id = "abc123"
    try:
        raise error("connection refused by db.internal")
    except error:
        return server_error_problem(request)


@pytest.mark.parametrize(("error", "status", "code"), [(RuntimeError, 500, "server_error"),
                                                       (OperationalError, 503, "database_unavailable")])
def test_the_handler500_problem_for_errors_outside_the_views(error, status, code):
    """``server_error_problem``: what ``handler500`` answers on an ``/api/`` path (an error in
    a middleware, before DRF's exception handler can see it)."""
    response = _handle_as_django_does(error)
    body = _problem(response, status, code)
    assert body["instance"] == "/api/v1/customers/" and body["request_id"] == "abc123"
    assert "db.internal" not in response.content.decode()
    assert response.get("Retry-After") == ("30" if status == 503 else None)


@pytest.mark.parametrize(("path", "expected"), [
    ("/api/v1/customers/", True), ("/api/schema/", True), ("/api/v2/x", True), ("/api/", True),
    ("/api/tokens/", False), ("/api/tokens/3/revoke/", False), ("/api/docs/", False), ("/customers/", False),
])
def test_which_paths_get_a_problem_from_handler500(path, expected):
    assert wants_problem(RequestFactory().get(path)) is expected


def test_a_database_error_in_a_middleware_is_a_503_problem_on_api_paths(api, shop, monkeypatch):
    def down(request):
        raise OperationalError("could not connect to server db.internal:3306")

    monkeypatch.setattr("accounts.tenancy.resolve_membership", down)
    with no_scope():
        response = _raw_client().get(LIST, headers={"Authorization": f"Bearer {api.token}"})
    _problem(response, 503, "database_unavailable")
