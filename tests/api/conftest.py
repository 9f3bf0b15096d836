"""Fixtures of the API tests: tokens, and a client that calls the API as a program does.

Each call runs with no scope at all (``tests.scoping.no_scope``), as a real request's
thread starts: the API must open its token's shop scope itself, so a view that forgot
to would fail here rather than borrow the test's scope."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from api.services import api_token_create
from tests.accounts.factories import MembershipFactory
from tests.scoping import no_scope


class TokenClient:
    """``api.get(url, params)``, ``api.post(url, json_body, headers={...})``, … with
    ``Authorization: Bearer <token>`` (``token=None``: no credentials)."""

    def __init__(self, token: str | None):
        self.client = APIClient()
        self.token = token

    def _call(self, method, url, data=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if method != "get":
            kwargs["format"] = "json"
        with no_scope():
            return getattr(self.client, method)(url, data, headers=headers, **kwargs)

    def get(self, url, params=None, **kwargs):
        return self._call("get", url, params, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self._call("post", url, data, **kwargs)

    def put(self, url, data=None, **kwargs):
        return self._call("put", url, data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self._call("patch", url, data, **kwargs)

    def delete(self, url, data=None, **kwargs):
        return self._call("delete", url, data, **kwargs)


def make_token(membership, *, read_only=False, name="Test sync") -> str:
    """A raw token acting as ``membership.user`` in ``membership.shop``."""
    from django_scopes import scope

    with scope(shop=membership.shop):
        _token, raw = api_token_create(shop=membership.shop, user=membership.user, name=name, read_only=read_only)
    return raw


def member(shop, role: str):
    """A new member of ``shop`` with ``role``."""
    return MembershipFactory(shop=shop, role=role)


@pytest.fixture
def api(owner):
    """The owner's read-write token client."""
    return TokenClient(make_token(owner))


@pytest.fixture
def api_for():
    """``api_for(membership, read_only=False)``: a token client acting as that member."""
    return lambda membership, read_only=False: TokenClient(make_token(membership, read_only=read_only))


@pytest.fixture
def other_api(other_owner):
    """The token client of the owner of another shop."""
    return TokenClient(make_token(other_owner))


ROLES = [Membership.Role.OWNER, Membership.Role.MANAGER, Membership.Role.CASHIER, Membership.Role.VIEWER]
