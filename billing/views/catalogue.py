"""Placeholder: implemented by the billing work in progress."""

from django.http import Http404


def product_list(request, **kwargs):
    raise Http404("not yet")


def product_create(request, **kwargs):
    raise Http404("not yet")


def product_detail(request, **kwargs):
    raise Http404("not yet")


def product_edit(request, **kwargs):
    raise Http404("not yet")


def product_stock(request, **kwargs):
    raise Http404("not yet")


def category_list(request, **kwargs):
    raise Http404("not yet")


def category_edit(request, **kwargs):
    raise Http404("not yet")
