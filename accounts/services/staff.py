"""Staff: invites by email, logins the owner makes, roles, (de)activation and ownership
transfer (issue #13). Only a membership allowed ``staff.manage`` (or
``ownership.transfer``) may call them on behalf of a user; each takes the acting
``membership`` (a view's ``request.membership``) and checks it with
``accounts.permissions.check_actor``.

The shop always keeps an active owner: a change that would leave it with none raises
:class:`StaffError`. Changes that touch roles lock the shop row first, so two owners
demoting each other at once cannot both succeed.

An invite's raw token is made here, given once to the ``invite_created`` signal (the
email) and on the returned invite (``invite.token``), and stored only as its SHA-256.
"""

import secrets
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from accounts import signals
from accounts.models import Invite, Membership, Shop
from accounts.permissions import check_actor, role_label
from core.errors import DomainError

#: The roles an invite or a new login may have; an owner is made by promoting a member
#: or by transferring ownership, never through a link sent by email.
STAFF_ROLES = (Membership.Role.MANAGER, Membership.Role.CASHIER, Membership.Role.VIEWER)


class StaffError(DomainError):
    """A staff change the rules refuse; ``str(error)`` is a message for the owner."""


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, Invite.hash_token(token)


def _lock_shop(shop: Shop) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop.pk)


def _clean_role(role: str, *, allowed=STAFF_ROLES, field: str = "role") -> str:
    if role not in allowed:
        raise StaffError(_("Choose one of: %(roles)s.") % {"roles": ", ".join(str(role_label(r)) for r in allowed)},
                         field=field)
    return role


def _display(member: Membership) -> str:
    return member.user.get_full_name() or member.user.username


def _active_owners(shop: Shop) -> int:
    return Membership.objects.filter(shop=shop, role=Membership.Role.OWNER, is_active=True).count()


def _check_keeps_an_owner(shop: Shop, member: Membership, *, acting=None, field=None) -> None:
    """Refuse when ``member`` is the shop's only active owner (call with the shop locked)."""
    if member.is_active and member.is_owner and _active_owners(shop) <= 1:
        if acting is not None and acting.pk == member.pk:
            message = _("You are the shop's only owner. Make another member owner first (or transfer ownership).")
        else:
            message = _("%(name)s is the shop's only owner. Make another member owner first "
                        "(or transfer ownership).") % {"name": _display(member)}
        raise StaffError(message, field=field)


def _user_create(*, username: str, password: str, email: str = ""):
    user = get_user_model()(username=(username or "").strip(), email=email)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        field = "username" if "username" in errors else None
        raise StaffError(" ".join(errors.get(field or next(iter(errors)), [])), field=field) from exc
    user.save()
    return user


def _member_lookup(shop: Shop, member: Membership) -> Membership:
    try:
        return Membership.objects.select_related("user").get(shop=shop, pk=member.pk)
    except Membership.DoesNotExist:
        raise StaffError(_("That person is not a member of this shop.")) from None


# Invites ------------------------------------------------------------------------------------

