from django.urls import path

from reports.views import activity, aging, books, charts, collections, exports, index, statement
from reports.views import gst as gst_views
from reports.views import sales as sales_views
from reports.views import stock as stock_views

app_name = "reports"

# Each report's URL name is what the index links (reports.views.index.REPORTS).
urlpatterns = [
    path("", index.index, name="index"),
    path("aging/", aging.aging, name="aging"),
    path("aging/remind/", aging.aging_remind, name="aging_remind"),
    path("statement/", statement.statement_pick, name="statement_pick"),
    path("customers/<int:customer_id>/statement/", statement.statement, name="statement"),
    path("collections/", collections.collections, name="collections"),
    path("day-book/", books.day_book, name="day_book"),
    path("cash-book/", books.cash_book, name="cash_book"),
    path("sales/", sales_views.sales, name="sales"),
    path("gst/", gst_views.gst, name="gst"),
    path("stock/", stock_views.stock, name="stock"),
    path("charts/", charts.charts, name="charts"),
    path("panels/charts/", charts.charts_panel, name="charts_panel"),
    path("activity/", activity.activity, name="activity"),
    path("exports/", exports.exports, name="exports"),
    path("exports/<slug:dataset>.<slug:fmt>", exports.export_download, name="export_download"),
]
