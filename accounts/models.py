"""Users, shops (the tenants) and the membership that ties them together."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role in one shop. Owners may void entries; staff may not."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="membership_unique_user_shop")]
        indexes = [models.Index(fields=["shop", "role"], name="membership_shop_role")]

    def __str__(self):
        return f"{self.user} @ {self.shop} ({self.role})"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER
