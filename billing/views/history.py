"""The history panels of the product and invoice pages: their latest changes, field by field."""

from django.shortcuts import get_object_or_404, render

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from billing.models import Invoice, Product
from core.history import object_history

#: How many changes a panel shows (the Activity page has the rest).
PANEL_SIZE = 20

#: Invoice fields not shown as changes: the ledger rows it posted, linked right after issuing.
INVOICE_HIDDEN = ("due", "payment")


def _panel(request, obj, *, panel_id, activity_filter, exclude=()):
    require_permission(request, "activity.view")
    return render(request, "includes/history_panel.html", {
        "entries": object_history(obj, limit=PANEL_SIZE, exclude=exclude, shop=request.shop),
        "panel_id": panel_id, "activity_filter": activity_filter, "object": obj,
    })


@shop_required
def product_history(request, product_id):
    """``GET /products/<id>/history/`` (htmx, on the product's page): its last edits
    (field before → after, who, when), for roles with "activity.view"."""
    product = get_object_or_404(Product, shop=request.shop, pk=product_id)
    return _panel(request, product, panel_id="product-history", activity_filter="product")


@shop_required
def invoice_history(request, invoice_id):
    """``GET /invoices/<id>/history/`` (htmx, on the invoice's page): issued, voided
    (who, when, the reason), for roles with "activity.view"."""
    invoice = get_object_or_404(Invoice, shop=request.shop, pk=invoice_id)
    return _panel(request, invoice, panel_id="invoice-history", activity_filter="invoice", exclude=INVOICE_HIDDEN)
