"""Staff (issue #13): invites by email and their accept page, logins made by the owner,
roles, deactivation, the last owner's protection and the ownership transfer."""

import datetime
import logging
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts import services
from accounts.models import Invite, Membership, User
from accounts.request_log import ContextFilter
from accounts.services import StaffError
from accounts.views.staff import TRANSFER_DONE_KEY
from messaging.models import Message
from tests.accounts.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"  # UserFactory's
NEW_PASSWORD = "Strong-pass-987"


def invite(owner, email="ravi@example.com", role=Membership.Role.CASHIER, **kwargs) -> Invite:
    return services.invite_create(shop=owner.shop, email=email, role=role, created_by=owner.user, **kwargs)


def accept_url(token: str) -> str:
    return reverse("accounts:invite_accept", kwargs={"token": token})


def signup(client, token, username="ravi", password=NEW_PASSWORD):
    return client.post(accept_url(token), {"action": "signup", "new-username": username,
                                           "new-password1": password, "new-password2": password})


def membership(user, shop):
    return Membership.objects.filter(user=user, shop=shop).first()


# -- Invites ---------------------------------------------------------------------------------

@override_settings(SITE_URL="https://khata.example.com")
def test_invite_by_email_sends_the_link_and_stores_only_its_hash(owner_client, owner, shop,
                                                                 django_capture_on_commit_callbacks):
    page = owner_client.get(reverse("accounts:staff_invite"))
    key = str(page.context["form"]["idempotency_key"].value())
    data = {"email": "Ravi@Example.com", "role": "manager", "idempotency_key": key}

    with django_capture_on_commit_callbacks(execute=True):
        first = owner_client.post(reverse("accounts:staff_invite"), data)
        second = owner_client.post(reverse("accounts:staff_invite"), data)  # a double click

    assert first.status_code == second.status_code == 302 and first.url == reverse("accounts:staff")
    created = Invite.objects.get(shop=shop)
    assert (created.email, created.role, created.created_by) == ("Ravi@example.com", "manager", owner.user)
    assert created.expires_at - created.created_at == datetime.timedelta(days=7)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["Ravi@example.com"]
    assert email.subject == f"You are invited to {shop.name} on Khata"
    token = re.search(r"https://khata\.example\.com/accounts/invite/([\w-]+)/", email.body).group(1)
    assert "as manager" in email.body
    assert created.token_hash == Invite.hash_token(token) and token not in created.token_hash
    log = Message.objects.get(shop=shop)
    assert (log.kind, log.customer, log.created_by) == (Message.Kind.WELCOME, None, owner.user)


def test_the_accept_page_names_the_shop_and_role_and_signup_logs_in(client, owner, shop):
    sent = invite(owner, role=Membership.Role.MANAGER)
    page = client.get(accept_url(sent.token))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Join {shop.name}" in html and "<strong>manager</strong>" in html and "ravi@example.com" in html
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "private, no-store"

    response = signup(client, sent.token)

    assert response.status_code == 302 and response.url == reverse("ledger:dashboard")
    user = User.objects.get(username="ravi")
    assert user.email == "ravi@example.com" and user.check_password(NEW_PASSWORD)
    assert membership(user, shop).role == Membership.Role.MANAGER
    sent.refresh_from_db()
    assert sent.accepted_by == user and sent.accepted_at is not None
    dashboard = client.get(reverse("ledger:dashboard"))
    assert dashboard.status_code == 200 and dashboard.context["shop"] == shop
    assert f"Welcome to {shop.name}. Your role: manager." in dashboard.content.decode()


def test_an_invite_works_once(client, owner, shop):
    sent = invite(owner)
    signup(client, sent.token)
    client.logout()

    again = signup(client, sent.token, username="mallory")

    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()
    assert not User.objects.filter(username="mallory").exists()
    assert Membership.objects.filter(shop=shop).count() == 2


def test_the_same_signup_sent_twice_lands_on_the_dashboard(client, owner, shop):
    sent = invite(owner)
    signup(client, sent.token)
    again = signup(client, sent.token)  # the browser still holds the new session
    assert again.status_code == 302 and again.url == reverse("ledger:dashboard")
    assert User.objects.filter(username="ravi").count() == 1


