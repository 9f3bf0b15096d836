"""The GST summary of a month (``/reports/gst/``), shaped like GSTR-1 and GSTR-3B 3.1, for
shops with a GSTIN; other shops see why there is nothing to file."""

import datetime

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.periods import add_months, local_today
from reports.permissions import reports_required
from reports.selectors.gst import gst_summary
from reports.views.common import render_report

SECTION_LABELS = {"b2cl": _("B2C large"), "b2cs": _("B2C small")}
HEAD_HEADER = [_("Taxable value"), "CGST", "SGST", "IGST", _("Tax")]
EXPORTS = {
    "sections": [_("Section"), _("Inter-state"), _("Rate %"), _("Invoices"), _("State"), *HEAD_HEADER],
    "hsn": ["HSN", "UQC", _("Rate %"), _("Quantity"), *HEAD_HEADER],
    "documents": [_("Series"), _("From"), _("To"), _("Total"), _("Cancelled"), _("Net issued")],
}


class MonthForm(forms.Form):
    """GET ``month`` as ``YYYY-MM`` (a month input); last month when absent or bad."""

    month = forms.DateField(required=False, label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            error_messages={"invalid": _("Enter the month as YYYY-MM, e.g. 2026-05.")})

    def __init__(self, data=None, *, today=None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or local_today()

    @property
    def first_day(self) -> datetime.date:
        """The first day of the chosen month (default: last month, the one usually filed)."""
        if self.is_valid() and self.cleaned_data.get("month"):
            return self.cleaned_data["month"].replace(day=1)
        return add_months(self.today, -1)


def _heads(row) -> list:
    return [row["taxable_value"], row["cgst"], row["sgst"], row["igst"], row["tax"]]


def _export_rows(section: str, summary: dict):
    if section == "hsn":
        for r in summary["hsn"]:
            yield [r["hsn"], r["uqc"], r["rate_label"], r["quantity"], *_heads(r)]
        yield [gettext("Total"), None, None, None, *_heads(summary["hsn_totals"])]
    elif section == "documents":
        for d in summary["documents"]:
            yield [d["series"], d["first"], d["last"], d["total"], d["cancelled"], d["net"]]
    else:
        for key, label in SECTION_LABELS.items():
            for r in summary[key]:
                yield [label, gettext("yes") if r["inter_state"] else gettext("no"), r["rate_label"], r["invoices"],
                       r["state"], *_heads(r)]
        yield [gettext("Total"), None, None, summary["invoices"], None, *_heads(summary["totals"])]


@reports_required
def gst(request):
    """``GET /reports/gst/?month=YYYY-MM`` (default last month); ``&export=csv|xlsx&section=
    sections|hsn|documents`` downloads one part (default the B2C sections). Five queries."""
    form = MonthForm(request.GET if "month" in request.GET else None)
    first = form.first_day
    if not form.is_bound:
        form = MonthForm({"month": first.strftime("%Y-%m")})
    summary = gst_summary(shop=request.shop, year=first.year, month=first.month)
    section = request.GET.get("section") if request.GET.get("section") in EXPORTS else "sections"
    context = {"title": gettext("GST summary"), "form": form, "month": first, "summary": summary}
    return render_report(request, "reports/gst.html", context,
                         filename=f"gst-{section}-{first.strftime('%Y-%m')}", header=EXPORTS[section],
                         rows=lambda: _export_rows(section, summary), title=f"GST {section}")
