"""``Idempotency-Key``: a POST sent twice is carried out once (DESIGN §5).

Every POST route is wrapped with :func:`idempotent`. Without the header it runs as
sent. With it (1–255 visible ASCII characters, e.g. a UUID the client makes per
operation):

* the first request claims the key (an ``api.models.IdempotentRequest`` row for this
  shop and client, committed at once), runs, and a successful response (2xx) is stored:
  status and body;
* a repeat with the same method, path and body gets that stored response again
  (``Idempotent-Replayed: true``) and writes nothing;
* a repeat with a different request is a 422 problem (``idempotency_key_reused``);
  one that arrives while the first still runs is a 409 (``idempotency_key_in_use``);
* a refused request (4xx) frees the key, so the corrected request may reuse it;
* keys are kept for 24 hours (``api.services.KEEP_FOR``).

The services that create money rows get a one-time key derived from the header
(:func:`one_time_key`), so even a repeat that slipped past the record (a crash between
the write and storing the response) returns the first row instead of writing another.
"""

import hashlib
import json
import re
import uuid
from functools import wraps

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from api.exceptions import Conflict, Unprocessable
from api.models import ApiToken
from api.services import idempotent_request_abandon, idempotent_request_begin, idempotent_request_finish
from api.throttles import client_ident

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
#: Namespace of the service-level one-time keys derived from the header.
NAMESPACE = uuid.UUID("1f0d0a52-5a8c-4f61-9a1e-6a3c1b1f2e14")


def one_time_key(request) -> uuid.UUID | None:
    """The one-time key (UUID) to hand the service for this request, or ``None``."""
    return getattr(request, "idempotency_uuid", None)


def fingerprint(request) -> str:
    """SHA-256 of the method, the path with its query and the body as parsed (so
    whitespace and key order in the JSON do not matter)."""
    body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.get_full_path()}\n{body}".encode()).hexdigest()


def idempotent(handler):
    """Decorate a view handler (``def create(self, request, ...)``) of a POST route."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        request.idempotency_uuid = None
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not _KEY.match(key):
            raise exceptions.ValidationError({HEADER: ["Use 1 to 255 visible ASCII characters, such as a UUID."]})
        client = client_ident(request)
        record, first = idempotent_request_begin(
            shop=request.shop, client=client, key=key, fingerprint=fingerprint(request), method=request.method,
            path=request.path, token=request.auth if isinstance(request.auth, ApiToken) else None,
            user=request.user)
        if not first:
            if record.fingerprint != fingerprint(request):
                raise Unprocessable("This Idempotency-Key was already used for a different request. Use a new key "
                                    "for each operation.", code="idempotency_key_reused")
            if not record.is_complete:
                raise Conflict("A request with this Idempotency-Key is still being processed. Try again in a "
                               "moment.", code="idempotency_key_in_use")
            return Response(json.loads(record.response_body), status=record.status_code,
                            headers={REPLAYED_HEADER: "true"})
        request.idempotency_uuid = uuid.uuid5(NAMESPACE, f"{request.shop.pk}:{client}:{key}")
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            idempotent_request_abandon(record=record)
            raise
        if 200 <= response.status_code < 300 and isinstance(response, Response):
            idempotent_request_finish(record=record, status_code=response.status_code,
                                      body=json.dumps(response.data, cls=JSONEncoder))
        else:
            idempotent_request_abandon(record=record)
        return response

    return wrapper
