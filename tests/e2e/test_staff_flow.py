"""Staff in Chromium: the owner invites by email (Enter sends it), the invitee opens the
link, chooses a username and password and lands in the shop with the invited role; the
link then says it was used. A real browser matters here: the accept page's referrer
policy must still let its forms pass Django's CSRF origin check."""

import re

import pytest
from django.core import mail

from accounts.models import Membership, User
from tests.accounts.factories import MembershipFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


PASSWORD = "pass-word-123"  # noqa: S105 (tests.accounts.factories.UserFactory's)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_invite_accept_and_join(live_server, page, browser, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="owner", shop__name="Gupta Kirana")
    enter_scope(owner.shop)
    log_in(page, live_server, "owner")
    page.goto(f"{live_server.url}/accounts/shop/staff/invite/")
    page.fill("#id_email", "priya@example.com")
    page.check("input[name=role][value=manager]")
    page.press("#id_email", "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Invitation sent to priya@example.com as manager.")
    expect(page.get_by_test_id("staff-invites")).to_contain_text("priya@example.com")
    shot(page, "staff-page")

    link = re.search(r"https?://\S+/accounts/invite/[\w-]+/", mail.outbox[-1].body).group(0)
    invitee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    invitee.goto(link)
    expect(invitee.get_by_test_id("invite-summary")).to_contain_text("as manager")
    invitee.fill("#id_new-username", "priya")
    invitee.fill("#id_new-password1", "Strong-pass-987")
    invitee.fill("#id_new-password2", "Strong-pass-987")
    invitee.press("#id_new-password2", "Enter")
    expect(invitee.locator(".alert-success")).to_contain_text("Welcome to Gupta Kirana. Your role: manager.")
    assert Membership.objects.get(shop=owner.shop, user=User.objects.get(username="priya")).role == "manager"

    anonymous = browser.new_context().new_page()
    anonymous.goto(link)
    expect(anonymous.get_by_test_id("invite-problem")).to_have_text(
        "This invitation has already been used. Log in to reach the shop.")
    invitee.context.close()
    anonymous.context.close()
