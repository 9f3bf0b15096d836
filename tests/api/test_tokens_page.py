"""Shop settings → API: the owner makes a token (shown once) and revokes it."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from api.models import ApiToken, token_hash
from tests.accounts.factories import MembershipFactory
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db
PAGE = "/api/tokens/"


def test_the_owner_makes_a_token_and_sees_it_once(owner_client, owner):
    cashier = MembershipFactory(shop=owner.shop, role=Membership.Role.CASHIER)
    form = owner_client.get(PAGE).context["form"]
    key = form.initial["idempotency_key"]

    response = owner_client.post(PAGE, {"name": "Till sync", "user": cashier.user_id, "read_only": "on",
                                        "idempotency_key": key})

    assert response.status_code == 200
    raw = response.context["raw"]
    token = ApiToken.objects.get(shop=owner.shop)
    assert token.token_hash == token_hash(raw) and token.user == cashier.user and token.read_only
    assert raw in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    # The next view of the page lists the token by its prefix only.
    listing = owner_client.get(PAGE).content.decode()
    assert raw not in listing and f"{token.prefix}…" in listing and "Till sync" in listing
    assert TokenClient(raw).get("/api/v1/customers/").status_code == 200


def test_a_double_submit_makes_one_token(owner_client, owner):
    key = owner_client.get(PAGE).context["form"].initial["idempotency_key"]
    data = {"name": "Twice", "user": owner.user_id, "idempotency_key": key}
    owner_client.post(PAGE, data)
    again = owner_client.post(PAGE, data)
    assert ApiToken.objects.filter(shop=owner.shop).count() == 1
    assert again.context["raw"] is None
    assert "was made already" in again.content.decode()


def test_a_member_of_another_shop_cannot_be_chosen(owner_client, owner, other_owner):
    response = owner_client.post(PAGE, {"name": "x", "user": other_owner.user_id})
    assert "user" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoke(owner_client, owner):
    key = owner_client.get(PAGE).context["form"].initial["idempotency_key"]
    raw = owner_client.post(PAGE, {"name": "Old", "user": owner.user_id, "idempotency_key": key}).context["raw"]
    token = ApiToken.objects.get(shop=owner.shop)

    response = owner_client.post(reverse("api:token_revoke", kwargs={"token_id": token.pk}))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert TokenClient(raw).get("/api/v1/customers/").status_code == 401
    assert "Revoked" in owner_client.get(PAGE).content.decode()


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_only_the_owner_manages_tokens(client, owner, role):
    member = MembershipFactory(shop=owner.shop, role=role)
    from api.services import api_token_create

    token, _raw = api_token_create(shop=owner.shop, user=owner.user, name="Owner's")
    client.force_login(member.user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Mine", "user": member.user_id}).status_code == 403
    assert client.post(reverse("api:token_revoke", kwargs={"token_id": token.pk})).status_code == 403
    assert ApiToken.objects.filter(shop=owner.shop).count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_shop_settings_links_to_the_api_page_for_the_owner(owner_client):
    page = owner_client.get(reverse("accounts:shop_settings")).content.decode()
    assert 'href="/api/tokens/"' in page
