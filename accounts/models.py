"""Users, shops (the tenants), the membership that ties them together and invites to join."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """The login. A user reaches shops only through :class:`Membership` rows."""


class Shop(models.Model):
    """A tenant: one shopkeeper's private book.

    ``currency`` is an ISO 4217 code and ``locale`` a Babel/CLDR locale; together
    they decide how amounts render (``₹1,23,456.00`` for INR in ``en_IN``).
    """

    class Currency(models.TextChoices):
        INR = "INR", "Indian rupee (₹)"
        NPR = "NPR", "Nepalese rupee"
        PKR = "PKR", "Pakistani rupee"
        BDT = "BDT", "Bangladeshi taka"
        LKR = "LKR", "Sri Lankan rupee"
        KES = "KES", "Kenyan shilling"
        NGN = "NGN", "Nigerian naira"
        USD = "USD", "US dollar"

    class Locale(models.TextChoices):
        EN_IN = "en_IN", "English (India)"
        HI_IN = "hi_IN", "Hindi (India)"
        EN_KE = "en_KE", "English (Kenya)"
        EN_NG = "en_NG", "English (Nigeria)"
        EN_PK = "en_PK", "English (Pakistan)"
        EN_US = "en_US", "English (United States)"

    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.INR)
    locale = models.CharField(max_length=10, choices=Locale.choices, default=Locale.EN_IN)
    upi_id = models.CharField("UPI ID", max_length=100, blank=True, help_text="e.g. shopname@okaxis")
    gstin = models.CharField(
        "GSTIN", max_length=15, blank=True,
        validators=[RegexValidator(r"^[0-9]{2}[A-Z0-9]{10}[0-9A-Z]Z[0-9A-Z]$",
                                   "Enter a 15-character GSTIN such as 09ABCDE1234F1Z5.")],
        help_text="Optional. With a GSTIN, invoices show tax as CGST + SGST (or IGST for inter-state).",
    )
    invoice_prefix = models.CharField(
        max_length=5, default="INV",
        validators=[RegexValidator(r"^[A-Za-z0-9]{1,5}$", "Use 1 to 5 letters or digits.")],
        help_text="Invoice numbers look like INV/26-27/0001 (GST rule 46(b): at most 16 characters).",
    )
    financial_year_start_month = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Month the financial year starts (4 = April, as in India).",
    )
    # Messages (issue: reminders and receipts)
    send_payment_receipts = models.BooleanField(
        default=True, help_text="Email a receipt for each payment to customers who have an email address.")
    reminders_enabled = models.BooleanField("send due reminders", default=True)
    remind_days_before = models.PositiveSmallIntegerField(
        "remind days before the due date", default=2, validators=[MaxValueValidator(60)],
        help_text="0 for no reminder before the due date.")
    remind_on_due_date = models.BooleanField(default=True)
    remind_every_days_after = models.PositiveSmallIntegerField(
        "then every N days after", default=7, validators=[MinValueValidator(1), MaxValueValidator(90)])
    remind_max_after = models.PositiveSmallIntegerField(
        "at most this many reminders after the due date", default=3, validators=[MaxValueValidator(30)])
    # After the repeats: every 30 days after the last one while the due stays open
    # (accounts.reminder_schedule says exactly which days).
    remind_monthly_after = models.BooleanField(
        "then remind monthly until paid", default=False,
        help_text="After those reminders, one every 30 days until the customer pays.")
    created_at = models.DateTimeField(auto_now_add=True)

    # Settings changes, shown on the shop's Activity page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role in one shop; what each role may do is the permission table in
    ``accounts.permissions``. An inactive membership (staff deactivated by the owner)
    gives no access to the shop and can be activated again."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        CASHIER = "cashier", "Cashier"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CASHIER)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Role changes and (de)activations, shown on the shop's Activity page.
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="membership_unique_user_shop")]
        indexes = [models.Index(fields=["shop", "role"], name="membership_shop_role")]

    def __str__(self):
        return f"{self.user} @ {self.shop} ({self.role})"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER


class Invite(models.Model):
    """An invitation to join ``shop`` with ``role``, sent by email by the owner, or the
    record of a login the owner created directly (``email`` blank, accepted at once).

    The link's token is random and only its SHA-256 (``token_hash``) is stored: the raw
    token exists in the email alone. An invite is usable once, until ``expires_at``
    (7 days after it was made) and unless ``revoked_at`` is set. ``idempotency_key`` is
    the one-time key of the form that made it (unique per shop): a second submit returns
    this invite and sends nothing.
    """

    VALID_FOR = datetime.timedelta(days=7)

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="invite_unique_shop_key"),
        ]
        indexes = [models.Index(fields=["shop", "accepted_at", "revoked_at"], name="invite_shop_open")]

    def __str__(self):
        return f"{self.email or 'login'} → {self.shop} ({self.role})"

    @staticmethod
    def hash_token(token: str) -> str:
        """The SHA-256 (hex) of an invite link's token: what ``token_hash`` keeps."""
        return hashlib.sha256(token.encode()).hexdigest()

    def status_at(self, now: datetime.datetime) -> str:
        """The invite's :class:`Status` at ``now`` (an aware datetime)."""
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if now >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        """The invite's :class:`Status` now."""
        return self.status_at(timezone.now())
