"""The operator's Django admin: superusers only, across every shop (DESIGN §3).

Shop users (owners and staff, whatever their ``is_staff`` flag or model permissions)
never get in: the admin works outside the shop scope, so a model permission such as
``view_customer`` would show every shop's rows. The rule is set once, on the admin
site itself, so it covers every page registered there.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from accounts.models import Invite, Membership, Shop, User


def is_operator(user) -> bool:
    """True for an active superuser with ``is_staff``: the only users the admin admits."""
    return bool(user.is_active and user.is_staff and user.is_superuser)


class OperatorAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refusing everyone but operators with the same message as
    a wrong password (so it does not tell which passwords are right)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Enter the %(username)s and password of a site operator (superuser) account; both may be "
            "case-sensitive. The admin is only for the site operator: shop owners and staff sign in "
            "on the app's login page."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_operator(user):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                  params={"username": self.username_field.verbose_name})


def _operator_has_permission(request) -> bool:
    """``AdminSite.has_permission`` for this site: only operators see any admin page."""
    return is_operator(request.user)


admin.site.has_permission = _operator_has_permission
admin.site.login_form = OperatorAuthenticationForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(User)
class KhataUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "date_joined")


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "currency", "locale", "created_at")
    search_fields = ("name", "phone")
    list_filter = ("currency", "locale")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "shop", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "shop")
    search_fields = ("user__username", "shop__name")
    autocomplete_fields = ("user", "shop")


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    """Invites and logins made by owners (read-only: the token is stored only as its hash)."""

    list_display = ("shop", "email", "role", "created_by", "created_at", "expires_at", "accepted_by", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email", "shop__name")
    readonly_fields = [f.name for f in Invite._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
