"""The shop's message log: every email, WhatsApp and SMS message with its status.

The URLs keep their ``ledger:`` names and paths (``ledger/urls.py`` routes them here).
``/messages/`` lists them (filters: status, kind, channel, customer; 50 a page) and
takes the "Retry" POST for a failed email or one stuck "sending" (its worker died
mid-send); the customer's page loads the latest ten of that customer as a panel.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from customers.models import Customer
from messaging import selectors, services
from messaging.models import Message
from messaging.tasks import MAX_ATTEMPTS

PAGE_SIZE = 50
PANEL_SIZE = 10


def _mark_stuck(messages_shown) -> list:
    """``messages_shown`` as a list, each with ``stuck`` set (``messaging.selectors.is_stuck``):
    the templates show "Sending since …" with a Retry button for those."""
    now = timezone.now()
    shown = list(messages_shown)
    for message in shown:
        message.stuck = selectors.is_stuck(message, now)
    return shown


def _choice(value: str, choices) -> str:
    """``value`` if it is one of the ``TextChoices`` values, else ``""`` (no filter)."""
    return value if value in choices.values else ""


@shop_required
def message_list(request):
    """GET: the log. POST ``retry=<message id>``: queue that failed or stuck email again,
    then back to the same filtered page."""
    if request.method == "POST":
        return _retry(request)
    params = request.GET
    customer = None
    if params.get("customer", "").isdigit():
        customer = get_object_or_404(Customer, shop=request.shop, pk=params["customer"])
    filters = {
        "status": _choice(params.get("status", ""), Message.Status),
        "kind": _choice(params.get("kind", ""), Message.Kind),
        "channel": _choice(params.get("channel", ""), Message.Channel),
    }
    log = selectors.message_list(shop=request.shop, customer=customer, **filters)
    page = Paginator(log, PAGE_SIZE).get_page(params.get("page"))
    page.object_list = _mark_stuck(page.object_list)
    return render(request, "ledger/messages.html", {
        "page": page, "customer": customer, **filters, "filtered": any(filters.values()) or customer,
        "statuses": Message.Status.choices, "kinds": Message.Kind.choices, "channels": Message.Channel.choices,
        "max_attempts": MAX_ATTEMPTS,
    })


def _retry(request):
    value = request.POST.get("retry", "")
    message = get_object_or_404(Message, shop=request.shop, pk=value if value.isdigit() else 0)
    require_permission(request, "reminder.send")
    try:
        services.message_retry(shop=request.shop, message=message)
    except services.MessagingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The email to %(address)s is queued again.") % {"address": message.to})
    return redirect(request.get_full_path())


@shop_required
def customer_messages(request, customer_id):
    """Panel on the customer's page (loaded with htmx): their latest messages."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    latest = _mark_stuck(selectors.message_list(shop=request.shop, customer=customer)[:PANEL_SIZE + 1])
    return render(request, "ledger/_customer_messages.html", {
        "customer": customer, "latest": latest[:PANEL_SIZE], "has_more": len(latest) > PANEL_SIZE,
        "max_attempts": MAX_ATTEMPTS,
    })
