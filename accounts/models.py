"""Users, shops (the tenants), the membership that ties them together and invites to join."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from core.gst import STATE_CHOICES, gstin_state, validate_gstin
from core.markets import Country, Market, market


class User(AbstractUser):
    """The login. A user reaches shops only through :class:`Membership` rows.

    ``language`` is the interface language the user chose in the page header (a code of
    ``settings.LANGUAGES``), or empty for the shop's default language."""

    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)


class GstRegistration(models.TextChoices):
    """How a shop is registered under GST, which decides the document it issues
    (``Shop.gst_mode``): regular → tax invoice; composition or unregistered → bill of supply."""

    REGULAR = "regular", _("Regular (tax invoices)")
    COMPOSITION = "composition", _("Composition (bills of supply)")
    UNREGISTERED = "unregistered", _("Unregistered (bills of supply)")


class Shop(models.Model):
    """A tenant: one shopkeeper's private book.

    ``currency`` is an ISO 4217 code and ``locale`` a Babel/CLDR locale; together
    they decide how amounts render (``₹1,23,456.00`` for INR in ``en_IN``).
    """

    class Currency(models.TextChoices):
        INR = "INR", _("Indian rupee (₹)")
        NPR = "NPR", _("Nepalese rupee")
        PKR = "PKR", _("Pakistani rupee")
        BDT = "BDT", _("Bangladeshi taka")
        LKR = "LKR", _("Sri Lankan rupee")
        KES = "KES", _("Kenyan shilling")
        NGN = "NGN", _("Nigerian naira")
        USD = "USD", _("US dollar")

    class Locale(models.TextChoices):
        EN_IN = "en_IN", _("English (India)")
        HI_IN = "hi_IN", _("Hindi (India)")
        EN_KE = "en_KE", _("English (Kenya)")
        EN_NG = "en_NG", _("English (Nigeria)")
        EN_PK = "en_PK", _("English (Pakistan)")
        EN_US = "en_US", _("English (United States)")
        BN_BD = "bn_BD", _("Bengali (Bangladesh)")
        SW_KE = "sw_KE", _("Swahili (Kenya)")

    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.INR)
    locale = models.CharField(_("locale"), max_length=10, choices=Locale.choices, default=Locale.EN_IN)
    # The language of the shop's customer messages and public statements, and of the pages
    # of members who have not chosen one (a code of settings.LANGUAGES).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en",
        help_text=_("Customers' reminders and statements use it, unless a customer has a language of their own."))
    upi_id = models.CharField(_("UPI ID"), max_length=100, blank=True, help_text=_("e.g. shopname@okaxis"))
    # Markets (issue 16): the country sets the defaults above and below (core.markets).
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.INDIA)
    # The seller's tax number outside India: the BIN in Bangladesh, the KRA PIN in Kenya.
    tax_number = models.CharField(_("tax number"), max_length=20, blank=True,
                                  help_text=_("Bangladesh: your BIN. Kenya: your KRA PIN."))
    # How customers pay by phone outside India: a bKash/Nagad number, an M-Pesa till or paybill.
    mobile_money = models.CharField(
        _("mobile money"), max_length=60, blank=True,
        help_text=_("Kenya: your M-Pesa till or paybill (e.g. Till 123456). Bangladesh: your bKash or Nagad "
                    "number. Printed on invoices and statements."))
    gstin = models.CharField(
        _("GSTIN"), max_length=15, blank=True, validators=[validate_gstin],
        help_text=_("Your GST registration number (15 characters), if registered."),
    )
    # The shop's GST state when it has no GSTIN (a GSTIN's first two digits say it otherwise):
    # see ``gst_state``. It decides whether a sale is intra-state (CGST + SGST) or inter-state (IGST).
    state = models.CharField(_("state"), max_length=2, blank=True, choices=STATE_CHOICES,
                             help_text=_("Where the shop is. With a GSTIN it is the GSTIN's state."))
    gst_registration = models.CharField(
        _("GST registration"), max_length=12, blank=True, choices=GstRegistration.choices,
        help_text=_("Regular: tax invoices with CGST/SGST or IGST. Composition or unregistered: bills of supply "
                  "without tax. Leave empty outside India (tax shown as one line)."),
    )
    prices_include_tax = models.BooleanField(
        _("new products' prices include tax (MRP)"), default=True,
        help_text=_("The default for the product form's “price includes tax”; each product keeps its own."))
    invoice_prefix = models.CharField(
        _("invoice prefix"), max_length=5, default="INV",
        validators=[RegexValidator(r"^[A-Za-z0-9]{1,5}$", _("Use 1 to 5 letters or digits."))],
        help_text=_("Invoice numbers look like INV/26-27/0001 (GST rule 46(b): at most 16 characters)."),
    )
    financial_year_start_month = models.PositiveSmallIntegerField(
        _("financial year start month"), default=4, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Month the financial year starts (4 = April, as in India)."),
    )
    # Messages (issue: reminders and receipts)
    send_payment_receipts = models.BooleanField(
        _("send payment receipts"), default=True,
        help_text=_("Email a receipt for each payment to customers who have an email address."))
    reminders_enabled = models.BooleanField(_("send due reminders"), default=True)
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind days before the due date"), default=2, validators=[MaxValueValidator(60)],
        help_text=_("0 for no reminder before the due date."))
    remind_on_due_date = models.BooleanField(_("remind on due date"), default=True)
    remind_every_days_after = models.PositiveSmallIntegerField(
        _("then every N days after"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)])
    remind_max_after = models.PositiveSmallIntegerField(
        _("at most this many reminders after the due date"), default=3, validators=[MaxValueValidator(30)])
    # After the repeats: every 30 days after the last one while the due stays open
    # (accounts.reminder_schedule says exactly which days).
    remind_monthly_after = models.BooleanField(
        _("then remind monthly until paid"), default=False,
        help_text=_("After those reminders, one every 30 days until the customer pays."))
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
    def market(self) -> Market:
        """What the shop's country sets (``core.markets.Market``)."""
        return market(self.country)

    @property
    def gst_mode(self) -> str:
        """The GST registration in force: a ``GstRegistration`` value, or ``""`` (not under
        GST: tax shown as one plain line). A GSTIN without a registration chosen (shops from
        before the setting) counts as regular; composition needs a GSTIN too."""
        if self.country not in (Country.INDIA, ""):
            return ""  # GST is India's; other countries' taxes follow core.markets
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
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        CASHIER = "cashier", _("Cashier")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CASHIER)
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
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
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
