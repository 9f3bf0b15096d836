def shop(request):
    """Expose ``shop``, ``membership`` and all the user's ``memberships`` to templates."""
    return {
        "shop": getattr(request, "shop", None),
        "membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
