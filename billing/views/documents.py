"""Invoice documents: the A4 print page, the 80 mm receipt and the PDF download.

All three read the same :func:`billing.selectors.documents.invoice_document`. The PDF
is the A4 template rendered by WeasyPrint with ``pdf=True`` (no toolbar); its
stylesheet is read from the static files on disk, never fetched over HTTP.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import cache_control

from accounts.tenancy import shop_required
from billing import pdf
from billing.models import Invoice
from billing.pdf import a4_template
from billing.selectors.documents import invoice_document

RECEIPT_TEMPLATE = "billing/documents/receipt_80mm.html"


def _invoice(request, invoice_id) -> Invoice:
    invoices = Invoice.objects.select_related("shop", "customer", "due", "created_by")
    return get_object_or_404(invoices, shop=request.shop, pk=invoice_id)


@shop_required
def invoice_print(request, invoice_id):
    """The A4 invoice as a printable page (Print button, link to the PDF)."""
    document = invoice_document(invoice=_invoice(request, invoice_id))
    return render(request, a4_template(document), {**document, "pdf": False})


@shop_required
def invoice_receipt(request, invoice_id):
    """The 80 mm till receipt (narrow, essentials only)."""
    invoice = _invoice(request, invoice_id)
    return render(request, RECEIPT_TEMPLATE, invoice_document(invoice=invoice))


@shop_required
@cache_control(private=True, no_store=True)
def invoice_pdf(request, invoice_id):
    """The A4 invoice as a PDF download named after its number (``INV-26-27-0001.pdf``)."""
    filename, content = pdf.invoice_pdf(invoice=_invoice(request, invoice_id), request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
