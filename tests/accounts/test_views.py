import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Shop, User
from tests.accounts.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "username": "ravi",
    "email": "ravi@example.com",
    "password1": "Strong-pass-987",
    "password2": "Strong-pass-987",
    "shop_name": "Ravi Kirana",
    "phone": "9876501234",
    "address": "12 Station Road, Pune",
}


def test_registration_creates_user_shop_owner_membership_and_logs_in(client):
    response = client.post(reverse("accounts:register"), REGISTRATION)

    assert response.status_code == 302
    assert response.url == reverse("customers:create")
    user = User.objects.get(username="ravi")
    shop = Shop.objects.get(name="Ravi Kirana")
    assert shop.currency == "INR" and shop.locale == "en_IN"
    assert Membership.objects.get(user=user, shop=shop).role == Membership.Role.OWNER
    assert client.get(reverse("ledger:dashboard")).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password2": "Other-pass-987"}, "password2", "The two password fields didn’t match."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"shop_name": ""}, "shop_name", "This field is required."),
        ({"password1": "12345678", "password2": "12345678"}, "password2", "This password is entirely numeric."),
    ],
)
def test_registration_errors_stay_on_the_form_and_write_nothing(client, change, field, message):
    response = client.post(reverse("accounts:register"), {**REGISTRATION, **change})

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not User.objects.exists()
    assert not Shop.objects.exists()


def test_registration_refuses_a_taken_username_and_email(client):
    UserFactory(username="ravi", email="ravi@example.com")

    response = client.post(reverse("accounts:register"), REGISTRATION)

    errors = response.context["form"].errors
    assert "A user with that username already exists." in errors["username"]
    assert "already exists" in errors["email"][0]
    assert Shop.objects.count() == 0


def test_login_and_logout_by_post(client):
    user = MembershipFactory().user

    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("ledger:dashboard")).status_code == 200

    assert client.get(reverse("accounts:logout")).status_code == 405  # logout is POST-only
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("ledger:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_wrong_password_shows_an_error(client):
    user = MembershipFactory().user
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize("name", ["ledger:dashboard", "customers:list", "customers:create",
                                  "accounts:shop_settings", "accounts:password_change"])
def test_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_password_reset_by_email(client):
    user = MembershipFactory(user__email="owner@example.com").user

    client.post(reverse("accounts:password_reset"), {"email": "owner@example.com"})

    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Brand-new-pass-42", "new_password2": "Brand-new-pass-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-42")


def test_password_change(client):
    user = MembershipFactory().user
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "pass-word-123", "new_password1": "Another-pass-77", "new_password2": "Another-pass-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-77")


def test_superuser_without_a_shop_gets_a_clear_page_not_a_500(client):
    admin = User.objects.create_superuser("root", "root@example.com", "pass-word-123")
    client.force_login(admin)

    for name in ("ledger:dashboard", "customers:list", "customers:create"):
        response = client.get(reverse(name))
        assert response.status_code == 404
        assert "You are not a member of any shop" in response.content.decode()


def test_staff_cannot_open_shop_settings(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse("accounts:shop_settings")).status_code == 403


def test_owner_changes_shop_settings(owner_client, shop):
    response = owner_client.post(reverse("accounts:shop_settings"), {
        "name": "New Name", "phone": "1234567", "address": "", "currency": "KES", "locale": "en_KE",
        "upi_id": "newname@okaxis", "gstin": "27aapfu0939f1zv", "invoice_prefix": "KS",
        "financial_year_start_month": "1", "send_payment_receipts": "on", "reminders_enabled": "on",
        "remind_days_before": "2", "remind_on_due_date": "on", "remind_every_days_after": "7", "remind_max_after": "3"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.currency, shop.locale, shop.upi_id) == ("New Name", "KES", "en_KE", "newname@okaxis")
    assert (shop.gstin, shop.invoice_prefix, shop.financial_year_start_month) == ("27AAPFU0939F1ZV", "KS", 1)
    assert shop.state == "27"  # the GSTIN's state


@pytest.mark.parametrize(("field", "value", "message"), [
    ("gstin", "12345", "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has 5 characters."),
    ("gstin", "27AAPFU0939F1ZA", "This GSTIN's last character (its check digit) does not match the rest: a "
                                 "character may be mistyped. Copy it from the registration certificate."),
    ("invoice_prefix", "A-B", "Use 1 to 5 letters or digits."),
    ("financial_year_start_month", "13", "Ensure this value is less than or equal to 12."),
])
def test_shop_settings_errors(owner_client, shop, field, value, message):
    data = {"name": "Shop", "currency": "INR", "locale": "en_IN", "invoice_prefix": "INV",
            "financial_year_start_month": "4", "remind_days_before": "2", "remind_every_days_after": "7",
            "remind_max_after": "3", field: value}
    response = owner_client.post(reverse("accounts:shop_settings"), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]


def test_switch_shop_only_to_a_shop_of_ones_own(client, owner, other_owner):
    second = MembershipFactory(user=owner.user, role=Membership.Role.CASHIER)
    client.force_login(owner.user)
    assert client.get(reverse("ledger:dashboard")).context["shop"] == owner.shop

    client.post(reverse("accounts:switch_shop"), {"shop": second.shop_id})
    assert client.get(reverse("ledger:dashboard")).context["shop"] == second.shop

    client.post(reverse("accounts:switch_shop"), {"shop": other_owner.shop_id})
    assert client.get(reverse("ledger:dashboard")).context["shop"] == second.shop
