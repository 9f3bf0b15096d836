from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Membership, Shop, User


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
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role", "shop")
    search_fields = ("user__username", "shop__name")
    autocomplete_fields = ("user", "shop")
