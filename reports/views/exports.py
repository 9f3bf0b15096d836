"""The data exports page (``/reports/exports/``, issue #13): a download per dataset and
format, with a period for the dated ones (entries, invoices, stock movements).

Who: "data.export" (owners, managers, viewers; ``accounts.permissions``). The rows come
from ``reports.selectors.exports`` and stream through ``reports.exports.export_response``
(CSV as it is read; XLSX from a temporary file): memory stays flat for any shop size.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.permissions import permission_required
from reports.exports import export_response
from reports.periods import Preset, period_from_request
from reports.selectors.exports import DATASETS, export_rows
from reports.views.common import EXPORT_LABELS, in_shop_scope

FORMATS = ("csv", "xlsx")


def _page(request, form, period, *, status=200):
    query = urlencode(period.as_query())
    datasets = []
    for spec in DATASETS.values():
        links = []
        for fmt in FORMATS:
            url = reverse("reports:export_download", kwargs={"dataset": spec.key, "fmt": fmt})
            links.append({"format": fmt, "label": EXPORT_LABELS[fmt], "url": f"{url}?{query}" if spec.dated else url})
        datasets.append({"spec": spec, "links": links})
    return render(request, "reports/exports.html", {
        "title": _("Data exports"), "form": form, "period": period, "datasets": datasets}, status=status)


@permission_required("data.export")
def exports(request):
    """``GET /reports/exports/?period=…``: the datasets with their download links; the
    period (default: this financial year) applies to entries, invoices and movements."""
    form, period = period_from_request(request, default=Preset.THIS_FY)
    return _page(request, form, period)


@permission_required("data.export")
def export_download(request, dataset, fmt):
    """``GET /reports/exports/<dataset>.<csv|xlsx>?period=…``: the whole dataset of the
    shop, streamed. An unknown dataset or format is a 404; a bad period is the page again
    with the error (400), never a download of some other period."""
    spec = DATASETS.get(dataset)
    if spec is None or fmt not in FORMATS:
        raise Http404("No such export.")
    dates = {}
    name = f"khata-{spec.key}"
    if spec.dated:
        form, period = period_from_request(request, default=Preset.THIS_FY)
        if form.errors:
            return _page(request, form, period, status=400)
        dates = {"start": period.start, "end": period.end}
        name += f"-{period.start.isoformat()}-{period.end.isoformat()}"
    rows = export_rows(shop=request.shop, dataset=spec.key, **dates)
    return export_response(fmt, name, spec.header, in_shop_scope(rows, request.shop), title=spec.title)
