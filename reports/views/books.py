"""The day book (``/reports/day-book/``) and the cash book (``/reports/cash-book/``)."""

from django.utils.translation import gettext as _

from reports.periods import day_from_request, period_from_request
from reports.permissions import reports_required
from reports.selectors import cashbook, daybook
from reports.views.common import render_report


@reports_required
def day_book(request):
    """``GET /reports/day-book/?date=YYYY-MM-DD`` (default today): every entry of the day."""
    form, day = day_from_request(request, label=_("Day"))
    book = daybook.day_book(shop=request.shop, day=day)
    title = _("Day book")
    context = {"title": title, "form": form, "day": day, "book": book}
    return render_report(request, "reports/day_book.html", context, filename=f"day-book-{day.isoformat()}",
                         header=daybook.EXPORT_HEADER, rows=lambda: daybook.day_book_export_rows(book),
                         title=title)


@reports_required
def cash_book(request):
    """``GET /reports/cash-book/?period=…``: opening, in, out and closing per day."""
    form, period = period_from_request(request)
    book = cashbook.cash_book_report(shop=request.shop, period=period)
    title = _("Cash book")
    context = {"title": title, "form": form, "period": period, "book": book}
    return render_report(request, "reports/cash_book.html", context,
                         filename=f"cash-book-{period.start}-{period.end}", header=cashbook.EXPORT_HEADER,
                         rows=lambda: cashbook.cash_book_export_rows(book), title=title)
