"""Placeholder: implemented by the billing work in progress."""

from django.http import Http404


def invoice_print(request, **kwargs):
    raise Http404("not yet")


def invoice_receipt(request, **kwargs):
    raise Http404("not yet")


def invoice_pdf(request, **kwargs):
    raise Http404("not yet")
