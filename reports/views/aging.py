"""The aging report (``/reports/aging/``) and its "remind everyone in this bucket" action."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import require_permission
from core.errors import DomainError
from reports.charts import aging_chart
from reports.forms import BucketRemindForm
from reports.periods import day_from_request
from reports.permissions import reports_required
from reports.selectors.aging import BUCKETS, EXPORT_HEADER, aging_export_rows, aging_rows, aging_totals
from reports.services import REMIND_LIMIT, aging_bucket_remind
from reports.views.common import render_report

PER_PAGE = 100


@reports_required
def aging(request):
    """``GET /reports/aging/?date=YYYY-MM-DD`` (default today): the aging table, 100
    customers a page, the totals over all of them; ``&export=csv|xlsx`` downloads every row."""
    form, as_of = day_from_request(request, label=_("As of"))
    totals = aging_totals(shop=request.shop, as_of=as_of)
    paginator = Paginator(aging_rows(shop=request.shop, as_of=as_of), PER_PAGE)
    paginator.count = totals.customers  # known from the totals: saves a COUNT query
    page = paginator.get_page(request.GET.get("page"))
    title = _("Aging")
    context = {
        "title": title,
        "form": form,
        "as_of": as_of,
        "buckets": BUCKETS,
        "totals": totals,
        "page": page,
        "chart": aging_chart(totals, shop=request.shop),
        "remind_forms": [(bucket, BucketRemindForm(initial={"bucket": bucket.key, "as_of": as_of}), amount)
                         for bucket, amount in totals.by_bucket()],
    }
    return render_report(request, "reports/aging.html", context, filename=f"aging-{as_of.isoformat()}",
                         header=EXPORT_HEADER, rows=lambda: aging_export_rows(shop=request.shop, as_of=as_of),
                         title=title)


@require_POST
@reports_required
def aging_remind(request):
    """``POST /reports/aging/remind/``: queue reminder emails to everyone in one bucket, at
    most ``REMIND_LIMIT`` a post (``reminder.send`` as well as ``reports.view``: not for
    viewers)."""
    require_permission(request, "reminder.send")
    form = BucketRemindForm(request.POST)
    back = reverse("reports:aging")
    if not form.is_valid():
        messages.error(request, _("That reminder form was not valid. Reload the page and try again."))
        return redirect(back)
    as_of = form.cleaned_data["as_of"]
    back += "?" + urlencode({"date": as_of.isoformat()})
    try:
        result = aging_bucket_remind(shop=request.shop, bucket=form.cleaned_data["bucket"], as_of=as_of,
                                     created_by=request.user, idempotency_key=form.cleaned_data["idempotency_key"],
                                     request=request)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back)
    parts = [ngettext("%(count)s reminder queued for %(bucket)s.", "%(count)s reminders queued for %(bucket)s.",
                      result.queued) % {"count": result.queued, "bucket": result.bucket}]
    if result.already:
        parts.append(ngettext("%(count)s already reminded by email today.",
                              "%(count)s already reminded by email today.", result.already) % {"count": result.already})
    if result.skipped:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in result.skipped[:5])
        parts.append(ngettext("%(count)s skipped (%(reasons)s).", "%(count)s skipped (%(reasons)s).",
                              len(result.skipped)) % {"count": len(result.skipped),
                                                      "reasons": reasons + ("…" if len(result.skipped) > 5 else "")})
    if result.left:
        parts.append(ngettext("%(count)s more in this bucket not reminded yet (at most %(limit)s at a time): "
                              "remind the bucket again to reach them.",
                              "%(count)s more in this bucket not reminded yet (at most %(limit)s at a time): "
                              "remind the bucket again to reach them.", result.left)
                     % {"count": result.left, "limit": REMIND_LIMIT})
    messages.success(request, " ".join(parts))
    return redirect(back)
