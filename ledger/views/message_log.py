"""Placeholder: implemented by the messaging work in progress."""

from django.http import Http404


def message_list(request, **kwargs):
    raise Http404("not yet")


def customer_messages(request, **kwargs):
    raise Http404("not yet")
