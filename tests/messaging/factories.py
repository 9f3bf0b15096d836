"""factory-boy factories for messaging: a row in the shop's message log, written directly
(no email is sent and no task queued). Use ``messaging.services.email_queue`` for an email
that is queued and sent."""

import factory

from messaging.models import Message
from tests.accounts.factories import ShopFactory


class MessageFactory(factory.django.DjangoModelFactory):
    """A queued receipt email in the log, to the customer's email when there is one."""

    class Meta:
        model = Message

    shop = factory.LazyAttribute(lambda m: m.customer.shop if m.customer else ShopFactory())
    customer = None
    kind = Message.Kind.RECEIPT
    to = factory.LazyAttribute(lambda m: m.customer.email if m.customer and m.customer.email
                               else "someone@example.com")
    subject = "Receipt"
