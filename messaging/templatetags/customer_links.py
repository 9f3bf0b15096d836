"""``{% load customer_links %}``: links that go to customers, made absolute in templates."""

from django import template

from messaging.links import absolute_url

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_url(context, path):
    """``{% customer_url link.get_absolute_url %}``: ``path`` as a customer should get it,
    on ``SITE_URL``, else on the host of the page's ``request``
    (:func:`messaging.links.absolute_url`); ``""`` when neither is there."""
    return absolute_url(path, request=context.get("request"))
