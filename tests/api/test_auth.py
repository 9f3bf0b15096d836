"""Who may call the API: tokens (hashed, revocable, bound to a user and a shop), the
login session with CSRF, the request limit per token, and the log line per request."""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_scopes import scope
from rest_framework.settings import api_settings

from accounts.models import Membership
from api.models import ApiToken, token_hash
from api.services import api_token_revoke
from customers.models import Customer
from tests.accounts.factories import MembershipFactory
from tests.api.conftest import TokenClient, make_token
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/customers/"


def test_without_credentials_it_is_a_401_problem(shop):
    response = TokenClient(None).get(CUSTOMERS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer khata_not-a-real-token", "Bearer", "Bearer a b", "Bearer " + "k" * 500])
def test_a_bad_token_is_a_401(shop, header):
    response = TokenClient(None).get(CUSTOMERS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_is_stored_as_a_hash_with_a_short_prefix(owner):
    raw = make_token(owner)
    token = ApiToken.objects.get(shop=owner.shop)
    assert raw.startswith("khata_") and len(raw) == 49
    assert token.token_hash == token_hash(raw) and raw not in (token.token_hash, token.prefix)
    assert raw.startswith(token.prefix) and len(token.prefix) == 12


def test_a_token_acts_in_its_shop_as_its_user(owner, other_owner):
    CustomerFactory(shop=owner.shop, name="Mine")
    CustomerFactory(shop=other_owner.shop, name="Theirs")
    response = TokenClient(make_token(owner)).get(CUSTOMERS)
    assert [c["name"] for c in response.json()["results"]] == ["Mine"]
    created = TokenClient(make_token(owner)).post(CUSTOMERS, {"name": "New"})
    assert created.status_code == 201
    assert Customer.objects.filter(shop=owner.shop, name="New").exists()


def test_a_revoked_token_stops_working(owner):
    raw = make_token(owner)
    client = TokenClient(raw)
    assert client.get(CUSTOMERS).status_code == 200
    api_token_revoke(shop=owner.shop, token=ApiToken.objects.get(shop=owner.shop))
    assert client.get(CUSTOMERS).status_code == 401


def test_a_deactivated_membership_makes_the_token_fail(owner):
    cashier = MembershipFactory(shop=owner.shop, role=Membership.Role.CASHIER)
    client = TokenClient(make_token(cashier))
    assert client.get(CUSTOMERS).status_code == 200
    cashier.is_active = False
    cashier.save()
    assert client.get(CUSTOMERS).status_code == 401


def test_a_deactivated_user_makes_the_token_fail(owner):
    client = TokenClient(make_token(owner))
    owner.user.is_active = False
    owner.user.save()
    assert client.get(CUSTOMERS).status_code == 401


def test_a_role_change_applies_to_the_next_request(owner):
    manager = MembershipFactory(shop=owner.shop, role=Membership.Role.MANAGER)
    client = TokenClient(make_token(manager))
    assert client.post(CUSTOMERS, {"name": "One"}).status_code == 201
    manager.role = Membership.Role.VIEWER
    manager.save()
    assert client.post(CUSTOMERS, {"name": "Two"}).status_code == 403


def test_last_used_is_noted(owner):
    client = TokenClient(make_token(owner))
    assert ApiToken.objects.get(shop=owner.shop).last_used_at is None
    client.get(CUSTOMERS)
    assert ApiToken.objects.get(shop=owner.shop).last_used_at is not None


def test_the_session_works_with_csrf_on_writes(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner.user)
    assert browser.get(CUSTOMERS).status_code == 200

    refused = browser.post(CUSTOMERS, {"name": "No token"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    browser.get(reverse("accounts:shop_settings"))  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    created = browser.post(CUSTOMERS, {"name": "With token"}, content_type="application/json",
                           headers={"X-CSRFToken": csrf})
    assert created.status_code == 201
    assert Customer.objects.filter(shop=owner.shop).count() == 1


def test_a_logged_in_user_without_a_shop_is_refused(db):
    from tests.accounts.factories import UserFactory

    browser = Client()
    browser.force_login(UserFactory())
    response = browser.get(CUSTOMERS)
    assert response.status_code == 403
    assert response.json()["detail"] == "You have no active access to a shop."


def test_the_token_shop_wins_over_the_session_shop(owner, other_owner):
    """A browser logged in to shop A sending shop B's token acts in shop B."""
    CustomerFactory(shop=other_owner.shop, name="Theirs")
    browser = Client()
    browser.force_login(owner.user)
    response = browser.get(CUSTOMERS, headers={"Authorization": f"Bearer {make_token(other_owner)}"})
    assert [c["name"] for c in response.json()["results"]] == ["Theirs"]


def test_requests_are_limited_per_token(owner):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/minute"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        busy, other = TokenClient(make_token(owner)), TokenClient(make_token(owner, name="Other"))
        statuses = [busy.get(CUSTOMERS).status_code for _ in range(4)]
        limited = busy.get(CUSTOMERS)
        assert other.get(CUSTOMERS).status_code == 200
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["code"] == "throttled"
    assert 1 <= int(limited["Retry-After"]) <= 60


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_each_request_is_logged_with_shop_and_token_name_never_the_token(owner, caplog):
    raw = make_token(owner, name="Tally sync")
    with caplog.at_level(logging.INFO, logger="api.request"):
        TokenClient(raw).get(CUSTOMERS, {"q": "x"})
    lines = [r for r in caplog.records if r.name == "api.request"]
    assert len(lines) == 1
    message = lines[0].getMessage()
    assert message.startswith("api GET /api/v1/customers/ 200 token \"Tally sync\"")
    assert all(raw not in r.getMessage() and raw[6:] not in r.getMessage() for r in caplog.records)


def test_the_log_line_carries_the_tokens_shop(owner, capsys):
    """Through the configured handler (ContextFilter): the shop id is the token's shop."""
    from accounts.request_log import ContextFilter

    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, ContextFilter) for f in h.filters))
    records = []
    original = handler.emit
    handler.emit = lambda record: records.append(record) or original(record)
    try:
        TokenClient(make_token(owner)).get(CUSTOMERS)
    finally:
        handler.emit = original
    api_lines = [r for r in records if r.name == "api.request"]
    assert api_lines
    assert api_lines[0].shop_id == str(owner.shop.pk)


def test_tokens_of_a_command(owner, capsys):
    from django.core.management import call_command

    call_command("create_api_token", "--username", owner.user.username, "--shop", str(owner.shop.pk),
                 "--read-only", "--name", "Backup script")
    raw = capsys.readouterr().out.strip()
    with scope(shop=owner.shop):
        token = ApiToken.objects.get(shop=owner.shop)
    assert token.name == "Backup script" and token.read_only and token.token_hash == token_hash(raw)
    assert TokenClient(raw).get(CUSTOMERS).status_code == 200
    assert TokenClient(raw).post(CUSTOMERS, {"name": "x"}).status_code == 403


def test_the_command_refuses_a_user_who_is_not_a_member(owner, other_owner):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no active access"):
        call_command("create_api_token", "--username", other_owner.user.username, "--shop", str(owner.shop.pk))


def _api_routes():
    from django.urls import get_resolver

    from tests.api.helpers import walk_routes

    for name, pattern in walk_routes(get_resolver().url_patterns):
        if name.startswith("api:v1:") or name == "api:schema":
            yield name, pattern


def test_every_api_route_needs_credentials(shop):
    """Without a token or a session every route (and the schema) is a 401 problem, never
    the login page's redirect nor data: GET and POST alike."""
    checked = 0
    for name, pattern in _api_routes():
        url = reverse(name, kwargs={"pk": 1} if "pk" in pattern.pattern.regex.groupindex else {})
        for method in ("get", "post"):
            response = getattr(TokenClient(None), method)(url)
            assert response.status_code == 401, (name, method, response.status_code)
            assert response["Content-Type"] == "application/problem+json"
        checked += 1
    assert checked >= 20


def test_the_docs_page_needs_a_login(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
