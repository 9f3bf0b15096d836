from django.contrib import admin

from accounts.admin_mixins import ViewOnlyAdminMixin
from messaging.models import Message


@admin.register(Message)
class MessageAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The shops' message log (emails, WhatsApp/SMS hand-offs): written by the messaging
    code and its tasks only."""

    list_display = ("created_at", "shop", "customer", "channel", "kind", "to", "status", "attempts", "sent_at")
    list_filter = ("shop", "channel", "kind", "status", "created_at")
    search_fields = ("to", "subject", "customer__name")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "shop")
    exclude = ("html_body",)  # the plain-text body says the same; the HTML would show as markup
