"""Shop settings → API: the owner's page to make and revoke API tokens
(``settings.change``). A new token's secret is shown once, on the page that made it.
A page of the shop's, so its text is translated (the API's own JSON stays English)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required, require_permission
from accounts.tenancy import shop_required
from api import selectors, services
from api.forms import TokenForm
from api.models import ApiToken
from core.errors import DomainError
from core.views import form_error


@never_cache
@permission_required("settings.change")
def token_list(request):
    """The shop's tokens and the form to make one. After a POST that made a token, the
    page shows its secret once (never stored, never shown again)."""
    members = list(selectors.token_user_choices(shop=request.shop))
    form = TokenForm(request.POST or None, members=members, initial={"user": request.user.pk})
    created = raw = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, raw = services.api_token_create(
                shop=request.shop, user=data["user"], name=data["name"], read_only=data["read_only"],
                created_by=request.user, membership=request.membership, idempotency_key=data["idempotency_key"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            if raw is None:
                messages.info(request, _("The token “%(name)s” was made already; its secret was shown once and "
                                         "cannot be shown again. Revoke it and make a new one if it was not "
                                         "copied.") % {"name": created.name})
            form = TokenForm(members=members, initial={"user": request.user.pk})
    return render(request, "api/tokens.html", {
        "form": form, "tokens": selectors.api_token_list(shop=request.shop), "created": created, "raw": raw,
    })


@require_POST
@shop_required
def token_revoke(request, token_id):
    """Revoke a token at once (``settings.change``); another shop's token is a 404."""
    token = get_object_or_404(ApiToken, shop=request.shop, pk=token_id)
    require_permission(request, "settings.change")
    services.api_token_revoke(shop=request.shop, token=token, revoked_by=request.user,
                              membership=request.membership)
    messages.success(request, _("Revoked the token “%(name)s”. Programs using it are refused from now on.")
                     % {"name": token.name})
    return redirect("api:tokens")
