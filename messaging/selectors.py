"""Messaging reads: the shop's message log, and which emails are stuck "sending"."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Shop
from customers.models import Customer
from messaging.models import Message
from messaging.tasks import stuck_after


def message_list(*, shop: Shop, status: str = "", kind: str = "", channel: str = "",
                 customer: Customer | None = None) -> QuerySet:
    """The shop's messages, newest first, with ``customer`` joined; optionally only one
    ``status``/``kind``/``channel`` (``Message`` choice values) or one customer's."""
    messages = Message.objects.filter(shop=shop).select_related("customer").order_by("-created_at", "-pk")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if channel:
        messages = messages.filter(channel=channel)
    if customer is not None:
        messages = messages.filter(customer=customer)
    return messages


def stuck_before(now=None):
    """The datetime before which a "sending" email counts as stuck (now minus
    ``messaging.tasks.stuck_after()``): its worker is gone, and it may be sent again."""
    return (now or timezone.now()) - stuck_after()


def is_stuck(message: Message, now=None) -> bool:
    """Whether ``message`` is an email stuck "sending" (see :func:`stuck_before`)."""
    return (message.channel == Message.Channel.EMAIL and message.status == Message.Status.SENDING
            and message.status_changed_at < stuck_before(now))
