from django.contrib import admin

from accounts.admin_mixins import ViewOnlyAdminMixin
from api.models import ApiToken, IdempotentRequest


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Tokens are made and revoked by the shop owner (Shop settings → API) or
    ``manage.py create_api_token``; the secret itself is never stored."""

    list_display = ("name", "prefix", "shop", "user", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("shop", "scope")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("shop", "user")


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "method", "path", "shop", "client", "status_code", "created_at")
    list_filter = ("shop", "method")
    list_select_related = ("shop",)
