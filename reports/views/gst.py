"""The GST summary of a month (``/reports/gst/``), shaped like GSTR-1 and GSTR-3B 3.1, for
shops with a GSTIN; other shops see why there is nothing to file."""

import datetime

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import ZERO
from reports.periods import add_months, local_today
from reports.permissions import reports_required
from reports.selectors.gst import HEADS, gst_summary
from reports.views.common import render_report

SECTION_LABELS = {"b2cl": _("B2C large"), "b2cs": _("B2C small")}
HEAD_HEADER = [_("Taxable value"), "CGST", "SGST", "IGST", _("Tax")]
#: The columns of the sections' download (B2B rows fill the recipient and invoice columns;
#: B2C rows the invoices counted; money columns last, tax the very last).
SECTION_HEADER = [_("Section"), _("Inter-state"), _("Rate %"), _("Invoices"), _("Place of supply"),
                  _("Recipient GSTIN"), _("Recipient"), _("Invoice"), _("Date"), _("Invoice value"),
                  _("Reverse charge"), _("Taxable value"), "CGST", "SGST", "IGST", _("Cess"), _("Tax")]
EXPORTS = {
    "sections": SECTION_HEADER,
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


def _section_heads(row, sign=1) -> list:
    """The money columns of a sections row: taxable value, CGST, SGST, IGST, cess (none is
    levied: 0) and tax, each times ``sign`` (-1: a credit note's reduction)."""
    taxable, cgst, sgst, igst, tax = (sign * row[key] or ZERO for key in HEADS)  # never "-0.00"
    return [taxable, cgst, sgst, igst, ZERO, tax]


def _section_rows(summary: dict):
    """The sections' download: the B2B rows (one per invoice and rate), the B2C large and
    small rows, a "Total" row (the sum of all of those: ``summary["totals"]``), the credit
    notes by rate as negative amounts, "Total less credit notes" (``net_totals``: Total
    plus the credit notes' rows), and GSTR-3B table 3.1(a) and 3.1(c), which add up to it."""
    yes_no = {True: gettext("yes"), False: gettext("no")}
    blank_b2b = [None] * 6
    for r in summary["b2b"]:
        yield ["B2B", yes_no[r["inter_state"]], r["rate_label"], None, r["place_of_supply"], r["gstin"],
               r["recipient"], r["number"], r["issued_on"], r["invoice_value"], "Y" if r["reverse_charge"] else "N",
               *_section_heads(r)]
    for key, label in SECTION_LABELS.items():
        for r in summary[key]:
            yield [label, yes_no[r["inter_state"]], r["rate_label"], r["invoices"], r["state"], *blank_b2b,
                   *_section_heads(r)]
    yield [gettext("Total"), None, None, summary["invoices"], None, *blank_b2b, *_section_heads(summary["totals"])]
    for r in summary["credit_notes"]["rows"]:
        yield [gettext("Credit notes"), yes_no[r["inter_state"]], r["rate_label"], r["notes"], None, *blank_b2b,
               *_section_heads(r, sign=-1)]
    yield [gettext("Total less credit notes"), None, None, None, None, *blank_b2b,
           *_section_heads(summary["net_totals"])]
    yield [gettext("GSTR-3B 3.1(a) outward taxable supplies"), None, None, None, None, *blank_b2b,
           *_section_heads(summary["table_3_1_a"])]
    yield [gettext("GSTR-3B 3.1(c) nil rated and exempted supplies"), None, None, None, None, *blank_b2b,
           *_section_heads(summary["table_3_1_c"])]


def _export_rows(section: str, summary: dict):
    if section == "hsn":
        for r in summary["hsn"]:
            yield [r["hsn"], r["uqc"], r["rate_label"], r["quantity"], *_heads(r)]
        yield [gettext("Total"), None, None, None, *_heads(summary["hsn_totals"])]
    elif section == "documents":
        for d in summary["documents"]:
            yield [d["series"], d["first"], d["last"], d["total"], d["cancelled"], d["net"]]
    else:
        yield from _section_rows(summary)


@reports_required
def gst(request):
    """``GET /reports/gst/?month=YYYY-MM`` (default last month); ``&export=csv|xlsx&section=
    sections|hsn|documents`` downloads one part (default the sections: B2B, B2C, credit
    notes and GSTR-3B 3.1, see :func:`_section_rows`). The summary's seven queries."""
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
