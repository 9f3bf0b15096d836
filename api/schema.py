"""The OpenAPI document's shared parts: the two ways to authenticate, and on every
operation the problem details responses and (on POST) the ``Idempotency-Key`` header.
Registered by ``api.apps`` (the extensions) and ``SPECTACULAR_SETTINGS`` (the hook)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from api.authentication import KEYWORD
from api.idempotency import HEADER, KEY_PATTERN, REPLAYED_HEADER

PROBLEM_STATUSES = {
    "400": "The request is not valid, or a business rule refused it (see errors).",
    "401": "No credentials, or a token that does not work.",
    "403": "The token is read-only, or the user's role may not do this.",
    "404": "No such object in this shop.",
    "405": "Method not allowed.",
    "406": "The Accept header asks for a format the route does not give.",
    "409": "A request with this Idempotency-Key is still running.",
    "415": "Send the body as application/json.",
    "422": "This Idempotency-Key was used for a different request.",
    "429": "Too many requests: wait for Retry-After seconds.",
    "500": "An unexpected error on the server (logged: quote request_id).",
    "503": "The database cannot be reached: try again after Retry-After seconds.",
}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details: the body of every error response (application/problem+json).",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "about:blank: the title is the HTTP status phrase."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A short machine-readable reason: invalid, rule, not_found, "
                                                  "permission_denied, not_authenticated, throttled, "
                                                  "idempotency_key_reused …"},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {"type": "array", "description": "Field errors.", "items": {
            "type": "object", "required": ["field", "detail", "code"],
            "properties": {
                "field": {"type": "string", "nullable": True,
                          "description": "Dotted path of the field (lines.0.quantity); null for the request."},
                "detail": {"type": "string"},
                "code": {"type": "string"},
            }}},
        "confirm_phone": {"type": "string", "description": "Only with code duplicate_phone: send it back as "
                                                          "confirm_phone to save anyway."},
        "request_id": {"type": "string", "description": "Only on 500 and 503: the request's X-Request-ID, for "
                                                       "the shop's operator."},
    },
}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix=KEYWORD)
        definition["description"] = "An API token from Shop settings → API (khata_…)."
        return definition


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "The login session of the web app (writes also need the X-CSRFToken header)."}


def add_problems_and_keys(result, generator, request, public):
    """drf-spectacular postprocessing hook: the ``Problem`` schema, a problem response for
    each error status on every operation, and the ``Idempotency-Key`` header on POSTs."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, description in PROBLEM_STATUSES.items():
                responses.setdefault(code, {"description": description, "content": problem})
            for code in ("429", "503"):
                responses[code]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                              "description": "Seconds to wait."}}
            if method == "post":
                operation.setdefault("parameters", []).append({
                    "in": "header", "name": HEADER, "required": False,
                    "description": "A key of yours for this operation (a UUID): sent again with the same request, "
                                   "the first response is returned and nothing is written twice.",
                    "schema": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 255},
                })
                for code, response in responses.items():
                    if code.startswith("2"):
                        response.setdefault("headers", {})[REPLAYED_HEADER] = {
                            "schema": {"type": "string", "enum": ["true"]},
                            "description": "Present when this is the stored response of an earlier request "
                                           "with the same Idempotency-Key."}
    return result
