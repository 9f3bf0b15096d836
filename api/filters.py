"""List filters (django-filter) of the API. Where a web list has a selector, the filter
set hands its validated values to that selector, so the API filters as the pages do:
the customer search (name, or a phone number however written), the invoice status
(read from each invoice's due), the product search and low-stock filter."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone

from billing.models import Invoice, Product
from billing.selectors import catalogue as catalogue_selectors
from billing.selectors import invoices as invoice_selectors
from customers import selectors as customer_selectors
from customers.models import Customer
from ledger.models import Due, Payment

#: The largest id a filter accepts (a bigger number cannot be a row).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number from 1 (another shop's id matches nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def money_filter(**kwargs) -> django_filters.NumberFilter:
    """An amount of money to compare with (at most 12 digits before the point, 2 after)."""
    return django_filters.NumberFilter(max_digits=14, decimal_places=2, **kwargs)


def _unchanged(queryset, name, value):
    """For filters the selector applies (see ``filter_queryset`` of each set)."""
    return queryset


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_unchanged, max_length=100,
                                  help_text="Name fragment, or a phone number whole or in part.")
    archived = django_filters.BooleanFilter(method=_unchanged,
                                            help_text="true: the archived customers instead of the active ones.")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="true: only those with a due past "
                                                                               "its due date.")
    balance_min = money_filter(field_name="balance", lookup_expr="gte")
    balance_max = money_filter(field_name="balance", lookup_expr="lte")

    class Meta:
        model = Customer
        fields = []

    def filter_overdue(self, queryset, name, value):
        overdue = Q(balance__gt=0, oldest_open_due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        queryset = customer_selectors.customer_list(shop=self.request.shop, query=data.get("q") or "",
                                                    archived=bool(data.get("archived")))
        return super().filter_queryset(queryset)


DUE_STATUSES = {
    Due.Status.VOID: Q(voided_at__isnull=False),
    Due.Status.PAID: Q(voided_at__isnull=True, outstanding=0),
    Due.Status.PARTIAL: Q(voided_at__isnull=True, outstanding__gt=0, outstanding__lt=F("amount")),
    Due.Status.OPEN: Q(voided_at__isnull=True, outstanding=F("amount")),
}


class DueFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", help_text="A customer's id.")
    status = django_filters.ChoiceFilter(choices=Due.Status.choices, method="filter_status")
    incurred_after = django_filters.DateFilter(field_name="incurred_on", lookup_expr="gte")
    incurred_before = django_filters.DateFilter(field_name="incurred_on", lookup_expr="lte")

    class Meta:
        model = Due
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(DUE_STATUSES[value])


class PaymentFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", help_text="A customer's id.")
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices)
    voided = django_filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True)
    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = []


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_unchanged, max_length=100, help_text="Number or customer name fragment.")
    customer = IdFilter(field_name="customer_id", help_text="A customer's id.")
    status = django_filters.ChoiceFilter(choices=Invoice.PaymentStatus.choices, method=_unchanged,
                                         help_text="Payment status now (from the invoice's due).")
    issued_after = django_filters.DateFilter(method=_unchanged)
    issued_before = django_filters.DateFilter(method=_unchanged)

    class Meta:
        model = Invoice
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        queryset = invoice_selectors.invoice_list(
            shop=self.request.shop, query=data.get("q") or "", status=data.get("status") or "",
            date_from=data.get("issued_after"), date_to=data.get("issued_before"))
        return super().filter_queryset(queryset)


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_unchanged, max_length=100, help_text="Name or SKU fragment.")
    category = django_filters.CharFilter(method=_unchanged, max_length=20,
                                         help_text="A category's id, or none for products without one.")
    low_stock = django_filters.BooleanFilter(method=_unchanged, help_text="true: tracked products at or below "
                                                                          "their low-stock level.")
    include_inactive = django_filters.BooleanFilter(method=_unchanged, help_text="true: inactive products too.")

    class Meta:
        model = Product
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return catalogue_selectors.product_list(
            shop=self.request.shop, query=data.get("q") or "",
            category=catalogue_selectors.parse_category_filter(data.get("category")),
            low_stock=bool(data.get("low_stock")), include_inactive=bool(data.get("include_inactive")))
