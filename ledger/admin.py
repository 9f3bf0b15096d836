from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ViewOnlyAdminMixin
from ledger.models import Allocation, Due, Payment


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    readonly_fields = ("payment", "due", "amount", "created_at")
    fk_name = "due"

    def has_add_permission(self, request, obj=None):
        return False


class LedgerRowAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """Dues, payments and allocations are shown, never added, changed or deleted here: the
    ledger services keep balances, outstanding amounts and allocations consistent, and a
    mistake is voided with a reason in the app (DESIGN §5)."""


@admin.register(Due)
class DueAdmin(LedgerRowAdmin):
    list_display = ("description", "customer", "shop", "amount", "outstanding", "incurred_on", "due_date", "voided_at")
    list_filter = ("shop", ("voided_at", admin.EmptyFieldListFilter), "incurred_on")
    search_fields = ("description", "customer__name", "customer__phone")
    date_hierarchy = "incurred_on"
    list_select_related = ("customer", "shop")
    raw_id_fields = ("customer", "created_by", "voided_by")
    inlines = [AllocationInline]


@admin.register(Payment)
class PaymentAdmin(LedgerRowAdmin):
    list_display = ("customer", "shop", "amount", "method", "received_on", "reference", "voided_at")
    list_filter = ("shop", "method", ("voided_at", admin.EmptyFieldListFilter), "received_on")
    search_fields = ("reference", "note", "customer__name", "customer__phone")
    date_hierarchy = "received_on"
    list_select_related = ("customer", "shop")
    raw_id_fields = ("customer", "due", "created_by", "voided_by")


@admin.register(Allocation)
class AllocationAdmin(LedgerRowAdmin):
    list_display = ("payment", "due", "shop", "amount", "created_at")
    list_filter = ("shop",)
    raw_id_fields = ("payment", "due")
    list_select_related = ("payment", "due", "shop")
