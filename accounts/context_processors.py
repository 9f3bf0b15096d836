from django.utils.functional import SimpleLazyObject


def shop(request):
    """Expose ``shop``, ``membership``, all the user's ``memberships`` and ``can`` (what the
    membership's role may do: ``{% if can.entry_void %}``, see ``accounts.permissions``)."""
    from accounts.permissions import allowed

    membership = getattr(request, "membership", None)
    return {
        "shop": getattr(request, "shop", None),
        "membership": membership,
        "memberships": getattr(request, "memberships", []),
        "can": SimpleLazyObject(lambda: allowed(membership)),
    }
