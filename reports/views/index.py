"""The reports index at ``/reports/``."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from accounts.permissions import can
from reports.permissions import reports_required

#: Every report the index may link, as (URL name, title, what it answers, icon). A report
#: whose URL does not resolve (not built yet) is left off, so the index never fails.
REPORTS = [
    ("reports:aging", "Aging", "Who owes you, and for how long, as of a date.", "hourglass-split"),
    ("reports:statement_pick", "Customer statement", "Opening balance, entries and closing balance for a period.",
     "person-lines-fill"),
    ("reports:collections", "Collections", "Payments by day, by method and by who recorded them.", "cash-coin"),
    ("reports:sales", "Sales", "By product, category and day; invoices, average bill, top customers.", "bar-chart"),
    ("reports:gst", "GST summary", "A month's GSTR-1 sections and the GSTR-3B totals.", "percent"),
    ("reports:day_book", "Day book", "Every entry of one day, with totals.", "journal-text"),
    ("reports:cash_book", "Cash book", "The cash drawer per day: opening, in, out and closing.", "cash-stack"),
    ("reports:stock", "Stock", "Low stock, valuation and the movement register.", "box-seam"),
    ("reports:charts", "Charts", "Dues against payments for 12 months, and outstanding by age.", "graph-up"),
    ("reports:activity", "Activity", "Who did what and when: entries, invoices, edits, settings, staff, logins.",
     "clock-history"),
    ("reports:exports", "Data exports", "Customers, ledger entries, invoices, products and stock movements as CSV or "
     "Excel.", "download"),
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
