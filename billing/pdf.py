"""Invoice PDFs: the A4 invoice template of the invoice's tax scheme (:func:`a4_template`)
rendered by :func:`core.pdf.render_pdf`, for the download
(``billing.views.documents.invoice_pdf``) and for the email attachment
(``billing.tasks.invoice_attachments``), with or without a request.

Stylesheets are read from the static files on disk, never fetched over HTTP.
"""

from django.template.loader import render_to_string

from billing.models import Invoice
from billing.selectors.documents import invoice_document
from core.pdf import DEFAULT_BASE_URL, render_pdf

A4_TEMPLATE = "billing/documents/invoice_a4.html"
#: Bangladesh's VAT invoice (Mushak-6.3); every other scheme uses ``A4_TEMPLATE``.
MUSHAK_TEMPLATE = "billing/documents/invoice_a4_mushak.html"


def a4_template(document: dict) -> str:
    """The A4 template of an invoice ``document`` (``invoice_document``): its scheme's layout."""
    return MUSHAK_TEMPLATE if document.get("is_mushak") else A4_TEMPLATE


def invoice_pdf(*, invoice: Invoice, request=None) -> tuple[str, bytes]:
    """``(filename, pdf bytes)`` of ``invoice`` on A4, e.g. ``("INV-26-27-0001.pdf", b"%PDF…")``.

    ``request`` is optional (the email task has none). ~0.1 s for a one-page invoice.
    """
    document = invoice_document(invoice=invoice)
    html = render_to_string(a4_template(document), {**document, "pdf": True}, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else DEFAULT_BASE_URL
    return document["filename"], render_pdf(html, base_url=base_url)
