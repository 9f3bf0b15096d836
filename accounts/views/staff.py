"""The staff pages under Shop settings → Staff (owner only: ``staff.manage``): members
and open invites, invite by email, a login made directly, a member's role and access,
and the ownership transfer (``ownership.transfer``). Thin: form → one service →
message/redirect; another shop's member or invite is a 404 before the role check."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import InviteForm, RoleForm, StaffLoginForm, TransferForm
from accounts.models import Invite, Membership
from accounts.permissions import can, permission_required, require_permission
from accounts.tenancy import shop_required
from core.errors import DomainError
from core.views import form_error

#: The session key keeping the one-time key of the last ownership transfer done, so the
#: same form sent again lands on the done message instead of a 403 (the sender is a
#: manager by then).
TRANSFER_DONE_KEY = "ownership_transfer_done"


def _name(member: Membership) -> str:
    return member.user.get_full_name() or member.user.username


def _after_change(request):
    """Back to the staff page, or to the dashboard when the acting user just gave up the
    right to see it (demoted or deactivated themselves)."""
    request.membership.refresh_from_db(fields=["role", "is_active"])
    return redirect("accounts:staff" if can(request.membership, "staff.manage") else "ledger:dashboard")


@permission_required("staff.manage")
def staff_list(request):
    """Members (role, active or not, last login) and the invites not yet used."""
    return render(request, "accounts/staff_list.html", {
        "members": selectors.staff_members(shop=request.shop),
        "invites": selectors.open_invites(shop=request.shop),
    })


@permission_required("staff.manage")
def staff_invite(request):
    """Invite by email (``InviteForm``, one-time key): the link goes out by email."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invite = services.invite_create(shop=request.shop, email=data["email"], role=data["role"],
                                            created_by=request.user, membership=request.membership,
                                            idempotency_key=data["idempotency_key"], request=request)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s as %(role)s. The link works once, for 7 days.")
                             % {"email": invite.email, "role": invite.get_role_display().lower()})
            return redirect("accounts:staff")
    return render(request, "accounts/staff_invite.html", {"form": form})


@permission_required("staff.manage")
def staff_login_create(request):
    """A login made directly (``StaffLoginForm``: username, password twice, role), for
    a shop whose staff have no email."""
    form = StaffLoginForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.staff_login_create(
                shop=request.shop, username=data["username"], password=data["password1"], role=data["role"],
                created_by=request.user, membership=request.membership, idempotency_key=data["idempotency_key"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Created the login “%(username)s” (%(role)s). Give them the username and "
                                        "password; they can change the password once logged in.")
                             % {"username": member.user.username, "role": member.get_role_display().lower()})
            return redirect("accounts:staff")
    return render(request, "accounts/staff_login_form.html", {"form": form})


def _member(request, membership_id) -> Membership:
    member = get_object_or_404(Membership.objects.select_related("user"), shop=request.shop, pk=membership_id)
    require_permission(request, "staff.manage")
    return member


@shop_required
def staff_member(request, membership_id):
    """A member: change the role (``RoleForm``), deactivate or activate (posted to
    :func:`staff_member_active`)."""
    member = _member(request, membership_id)
    form = RoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.membership_role_change(shop=request.shop, member=member, role=form.cleaned_data["role"],
                                                     changed_by=request.user, membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is now %(role)s.") % {
                "name": _name(member), "role": member.get_role_display().lower()})
            return _after_change(request)
    return render(request, "accounts/staff_member.html", {
        "form": form, "member": member, "is_me": member.pk == request.membership.pk})


@require_POST
@shop_required
def staff_member_active(request, membership_id):
    """``active=1`` gives a deactivated member access again, ``active=0`` takes it away."""
    member = _member(request, membership_id)
    activate = request.POST.get("active") == "1"
    service = services.membership_activate if activate else services.membership_deactivate
    try:
        member = service(shop=request.shop, member=member, changed_by=request.user, membership=request.membership)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:staff_member", membership_id=member.pk)
    if activate:
        messages.success(request, _("%(name)s can use the shop again (%(role)s).") % {
            "name": _name(member), "role": member.get_role_display().lower()})
    else:
        messages.success(request, _("%(name)s no longer has access to %(shop)s. You can activate them again at "
                                    "any time.") % {"name": _name(member), "shop": request.shop.name})
    return _after_change(request)


@require_POST
@shop_required
def invite_revoke(request, invite_id):
    """Switch an invite's link off."""
    invite = get_object_or_404(Invite, shop=request.shop, pk=invite_id)
    require_permission(request, "staff.manage")
    try:
        services.invite_revoke(shop=request.shop, invite=invite, revoked_by=request.user,
                               membership=request.membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn. Its link no longer works.")
                         % {"email": invite.email})
    return redirect("accounts:staff")


@shop_required
def ownership_transfer(request):
    """Hand the shop to an active member, confirmed with the owner's password; the owner
    becomes manager. The same form sent again (a double click) lands on the dashboard
    with the done message."""
    if request.method == "POST" and request.POST.get("idempotency_key") and \
            request.POST["idempotency_key"] == request.session.get(TRANSFER_DONE_KEY):
        messages.info(request, _("Ownership was already transferred."))
        return redirect("ledger:dashboard")
    require_permission(request, "ownership.transfer")
    form = TransferForm(request.POST or None, shop=request.shop, exclude=request.membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            owner = services.ownership_transfer(shop=request.shop, to_member=data["member"],
                                                password=data["password"], by_user=request.user,
                                                membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            if data["idempotency_key"]:
                request.session[TRANSFER_DONE_KEY] = str(data["idempotency_key"])
            messages.success(request, _("%(name)s now owns %(shop)s. You are a manager.") % {
                "name": _name(owner), "shop": request.shop.name})
            return redirect("ledger:dashboard")
    return render(request, "accounts/ownership_transfer.html", {"form": form})
