from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services, signals
from accounts.forms import RegistrationForm, ShopSettingsForm
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
