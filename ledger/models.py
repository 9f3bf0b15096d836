"""Accounts receivable (DESIGN §5): dues, payments and the allocations between them.

Rows are never deleted by shop users: dues and payments are voided with a reason.
Allocations are bookkeeping derived from the two: voiding removes the voided row's
allocations and re-runs allocation, so every ``Allocation`` links an active payment
to an active due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from accounts.models import Shop
from core.money import ZERO, MoneyField
from customers.models import Customer


class VoidableEntry(models.Model):
    """Fields and helpers shared by dues, payments and refunds.

    ``idempotency_key`` is the one-time key of the form or API call that created the row
    (unique per shop, DESIGN §5): the services return the existing row for a key they have
    seen and write nothing, so a double submit records the entry once. ``source`` names the
    document that posted the entry (an invoice); the ledger refuses to void it on its own.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    void_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    # The document that posted the entry, e.g. "Invoice INV/26-27/0001" (blank: recorded on
    # its own). Such an entry is voided only together with its document (DESIGN §2).
    source = models.CharField(max_length=60, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class Due(VoidableEntry):
    """Credit given to a customer: ``amount`` (Decimal > 0) owed from ``incurred_on``.

    Status follows the stored ``outstanding``: open (nothing paid) → partially paid → paid;
    void once voided; overdue when ``due_date`` has passed and it is not paid.

    ``outstanding`` (Decimal, ≥ 0) is ``amount`` minus its allocations, 0 once void. Like
    ``Customer.balance`` it is stored so that "what is overdue" is an index range rather than
    a sum over every allocation, written only by the ledger services under the customer's
    row lock, left out of the history (it is derived), and checked by ``check_ledger``.
    A new row starts with ``outstanding = amount``.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTIAL = "partial", _("Partially paid")
        PAID = "paid", _("Paid")
        VOID = "void", pgettext_lazy("status of an entry", "Void")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="dues")
    amount = MoneyField()
    description = models.CharField(max_length=200)
    incurred_on = models.DateField(_("date"))
    due_date = models.DateField(null=True, blank=True)
    outstanding = MoneyField(editable=False)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords(excluded_fields=["outstanding"])

    class Meta:
        ordering = ["incurred_on", "pk"]
        indexes = [
            models.Index(fields=["shop", "customer", "incurred_on"], name="due_shop_customer_date"),
            models.Index(fields=["shop", "due_date"], name="due_shop_due_date"),
            # Open dues by due date: the dashboard's overdue figures and the aging report's
            # totals (grouped by due date, else the date given) read only this index.
            models.Index(fields=["shop", "outstanding", "due_date", "incurred_on", "customer"],
                         name="due_shop_open_aging"),
            models.Index(fields=["shop", "created_at"], name="due_shop_created"),
            # One customer's open dues (allocating a payment or an invoice, the customer
            # page): two equalities and the range, so SQLite takes it over the index above
            # even without ANALYZE statistics (issue #17).
            models.Index(fields=["shop", "customer", "outstanding"], name="due_shop_customer_open"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="due_amount_positive"),
            models.CheckConstraint(condition=Q(outstanding__gte=0, outstanding__lte=models.F("amount")),
                                   name="due_outstanding_within_amount"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("incurred_on")),
                name="due_date_not_before_incurred",
                violation_error_message=_("The due date cannot be before the date the credit was given."),
            ),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="due_unique_shop_key"),
        ]

    def __str__(self):
        return f"{self.description} ({self.amount})"

    def save(self, *args, **kwargs):
        if self._state.adding and self.outstanding is None:
            self.outstanding = ZERO if self.voided_at else self.amount
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("ledger:customer_account", kwargs={"customer_id": self.customer_id})


class Payment(VoidableEntry):
    """Money received from a customer (Decimal > 0), allocated to their dues.

    ``due`` is the due the user chose to pay, if any; allocation then goes there first.
    """

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        UPI = "upi", "UPI"
        CARD = "card", _("Card")
        BANK = "bank", _("Bank transfer")
        BKASH = "bkash", "bKash"
        NAGAD = "nagad", "Nagad"
        MPESA = "mpesa", "M-Pesa"
        OTHER = "other", _("Other")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    amount = MoneyField()
    received_on = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.CASH)
    reference = models.CharField(max_length=100, blank=True, help_text=_("UPI / card / bank reference, if any"))
    note = models.CharField(max_length=200, blank=True)
    due = models.ForeignKey(Due, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("applied to"))

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "pk"]
        indexes = [
            models.Index(fields=["shop", "customer", "received_on"], name="payment_shop_customer_date"),
            # Covers "collected this month" on the dashboard (sum of active payments in a date
            # range) from the index alone (bench/README.md).
            models.Index(fields=["shop", "received_on", "voided_at", "amount"], name="payment_shop_received_sum"),
            models.Index(fields=["shop", "created_at"], name="payment_shop_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="payment_unique_shop_key"),
        ]

    def __str__(self):
        return gettext("%(method)s %(amount)s on %(date)s") % {
            "method": self.get_method_display(), "amount": self.amount, "date": self.received_on}

    def get_absolute_url(self):
        return reverse("ledger:customer_account", kwargs={"customer_id": self.customer_id})


class Refund(VoidableEntry):
    """Customer credit paid back (Decimal > 0, shop currency): the shop returns an
    overpayment in cash, by UPI or by bank transfer (DESIGN §5).

    A refund is a debit on the customer's account: it lowers their unapplied credit (and
    raises ``Customer.balance`` towards zero) and shows on the statement. It may not exceed
    the credit the customer holds when it is made; ``ledger.services.entries.refund_create``
    checks that under the customer's row lock.
    """

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        UPI = "upi", "UPI"
        BANK = "bank", _("Bank transfer")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    refunded_on = models.DateField(_("date"))
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.CASH)
    reference = models.CharField(max_length=100, blank=True, help_text=_("UPI / bank reference, if any"))
    reason = models.CharField(max_length=200)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["refunded_on", "pk"]
        indexes = [
            models.Index(fields=["shop", "customer", "refunded_on"], name="refund_shop_customer_date"),
            models.Index(fields=["shop", "refunded_on"], name="refund_shop_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="refund_unique_shop_key"),
        ]

    def __str__(self):
        return gettext("Refund %(method)s %(amount)s on %(date)s") % {
            "method": self.get_method_display(), "amount": self.amount, "date": self.refunded_on}

    def get_absolute_url(self):
        return reverse("ledger:customer_account", kwargs={"customer_id": self.customer_id})


class Allocation(models.Model):
    """``amount`` of ``payment`` applied to ``due`` (Decimal > 0)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    due = models.ForeignKey(Due, on_delete=models.CASCADE, related_name="allocations")
    amount = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["shop", "due"], name="allocation_shop_due"),
            models.Index(fields=["shop", "payment"], name="allocation_shop_payment"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "due"], name="allocation_unique_payment_due"),
        ]

    def __str__(self):
        return f"{self.amount} of payment {self.payment_id} to due {self.due_id}"


class StatementLink(models.Model):
    """A secret link to a customer's statement page, viewable without login.

    ``token`` is random (``secrets.token_urlsafe``); revoking sets ``revoked_at`` and
    the link answers 404 from then on. A customer has at most one active link.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="statement_links")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        indexes = [models.Index(fields=["shop", "customer"], name="statementlink_shop_customer")]

    def __str__(self):
        return f"Statement link for {self.customer_id}{' (revoked)' if self.revoked_at else ''}"

    def get_absolute_url(self):
        return reverse("ledger:public_statement", kwargs={"token": self.token})


class PaymentClaim(models.Model):
    """A customer's "I have paid" report from the statement page. Nothing reaches the
    ledger until the shopkeeper confirms it (which records a real ``Payment``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_claims")
    link = models.ForeignKey(StatementLink, on_delete=models.CASCADE, related_name="claims")
    amount = MoneyField()
    reference = models.CharField(_("UPI reference"), max_length=100, blank=True)
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="claim")

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["shop", "status", "created_at"], name="claim_shop_status"),
            models.Index(fields=["shop", "link", "created_at"], name="claim_shop_link"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive")]

    def __str__(self):
        return f"Claim of {self.amount} by {self.customer_id} ({self.status})"
