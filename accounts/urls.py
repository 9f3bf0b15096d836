from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views, views_ping

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("accounts:password_change_done")), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_change_done.html"), name="password_change_done"),
    path("password/reset/", views.ThrottledPasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("shop/settings/", views.shop_settings, name="shop_settings"),
    path("shop/switch/", views.switch_shop, name="switch_shop"),
    path("shop/staff/", views.staff_list, name="staff"),
    path("shop/staff/invite/", views.staff_invite, name="staff_invite"),
    path("shop/staff/new-login/", views.staff_login_create, name="staff_login_create"),
    path("shop/staff/<int:membership_id>/", views.staff_member, name="staff_member"),
    path("shop/staff/<int:membership_id>/access/", views.staff_member_active, name="staff_member_active"),
    path("shop/staff/invites/<int:invite_id>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("shop/staff/transfer/", views.ownership_transfer, name="ownership_transfer"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("ping/", views_ping.ping, name="ping"),
]
