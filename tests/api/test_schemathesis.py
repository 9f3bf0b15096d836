"""Schemathesis against the API's own OpenAPI document, in process (the WSGI app): for
every operation a bounded number of generated requests (random ids and bodies, and the
ids of a real book), with an owner's token. No response is a server error, and every one
conforms to the document: documented status, content type, headers and body schema.

The test commits (``transaction=True``): each request then runs in autocommit, as it does
in production. Inside one test-wide transaction, a request that failed on MariaDB broke
the transaction for every request after it, which no real request would see."""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import make_book
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
#: Generated requests per operation, random and with the book's ids (about 40 operations).
EXAMPLES = 6
#: The book object whose id each collection's routes take.
TARGETS = {"customers": "customer", "dues": "due", "payments": "payment", "invoices": "invoice",
           "products": "product", "categories": "category"}


@pytest.fixture
def wsgi_app():
    """The WSGI app, with the test's database connection kept open between requests (a
    real request closes it when done; here it holds the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _run(operation, strategy, headers):
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        with no_scope():  # as a real request's thread: the API opens its token's scope itself
            response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()


def test_the_api_conforms_to_its_schema(api, owner, settings, wsgi_app):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": None}}
    book = make_book(owner.shop)
    document = json.loads(api.get("/api/schema/", {"format": "json"}).content)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = wsgi_app
    headers = {"Authorization": f"Bearer {api.token}"}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        _run(operation, operation.as_strategy(), headers)
        collection = operation.path.removeprefix("/api/v1/").split("/")[0]
        if "{id}" in operation.path:
            _run(operation, operation.as_strategy(path_parameters={"id": book[TARGETS[collection]].pk}), headers)
    assert operations >= 35
