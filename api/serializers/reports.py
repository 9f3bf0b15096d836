"""Report data: aging of receivables and sales in a date range (``reports.selectors``)."""

from rest_framework import serializers

from api.serializers.common import money
from api.serializers.common import quantity as quantity_field


class AgingQuerySerializer(serializers.Serializer):
    """``?date=YYYY-MM-DD`` (default today) and the page of customers."""

    date = serializers.DateField(required=False, help_text="As of this day (default today).")
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


class AgingBucketSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="current, d1_30, d31_60, d61_90, d91_120 or d120_plus.")
    label = serializers.CharField()
    amount = money()


class AgingRowSerializer(serializers.Serializer):
    """What one customer owes, by days past the due date."""

    customer_id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    current = money()
    d1_30 = money()
    d31_60 = money()
    d61_90 = money()
    d91_120 = money()
    d120_plus = money()
    total = money()


class AgingSerializer(serializers.Serializer):
    """The aging report: totals over every customer who owes, and one page of them
    (largest total first)."""

    as_of = serializers.DateField()
    total = money()
    customers = serializers.IntegerField(help_text="How many customers owe.")
    buckets = AgingBucketSerializer(many=True)
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    results = AgingRowSerializer(many=True)


class SalesQuerySerializer(serializers.Serializer):
    """``?start=&end=`` (both included; default this month)."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class SalesSummarySerializer(serializers.Serializer):
    invoices = serializers.IntegerField()
    void_count = serializers.IntegerField()
    taxable_value = money()
    tax = money()
    total = money()
    average_bill = money()


class SalesDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    invoices = serializers.IntegerField()
    quantity = quantity_field()
    taxable_value = money()
    tax = money()
    total = money()


class SalesProductSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    sku = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True, allow_null=True)
    category = serializers.CharField(allow_blank=True)
    quantity = quantity_field()
    taxable_value = money()
    tax = money()
    total = money()
    invoices = serializers.IntegerField()


class SalesCategorySerializer(serializers.Serializer):
    category_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    quantity = quantity_field()
    taxable_value = money()
    tax = money()
    total = money()
    invoices = serializers.IntegerField()


class SalesCustomerSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    invoices = serializers.IntegerField()
    total = money()


class SalesSerializer(serializers.Serializer):
    """Sales from ``start`` to ``end``: the totals, by day, by product, by category, and
    the top customers. Void invoices are left out."""

    start = serializers.DateField()
    end = serializers.DateField()
    summary = SalesSummarySerializer()
    by_day = SalesDaySerializer(many=True)
    by_product = SalesProductSerializer(many=True)
    by_category = SalesCategorySerializer(many=True)
    top_customers = SalesCustomerSerializer(many=True)
