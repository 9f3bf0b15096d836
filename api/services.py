"""Writes of the api app: API tokens (make, revoke, note their use) and the record of
``Idempotency-Key`` requests. Every business write of the API itself goes through the
other apps' services (see ``api.views``)."""

import datetime
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Shop
from accounts.permissions import check_actor
from api.models import ApiToken, IdempotentRequest, token_hash
from core.errors import DomainError

#: Every raw token starts with this, so a leaked one is recognisable (secret scanners).
TOKEN_PREFIX = "khata_"  # noqa: S105 (a marker, not a secret)
#: Characters of the raw token kept in ``ApiToken.prefix`` to tell tokens apart.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
#: ``last_used_at`` is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
#: A first request still "running" after this long is taken to have died; the key is free again.
STALE_AFTER = datetime.timedelta(minutes=2)
#: How long a key and its stored response are kept (a retry comes within minutes; then the
#: service's own one-time key still returns the first row).
KEEP_FOR = datetime.timedelta(hours=24)


class ApiError(DomainError):
    """An API token or idempotency change the rules refuse (a ``DomainError``): ``str(error)``
    is for the user; ``field`` names the form field, if any."""


def new_raw_token() -> str:
    """A fresh raw token: ``khata_`` + 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(*, shop: Shop, user, name: str, read_only: bool = False, created_by=None,
                     membership: Membership | None = None,
                     idempotency_key: uuid.UUID | None = None) -> tuple[ApiToken, str | None]:
    """Make an API token for ``user`` in ``shop`` and return ``(token, raw)``.

    ``raw`` is the secret to show once (``None`` when ``idempotency_key`` was seen already:
    the token made then is returned and its secret cannot be shown again). ``membership``
    is the acting user's (the owner's: ``settings.change``); ``None`` for a command.
    Raises ``ApiError`` without a name, or when ``user`` has no active membership of
    ``shop``; ``accounts.permissions.PermissionError`` when the actor may not.
    """
    check_actor(shop=shop, action="settings.change", membership=membership, user=None)
    if idempotency_key is not None:
        existing = ApiToken.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, None
    name = " ".join((name or "").split())
    if not name:
        raise ApiError(_("Give the token a name, such as the program that will use it."), field="name")
    if not Membership.objects.filter(shop=shop, user=user, is_active=True, user__is_active=True).exists():
        raise ApiError(_("That user has no active access to this shop."), field="user")
    raw = new_raw_token()
    token = ApiToken.objects.create(
        shop=shop, user=user, name=name[:80], prefix=raw[:SHOWN_PREFIX_LENGTH], token_hash=token_hash(raw),
        scope=ApiToken.Scope.READ if read_only else ApiToken.Scope.READ_WRITE, created_by=created_by,
        idempotency_key=idempotency_key)
    return token, raw


@transaction.atomic
def api_token_revoke(*, shop: Shop, token: ApiToken, revoked_by=None,
                     membership: Membership | None = None) -> ApiToken:
    """Revoke ``token`` at once: every request with it fails from now on. Revoking a
    revoked token changes nothing. Raises ``PermissionError`` when the actor may not
    (``settings.change``) and ``ApiError`` for a token of another shop."""
    check_actor(shop=shop, action="settings.change", membership=membership, user=None)
    locked = ApiToken.objects.select_for_update().filter(shop=shop, pk=token.pk).first()
    if locked is None:
        raise ApiError(_("That token does not belong to this shop."))
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = revoked_by
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def api_token_touch(*, token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Note that ``token`` was just used (``last_used_at``), at most once a minute: one
    ``UPDATE`` by primary key, none when the stored time is recent enough."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(shop_id=token.shop_id, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def idempotent_request_begin(*, shop: Shop, client: str, key: str, fingerprint: str, method: str, path: str,
                             token: ApiToken | None = None, user=None) -> tuple[IdempotentRequest, bool]:
    """Claim ``key`` for a request: ``(record, True)`` when this request is the first with
    it (the record is committed, so a concurrent repeat sees it), ``(record, False)`` when
    a record exists already (finished, or still running). A record left running for more
    than ``STALE_AFTER`` (its process died) is taken over. Keys older than ``KEEP_FOR`` are
    forgotten here too (one ``DELETE`` by the shop's index). Runs in autocommit, outside
    any transaction of the caller."""
    IdempotentRequest.objects.filter(shop=shop, created_at__lt=timezone.now() - KEEP_FOR).delete()
    for _attempt in range(2):
        # Look first: a repeat is the common case, so the unique key (the INSERT below
        # failing) is only the guard against two first requests at the same moment.
        existing = IdempotentRequest.objects.filter(shop=shop, client=client, key=key).first()
        if existing is not None:
            if existing.is_complete or timezone.now() - existing.created_at < STALE_AFTER:
                return existing, False
            IdempotentRequest.objects.filter(shop=shop, pk=existing.pk, status_code__isnull=True,
                                             created_at=existing.created_at).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    shop=shop, client=client, key=key, fingerprint=fingerprint, method=method, path=path[:300],
                    token=token, user=user if getattr(user, "is_authenticated", False) else None)
            return record, True
        except IntegrityError:
            existing = IdempotentRequest.objects.filter(shop=shop, client=client, key=key).first()
            if existing is None:
                continue  # deleted in between: try again
            if existing.is_complete or timezone.now() - existing.created_at < STALE_AFTER:
                return existing, False
            IdempotentRequest.objects.filter(shop=shop, pk=existing.pk, status_code__isnull=True,
                                             created_at=existing.created_at).delete()
    raise ApiError("This Idempotency-Key is busy. Try again in a moment.")


def idempotent_request_finish(*, record: IdempotentRequest, status_code: int, body: str) -> None:
    """Store the response of the first request with the key (a successful one)."""
    IdempotentRequest.objects.filter(shop_id=record.shop_id, pk=record.pk).update(
        status_code=status_code, response_body=body, completed_at=timezone.now())


def idempotent_request_abandon(*, record: IdempotentRequest) -> None:
    """Forget the key of a request that failed, so it may be sent again (corrected)."""
    IdempotentRequest.objects.filter(shop_id=record.shop_id, pk=record.pk, status_code__isnull=True).delete()
