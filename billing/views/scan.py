"""Barcode scans at the counter (issue #15): a USB scanner types the code and Enter into
the product box; khata.js asks this view which product the code names."""

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import permission_required
from billing.selectors.catalogue import product_by_barcode


@permission_required("sale.create")
def product_scan(request):
    """``GET ?code=…``: JSON ``{"found": true, "product": id, "name": str, "sellable": bool,
    "line_url": str}`` for the shop's active product with that barcode, else
    ``{"found": false, "message": str}`` (status 200 either way: an unknown code is an
    answer, not an error)."""
    code = "".join(request.GET.get("code", "").split())[:32]
    product = product_by_barcode(shop=request.shop, barcode=code) if code else None
    if product is None:
        message = _("No product has the barcode %(code)s.") % {"code": code} if code else _("Scan or type a barcode.")
        return JsonResponse({"found": False, "message": message})
    out_of_stock = product.track_stock and product.stock_quantity <= 0
    return JsonResponse({
        "found": True, "product": product.pk, "name": product.name,
        "sellable": not out_of_stock or product.allow_negative_stock,
        "line_url": f"{reverse('billing:invoice_line')}?product={product.pk}",
    })
