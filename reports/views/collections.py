"""The collections report (``/reports/collections/``)."""

from django.utils.translation import gettext as _

from reports.periods import period_from_request
from reports.permissions import reports_required
from reports.selectors.collections import EXPORT_HEADER, collections_export_rows, collections_report
from reports.views.common import render_report


@reports_required
def collections(request):
    """``GET /reports/collections/?period=…``: payments by day, method and recorder."""
    form, period = period_from_request(request)
    title = _("Collections")
    context = {"title": title, "form": form, "period": period,
               "report": collections_report(shop=request.shop, period=period)}
    return render_report(request, "reports/collections.html", context,
                         filename=f"collections-{period.start}-{period.end}", header=EXPORT_HEADER,
                         rows=lambda: collections_export_rows(shop=request.shop, period=period),
                         title=title)
