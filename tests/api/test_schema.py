"""The OpenAPI document: valid (drf-spectacular's own validation, no warning), served to
tokens and logged-in users only, describing every route with its problem responses."""

import pytest
from django.core.management import call_command

from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "openapi: 3.0.3" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_needs_credentials(shop):
    response = TokenClient(None).get("/api/schema/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_the_schema_describes_every_route_with_problems_and_keys(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/customers/" in paths and "/api/v1/reports/aging/" in paths
    for path, item in paths.items():
        for method, operation in item.items():
            assert operation["responses"]["404"]["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, (path, method)
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            assert headers == (["Idempotency-Key"] if method == "post" else []), (path, method)
    amount = schema["components"]["schemas"]["DueCreateRequest"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
