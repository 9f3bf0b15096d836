from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ViewOnlyAdminMixin
from ledger.models import Allocation, Due, Payment, PaymentClaim, StatementLink


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


@admin.register(PaymentClaim)
class PaymentClaimAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """Customers' "I have paid" reports: the shopkeeper confirms or rejects them in the app
    (confirming records the payment), so the admin only shows them."""

    list_display = ("customer", "shop", "amount", "reference", "status", "created_at", "decided_at")
    list_filter = ("shop", "status", "created_at")
    search_fields = ("reference", "note", "customer__name")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "shop")
    fields = ("shop", "customer", "link", "amount", "reference", "note", "status", "created_at", "decided_at",
              "decided_by", "payment")
    readonly_fields = fields


@admin.register(StatementLink)
class StatementLinkAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Shared statement links, shown without their secret token (only its start, to tell
    links apart): the token opens the customer's statement without a login."""

    list_display = ("customer", "shop", "token_start", "created_at", "revoked_at")
    list_filter = ("shop", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("customer__name",)
    list_select_related = ("customer", "shop")
    fields = ("shop", "customer", "token_start", "created_by", "created_at", "revoked_at")
    readonly_fields = fields

    @admin.display(description="token")
    def token_start(self, obj):
        return f"{obj.token[:6]}…"