def test_an_invite_expires_after_seven_days(client, owner, shop, monkeypatch):
    sent = invite(owner)
    made = sent.created_at
    assert sent.status_at(made + datetime.timedelta(days=7) - datetime.timedelta(seconds=1)) == Invite.Status.PENDING
    assert sent.status_at(made + datetime.timedelta(days=7)) == Invite.Status.EXPIRED
    later = timezone.now() + datetime.timedelta(days=7, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    page = client.get(accept_url(sent.token))
    refused = signup(client, sent.token)

    assert page.status_code == refused.status_code == 410
    assert "This invitation has expired (invitations last 7 days)." in page.content.decode()
    assert shop.name in page.content.decode()
    assert not User.objects.filter(username="ravi").exists()
    with pytest.raises(StaffError, match="expired"):
        services.invite_accept(invite=sent, user=UserFactory())


def test_a_revoked_invite_is_refused(owner_client, owner, shop):
    sent = invite(owner)
    response = owner_client.post(reverse("accounts:invite_revoke", args=[sent.pk]))
    assert response.status_code == 302
    assert "The invitation to ravi@example.com was withdrawn." in owner_client.get(response.url).content.decode()

    client = Client()
    page = client.get(accept_url(sent.token))
    assert page.status_code == 410 and "This invitation was withdrawn by the shop." in page.content.decode()
    assert signup(client, sent.token).status_code == 410
    assert not User.objects.filter(username="ravi").exists()


def test_invite_tokens_are_kept_out_of_the_logs():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Gone: %s", ("/accounts/invite/SeCrEt/",), None)
    assert ContextFilter().filter(record)
    assert record.getMessage() == "Gone: /accounts/invite/…/"


def test_an_unknown_link_is_a_clear_404(client, db):
    response = client.get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


def test_an_invite_joins_its_own_shop_only(client, owner, shop, other_owner):
    sent = invite(owner)
    signup(client, sent.token)
    user = User.objects.get(username="ravi")
    assert membership(user, shop) is not None
    assert membership(user, other_owner.shop) is None
    with scopes_disabled():
        assert not Invite.objects.filter(shop=other_owner.shop).exists()


def test_another_shops_owner_cannot_revoke_it(client, owner, other_owner):
    sent = invite(owner)
    client.force_login(other_owner.user)
    assert client.post(reverse("accounts:invite_revoke", args=[sent.pk])).status_code == 404
    sent.refresh_from_db()
    assert sent.revoked_at is None


def test_an_existing_user_logs_in_and_joins(client, owner, shop, other_owner):
    sent = invite(owner, role=Membership.Role.VIEWER)
    wrong = client.post(accept_url(sent.token), {"action": "login", "login-username": other_owner.user.username,
                                                 "login-password": "wrong"})
    assert wrong.status_code == 200 and membership(other_owner.user, shop) is None
    assert "Please enter a correct username and password." in wrong.content.decode()

    response = client.post(accept_url(sent.token), {"action": "login", "login-username": other_owner.user.username,
                                                    "login-password": PASSWORD})

    assert response.status_code == 302 and response.url == reverse("ledger:dashboard")
    assert membership(other_owner.user, shop).role == Membership.Role.VIEWER
    assert membership(other_owner.user, other_owner.shop).role == Membership.Role.OWNER  # still owns theirs
    assert client.get(reverse("ledger:dashboard")).context["shop"] == shop  # now in the new shop


def test_a_logged_in_user_joins_with_one_button(client, owner, shop, other_owner):
    sent = invite(owner)
    client.force_login(other_owner.user)
    page = client.get(accept_url(sent.token))
    assert f"Join {shop.name} as {other_owner.user.username}" in page.content.decode()
    response = client.post(accept_url(sent.token), {"action": "join"})
    assert response.status_code == 302
    assert membership(other_owner.user, shop).role == Membership.Role.CASHIER


def test_a_member_already_in_the_shop_is_told_so(client, owner, shop, staff):
    sent = invite(owner, email="someone@example.com")
    client.force_login(staff.user)
    page = client.get(accept_url(sent.token))
    assert "You are already a member of" in page.content.decode()
    client.post(accept_url(sent.token), {"action": "join"})
    sent.refresh_from_db()
    assert sent.accepted_at is None
    assert membership(staff.user, shop).role == Membership.Role.CASHIER
    with pytest.raises(StaffError, match="You are already a member of"):
        services.invite_accept(invite=sent, user=staff.user)


def test_inviting_an_active_members_email_is_a_form_error(owner_client, shop, staff):
    response = owner_client.post(reverse("accounts:staff_invite"), {"email": staff.user.email.upper(),
                                                                     "role": "cashier"})
    assert response.status_code == 200
    assert "is already a member of" in response.context["form"].errors["email"][0]
    assert not Invite.objects.exists()


def test_a_new_invite_to_the_same_address_replaces_the_pending_one(client, owner):
    first = invite(owner)
    second = invite(owner, role=Membership.Role.VIEWER)
    assert client.get(accept_url(first.token)).status_code == 410
    assert client.get(accept_url(second.token)).status_code == 200


def test_an_invite_may_not_make_an_owner(owner):
    with pytest.raises(StaffError, match="Choose one of: Manager, Cashier, Viewer."):
        invite(owner, role=Membership.Role.OWNER)


def test_a_deactivated_member_accepting_an_invite_is_active_again(client, owner, shop, staff):
    services.membership_deactivate(shop=shop, member=staff, membership=owner)
    sent = invite(owner, email="back@example.com", role=Membership.Role.MANAGER)
    client.force_login(staff.user)
    client.post(accept_url(sent.token), {"action": "join"})
    staff.refresh_from_db()
    assert staff.is_active and staff.role == Membership.Role.MANAGER


# -- Logins made by the owner ------------------------------------------------------------------

LOGIN = {"username": "pappu", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "role": "cashier"}


def test_create_a_login_directly(owner_client, owner, shop):
    page = owner_client.get(reverse("accounts:staff_login_create"))
    data = {**LOGIN, "idempotency_key": str(page.context["form"]["idempotency_key"].value())}

    first = owner_client.post(reverse("accounts:staff_login_create"), data)
    second = owner_client.post(reverse("accounts:staff_login_create"), data)  # a double click

    assert first.status_code == second.status_code == 302
    user = User.objects.get(username="pappu")
    assert membership(user, shop).role == Membership.Role.CASHIER
    record = Invite.objects.get(shop=shop)
    assert (record.email, record.accepted_by, record.created_by) == ("", user, owner.user)
    cashier = Client()
    assert cashier.post(reverse("accounts:login"), {"username": "pappu", "password": NEW_PASSWORD}).status_code == 302
    assert cashier.get(reverse("ledger:dashboard")).context["membership"].role == Membership.Role.CASHIER


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"username": "taken"}, "username", "A user with that username already exists."),
    ({"password2": "Other-pass-987"}, "password2", "The two password fields didn’t match."),
    ({"role": "owner"}, "role", "Select a valid choice. owner is not one of the available choices."),
])
def test_a_bad_login_stays_on_the_form(owner_client, shop, change, field, message):
    UserFactory(username="taken")
    response = owner_client.post(reverse("accounts:staff_login_create"), {**LOGIN, **change})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert Membership.objects.filter(shop=shop).count() == 1


