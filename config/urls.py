from django.contrib import admin
from django.urls import include, path

from config.health import healthz

# The 500 page, or the 503 page while the database is unreachable (config/health.py).
handler500 = "config.health.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("", include("billing.urls")),
    path("", include("ledger.urls")),
]
