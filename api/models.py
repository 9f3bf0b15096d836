"""API tokens and the record of ``Idempotency-Key`` requests (issue #14)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from accounts.models import Shop


def token_hash(raw: str) -> str:
    """The SHA-256 hex digest (64 characters) of a raw token: all the database keeps."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A secret that lets a program act in ``shop`` as ``user``, with that user's role there.

    The raw token (``khata_`` + 43 random URL-safe characters) is shown once when made;
    only its SHA-256 (``token_hash``) and its first characters (``prefix``, to tell tokens
    apart on the page) are stored. ``read_only`` tokens may only read. A token stops
    working once ``revoked_at`` is set, or when its user or the user's membership of the
    shop is deactivated. ``idempotency_key`` is the one-time key of the form that made it
    (unique per shop): a second submit makes no second token.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ_WRITE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "revoked_at", "created_at"], name="apitoken_shop_active")]
        constraints = [
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="apitoken_unique_shop_key"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ


class IdempotentRequest(models.Model):
    """One ``POST`` sent with an ``Idempotency-Key`` header, and the response it got.

    ``client`` is who sent it (``token:<id>`` or ``user:<id>``); the key is unique per
    shop and client. ``fingerprint`` is the SHA-256 of the method, path and body, so the
    same key with another request is refused. ``status_code`` is ``None`` while the first
    request runs; then it and ``response_body`` (JSON text) are what a repeat gets back.
    Only successful responses are kept: a refused request may be sent again, corrected,
    with the same key.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    client = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "client", "key"], name="idempotentrequest_unique_key"),
        ]
        indexes = [models.Index(fields=["shop", "created_at"], name="idempotentrequest_shop_created")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"

    @property
    def is_complete(self) -> bool:
        return self.status_code is not None
