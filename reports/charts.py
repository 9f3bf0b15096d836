"""Server-rendered bar charts: the geometry of an SVG (drawn by
``templates/reports/_bar_chart.html``, no script) and the numbers it shows, which the
template also prints as a table beside the chart for screen readers and paper.

A chart is categories along the x axis (months, aging buckets) and one or more series
of non-negative Decimal values (money in the shop's currency), bars side by side.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import dateformat
from django.utils.translation import gettext as _

from core.money import ZERO, format_shop_money

WIDTH = 640
HEIGHT = 260
LEFT = 8
RIGHT = 8
TOP = 12
BOTTOM = 40
#: CSS classes of the series colours (reports/static/reports/reports.css).
SERIES_CLASSES = ["bar-a", "bar-b", "bar-c"]


@dataclass
class Series:
    """One series: ``name``, its values (Decimal, one per category) and CSS class."""

    name: str
    values: list[Decimal]
    css_class: str = ""


@dataclass
class Bar:
    """One rectangle of the SVG, in user units, with its tooltip ``title``."""

    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass
class Chart:
    """A bar chart: ``title``, ``categories`` (labels), ``series``; ``bars`` and ``labels``
    (``[(x, text)]`` under the axis) are the drawing; ``rows`` the table beside it
    (``[(category, [formatted value per series])]``)."""

    title: str
    categories: list[str]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    label_y: float = HEIGHT - BOTTOM + 16
    maximum: str = ""
    chart_id: str = "chart"
    #: The heading of the table's first column (what the categories are).
    category_label: str = ""
    #: A long table scrolls in its own box on screen (printed in full).
    long_table: bool = False


def bar_chart(*, title: str, categories: list[str], series: list[Series], shop, chart_id: str = "chart",
              width: int = WIDTH, category_label: str = "", label_every: int = 1) -> Chart:
    """Lay out a bar chart of ``series`` over ``categories``, ``width`` user units wide (a
    narrower chart draws its labels larger where it is shown small); amounts are formatted
    in ``shop``'s currency for the tooltips and the table. Negative values draw as 0.
    ``label_every``: label every n-th category under the axis, counted from the last (the
    table still lists them all)."""
    for index, one in enumerate(series):
        one.css_class = one.css_class or SERIES_CLASSES[index % len(SERIES_CLASSES)]
    chart = Chart(title=title, categories=categories, series=series, chart_id=chart_id, width=width,
                  category_label=category_label)
    peak = max([v for one in series for v in one.values] + [ZERO])
    chart.maximum = format_shop_money(shop, peak)
    plot_width = width - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(categories), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    for i, category in enumerate(categories):
        x0 = LEFT + slot * i + slot * 0.1
        if (len(categories) - 1 - i) % label_every == 0:
            chart.labels.append((round(LEFT + slot * i + slot / 2, 1), category))
        shown = []
        for j, one in enumerate(series):
            value = one.values[i]
            height = float(max(value, ZERO) / peak) * plot_height if peak > 0 else 0.0
            chart.bars.append(Bar(x=round(x0 + bar_width * j, 1), y=round(TOP + plot_height - height, 1),
                                  width=round(bar_width, 1), height=round(height, 1), css_class=one.css_class,
                                  title=f"{one.name}, {category}: {format_shop_money(shop, value)}"))
            shown.append(format_shop_money(shop, value))
        chart.rows.append((category, shown))
    return chart


def aging_chart(totals, *, shop) -> Chart:
    """Outstanding by aging bucket (an ``AgingTotals``), one series."""
    pairs = totals.by_bucket()
    return bar_chart(title=_("Outstanding by days past the due date"),
                     categories=[bucket.short for bucket, _amount in pairs],
                     series=[Series(_("Outstanding"), [amount for _bucket, amount in pairs], "bar-a")], shop=shop,
                     chart_id="aging-chart", width=440, category_label=_("Days past due"))


def dues_payments_chart(months, *, shop) -> Chart:
    """Dues given against payments collected per month (``MonthFigures`` list)."""
    return bar_chart(title=_("Dues given and payments collected, by month"),
                     categories=[dateformat.format(m.month, "M y") for m in months],
                     series=[Series(_("Dues given"), [m.dues for m in months], "bar-a"),
                             Series(_("Payments collected"), [m.payments for m in months], "bar-b")],
                     shop=shop, chart_id="dues-payments-chart", category_label=_("Month"))


def sales_chart(days, *, shop) -> Chart:
    """Sales per day (``DayFigures`` list), one series; the table beside it lists every day."""
    chart = bar_chart(title=_("Sales per day, last 30 days"),
                      categories=[dateformat.format(d.day, "d M") for d in days],
                      series=[Series(_("Sales"), [d.total for d in days], "bar-c")], shop=shop,
                      chart_id="sales-chart", width=960, category_label=_("Day"), label_every=5)
    chart.long_table = True
    return chart
