"""Customers of a shop. Ledger figures on the row are written only by ledger services."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from accounts.models import Shop
from core.gst import STATE_CHOICES, validate_gstin
from core.money import MoneyField


class Customer(models.Model):
    """A person or business the shop gives credit to.

    ``balance`` is outstanding dues minus unapplied credit (Decimal, shop currency;
    negative means the shop owes the customer credit). ``oldest_open_due_date`` is the
    earliest due date among unpaid dues, so "overdue" needs no join.
    ``last_activity_at`` is the time of the latest ledger entry. The ledger's
    services keep all three exact; ``manage.py check_ledger`` verifies them.

    ``phone`` is the number as typed; ``phone_e164`` is the same number in E.164
    (``+919651034997``, the shop's country supplies a missing country code), or ``""``
    when ``phone`` is empty or not a valid number. The customers services keep it (see
    ``customers.phones``); search and the duplicate-number warning read it.
    ``phone_tail`` is the number's digits reversed (``customers.phones.phone_tail``: of
    ``phone_e164`` when there is one, else as typed; ``""`` without a number), kept with
    ``phone_e164`` by the services and the import: a search by the last digits is a prefix
    range on it (``customers.selectors``). A search by name reads the name index and a
    full-text index the migration ``customer_search`` adds (FTS5 on SQLite, FULLTEXT on
    MariaDB), which Django does not manage.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=16, blank=True, default="", editable=False)
    phone_tail = models.CharField(max_length=32, blank=True, default="", editable=False)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), blank=True)
    # GST (issue #15): a registered business's GSTIN makes its invoices B2B; the state is the
    # GSTIN's (kept in step by the services) or chosen, and is the invoice's place of supply.
    gstin = models.CharField(_("GSTIN"), max_length=15, blank=True, validators=[validate_gstin],
                             help_text=_("For a GST-registered business: its invoices then carry the GSTIN."))
    state = models.CharField(_("state"), max_length=2, blank=True, choices=STATE_CHOICES,
                             help_text=_("Sets the place of supply of its invoices (IGST when it is another state)."))
    # The buyer's tax number outside India: the BIN in Bangladesh, the KRA PIN in Kenya.
    tax_number = models.CharField(_("tax number"), max_length=20, blank=True,
                                  help_text=_("Bangladesh: the buyer's BIN. Kenya: the buyer's KRA PIN."))
    notes = models.TextField(_("notes"), blank=True)
    credit_limit = MoneyField(_("credit limit"), null=True, blank=True, validators=[MinValueValidator(0)],
                              help_text=_("Optional. Leave empty for no limit."))
    # The language of this customer's reminders, receipts and statement link; empty: the shop's.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
                                help_text=_("Reminders and statements to this customer use it. "
                                            "Empty: the shop's language."))
    is_archived = models.BooleanField(_("is archived"), default=False)
    balance = MoneyField(default=0, editable=False)
    oldest_open_due_date = models.DateField(null=True, blank=True, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords(excluded_fields=["phone_e164", "phone_tail", "balance", "oldest_open_due_date",
                                                 "last_activity_at", "updated_at"])

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["shop", "is_archived", "name"], name="customer_shop_name"),
            models.Index(fields=["shop", "is_archived", "balance"], name="customer_shop_balance"),
            # Largest balances first with the pk ascending as tie-break (the list's sort=-balance,
            # the dashboard's top debtors): read in index order, no filesort (bench/README.md).
            models.Index(fields=["shop", "-balance", "id"], name="customer_shop_balance_desc"),
            models.Index(fields=["shop", "is_archived", "last_activity_at"], name="customer_shop_activity"),
            # Search by a full number (exact) or its start (a range), and the duplicate-number check;
            # with phone_tail, the start of a number that is not valid (phone_e164 "").
            models.Index(fields=["shop", "phone_e164", "phone_tail"], name="customer_shop_phone_e164"),
            # Search by the last digits of a number: a prefix range on the reversed digits.
            models.Index(fields=["shop", "phone_tail"], name="customer_shop_phone_tail"),
            # The dashboard's overdue customers (balance > 0, oldest open due date before today):
            # an index range on the date, the balance read from the index (issue 17).
            models.Index(fields=["shop", "oldest_open_due_date", "balance"], name="customer_shop_oldest_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__isnull=True) | models.Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The customer's account page is served by the ledger app (DESIGN §2).
        return reverse("ledger:customer_account", kwargs={"customer_id": self.pk})

    @property
    def is_overdue(self) -> bool:
        """True when an unpaid due's due date has passed (uses the stored date only)."""
        return (
            self.oldest_open_due_date is not None
            and self.balance > 0
            and self.oldest_open_due_date < timezone.localdate()
        )

    @property
    def has_credit(self) -> bool:
        return self.balance < 0


class CustomerTotals(models.Model):
    """A shop's customer figures, kept by the services so the dashboard reads one row
    instead of aggregating every customer (issue 17).

    ``active_customers``: customers not archived. ``outstanding``: the sum of the positive
    balances of all customers, archived included; ``credit``: the credit the shop holds for
    customers, the sum of the negative balances as a positive number. Both Decimal ≥ 0 in
    the shop's currency. The customers services change the count, the ledger services the
    balances, through :mod:`customers.totals` (``totals_apply``), in the transaction of the
    change and always after the customer rows they change are written or locked; a missing
    row is built from the customers table (``totals_rebuild``). ``manage.py check_ledger``
    compares the row with the figures the entries say.
    """

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, primary_key=True, related_name="customer_totals")
    active_customers = models.PositiveIntegerField(default=0)
    outstanding = MoneyField(default=0)
    credit = MoneyField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(shop="shop")

    class Meta:
        verbose_name = _("customer totals")
        verbose_name_plural = _("customer totals")
        constraints = [
            models.CheckConstraint(condition=models.Q(outstanding__gte=0), name="customer_totals_outstanding_gte_0"),
            models.CheckConstraint(condition=models.Q(credit__gte=0), name="customer_totals_credit_gte_0"),
        ]

    def __str__(self):
        return f"{self.shop_id}: {self.active_customers} customers, {self.outstanding} / {self.credit}"
