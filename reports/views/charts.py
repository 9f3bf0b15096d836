"""The charts page (``/reports/charts/``) and the dashboard's chart panel
(``/reports/panels/charts/``, loaded by htmx like billing's sales panel)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from reports.charts import aging_chart, dues_payments_chart, sales_chart
from reports.periods import local_today
from reports.permissions import reports_required
from reports.selectors.aging import aging_totals
from reports.selectors.charts import dues_vs_payments, sales_by_day


def _charts(request) -> dict:
    today = local_today()
    totals = aging_totals(shop=request.shop, as_of=today, today=today)
    return {
        "dues_payments": dues_payments_chart(dues_vs_payments(shop=request.shop, today=today), shop=request.shop),
        "aging": aging_chart(totals, shop=request.shop),
        "sales": sales_chart(sales_by_day(shop=request.shop, today=today), shop=request.shop),
        "aging_totals": totals,
    }


@reports_required
def charts(request):
    """``GET /reports/charts/``: every chart with its figures."""
    return render(request, "reports/charts.html", {"title": _("Charts"), **_charts(request)})


@reports_required
def charts_panel(request):
    """``GET /reports/panels/charts/``: the dashboard's chart panel (a fragment)."""
    return render(request, "reports/_charts_panel.html", _charts(request))
