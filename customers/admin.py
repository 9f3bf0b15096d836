from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Customer
from customers.phones import phone_tail, shop_e164
from customers.totals import totals_rebuild


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
        # The operator may add, archive or restore a customer here: recount the shop's totals
        # (one aggregate; the services move them by deltas instead).
        totals_rebuild(shop=obj.shop)

    def delete_model(self, request, obj):
        """Delete, then recount the shop's customer totals."""
        super().delete_model(request, obj)
        totals_rebuild(shop=obj.shop)

    def delete_queryset(self, request, queryset):
        """Delete, then recount the customer totals of every shop concerned."""
        shops = {customer.shop for customer in queryset.select_related("shop")}
        super().delete_queryset(request, queryset)
        for shop in shops:
            totals_rebuild(shop=shop)
