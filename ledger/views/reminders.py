"""Placeholder: implemented by the messaging work in progress."""

from django.http import Http404


def customer_remind(request, **kwargs):
    raise Http404("not yet")


def customer_whatsapp(request, **kwargs):
    raise Http404("not yet")


def customer_sms(request, **kwargs):
    raise Http404("not yet")
