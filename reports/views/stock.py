"""The stock report (``/reports/stock/``): low stock, the valuation at cost and at sale
price, and one product's movement register over a period."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from billing.models import Product
from core.db import keyset_chunks
from core.money import quantize_money
from reports.periods import period_from_request
from reports.permissions import reports_required
from reports.selectors.stock import (
    stock_low,
    stock_low_totals,
    stock_movement_register,
    stock_valuation_products,
    stock_valuation_totals,
)
from reports.views.common import render_report

#: Rows a table shows on the page; the downloads carry every row.
PAGE_ROWS = 200

EXPORTS = {
    "valuation": [_("Product"), "SKU", _("Category"), _("Unit"), _("Stock"), _("Cost price"), _("Value at cost"),
                  _("Sale price"), _("Value at sale price")],
    "low": [_("Product"), "SKU", _("Category"), _("Unit"), _("Stock"), _("Low-stock level")],
    "movements": [_("Date"), _("Kind"), _("Quantity"), _("Balance after"), _("Invoice"), _("Reason"),
                  pgettext_lazy("the person who did it", "By")],
}


# The download's rows are read by the server after the request (and its shop scope) has
# ended: the querysets are built in the view, inside the scope, and only read here, in
# keyset chunks (flat memory on MariaDB too, whose driver buffers whole result sets).

def _valuation_rows(products, totals):
    for p in keyset_chunks(products, ("name", "pk")):
        yield [p.name, p.sku, p.category.name if p.category else "", p.unit, p.stock_quantity, p.cost_price,
               quantize_money(p.cost_value) if p.cost_value is not None else None, p.sale_price,
               quantize_money(p.sale_value)]
    yield [gettext("Total"), None, None, None, None, None, totals["cost_value"], None, totals["sale_value"]]


def _low_rows(products, totals):
    for p in keyset_chunks(products, ("stock_quantity", "name", "pk")):
        yield [p.name, p.sku, p.category.name if p.category else "", p.unit, p.stock_quantity, p.low_stock_level]
    yield [low_totals_label(totals), None, None, None, None, None]


def low_totals_label(totals: dict) -> str:
    """The low-stock totals row's text, e.g. "Total: 2 products low, 1 out of stock"."""
    return ngettext("Total: %(count)s product low, %(out)s out of stock",
                    "Total: %(count)s products low, %(out)s out of stock",
                    totals["products"]) % {"count": totals["products"], "out": totals["out_of_stock"]}


def _movement_rows(register):
    yield [None, gettext("Opening balance"), None, register["opening"], None, None, None]
    for m in keyset_chunks(register["movements"], ("created_at", "pk")):
        yield [m.created_at, m.get_kind_display(), m.quantity, m.balance_after,
               m.invoice.number if m.invoice_id else "", m.reason, m.created_by.get_username() if m.created_by else ""]
    yield [None, gettext("Closing balance"), None, register["closing"], None, None, None]


@reports_required
def stock(request):
    """``GET /reports/stock/?product=<id>&period=…``: low stock and the valuation (first
    :data:`PAGE_ROWS` rows each, a totals row over all of each), and the movement register of
    ``product`` (another shop's product is a 404). ``&export=csv|xlsx&section=valuation|
    low|movements`` downloads one table in full (streamed)."""
    shop = request.shop
    form, period = period_from_request(request)
    product = None
    product_error = ""
    raw = request.GET.get("product", "")
    if raw:
        if raw.isdigit():
            product = get_object_or_404(Product, shop=shop, pk=int(raw))
        else:
            product_error = gettext("Pick a product from the list.")
    register = (stock_movement_register(shop=shop, product=product, start=period.start, end=period.end)
                if product else None)
    totals = stock_valuation_totals(shop=shop)
    low_totals = stock_low_totals(shop=shop)
    section = request.GET.get("section") if request.GET.get("section") in EXPORTS else "valuation"
    if section == "movements" and register is None:
        section = "valuation"
    if section == "valuation":
        valuation_products = stock_valuation_products(shop=shop)

        def rows():
            return _valuation_rows(valuation_products, totals)
    elif section == "low":
        low_products = stock_low(shop=shop)

        def rows():
            return _low_rows(low_products, low_totals)
    else:
        def rows():
            return _movement_rows(register)
    low = list(stock_low(shop=shop)[:PAGE_ROWS + 1])
    valuation = list(stock_valuation_products(shop=shop)[:PAGE_ROWS])
    for p in valuation:
        p.cost_value = quantize_money(p.cost_value) if p.cost_value is not None else None
        p.sale_value = quantize_money(p.sale_value)
    context = {
        "title": gettext("Stock"),
        "form": form,
        "period": period,
        "product": product,
        "product_error": product_error,
        "products": Product.objects.filter(shop=shop, track_stock=True).order_by("name", "pk")
                                   .values_list("pk", "name", "sku"),
        "register": register,
        "movements": list(register["movements"][:PAGE_ROWS]) if register else [],
        "low": low[:PAGE_ROWS],
        "low_more": len(low) > PAGE_ROWS,
        "low_totals": low_totals,
        "low_totals_label": low_totals_label(low_totals),
        "valuation": valuation,
        "totals": totals,
        "page_rows": PAGE_ROWS,
        "extra_hidden": [{"name": "product", "value": product.pk}] if product else [],
    }
    name = f"stock-{section}" + (f"-{product.sku}-{period.start.isoformat()}-{period.end.isoformat()}"
                                 if section == "movements" else "")
    return render_report(request, "reports/stock.html", context, filename=name, header=EXPORTS[section],
                         rows=rows, title=f"Stock {section}")
