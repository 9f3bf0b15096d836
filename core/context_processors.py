"""Template context core adds to every page: the date picker's files and language."""

from django.utils.functional import SimpleLazyObject

from core.datepicker import picker_assets


def datepicker(request):
    """``datepicker``: lazily, :func:`core.datepicker.picker_assets` for the active language
    in the territory of the request's shop (``{"css", "js", "config"}``), or ``{}`` (falsy)
    where flatpickr is not installed and base.html keeps the native date inputs."""
    shop = getattr(request, "shop", None)
    base = getattr(shop, "locale", None) or None
    return {"datepicker": SimpleLazyObject(lambda: picker_assets(base))}