# -- Roles, access, the last owner --------------------------------------------------------------

def test_change_a_members_role(owner_client, shop, staff):
    response = owner_client.post(reverse("accounts:staff_member", args=[staff.pk]), {"role": "manager"})
    assert response.status_code == 302 and response.url == reverse("accounts:staff")
    staff.refresh_from_db()
    assert staff.role == Membership.Role.MANAGER
    assert owner_client.post(reverse("accounts:staff_member", args=[staff.pk]), {"role": "manager"}).status_code == 302


def test_the_last_owner_cannot_be_demoted(owner_client, owner, shop):
    response = owner_client.post(reverse("accounts:staff_member", args=[owner.pk]), {"role": "manager"})
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "You are the shop's only owner. Make another member owner first (or transfer ownership)."]
    owner.refresh_from_db()
    assert owner.role == Membership.Role.OWNER


def test_the_last_owner_cannot_be_deactivated(owner_client, owner, shop):
    response = owner_client.post(reverse("accounts:staff_member_active", args=[owner.pk]), {"active": "0"},
                                 follow=True)
    assert "You are the shop&#x27;s only owner." in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active
    with pytest.raises(StaffError, match="is the shop's only owner"):
        services.membership_deactivate(shop=shop, member=owner)


def test_with_two_owners_one_may_step_down(owner_client, owner, shop):
    other = MembershipFactory(shop=shop, role=Membership.Role.OWNER)
    response = owner_client.post(reverse("accounts:staff_member", args=[owner.pk]), {"role": "manager"})
    assert response.status_code == 302 and response.url == reverse("ledger:dashboard")  # no staff page any more
    owner.refresh_from_db()
    assert owner.role == Membership.Role.MANAGER
    with pytest.raises(StaffError, match="only owner"):
        services.membership_role_change(shop=shop, member=other, role=Membership.Role.CASHIER)


