"""Placeholder: implemented by the messaging work in progress."""

from django.http import Http404


def public_statement(request, **kwargs):
    raise Http404("not yet")


def public_statement_pdf(request, **kwargs):
    raise Http404("not yet")


def public_statement_claim(request, **kwargs):
    raise Http404("not yet")


def statement_link_create(request, **kwargs):
    raise Http404("not yet")


def statement_link_revoke(request, **kwargs):
    raise Http404("not yet")


def claim_confirm(request, **kwargs):
    raise Http404("not yet")


def claim_reject(request, **kwargs):
    raise Http404("not yet")


def claim_list(request, **kwargs):
    raise Http404("not yet")
