"""What every report view shares: the export links and the rendering of a report page or
its download."""

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_scopes import scope

from reports.exports import export_response

#: The download formats a report offers, in the order the page shows them.
EXPORT_LABELS = {"csv": "CSV", "xlsx": _("Excel (XLSX)"), "pdf": "PDF"}


def export_links(request, formats=("csv", "xlsx")) -> list[dict]:
    """``[{"format": "csv", "label": "CSV", "url": "?period=…&export=csv"}, …]``: the current
    page's query with ``export`` set, for each of ``formats``."""
    links = []
    for fmt in formats:
        query = request.GET.copy()
        query["export"] = fmt
        links.append({"format": fmt, "label": EXPORT_LABELS[fmt], "url": "?" + query.urlencode()})
    return links


def wanted_export(request) -> str:
    """The ``export`` GET parameter ("csv", "xlsx", "pdf") or ``""`` for the page."""
    value = request.GET.get("export", "")
    return value if value in EXPORT_LABELS else ""


def in_shop_scope(rows, shop):
    """Iterate ``rows`` inside ``scope(shop=shop)`` and in the language active now. A
    streaming response is read by the server after the view returns, outside the tenancy
    middleware's scope, where a lazy query of a tenant model would raise ``ScopeError``
    (and the rows' labels must still be in the request's language)."""
    language = translation.get_language()

    def generate():
        with scope(shop=shop), translation.override(language):
            yield from rows

    return generate()


def render_report(request, template, context, *, filename, header=None, rows=None, formats=("csv", "xlsx"),
                  title="Report"):
    """The page (``template`` with ``context`` and the export links) or, when the request
    asks for ``?export=csv|xlsx`` and the report offers it, the streaming download of
    ``header`` and ``rows()`` (a callable returning the row iterator, so the page does not
    build rows it never shows). A form with errors (``context["form"]``) never exports."""
    export = wanted_export(request)
    form = context.get("form")
    form_ok = form is None or not form.is_bound or form.is_valid()
    if export in formats and export != "pdf" and rows is not None and form_ok:
        return export_response(export, filename, header, in_shop_scope(rows(), request.shop), title=title)
    context.setdefault("export_links", export_links(request, formats) if form_ok else [])
    return render(request, template, context)
