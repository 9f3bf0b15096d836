"""Invoice PDFs: the A4 invoice template rendered by WeasyPrint, for the download
(``billing.views.documents.invoice_pdf``) and for the email attachment
(``billing.tasks.invoice_attachments``), with or without a request.

Stylesheets are read from the static files on disk, never fetched over HTTP.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

from billing.models import Invoice
from billing.selectors.documents import invoice_document

A4_TEMPLATE = "billing/documents/invoice_a4.html"
# Any absolute base works: the fetcher below only looks at the path of STATIC_URL files.
DEFAULT_BASE_URL = "http://localhost/"


def invoice_pdf(*, invoice: Invoice, request=None) -> tuple[str, bytes]:
    """``(filename, pdf bytes)`` of ``invoice`` on A4, e.g. ``("INV-26-27-0001.pdf", b"%PDF…")``.

    ``request`` is optional (the email task has none). ~0.1 s for a one-page invoice.
    """
    document = invoice_document(invoice=invoice)
    html = render_to_string(A4_TEMPLATE, {**document, "pdf": True}, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else DEFAULT_BASE_URL
    return document["filename"], render_pdf(html, base_url=base_url)


def render_pdf(html: str, *, base_url: str) -> bytes:
    """Render ``html`` to PDF bytes with WeasyPrint; static files come from disk.

    WeasyPrint (and the Pango libraries it loads) is imported here, so a machine without
    them fails on PDFs only, not on every page.
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
