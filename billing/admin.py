"""Operator admin over billing (DESIGN §1, §3: the admin works across shops).

Stock and invoices change only through ``billing.services``: here stock movements
are view-only, a product's stock is read-only (receive/adjust it in the app), and
an invoice is read-only except its notes.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ViewOnlyAdminMixin
from billing.models import (
    CashClose,
    CashDrawer,
    CashMovement,
    Category,
    Denomination,
    ImportJob,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Product,
    StockMovement,
)

RECENT_MOVEMENTS = 20


class ReadOnlyInlineMixin:
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "shop")
    list_filter = ("shop",)
    search_fields = ("name",)
    list_select_related = ("shop",)


class RecentMovementsFormSet(BaseInlineFormSet):
    """The product's latest movements only (sliced after the formset filters by product)."""

    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset().order_by("-created_at", "-pk")[:RECENT_MOVEMENTS]
        return self._recent


class StockMovementInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = StockMovement
    formset = RecentMovementsFormSet
    fk_name = "product"
    fields = ("created_at", "kind", "quantity", "balance_after", "reason", "invoice", "created_by")
    verbose_name_plural = f"recent stock movements (latest {RECENT_MOVEMENTS})"


class ProductAdminForm(forms.ModelForm):
    """Keeps a product's category in the product's shop (``ProductAdmin`` supplies the Meta).
    The SD rate (Bangladesh only) may be left empty: 0."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sd_rate" in self.fields:
            self.fields["sd_rate"].required = False

    def clean_sd_rate(self):
        return self.cleaned_data.get("sd_rate") or Decimal("0")

    def clean(self):
        cleaned = super().clean()
        shop, category = cleaned.get("shop"), cleaned.get("category")
        if shop is not None and category is not None and category.shop_id != shop.pk:
            self.add_error("category", "Choose a category of the product's shop.")
        return cleaned


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    form = ProductAdminForm
    list_display = ("sku", "name", "shop", "category", "sale_price", "tax_rate", "stock_quantity", "is_active")
    list_filter = ("shop", "category", "is_active")
    search_fields = ("sku", "name")
    list_select_related = ("shop", "category")
    readonly_fields = ("stock_quantity", "all_movements", "created_at", "updated_at")
    inlines = [StockMovementInline]

    @admin.display(description="stock history")
    def all_movements(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:billing_stockmovement_changelist") + f"?product__id__exact={obj.pk}"
        return format_html('<a href="{}">All stock movements</a>', url)


@admin.register(StockMovement)
class StockMovementAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: movements are written by ``billing.services.catalogue.stock_move``."""

    list_display = ("created_at", "product", "shop", "kind", "quantity", "balance_after", "invoice", "created_by")
    list_filter = ("shop", "kind", "created_at")
    search_fields = ("product__sku", "product__name", "reason")
    list_select_related = ("product", "shop", "invoice", "created_by")
    date_hierarchy = "created_at"


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(admin.ModelAdmin):
    """The last number used per shop and financial year. No deletes: a deleted row
    would restart numbering at 0001 and collide with issued invoices."""

    list_display = ("shop", "financial_year", "last_number")
    list_filter = ("shop", "financial_year")
    list_select_related = ("shop",)

    def get_readonly_fields(self, request, obj=None):
        return ("shop", "financial_year") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ("position", "product", "description", "hsn_code", "quantity", "unit", "unit_price", "tax_rate",
              "line_net", "discount", "taxable_value")


@admin.register(Invoice)
class InvoiceAdmin(SimpleHistoryAdmin):
    """Read-only except ``notes``: invoices are issued and voided only by
    ``billing.services.invoices`` (stock and the ledger move with them)."""

    list_display = ("number", "shop", "customer", "issued_on", "total", "paid_at_counter", "balance", "voided")
    list_filter = ("shop", "issued_on", ("voided_at", admin.EmptyFieldListFilter))
    search_fields = ("number", "customer__name")
    date_hierarchy = "issued_on"
    list_select_related = ("shop", "customer", "due")
    inlines = [InvoiceLineInline]

    @admin.display(description="balance now")
    def balance(self, obj):
        return obj.balance_due

    @admin.display(boolean=True, description="voided", ordering="voided_at")
    def voided(self, obj):
        return obj.is_voided

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "notes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_history_permission(self, request, obj=None):
        # No "Revert": an old version would undo a void without touching stock or the ledger.
        return False

    def save_model(self, request, obj, form, change):
        # Write the notes only, so a stale copy never overwrites what services changed.
        obj._history_user = request.user
        obj.save(update_fields=["notes"])


@admin.register(Denomination)
class DenominationAdmin(SimpleHistoryAdmin):
    """A drawer's notes and coins. The count is read-only: it changes only with a cash
    movement (``billing.services.drawer``), so the cash book stays the sum of them."""

    list_display = ("value", "count", "shop")
    list_filter = ("shop",)
    list_select_related = ("shop",)
    readonly_fields = ("count",)


@admin.register(CashMovement)
class CashMovementAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: the cash book is written by ``billing.services.drawer`` and ``.cash``."""

    list_display = ("created_at", "shop", "kind", "amount", "reference", "note", "invoice", "created_by")
    list_filter = ("shop", "kind", "created_at")
    search_fields = ("reference", "note", "invoice__number")
    list_select_related = ("shop", "invoice", "created_by")
    date_hierarchy = "created_at"


@admin.register(CashClose)
class CashCloseAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: day closes are written by ``billing.services.drawer.drawer_close``."""

    list_display = ("closed_on", "created_at", "shop", "expected", "counted", "difference", "note", "created_by")
    list_filter = ("shop", "closed_on")
    list_select_related = ("shop", "created_by")
    date_hierarchy = "created_at"


@admin.register(CashDrawer)
class CashDrawerAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: the balance is the sum of the shop's cash movements."""

    list_display = ("shop", "balance", "updated_at")
    list_select_related = ("shop",)


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: spreadsheet imports, run by ``billing.services.imports`` (the file itself is not shown)."""

    list_display = ("created_at", "shop", "kind", "file_name", "status", "total_rows", "error_rows", "imported_rows",
                    "created_by")
    list_filter = ("status", "kind", "shop")
    search_fields = ("file_name",)
    list_select_related = ("shop", "created_by")
    exclude = ("content",)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")
