"""The permission table: which role of a shop may do which action (DESIGN §3, issue #13).

One table, :data:`PERMISSIONS`, maps each action to the roles allowed it; every action is
registered as a rule of the ``rules`` package (``rules.test_rule(action, membership)``) so
views, services and templates ask the same question:

* views: :func:`permission_required` (decorator: 404 page without a shop, 403 without the
  permission) or :func:`require_permission` (after looking up an object, so another shop's
  id stays a 404);
* services: :func:`check_permission` (raises :class:`PermissionError`, a ``DomainError``),
  given the acting user's membership;
* templates: ``can`` from the context processor ``accounts.context_processors.shop`` —
  ``{% if can.entry_void %}`` (the action's dots become underscores).

The roles, in the field's usual names:

=========  =====================================================================
owner      everything
manager    everything but shop settings, staff and ownership
cashier    sell; record dues and payments; add and edit customers; see customer
           pages; see only today's sales total
viewer     read reports and exports (e.g. the accountant); write nothing
=========  =====================================================================
"""

from functools import wraps

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from core.errors import DomainError

OWNER, MANAGER, CASHIER, VIEWER = (Membership.Role.OWNER, Membership.Role.MANAGER, Membership.Role.CASHIER,
                                   Membership.Role.VIEWER)
EVERYONE = frozenset({OWNER, MANAGER, CASHIER, VIEWER})
WRITERS = frozenset({OWNER, MANAGER, CASHIER})
MANAGERS = frozenset({OWNER, MANAGER})
READERS = frozenset({OWNER, MANAGER, VIEWER})

#: action → the roles allowed it, with what the action covers.
PERMISSIONS: dict[str, frozenset] = {
    # Reading
    "shop.view": EVERYONE,                 # customer pages, invoices, products, the dashboard
    "sales.view_all": READERS,             # sales figures beyond today's total (dashboard, lists)
    "reports.view": READERS,               # /reports/ and every report
    "data.export": READERS,                # CSV/XLSX downloads of the book
    "activity.view": MANAGERS,             # the activity history page and panels
    # Daily work at the counter
    "sale.create": WRITERS,                # issue invoices, cash sales at the drawer
    "entry.create": WRITERS,               # record dues, payments, mark paid
    "customer.edit": WRITERS,              # add, edit, archive customers
    # Reminders and statement links are not in the cashier row, but they are part
    # of collecting dues ("record dues and payments"), so cashiers keep them.
    "reminder.send": WRITERS,              # reminders and statement links
    "link.revoke": MANAGERS,               # regenerate or revoke a customer's statement link
    # Receiving stock is a stock change, which the cashier row does not give
    # ("stock adjustment" is refused), and the counter does not need it: an invoice takes
    # its stock out by itself and never refuses a sale for lack of stock. Owners and
    # managers receive deliveries.
    "stock.receive": MANAGERS,             # receive stock into a product
    # Corrections and money out
    "entry.void": MANAGERS,                # void dues, payments, refunds
    "invoice.void": MANAGERS,
    "refund.create": MANAGERS,
    "credit_note.create": MANAGERS,        # sale returns: credit notes against invoices
    "stock.adjust": MANAGERS,              # adjust stock down/up with a reason; edit products
    "product.edit": MANAGERS,
    "drawer.count": MANAGERS,              # drawer counts, pay-outs, deposits, day close
    "data.import": MANAGERS,               # customer and product imports
    # The shop itself
    "settings.change": frozenset({OWNER}),
    "staff.manage": frozenset({OWNER}),
    "ownership.transfer": frozenset({OWNER}),
    "backup.download": frozenset({OWNER}),
}


def _has_role(roles: frozenset):
    @rules.predicate
    def predicate(membership) -> bool:
        return membership is not None and getattr(membership, "is_active", True) and membership.role in roles

    return predicate


for _action, _roles in PERMISSIONS.items():
    rules.add_rule(_action, _has_role(_roles))


class PermissionError(DomainError):  # noqa: A001 (the domain's own name; builtins are not imported here)
    """A service refused an action the acting user's role is not allowed."""


def can(membership, action: str) -> bool:
    """True when ``membership`` (an active ``Membership`` or ``None``) may do ``action``
    (a key of :data:`PERMISSIONS`). Raises ``KeyError`` for an unknown action."""
    if action not in PERMISSIONS:
        raise KeyError(action)
    return rules.test_rule(action, membership)


def allowed(membership) -> dict[str, bool]:
    """``{action_with_underscores: bool}`` for every action: what templates read as ``can``."""
    return {action.replace(".", "_"): can(membership, action) for action in PERMISSIONS}


def role_label(role: str) -> str:
    """The human name of ``role`` ("Owner", "Cashier", …)."""
    return Membership.Role(role).label


DENIED_MESSAGES = {
    "settings.change": _("Only the shop owner can change the shop's settings."),
    "staff.manage": _("Only the shop owner can manage staff."),
    "ownership.transfer": _("Only the shop owner can transfer ownership."),
    "backup.download": _("Only the shop owner can download a backup."),
}


def denied_message(action: str) -> str:
    """The sentence shown when ``action`` is refused (in the active language)."""
    if action in DENIED_MESSAGES:
        return str(DENIED_MESSAGES[action])
    roles = sorted(PERMISSIONS[action], key=Membership.Role.values.index)  # owner, manager, cashier, viewer
    return gettext("Your role cannot do this. Allowed: %(roles)s.") % {
        "roles": ", ".join(str(role_label(role)) for role in roles)}


def check_permission(membership, action: str) -> None:
    """For services: raise :class:`PermissionError` unless ``membership`` may do ``action``.
    Pass ``None`` only when no user acts (commands, tasks): then nothing is checked."""
    if membership is not None and not can(membership, action):
        raise PermissionError(denied_message(action))


def check_actor(*, shop, action: str, membership=None, user=None):
    """For services given the acting user: check ``action`` for ``membership`` when the
    caller has it (a view passes ``request.membership``: no query), else for ``user``'s
    membership of ``shop``, active or not (one query). Nothing is checked when neither
    gives a membership (commands, tasks, the demo data, a user of no shop such as an
    operator).

    Returns the membership checked (``None`` when none), for the service to pass on to
    the services it calls. Raises :class:`PermissionError` when the role may not do
    ``action``, when that membership is inactive, or when ``membership`` belongs to another
    shop.
    """
    if membership is None:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        membership = Membership.objects.filter(user=user, shop=shop).first()
    elif membership.shop_id != shop.pk:
        raise PermissionError(gettext("That role belongs to another shop."))
    check_permission(membership, action)
    return membership


def require_permission(request, action: str) -> None:
    """For views: raise ``PermissionDenied`` (403) unless the request's membership may do
    ``action``. Call it after looking up any object, so another shop's id is still a 404."""
    if not can(getattr(request, "membership", None), action):
        raise PermissionDenied(denied_message(action))


def permission_required(action: str):
    """Decorate a view: the 404 page without a shop (``shop_required``), 403 unless the
    request's membership may do ``action``."""
    from accounts.tenancy import shop_required

    def decorator(view):
        @wraps(view)
        @shop_required
        def wrapper(request, *args, **kwargs):
            require_permission(request, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def membership_of(user, shop):
    """The active ``Membership`` of ``user`` in ``shop`` or ``None`` (for services given a
    user rather than a membership; one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, shop=shop, is_active=True).first()
