"""Placeholder: implemented by the billing work in progress."""

from django.http import Http404


def drawer(request, **kwargs):
    raise Http404("not yet")
