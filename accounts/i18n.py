"""Which language a page or a message speaks (issue 16).

- A member's pages: the language the user chose in the header (``User.language``),
  else the shop's (``Shop.language``).
- Before login: Django's ``LocaleMiddleware`` (the switcher's cookie, else the
  browser's Accept-Language).
- A customer's messages and public statement: the customer's language, else the shop's
  (:func:`customer_language`).

Language codes are those of ``settings.LANGUAGES`` (``"en"``, ``"hi"``, ``"bn"``, ``"sw"``).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    """``code`` when it is one of ``settings.LANGUAGES`` (``"hi"``), else ``None``."""
    return code if code in LANGUAGE_CODES else None


def customer_language(customer=None, shop=None) -> str:
    """The language of a message to ``customer`` (anything with ``language`` and
    ``shop``) or, without one, to ``shop``'s customers: the customer's own, else the
    shop's, else ``settings.LANGUAGE_CODE``."""
    shop = shop or getattr(customer, "shop", None)
    return (supported(getattr(customer, "language", None)) or supported(getattr(shop, "language", None))
            or settings.LANGUAGE_CODE)


class LanguageMiddleware:
    """Activate the signed-in user's language, else their shop's, for the rest of the
    request. Runs after ``TenancyMiddleware`` (it reads ``request.shop``); anonymous
    requests keep what ``LocaleMiddleware`` chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = supported(getattr(user, "language", "")) or supported(
                getattr(getattr(request, "shop", None), "language", None))
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


@login_not_required
@require_POST
def set_language(request):
    """The header's switcher: POST ``language`` (a code of ``settings.LANGUAGES``) and
    ``next`` (a local URL). Remembers the choice on the user when signed in, and in the
    language cookie (so the login page keeps it); redirects to ``next``. An unknown
    language changes nothing."""
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = supported(request.POST.get("language"))
    if language:
        if request.user.is_authenticated:
            User.objects.filter(pk=request.user.pk).update(language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(), httponly=True,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        )
    return response

