"""The customer statement for a period (``/reports/statement/`` to pick a customer,
``/reports/customers/<id>/statement/`` for one), with CSV, XLSX and PDF."""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.tenancy import shop_required
from core.pdf import render_pdf
from customers.models import Customer
from customers.selectors import customer_search
from reports.periods import period_from_request
from reports.permissions import reports_required, require_reports
from reports.selectors.statement import EXPORT_HEADER, customer_period_statement, statement_export_rows
from reports.views.common import export_links, render_report, wanted_export

FORMATS = ("csv", "xlsx", "pdf")


@reports_required
def statement_pick(request):
    """``GET /reports/statement/?q=…``: find the customer (by name or phone), 20 at most."""
    query = request.GET.get("q", "").strip()[:100]
    # ``customer_search`` with a limit of 21: rare matches are read by id, never by walking
    # the shop's customers (issue 17).
    found = list(customer_search(shop=request.shop, query=query, limit=21).customers[:20]) if query else []
    return render(request, "reports/statement_pick.html", {"title": _("Customer statement"), "query": query,
                                                           "found": found})


@shop_required
def statement(request, customer_id):
    """``GET /reports/customers/<id>/statement/?period=…``: opening balance, entries,
    closing balance; ``&export=csv|xlsx|pdf``. Another shop's customer is a 404 (looked
    up before the role check, so staff of another shop get 404 too); staff get 403."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_reports(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    form, period = period_from_request(request)
    data = customer_period_statement(shop=request.shop, customer=customer, period=period)
    filename = f"statement-{customer.pk}-{period.start}-{period.end}"
    context = {"title": _("Statement · %(name)s") % {"name": customer.name}, "form": form, "period": period,
               "customer": customer, "statement": data}
    if wanted_export(request) == "pdf" and form.is_valid():
        html = render_to_string("reports/statement_pdf.html", {**context, "shop": request.shop}, request=request)
        response = HttpResponse(render_pdf(html, base_url=request.build_absolute_uri("/")),
                                content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{filename}.pdf")
        return response
    context["export_links"] = export_links(request, FORMATS) if form.is_valid() else []
    return render_report(request, "reports/statement.html", context, filename=filename, header=EXPORT_HEADER,
                         rows=lambda: statement_export_rows(data), formats=FORMATS, title=_("Statement"))
