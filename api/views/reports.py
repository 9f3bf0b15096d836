"""``/api/v1/reports/aging/`` and ``/api/v1/reports/sales/``: the data of the aging and
sales reports, read through ``reports.selectors`` (the same figures as the pages)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from api.serializers.reports import AgingQuerySerializer, AgingSerializer, SalesSerializer
from api.views.base import ShopAPIView
from reports.periods import EARLIEST, LATEST, OUT_OF_RANGE, PeriodForm, Preset, local_today
from reports.selectors import sales as sales_selectors
from reports.selectors.aging import aging_rows, aging_totals


def _form_data(form) -> dict:
    """A valid form's cleaned data, or a 400 problem with its errors."""
    if not form.is_valid():
        raise exceptions.ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.cleaned_data


@extend_schema(tags=["reports"])
class AgingView(ShopAPIView):
    """What customers owe as of a date, by days past the due date."""

    required_actions = {"GET": "reports.view"}

    @extend_schema(parameters=[AgingQuerySerializer], responses=AgingSerializer)
    def get(self, request):
        """The totals over every customer who owes, and a page of them (largest first);
        ``next_page`` is the next ``page`` number, or null on the last page."""
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("date") or local_today()
        if not EARLIEST <= as_of <= LATEST:
            raise exceptions.ValidationError({"date": [OUT_OF_RANGE]})
        page, size = query.validated_data["page"], query.validated_data["page_size"]
        totals = aging_totals(shop=request.shop, as_of=as_of)
        start = (page - 1) * size
        rows = list(aging_rows(shop=request.shop, as_of=as_of)[start:start + size]) if start < totals.customers \
            else []
        data = {"as_of": as_of, "total": totals.total, "customers": totals.customers,
                "buckets": [{"key": b.key, "label": b.label, "amount": amount} for b, amount in totals.by_bucket()],
                "page": page, "next_page": page + 1 if start + size < totals.customers else None, "results": rows}
        return Response(AgingSerializer(data).data)


@extend_schema(tags=["reports"])
class SalesView(ShopAPIView):
    """Sales in a date range: totals, by day, by product, by category, top customers."""

    required_actions = {"GET": "reports.view"}

    @extend_schema(parameters=[
        OpenApiParameter("start", str, description="First day, YYYY-MM-DD (with end; default: this month)."),
        OpenApiParameter("end", str, description="Last day, YYYY-MM-DD (included)."),
    ], responses=SalesSerializer)
    def get(self, request):
        """Void invoices are left out; a range is at most about ten years."""
        params = request.query_params
        if params.get("start") or params.get("end"):
            data = {"period": Preset.CUSTOM, "start": params.get("start", ""), "end": params.get("end", "")}
        else:
            data = {"period": Preset.THIS_MONTH}
        period = _form_data(PeriodForm(data, shop=request.shop))["result"]
        shop, start, end = request.shop, period.start, period.end
        body = {
            "start": start, "end": end,
            "summary": sales_selectors.sales_summary(shop=shop, start=start, end=end),
            "by_day": sales_selectors.sales_by_day(shop=shop, start=start, end=end),
            "by_product": sales_selectors.sales_by_product(shop=shop, start=start, end=end),
            "by_category": sales_selectors.sales_by_category(shop=shop, start=start, end=end),
            "top_customers": sales_selectors.sales_top_customers(shop=shop, start=start, end=end),
        }
        return Response(SalesSerializer(body).data)