def test_deactivated_staff_reach_nothing_and_can_come_back(owner_client, owner, shop, staff):
    client = Client()
    client.force_login(staff.user)
    assert client.get(reverse("ledger:dashboard")).status_code == 200
    response = owner_client.post(reverse("accounts:staff_member_active", args=[staff.pk]), {"active": "0"})
    assert response.status_code == 302
    page = client.get(reverse("ledger:dashboard"))
    assert page.status_code == 404 and "You are not a member of any shop" in page.content.decode()
    assert client.get(reverse("customers:list")).status_code == 404
    switched = client.post(reverse("accounts:switch_shop"), {"shop": shop.pk}, follow=True)
    assert "You are not a member of that shop." in switched.content.decode()

    owner_client.post(reverse("accounts:staff_member_active", args=[staff.pk]), {"active": "1"})
    assert client.get(reverse("ledger:dashboard")).status_code == 200


def test_the_staff_page_lists_members_and_invites(owner_client, owner, shop, staff):
    staff.user.last_login = timezone.make_aware(datetime.datetime(2026, 11, 3, 9, 5))
    staff.user.save()
    gone = MembershipFactory(shop=shop, role=Membership.Role.VIEWER, is_active=False)
    invite(owner, email="waiting@example.com")
    html = owner_client.get(reverse("accounts:staff")).content.decode()
    assert staff.user.username in html and "Cashier" in html and "3 Nov 2026, 09:05" in html
    assert gone.user.username in html and "Deactivated" in html
    assert "waiting@example.com" in html and "Pending" in html
    members = owner_client.get(reverse("accounts:staff")).context["members"]
    assert [m.pk for m in members] == [owner.pk, staff.pk, gone.pk]


def test_settings_has_a_staff_section_and_the_nav_a_staff_link(owner_client, owner, shop, staff):
    invite(owner)
    html = owner_client.get(reverse("accounts:shop_settings")).content.decode()
    assert "2 members with access · 1 invitation not yet accepted" in html
    assert f'href="{reverse("accounts:staff")}"' in html
    assert f'href="{reverse("accounts:staff")}"' in owner_client.get(reverse("ledger:dashboard")).content.decode()
    manager = MembershipFactory(shop=shop, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager.user)
    assert f'href="{reverse("accounts:staff")}"' not in client.get(reverse("ledger:dashboard")).content.decode()


def test_registration_points_at_the_staff_page(client, db):
    html = client.get(reverse("accounts:register")).content.decode()
    assert f'Shop settings → <a href="{reverse("accounts:staff")}">Staff</a>' in html


# -- Ownership transfer ---------------------------------------------------------------------------

def test_transfer_ownership(owner_client, owner, shop, staff):
    url = reverse("accounts:ownership_transfer")
    key = str(owner_client.get(url).context["form"]["idempotency_key"].value())
    wrong = owner_client.post(url, {"member": staff.pk, "password": "nope", "idempotency_key": key})
    assert wrong.context["form"].errors["password"] == ["That is not your password."]
    staff.refresh_from_db()
    assert staff.role == Membership.Role.CASHIER

    done = owner_client.post(url, {"member": staff.pk, "password": PASSWORD, "idempotency_key": key})
    again = owner_client.post(url, {"member": staff.pk, "password": PASSWORD, "idempotency_key": key})

    assert done.status_code == again.status_code == 302 and again.url == reverse("ledger:dashboard")
    assert owner_client.session[TRANSFER_DONE_KEY] == key
    owner.refresh_from_db()
    staff.refresh_from_db()
    assert (owner.role, staff.role) == (Membership.Role.MANAGER, Membership.Role.OWNER)
    assert owner_client.get(reverse("accounts:staff")).status_code == 403
    assert owner_client.post(url, {"member": staff.pk, "password": PASSWORD}).status_code == 403


def test_transfer_to_a_deactivated_member_or_oneself_is_refused(owner, shop):
    gone = MembershipFactory(shop=shop, role=Membership.Role.CASHIER, is_active=False)
    with pytest.raises(StaffError, match="is deactivated"):
        services.ownership_transfer(shop=shop, to_member=gone, password=PASSWORD, by_user=owner.user)
    with pytest.raises(StaffError, match="you already own the shop"):
        services.ownership_transfer(shop=shop, to_member=owner, password=PASSWORD, by_user=owner.user)
    assert list(Membership.objects.filter(shop=shop, role=Membership.Role.OWNER)) == [owner]


def test_the_transfer_form_offers_active_members_of_the_shop_only(owner_client, owner, shop, staff, other_owner):
    MembershipFactory(shop=shop, is_active=False)
    form = owner_client.get(reverse("accounts:ownership_transfer")).context["form"]
    assert list(form.fields["member"].queryset) == [staff]
    response = owner_client.post(reverse("accounts:ownership_transfer"), {"member": other_owner.pk,
                                                                          "password": PASSWORD})
    assert "Select a valid choice" in response.context["form"].errors["member"][0]
