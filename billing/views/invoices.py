"""Placeholder: implemented by the billing work in progress."""

from django.http import Http404


def invoice_list(request, **kwargs):
    raise Http404("not yet")


def invoice_create(request, **kwargs):
    raise Http404("not yet")


def product_search(request, **kwargs):
    raise Http404("not yet")


def customer_search(request, **kwargs):
    raise Http404("not yet")


def invoice_line(request, **kwargs):
    raise Http404("not yet")


def invoice_totals(request, **kwargs):
    raise Http404("not yet")


def invoice_detail(request, **kwargs):
    raise Http404("not yet")


def invoice_void(request, **kwargs):
    raise Http404("not yet")


def customer_purchases(request, **kwargs):
    raise Http404("not yet")


def sales_panel(request, **kwargs):
    raise Http404("not yet")
