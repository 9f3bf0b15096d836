"""The OpenAPI schema (``/api/schema/``) and the interactive docs (``/api/docs/``).

The docs are Swagger UI from drf-spectacular-sidecar (static files of a PyPI package,
no CDN), in drf-spectacular's "split" form: the page loads its setup script from the
same view (``?script``) instead of an inline ``<script>``, so the site's
Content-Security-Policy (``script-src 'self'``) holds as everywhere else.
"""

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.authentication import ApiSessionAuthentication, ApiTokenAuthentication
from api.views.base import ShopScopeMixin


class SchemaView(ShopScopeMixin, SpectacularAPIView):
    """The OpenAPI 3 document (YAML, or JSON with ``?format=json`` or ``Accept:
    application/vnd.oai.openapi+json``), for a token or a logged-in user."""

    authentication_classes = [ApiTokenAuthentication, ApiSessionAuthentication]


class DocsView(ShopScopeMixin, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, for a logged-in user (it sends the session's CSRF token
    with "Try it out")."""

    authentication_classes = [ApiSessionAuthentication]
    url_name = "api:schema"


docs = login_required(DocsView.as_view())