@transaction.atomic
def invite_create(*, shop: Shop, email: str, role: str, created_by, membership=None,
                  idempotency_key: uuid.UUID | None = None, request=None) -> Invite:
    """Invite ``email`` to join ``shop`` as ``role`` (manager, cashier or viewer) for
    7 days, and email the link (the ``invite_created`` signal; ``request`` makes its link
    absolute when ``SITE_URL`` is not set).

    A newer invite to the same address replaces a pending one (its link stops working).
    A repeated ``idempotency_key`` returns the first invite and sends nothing. Raises
    :class:`StaffError` for a bad role or the address of an active member, and
    ``PermissionError`` unless the actor may manage staff. The returned new invite
    carries its raw token in ``invite.token`` (not stored).
    """
    check_actor(shop=shop, action="staff.manage", membership=membership, user=created_by)
    with scope(shop=shop):
        _lock_shop(shop)
        if idempotency_key is not None:
            seen = Invite.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
            if seen is not None:
                return seen
        email = BaseUserManager.normalize_email((email or "").strip())
        if not email:
            raise StaffError(_("Enter the email address to send the invitation to."), field="email")
        role = _clean_role(role)
        member = (Membership.objects.select_related("user")
                  .filter(shop=shop, is_active=True, user__email__iexact=email).first())
        if member is not None:
            raise StaffError(_("%(email)s is already a member of %(shop)s (%(name)s, %(role)s).") % {
                "email": email, "shop": shop.name, "name": _display(member),
                "role": member.get_role_display().lower()}, field="email")
        now = timezone.now()
        Invite.objects.filter(shop=shop, email__iexact=email, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
        token, hashed = _new_token()
        invite = Invite(shop=shop, email=email, role=role, token_hash=hashed, created_by=created_by,
                        created_at=now, expires_at=now + Invite.VALID_FOR, idempotency_key=idempotency_key)
        invite.full_clean()
        invite.save()
        invite.token = token
        signals.invite_created.send(sender=Invite, invite=invite, request=request,
                                    accept_path=reverse("accounts:invite_accept", kwargs={"token": token}))
        return invite


@transaction.atomic
def invite_revoke(*, shop: Shop, invite: Invite, revoked_by=None, membership=None) -> Invite:
    """Switch a pending invite's link off (again: nothing changes). Raises
    :class:`StaffError` when it was already accepted, ``PermissionError`` unless the
    actor may manage staff."""
    check_actor(shop=shop, action="staff.manage", membership=membership, user=revoked_by)
    with scope(shop=shop):
        invite = Invite.objects.select_for_update().get(shop=shop, pk=invite.pk)
        if invite.accepted_at is not None:
            raise StaffError(_("This invitation was already accepted. Deactivate the member instead."))
        if invite.revoked_at is None:
            invite.revoked_at = timezone.now()
            invite.save(update_fields=["revoked_at"])
        return invite


def invite_refusal(invite: Invite, now=None) -> str:
    """Why ``invite`` cannot be used now (``""`` when it can)."""
    status = invite.status_at(now or timezone.now())
    return {
        Invite.Status.ACCEPTED: _("This invitation has already been used. Log in to reach the shop."),
        Invite.Status.REVOKED: _("This invitation was withdrawn by the shop. Ask the owner for a new one."),
        Invite.Status.EXPIRED: _("This invitation has expired (invitations last 7 days). Ask the owner for a new one."),
    }.get(status, "")


@transaction.atomic
def invite_accept(*, invite: Invite, user) -> Membership:
    """``user`` joins the invite's shop with its role: a new membership, or their old,
    deactivated one active again. The invite is used up.

    Raises :class:`StaffError` when the invite was used, revoked or has expired, or when
    ``user`` already is an active member of the shop (nothing changes then).
    """
    shop = invite.shop
    with scope(shop=shop):
        invite = Invite.objects.select_for_update().select_related("shop").get(shop=shop, pk=invite.pk)
        if refusal := invite_refusal(invite):
            raise StaffError(refusal)
        member = Membership.objects.select_for_update().filter(shop=shop, user=user).first()
        if member is not None and member.is_active:
            raise StaffError(_("You are already a member of %(shop)s (%(role)s).") % {
                "shop": shop.name, "role": member.get_role_display().lower()})
        if member is None:
            member = Membership.objects.create(shop=shop, user=user, role=invite.role)
        else:
            member.role, member.is_active = invite.role, True
            member.save(update_fields=["role", "is_active"])
        invite.accepted_at, invite.accepted_by = timezone.now(), user
        invite.save(update_fields=["accepted_at", "accepted_by"])
        return member


@transaction.atomic
def invite_accept_new_user(*, invite: Invite, username: str, password: str):
    """A new login (``username``, ``password``, the invite's email) that joins the
    invite's shop. Returns ``(user, membership)``. Raises :class:`StaffError` when the
    invite cannot be used (nothing is created) or the username is taken
    (``field="username"``)."""
    if refusal := invite_refusal(invite):
        raise StaffError(refusal)
    user = _user_create(username=username, password=password, email=invite.email)
    return user, invite_accept(invite=invite, user=user)


# Logins made by the owner -----------------------------------------------------------------------

@transaction.atomic
def staff_login_create(*, shop: Shop, username: str, password: str, role: str, created_by, membership=None,
                       idempotency_key: uuid.UUID | None = None) -> Membership:
    """A new login (``username``, ``password``) for a member of ``shop`` with ``role``
    (manager, cashier or viewer), for staff without email. Recorded as an invite
    accepted at once (no email). A repeated ``idempotency_key`` returns the first
    membership. Raises :class:`StaffError` for a taken username (``field="username"``) or
    a bad role, ``PermissionError`` unless the actor may manage staff."""
    check_actor(shop=shop, action="staff.manage", membership=membership, user=created_by)
    with scope(shop=shop):
        _lock_shop(shop)
        if idempotency_key is not None:
            seen = Invite.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
            if seen is not None:
                return Membership.objects.select_related("user").get(shop=shop, user=seen.accepted_by)
        role = _clean_role(role)
        user = _user_create(username=username, password=password)
        member = Membership.objects.create(shop=shop, user=user, role=role)
        now = timezone.now()
        Invite.objects.create(shop=shop, role=role, token_hash=_new_token()[1], created_by=created_by,
                              created_at=now, expires_at=now, accepted_at=now, accepted_by=user,
                              idempotency_key=idempotency_key)
        return member


# Roles and activation -------------------------------------------------------------------------------

@transaction.atomic
def membership_role_change(*, shop: Shop, member: Membership, role: str, changed_by=None,
                           membership=None) -> Membership:
    """Give ``member`` (of ``shop``) another role (any role, owner included; the same role
    again changes nothing). Raises :class:`StaffError` when that would leave the shop
    without an active owner (``field="role"``), ``PermissionError`` unless the actor may
    manage staff."""
    check_actor(shop=shop, action="staff.manage", membership=membership, user=changed_by)
    role = _clean_role(role, allowed=Membership.Role.values)
    _lock_shop(shop)
    member = _member_lookup(shop, member)
    if member.role == role:
        return member
    if role != Membership.Role.OWNER:
        _check_keeps_an_owner(shop, member, acting=membership, field="role")
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def membership_deactivate(*, shop: Shop, member: Membership, changed_by=None, membership=None) -> Membership:
    """Take ``member``'s access to ``shop`` away (kept, and can be given back; again:
    nothing changes). Raises :class:`StaffError` for the shop's only active owner,
    ``PermissionError`` unless the actor may manage staff."""
    check_actor(shop=shop, action="staff.manage", membership=membership, user=changed_by)
    _lock_shop(shop)
    member = _member_lookup(shop, member)
    if not member.is_active:
        return member
    _check_keeps_an_owner(shop, member, acting=membership)
    member.is_active = False
    member.save(update_fields=["is_active"])
    return member


@transaction.atomic
def membership_activate(*, shop: Shop, member: Membership, changed_by=None, membership=None) -> Membership:
    """Give a deactivated ``member`` access to ``shop`` again with their role (again:
    nothing changes). Raises ``PermissionError`` unless the actor may manage staff."""
    check_actor(shop=shop, action="staff.manage", membership=membership, user=changed_by)
    member = _member_lookup(shop, member)
    if not member.is_active:
        member.is_active = True
        member.save(update_fields=["is_active"])
    return member


@transaction.atomic
def ownership_transfer(*, shop: Shop, to_member: Membership, password: str, by_user,
                       membership=None) -> Membership:
    """Hand the shop to ``to_member`` (an active member of ``shop`` other than the
    acting owner): they become owner, the acting owner (``by_user``, confirming with
    their ``password``) becomes manager. Returns the new owner's membership.

    Raises :class:`StaffError` for a wrong password (``field="password"``) or a member
    who is inactive, of another shop or the owner themselves (``field="member"``);
    ``PermissionError`` unless the actor may transfer ownership.
    """
    check_actor(shop=shop, action="ownership.transfer", membership=membership, user=by_user)
    if not by_user.check_password(password or ""):
        raise StaffError(_("That is not your password."), field="password")
    _lock_shop(shop)
    current = Membership.objects.select_for_update().get(shop=shop, user=by_user)
    to_member = _member_lookup(shop, to_member)
    if to_member.pk == current.pk:
        raise StaffError(_("Choose another member: you already own the shop."), field="member")
    if not to_member.is_active:
        raise StaffError(_("%(name)s is deactivated. Activate them first.") % {"name": _display(to_member)},
                         field="member")
    to_member.role = Membership.Role.OWNER
    to_member.save(update_fields=["role"])
    current.role = Membership.Role.MANAGER
    current.save(update_fields=["role"])
    return to_member
