"""The reports index at ``/reports/``."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from reports.permissions import reports_required

#: Every report the index may link, as (URL name, title, what it answers, icon). A report
#: whose URL does not resolve (not built yet) is left off, so the index never fails.
REPORTS = [
    ("reports:aging", _("Aging"), _("Who owes you, and for how long, as of a date."), "hourglass-split"),
    ("reports:statement_pick", _("Customer statement"),
     _("Opening balance, entries and closing balance for a period."), "person-lines-fill"),
    ("reports:collections", _("Collections"), _("Payments by day, by method and by who recorded them."), "cash-coin"),
    ("reports:sales", _("Sales"), _("By product, category and day; invoices, average bill, top customers."),
     "bar-chart"),
    ("reports:gst", _("GST summary"), _("A month's GSTR-1 sections and the GSTR-3B totals."), "percent"),
    ("reports:day_book", _("Day book"), _("Every entry of one day, with totals."), "journal-text"),
    ("reports:cash_book", _("Cash book"), _("The cash drawer per day: opening, in, out and closing."), "cash-stack"),
    ("reports:stock", _("Stock"), _("Low stock, valuation and the movement register."), "box-seam"),
    ("reports:charts", _("Charts"), _("Dues against payments for 12 months, and outstanding by age."), "graph-up"),
    ("reports:activity", _("Activity"), _("Who did what and when: entries, invoices, edits, settings, staff, logins."),
     "clock-history"),
    ("reports:exports", _("Data exports"), _("Customers, ledger entries, invoices, products and stock movements as "
                                             "CSV or Excel."), "download"),
]

#: Reports that need more than seeing reports: URL name → the action (accounts.permissions).
REPORT_ACTIONS = {"reports:activity": "activity.view", "reports:exports": "data.export"}


def available_reports(membership=None) -> list[dict]:
    """The entries of :data:`REPORTS` whose URL resolves and that ``membership`` may see (see
    :data:`REPORT_ACTIONS`), as dicts with ``url``, ``title``, ``description`` and ``icon``."""
    found = []
    for name, title, description, icon in REPORTS:
        if name in REPORT_ACTIONS and not can(membership, REPORT_ACTIONS[name]):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        found.append({"name": name, "url": url, "title": title, "description": description, "icon": icon})
    return found


@reports_required
def index(request):
    """``GET /reports/``: a card per available report."""
    return render(request, "reports/index.html", {"reports": available_reports(request.membership)})
