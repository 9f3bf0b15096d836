from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services, signals
from accounts.forms import RegistrationForm, ShopSettingsForm
from accounts.request_log import client_ip
from accounts.tenancy import SESSION_SHOP_KEY, owner_required


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
            shop_name=data["shop_name"], phone=data["phone"], address=data["address"],
        )
        signals.shop_registered.send(sender=type(shop), shop=shop, user=user, request=request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_SHOP_KEY] = shop.pk
        messages.success(request, f"Welcome! Your shop “{shop.name}” is ready. Add your first customer.")
        return redirect("customers:create")
    return render(request, "accounts/register.html", {"form": form})


@owner_required
def shop_settings(request):
    form = ShopSettingsForm(request.POST or None, instance=request.shop)
    if request.method == "POST" and form.is_valid():
        services.shop_update(shop=request.shop, **{f: form.cleaned_data[f] for f in form.fields})
        messages.success(request, "Shop settings saved.")
        return redirect("accounts:shop_settings")
    return render(request, "accounts/shop_settings.html", {"form": form})


@require_POST
def switch_shop(request):
    """Make another of the user's shops the active one (POST ``shop``)."""
    try:
        shop_id = int(request.POST.get("shop", ""))
    except ValueError:
        shop_id = None
    membership = request.user.memberships.select_related("shop").filter(shop_id=shop_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that shop.")
    else:
        request.session[SESSION_SHOP_KEY] = membership.shop_id
        messages.success(request, f"Switched to {membership.shop.name}.")
    return redirect("ledger:dashboard")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, limited to ``settings.PASSWORD_RESET_LIMIT`` requests
    per client address per 15 minutes (so it cannot be used to flood inboxes). The
    count lives in the cache: use a shared cache (Redis) with several app servers."""

    window_seconds = 15 * 60

    def form_valid(self, form):
        key = f"password-reset:{client_ip(self.request) or '-'}"
        cache.add(key, 0, self.window_seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, self.window_seconds)
            count = 1
        if count > settings.PASSWORD_RESET_LIMIT:
            form.add_error(None, "Too many reset requests from your network. Try again in 15 minutes.")
            return self.form_invalid(form)
        return super().form_valid(form)
