"""Registration, shop settings, switching shop and the throttled password reset."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services, signals
from accounts.forms import RegistrationForm, ShopSettingsForm
from accounts.i18n import supported
from accounts.permissions import permission_required
from accounts.reminder_schedule import reminder_schedule_summary
from accounts.request_log import client_ip
from accounts.selectors import staff_summary
from accounts.tenancy import SESSION_SHOP_KEY


@login_not_required
def register(request):
    """Sign-up: creates the user, the shop and the owner membership, then logs in."""
    if request.user.is_authenticated:
        return redirect("ledger:dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, shop = services.shop_register(
            username=data["username"], email=data["email"], password=data["password1"],
            shop_name=data["shop_name"], phone=data["phone"], address=data["address"], country=data["country"],
            language=supported(getattr(request, "LANGUAGE_CODE", "")) or "",
        )
        signals.shop_registered.send(sender=type(shop), shop=shop, user=user, request=request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_SHOP_KEY] = shop.pk
        messages.success(request, _("Welcome! Your shop “%(shop)s” is ready. Add your first customer.")
                         % {"shop": shop.name})
        return redirect("customers:create")
    return render(request, "accounts/register.html", {"form": form})


@permission_required("settings.change")
def shop_settings(request):
    """The shop's settings, with the reminder schedule in words as saved (read before the
    form is bound: validating a form writes the posted values onto the instance), and the
    Staff section (how many members and open invites, a link to the staff page)."""
    schedule, reminders_on = reminder_schedule_summary(request.shop), request.shop.reminders_enabled
    form = ShopSettingsForm(request.POST or None, instance=request.shop)
    if request.method == "POST" and form.is_valid():
        services.shop_update(shop=request.shop, membership=request.membership,
                             **{f: form.cleaned_data[f] for f in form.fields})
        messages.success(request, _("Shop settings saved."))
        return redirect("accounts:shop_settings")
    return render(request, "accounts/shop_settings.html", {
        "form": form, "schedule": schedule, "reminders_on": reminders_on,
        "staff": staff_summary(shop=request.shop)})


@require_POST
def switch_shop(request):
    """Make another of the user's shops the active one (POST ``shop``)."""
    try:
        shop_id = int(request.POST.get("shop", ""))
    except ValueError:
        shop_id = None
    membership = request.user.memberships.select_related("shop").filter(shop_id=shop_id, is_active=True).first()
    if membership is None:
        messages.error(request, _("You are not a member of that shop."))
    else:
        request.session[SESSION_SHOP_KEY] = membership.shop_id
        messages.success(request, _("Switched to %(shop)s.") % {"shop": membership.shop.name})
    return redirect("ledger:dashboard")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, limited to ``settings.PASSWORD_RESET_LIMIT`` requests
    per client address in any 15 minutes (so it cannot be used to flood inboxes).

    The count lives in the cache, which every process shares (the database cache, or
    Redis with ``REDIS_URL``: see ``CACHES`` in the settings), so the limit holds however
    many workers or hosts serve the site. Each accepted request takes one of
    ``PASSWORD_RESET_LIMIT`` slots with ``cache.add``, which succeeds for one caller only
    even when two processes try at once; a slot frees itself 15 minutes after it was taken.
    """

    window_seconds = 15 * 60

    def form_valid(self, form):
        if not take_reset_slot(client_ip(self.request) or "-", window_seconds=self.window_seconds):
            form.add_error(None, _("Too many reset requests from your network. Try again in 15 minutes."))
            return self.form_invalid(form)
        return super().form_valid(form)


def take_reset_slot(address: str, *, window_seconds: int) -> bool:
    """Count one password-reset request from ``address`` (a client IP) in the shared cache:
    ``True`` when fewer than ``settings.PASSWORD_RESET_LIMIT`` were accepted from it in the
    last ``window_seconds``, ``False`` (and nothing counted) otherwise."""
    return any(cache.add(f"password-reset:{address}:{slot}", 1, window_seconds)
               for slot in range(settings.PASSWORD_RESET_LIMIT))
