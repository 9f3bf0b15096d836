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

from core.gst import STATE_CHOICES, gstin_state, validate_gstin


class User(AbstractUser):
    """The login. A user reaches shops only through :class:`Membership` rows."""


class GstRegistration(models.TextChoices):
    """How a shop is registered under GST, which decides the document it issues
    (``Shop.gst_mode``): regular → tax invoice; composition or unregistered → bill of supply."""

    REGULAR = "regular", "Regular (tax invoices)"
    COMPOSITION = "composition", "Composition (bills of supply)"
    UNREGISTERED = "unregistered", "Unregistered (bills of supply)"


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
        "GSTIN", max_length=15, blank=True, validators=[validate_gstin],
        help_text="Your GST registration number (15 characters), if registered.",
    )
    # The shop's GST state when it has no GSTIN (a GSTIN's first two digits say it otherwise):
    # see ``gst_state``. It decides whether a sale is intra-state (CGST + SGST) or inter-state (IGST).
    state = models.CharField("state", max_length=2, blank=True, choices=STATE_CHOICES,
                             help_text="Where the shop is. With a GSTIN it is the GSTIN's state.")
    gst_registration = models.CharField(
        "GST registration", max_length=12, blank=True, choices=GstRegistration.choices,
        help_text="Regular: tax invoices with CGST/SGST or IGST. Composition or unregistered: bills of supply "
                  "without tax. Leave empty outside India (tax shown as one line).",
    )
    prices_include_tax = models.BooleanField(
        "new products' prices include tax (MRP)", default=True,
        help_text="The default for the product form's “price includes tax”; each product keeps its own.")
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

    @property
    def gst_state(self) -> str:
        """The shop's GST state code (``"27"``): its GSTIN's, else the one chosen; ``""`` if neither."""
        return gstin_state(self.gstin) or self.state

    @property
    def gst_mode(self) -> str:
        """The GST registration in force: a ``GstRegistration`` value, or ``""`` (not under
        GST: tax shown as one plain line). A GSTIN without a registration chosen (shops from
        before the setting) counts as regular; composition needs a GSTIN too."""
        if self.gst_registration == GstRegistration.UNREGISTERED:
            return GstRegistration.UNREGISTERED
        if self.gstin:
            return (GstRegistration.COMPOSITION if self.gst_registration == GstRegistration.COMPOSITION
                    else GstRegistration.REGULAR)
        return ""


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
