"""The aging report (``/reports/aging/``) and its "remind everyone in this bucket" action."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.permissions import require_permission
from core.errors import DomainError
from reports.charts import aging_chart
from reports.forms import BucketRemindForm
from reports.periods import day_from_request
from reports.permissions import reports_required
from reports.selectors.aging import BUCKETS, EXPORT_HEADER, aging_export_rows, aging_rows, aging_totals
from reports.services import aging_bucket_remind
from reports.views.common import render_report

PER_PAGE = 100


@reports_required
def aging(request):
    """``GET /reports/aging/?date=YYYY-MM-DD`` (default today): the aging table, 100
    customers a page, the totals over all of them; ``&export=csv|xlsx`` downloads every row."""
    form, as_of = day_from_request(request, label="As of")
    totals = aging_totals(shop=request.shop, as_of=as_of)
    paginator = Paginator(aging_rows(shop=request.shop, as_of=as_of), PER_PAGE)
    paginator.count = totals.customers  # known from the totals: saves a COUNT query
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "title": "Aging",
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
                         title="Aging")


@require_POST
@reports_required
def aging_remind(request):
    """``POST /reports/aging/remind/``: queue reminder emails to everyone in one bucket
    (``reminder.send`` as well as ``reports.view``: not for viewers)."""
    require_permission(request, "reminder.send")
    form = BucketRemindForm(request.POST)
    back = reverse("reports:aging")
    if not form.is_valid():
        messages.error(request, "That reminder form was not valid. Reload the page and try again.")
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
    parts = [f"{result.queued} reminder{'s' if result.queued != 1 else ''} queued for {result.bucket}"]
    if result.already:
        parts.append(f"{result.already} already queued by this form")
    if result.skipped:
        parts.append(f"{len(result.skipped)} skipped (" +
                     "; ".join(f"{name}: {reason}" for name, reason in result.skipped[:5]) +
                     ("…" if len(result.skipped) > 5 else "") + ")")
    messages.success(request, ". ".join(parts) + ".")
    return redirect(back)
