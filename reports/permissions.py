"""Who may see reports. Owners only for now; when roles arrive (owner, manager, cashier,
viewer) :func:`can_view_reports` is the one place that changes."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.tenancy import shop_required


def can_view_reports(membership) -> bool:
    """True when ``membership`` (an ``accounts.Membership`` or ``None``) may see reports:
    today, the shop's owner (``membership.is_owner``)."""
    return membership is not None and membership.is_owner


def require_reports(request) -> None:
    """Raise ``PermissionDenied`` (403) unless the request's membership may see reports.
    Call it after looking up any object, so another shop's id is still a 404."""
    if not can_view_reports(getattr(request, "membership", None)):
        raise PermissionDenied("Only the shop owner can see reports.")


def reports_required(view):
    """Decorate a report view: 404 page without a shop (``shop_required``), 403 unless
    :func:`can_view_reports`."""

    @wraps(view)
    @shop_required
    def wrapper(request, *args, **kwargs):
        require_reports(request)
        return view(request, *args, **kwargs)

    return wrapper
