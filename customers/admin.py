from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Customer
from customers.phones import phone_tail, shop_e164


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "shop", "phone", "phone_e164", "balance", "oldest_open_due_date", "last_activity_at",
                    "is_archived")
    list_filter = ("shop", "is_archived")
    search_fields = ("name", "phone", "phone_e164", "email")
    readonly_fields = ("phone_e164", "phone_tail", "balance", "oldest_open_due_date", "last_activity_at", "created_at",
                       "updated_at")
    list_select_related = ("shop",)

    def save_model(self, request, obj, form, change):
        """Keep ``phone_e164`` and ``phone_tail`` in step with a number the operator edits here."""
        obj.phone_e164 = shop_e164(obj.phone, shop=obj.shop) or ""
        obj.phone_tail = phone_tail(obj.phone, obj.phone_e164)
        super().save_model(request, obj, form, change)
