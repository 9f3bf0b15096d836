"""The sales report (``/reports/sales/``): by product, by category and by day, the totals
row, average bill and top customers, for a period; CSV/XLSX of one breakdown or of the top
customers."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import ZERO
from reports.periods import period_from_request
from reports.permissions import reports_required
from reports.selectors.sales import (
    sales_by_category,
    sales_by_day,
    sales_by_product,
    sales_summary,
    sales_top_customers,
)
from reports.views.common import render_report

#: The breakdowns a download may carry (GET ``by``), the page's order.
BREAKDOWNS = {"product": _("By product"), "category": _("By category"), "day": _("By day"),
              "customers": _("Top customers")}

HEADERS = {
    "product": [_("Product"), "SKU", _("Category"), _("Unit"), _("Quantity"), _("Taxable value"), _("Tax"), _("Total"),
                _("Invoices")],
    "category": [_("Category"), _("Quantity"), _("Taxable value"), _("Tax"), _("Total")],
    "day": [_("Day"), _("Invoices"), _("Quantity"), _("Taxable value"), _("Tax"), _("Total")],
    "customers": [_("Customer"), _("Phone"), _("Invoices"), _("Bought")],
}


def top_customers_totals(rows: list[dict]) -> dict:
    """The top customers' totals row: ``invoices`` (int) and ``total`` (Decimal) of the
    ``rows`` listed (at most ``reports.selectors.sales.TOP_CUSTOMERS``, not every customer)."""
    return {"invoices": sum(r["invoices"] for r in rows), "total": sum((r["total"] for r in rows), ZERO)}


def _export_rows(by: str, rows: list[dict], summary: dict):
    """The download's rows of breakdown ``by`` and a totals row, the invoices' stored
    figures as on the page (money as Decimal)."""
    if by == "product":
        for r in rows:
            yield [r["name"], r["sku"], r["category"], r["unit"], r["quantity"], r["taxable_value"], r["tax"],
                   r["total"], r["invoices"]]
        yield [gettext("Total (invoices)"), None, None, None, None, summary["taxable_value"], summary["tax"],
               summary["total"], summary["invoices"]]
    elif by == "category":
        for r in rows:
            yield [r["name"], r["quantity"], r["taxable_value"], r["tax"], r["total"]]
        yield [gettext("Total (invoices)"), None, summary["taxable_value"], summary["tax"], summary["total"]]
    elif by == "customers":
        for r in rows:
            yield [r["name"], r["phone"], r["invoices"], r["total"]]
        totals = top_customers_totals(rows)
        yield [gettext("Total of these customers"), None, totals["invoices"], totals["total"]]
    else:
        for r in rows:
            yield [r["day"], r["invoices"], r["quantity"], r["taxable_value"], r["tax"], r["total"]]
        yield [gettext("Total"), summary["invoices"], None, summary["taxable_value"], summary["tax"], summary["total"]]


@reports_required
def sales(request):
    """``GET /reports/sales/?period=…`` (default this month): the summary, the three
    breakdowns and the top customers; ``&export=csv|xlsx&by=product|category|day|customers``
    downloads one breakdown or the top customers (default by product). Six queries whatever
    the shop's size."""
    form, period = period_from_request(request)
    shop = request.shop
    by = request.GET.get("by") if request.GET.get("by") in BREAKDOWNS else "product"
    span = {"shop": shop, "start": period.start, "end": period.end}
    summary = sales_summary(**span)
    breakdowns = {"product": sales_by_product(**span), "category": sales_by_category(**span),
                  "day": sales_by_day(**span), "customers": sales_top_customers(**span)}
    context = {
        "title": gettext("Sales"),
        "form": form,
        "period": period,
        "summary": summary,
        "by_product": breakdowns["product"],
        "by_category": breakdowns["category"],
        "by_day": breakdowns["day"],
        "top_customers": breakdowns["customers"],
        "top_customers_totals": top_customers_totals(breakdowns["customers"]),
    }
    return render_report(request, "reports/sales.html", context,
                         filename=f"sales-by-{by}-{period.start.isoformat()}-{period.end.isoformat()}",
                         header=HEADERS[by], rows=lambda: _export_rows(by, breakdowns[by], summary),
                         title=f"Sales by {by}")
