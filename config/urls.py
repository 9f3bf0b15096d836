from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts.i18n import set_language
from config.health import healthz

# The 500 page, or the 503 page while the database is unreachable (config/health.py).
handler500 = "config.health.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/language", set_language, name="set_language"),
    # The strings of static/js in the active language (domain djangojs); khata.js reads them.
    path("i18n/js", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("", include("billing.urls")),
    path("", include("ledger.urls")),
]
