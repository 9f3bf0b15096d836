from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "shop", "phone", "balance", "oldest_open_due_date", "last_activity_at", "is_archived")
    list_filter = ("shop", "is_archived")
    search_fields = ("name", "phone", "email")
    readonly_fields = ("balance", "oldest_open_due_date", "last_activity_at", "created_at", "updated_at")
    list_select_related = ("shop",)
