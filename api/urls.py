"""URLs of the api app, under ``/api/``: the REST API (``v1/``, namespace ``api:v1``), its
schema and docs, and the API tokens page of the shop settings. Every other path under
``/api/`` is a 404 problem (``api.views.base.NotFoundView``)."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from api.views import billing, customers, docs, ledger, reports, tokens
from api.views.base import NotFoundView

app_name = "api"

router = SimpleRouter()
router.register("customers", customers.CustomerViewSet, basename="customer")
router.register("dues", ledger.DueViewSet, basename="due")
router.register("payments", ledger.PaymentViewSet, basename="payment")
router.register("invoices", billing.InvoiceViewSet, basename="invoice")
router.register("products", billing.ProductViewSet, basename="product")
router.register("categories", billing.CategoryViewSet, basename="category")

v1 = [
    *router.urls,
    path("reports/aging/", reports.AgingView.as_view(), name="report-aging"),
    path("reports/sales/", reports.SalesView.as_view(), name="report-sales"),
    # Anything else under v1/ is a 404 problem (JSON), not the site's HTML page.
    re_path(r"^.*$", NotFoundView.as_view()),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    # Last: any other path under /api/ (/api/v2/…, /api/nothing) is a 404 problem (JSON), not
    # the site's HTML page. Unnamed, so the URL walks of the tests do not take it for a page.
    re_path(r"^.*$", NotFoundView.as_view()),
]
