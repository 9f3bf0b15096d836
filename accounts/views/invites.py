"""The invite's accept page (no login needed): ``/accounts/invite/<token>/``.

It names the shop and the role, then lets the person either choose a username and
password (a new login, logged in after) or log in with the login they have (or, when
logged in already, join as themselves). A link that is unknown (404), used, withdrawn or
older than 7 days (410) gets a page saying so. The page carries ``X-Robots-Tag:
noindex`` and ``Cache-Control: private, no-store``; its ``Referrer-Policy: same-origin``
keeps the URL (the secret) from other sites while the page's own forms still send the
``Origin`` header Django's CSRF check needs (``no-referrer`` would make it ``null``).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import InviteSignupForm
from accounts.models import Membership
from accounts.selectors import invite_by_token
from accounts.services.staff import invite_refusal
from accounts.tenancy import SESSION_SHOP_KEY
from core.errors import DomainError
from core.views import form_error

TEMPLATE = "accounts/invite_accept.html"


def _private(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _joined(request, invite, member):
    request.session[SESSION_SHOP_KEY] = invite.shop_id
    messages.success(request, _("Welcome to %(shop)s. Your role: %(role)s.") % {
        "shop": invite.shop.name, "role": member.get_role_display().lower()})
    return redirect("ledger:dashboard")


@login_not_required
@sensitive_post_parameters("password", "password1", "password2")
@_private
def invite_accept(request, token):
    """``GET``: the invitation. ``POST action=signup`` (username, password1, password2),
    ``action=login`` (username, password) or ``action=join`` (logged in): join the shop."""
    invite = invite_by_token(token)
    if invite is None:
        return render(request, TEMPLATE, {"problem": _("This invitation link is not valid. Check that you "
                                                       "copied all of it, or ask the shop for a new one.")},
                      status=404)
    user = request.user
    if user.is_authenticated and invite.accepted_by_id == user.pk:
        member = Membership.objects.get(shop=invite.shop, user=user)
        return _joined(request, invite, member)  # the same form sent twice
    context = {"invite": invite, "invited_shop": invite.shop}
    if refusal := invite_refusal(invite):
        return render(request, TEMPLATE, {**context, "problem": refusal}, status=410)
    if user.is_authenticated and Membership.objects.filter(shop=invite.shop, user=user, is_active=True).exists():
        return render(request, TEMPLATE, {**context, "already_member": True})

    action = request.POST.get("action") if request.method == "POST" else None
    signup_form = InviteSignupForm(request.POST if action == "signup" else None, prefix="new")
    login_form = AuthenticationForm(request, data=request.POST if action == "login" else None, prefix="login")
    error = ""
    try:
        if action == "join" and user.is_authenticated:
            return _joined(request, invite, services.invite_accept(invite=invite, user=user))
        if action == "signup" and signup_form.is_valid():
            data = signup_form.cleaned_data
            new_user, member = services.invite_accept_new_user(invite=invite, username=data["username"],
                                                               password=data["password1"])
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(request, invite, member)
        if action == "login" and login_form.is_valid():
            existing = login_form.get_user()
            login(request, existing)
            if Membership.objects.filter(shop=invite.shop, user=existing, is_active=True).exists():
                return render(request, TEMPLATE, {**context, "already_member": True})
            return _joined(request, invite, services.invite_accept(invite=invite, user=existing))
    except DomainError as exc:
        if action == "signup":
            form_error(signup_form, exc)
        else:
            error = str(exc)
    return render(request, TEMPLATE, {**context, "signup_form": signup_form, "login_form": login_form,
                                      "action": action, "error": error})
