"""The history panel of the customer's page: the customer's latest edits, field by field."""

from django.shortcuts import get_object_or_404, render

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from core.history import object_history
from customers.models import Customer

#: How many changes the panel shows (the Activity page has the rest).
PANEL_SIZE = 20


@shop_required
def customer_history(request, customer_id):
    """``GET /customers/<id>/history/`` (htmx, on the customer's page): the last changes of the
    customer's details (field before → after, who, when), for roles with "activity.view"."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "activity.view")
    return render(request, "includes/history_panel.html", {
        "entries": object_history(customer, limit=PANEL_SIZE, shop=request.shop),
        "panel_id": "customer-history", "activity_filter": "customer", "object": customer,
    })
