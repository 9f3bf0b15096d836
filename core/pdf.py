"""The one HTML-to-PDF renderer (WeasyPrint) of the pages that answer with a PDF and of
the emails that attach one: the invoice (``billing.pdf``) and the shared statement
(``ledger.views.statements``).

Rendering never makes a network request: the URL fetcher serves ``STATIC_URL`` paths
from the static files on disk (finders in development, the collected storage in
production), passes ``data:`` URLs, and refuses every other URL.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

#: Any absolute base works: the fetcher only looks at the path of ``STATIC_URL`` files.
DEFAULT_BASE_URL = "http://localhost/"


def render_pdf(html: str, *, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """Render ``html`` (a whole document; stylesheets by ``{% static %}`` URL or inline)
    to PDF bytes. ``base_url`` resolves relative URLs (the request's
    ``build_absolute_uri("/")`` when there is one).

    WeasyPrint (and the Pango libraries it loads) is imported here, so a machine without
    them fails on PDFs only, not on every page. Raises ``ValueError`` (from the fetcher)
    for a URL that is neither a static file nor ``data:``.
    """
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=static_fetcher()).write_pdf()


def static_fetcher():
    """A WeasyPrint URL fetcher that serves ``STATIC_URL`` paths from the static files
    and ``data:`` URLs, and refuses every other URL with ``ValueError``."""
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
