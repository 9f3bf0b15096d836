"""The shop's Activity page (``/reports/activity/``): who did what and when (issue #13)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.permissions import permission_required
from reports.forms import ActivityFilterForm
from reports.selectors.activity import PAGE_SIZE, activity_members, activity_page

#: The badge of each kind of activity (Bootstrap classes).
BADGES = {"dues": "text-bg-warning", "payments": "text-bg-success", "refunds": "text-bg-secondary",
          "invoices": "text-bg-primary", "customers": "text-bg-info", "products": "text-bg-info",
          "settings": "text-bg-dark", "staff": "text-bg-dark", "logins": "text-bg-light border"}

#: The deepest page served (50 000 events back): a page reads up to ``page × 50`` rows per source.
MAX_PAGE = 1000


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@permission_required("activity.view")
def activity(request):
    """``GET /reports/activity/?user=&kind=&start=&end=&customer=|product=|invoice=&page=``: the
    shop's activity, newest first, :data:`PAGE_SIZE` to a page (owners and managers)."""
    form = ActivityFilterForm(request.GET or None, shop=request.shop, members=activity_members(shop=request.shop))
    page = activity_page(shop=request.shop, flt=form.activity_filter(), number=_page_number(request.GET.get("page")))
    for row in page.rows:
        row["badge"] = BADGES.get(row["kind"], "text-bg-light border")
    return render(request, "reports/activity.html", {
        "title": _("Activity"), "filters": form, "target": form.target, "page": page, "page_size": PAGE_SIZE,
    })
