"""Who may see reports: the permission table's ``reports.view`` (owners, managers and
viewers; ``accounts.permissions``), asked through :func:`can_view_reports`."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.permissions import can, denied_message
from accounts.tenancy import shop_required


def can_view_reports(membership) -> bool:
    """True when ``membership`` (an active ``accounts.Membership`` or ``None``) may see
    reports (``reports.view``: owners, managers, viewers)."""
    return can(membership, "reports.view")


def require_reports(request) -> None:
    """Raise ``PermissionDenied`` (403) unless the request's membership may see reports.
    Call it after looking up any object, so another shop's id is still a 404."""
    if not can_view_reports(getattr(request, "membership", None)):
        raise PermissionDenied(denied_message("reports.view"))


def reports_required(view):
    """Decorate a report view: 404 page without a shop (``shop_required``), 403 unless
    :func:`can_view_reports`."""

    @wraps(view)
    @shop_required
    def wrapper(request, *args, **kwargs):
        require_reports(request)
        return view(request, *args, **kwargs)

    return wrapper
