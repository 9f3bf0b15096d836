"""Invoice documents: the A4 print page, the 80 mm receipt and the PDF download.

All three read the same :func:`billing.selectors.documents.invoice_document`. The PDF
is the A4 template rendered by WeasyPrint with ``pdf=True`` (no toolbar); its
stylesheet is read from the static files on disk, never fetched over HTTP.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.cache import cache_control

from accounts.tenancy import shop_required
from billing.models import Invoice
from billing.selectors.documents import invoice_document

A4_TEMPLATE = "billing/documents/invoice_a4.html"
RECEIPT_TEMPLATE = "billing/documents/receipt_80mm.html"


def _invoice(request, invoice_id) -> Invoice:
    invoices = Invoice.objects.select_related("shop", "customer", "due")
    return get_object_or_404(invoices, shop=request.shop, pk=invoice_id)


@shop_required
def invoice_print(request, invoice_id):
    """The A4 invoice as a printable page (Print button, link to the PDF)."""
    invoice = _invoice(request, invoice_id)
    return render(request, A4_TEMPLATE, {**invoice_document(invoice=invoice), "pdf": False})


@shop_required
def invoice_receipt(request, invoice_id):
    """The 80 mm till receipt (narrow, essentials only)."""
    invoice = _invoice(request, invoice_id)
    return render(request, RECEIPT_TEMPLATE, invoice_document(invoice=invoice))


@shop_required
@cache_control(private=True, no_store=True)
def invoice_pdf(request, invoice_id):
    """The A4 invoice as a PDF download named after its number (``INV-26-27-0001.pdf``)."""
    invoice = _invoice(request, invoice_id)
    document = invoice_document(invoice=invoice)
    html = render_to_string(A4_TEMPLATE, {**document, "pdf": True}, request=request)
    response = HttpResponse(render_pdf(html, base_url=request.build_absolute_uri("/")),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document["filename"])
    return response


def render_pdf(html: str, *, base_url: str) -> bytes:
    """Render ``html`` to PDF bytes with WeasyPrint; static files come from disk.

    WeasyPrint (and the Pango libraries it loads) is imported here, so a machine without
    them fails on this download only, not on every page.
    """
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher()).write_pdf()


def _static_fetcher():
    """A WeasyPrint URL fetcher that serves ``STATIC_URL`` paths from the static files
    (finders in development, the collected storage in production) and refuses every
    other URL, so rendering never makes a network request."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    # settings.STATIC_URL carries the script prefix ("/static/"); never static(""),
    # which the manifest storage refuses.
    static_path = "/" + urlsplit(settings.STATIC_URL).path.lstrip("/")

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme not in ("http", "https") or not parts.path.startswith(static_path):
                raise ValueError(f"not a static file: {url}")
            name = unquote(parts.path[len(static_path):])
            found = finders.find(name)
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
            elif staticfiles_storage.exists(name):
                with staticfiles_storage.open(name) as handle:
                    body = handle.read()
            else:
                raise ValueError(f"static file not found: {name}")
            content_type = "text/css" if name.endswith(".css") else ""
            return URLFetcherResponse(url, body, {"Content-Type": content_type} if content_type else None)

    return StaticFilesFetcher(allowed_protocols=["http", "https", "data"])
