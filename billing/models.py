"""Billing (DESIGN §6): catalogue, stock history, invoices and the cash drawer.

Quantities are ``Decimal`` with 3 places (1.250 kg); money is ``Decimal`` with the
project's money digits, in the shop's currency. Stock changes only through a
``StockMovement`` written by ``billing.services`` in the same transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from accounts.models import Shop
from core.markets import TaxScheme
from core.money import CENT, ZERO, MoneyField, QuantityField
from customers.models import Customer
from ledger.models import Due, Payment

TAX_RATE_PRESETS = [Decimal("0"), Decimal("5"), Decimal("12"), Decimal("18"), Decimal("28")]
#: The rates a product form offers per tax scheme (``core.markets.TaxScheme``): India's GST
#: slabs; Bangladesh's VAT (standard 15 %, reduced 5, 7.5 and 10 %); Kenya's VAT (standard
#: 16 %, 8 % on petroleum products, 0 % zero-rated).
TAX_RATE_PRESETS_BY_SCHEME = {
    TaxScheme.GST: TAX_RATE_PRESETS,
    TaxScheme.VAT_BD: [Decimal("0"), Decimal("5"), Decimal("7.5"), Decimal("10"), Decimal("15")],
    TaxScheme.VAT_KE: [Decimal("0"), Decimal("8"), Decimal("16")],
    TaxScheme.NONE: TAX_RATE_PRESETS,
}
#: The label of a tax rate field.
TAX_RATE_LABEL = _("tax rate %")
#: The label of a supplementary duty rate field (Bangladesh).
SD_RATE_LABEL = _("SD rate %")


def TaxRateField(verbose_name=TAX_RATE_LABEL, **kwargs):  # noqa: N802
    """A GST rate in percent, 0–100 with 2 places (presets 0/5/12/18/28)."""
    kwargs.setdefault("max_digits", 5)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("default", Decimal("0"))
    kwargs.setdefault("validators", [MinValueValidator(0), MaxValueValidator(100)])
    return models.DecimalField(verbose_name, **kwargs)


class Category(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="category_unique_shop_name")]

    def __str__(self):
        return self.name


class Product(models.Model):
    """Something the shop sells. ``sale_price`` excludes tax (``tax_rate`` is added on top),
    or includes it when ``price_includes_tax`` (an MRP: the invoice works the taxable value
    back from it, ``billing.totals``)."""

    class Unit(models.TextChoices):
        PCS = "pcs", pgettext_lazy("unit of measure", "pcs")
        KG = "kg", pgettext_lazy("unit of measure", "kg")
        G = "g", pgettext_lazy("unit of measure", "g")
        LITRE = "litre", pgettext_lazy("unit of measure", "litre")
        ML = "ml", pgettext_lazy("unit of measure", "ml")
        METRE = "metre", pgettext_lazy("unit of measure", "metre")
        BOX = "box", pgettext_lazy("unit of measure", "box")
        PACK = "pack", pgettext_lazy("unit of measure", "pack")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products",
                                 verbose_name=_("category"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PCS)
    sale_price = MoneyField(_("sale price"), validators=[MinValueValidator(0)],
                            help_text=_("Before tax, or including tax when the price includes tax (MRP)."))
    price_includes_tax = models.BooleanField(_("price includes tax (MRP)"), default=False)
    # What the shop paid per unit (Decimal, shop currency, before tax); None when not
    # known. Used by the stock valuation report (reports.selectors.stock).
    cost_price = MoneyField(_("cost price"), null=True, blank=True, validators=[MinValueValidator(0)],
                            help_text=_("What you pay per unit, before tax (optional)."))
    tax_rate = TaxRateField()
    # Bangladesh's supplementary duty (VAT and SD Act 2012, Third Schedule), percent of the
    # taxable value; VAT is charged on the value with it. Ignored in every other country.
    sd_rate = TaxRateField(SD_RATE_LABEL, help_text=_("Supplementary duty, if the product bears it (0 if not)."))
    hsn_code = models.CharField(_("HSN/SAC code"), max_length=8, blank=True)
    # What a scanner reads off the pack (issue #15): unique per shop; None when the product
    # has none (NULLs never collide, on every database). EAN-13/EAN-8 check digits are
    # verified by ``billing.barcodes.clean_barcode``.
    barcode = models.CharField(_("barcode"), max_length=32, null=True, blank=True,
                               help_text=_("Scan it or type it (EAN-13, EAN-8 or the shop's own code)."))
    stock_quantity = QuantityField(default=0, editable=False)
    low_stock_level = QuantityField(_("low stock level"), default=0, validators=[MinValueValidator(0)])
    track_stock = models.BooleanField(_("track stock"), default=True)
    allow_negative_stock = models.BooleanField(_("allow selling below zero"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords(excluded_fields=["stock_quantity", "updated_at"])

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["shop", "is_active", "name"], name="product_shop_name"),
            models.Index(fields=["shop", "category"], name="product_shop_category"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="product_unique_shop_sku",
                                    violation_error_message=_("Another product already has this SKU.")),
            models.UniqueConstraint(fields=["shop", "barcode"], name="product_unique_shop_barcode",
                                    violation_error_message=_("Another product already has this barcode.")),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0),
                                   name="product_cost_price_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_range"),
            models.CheckConstraint(condition=Q(sd_rate__gte=0, sd_rate__lte=100), name="product_sd_rate_range"),
            models.CheckConstraint(condition=Q(low_stock_level__gte=0), name="product_low_stock_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self):
        return reverse("billing:product_detail", kwargs={"product_id": self.pk})

    @property
    def is_low_stock(self) -> bool:
        return self.track_stock and self.stock_quantity <= self.low_stock_level


class StockMovement(models.Model):
    """One change of a product's stock: ``quantity`` is signed (+ in, − out)."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Received / purchase")
        SALE = "sale", _("Sale")
        SALE_VOID = "sale_void", _("Sale voided")
        ADJUSTMENT = "adjustment", _("Adjustment")
        RETURN = "return", _("Returned (credit note)")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = QuantityField()
    balance_after = QuantityField()
    reason = models.CharField(max_length=200, blank=True)
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "product", "created_at"], name="movement_shop_product")]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity} of {self.product_id}"


class NumberSequence(models.Model):
    """A document series' counter: the last number used per shop and financial year
    (``"26-27"``). Read under ``select_for_update()`` while a document is numbered, so
    numbers are consecutive with no gaps (GST rule 46(b)). ``label`` prefixes ``__str__``."""

    label = ""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    financial_year = models.CharField(max_length=5)
    last_number = models.PositiveIntegerField(default=0)

    objects = ScopedManager(shop="shop")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.label}{self.financial_year}: {self.last_number}"


class InvoiceSequence(NumberSequence):
    """The invoices' series (``INV/26-27/0001`` with the shop's prefix)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "financial_year"], name="sequence_unique_shop_year")]


class BillOfSupplySequence(NumberSequence):
    """The bills of supply's own series (``BOS/26-27/0001``; rule 49, for composition and
    unregistered shops)."""

    label = "BOS "

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "financial_year"],
                                               name="bos_sequence_unique_shop_year")]


#: GST rule 46(e): a tax invoice of this value (Decimal rupees) or more to an unregistered
#: recipient carries the recipient's name, the delivery address and the state's name and
#: code. Compared with the invoice's total (at least its taxable value), so the details are
#: asked for and printed whenever either reaches it (``billing.services.invoices``).
LARGE_UNREGISTERED_SUPPLY = Decimal("50000")


class Series(models.TextChoices):
    """An invoice's series, each numbered on its own: invoices (tax or plain)
    ``INV/26-27/0001`` with the shop's prefix (``InvoiceSequence``), bills of supply
    ``BOS/26-27/0001`` (``BillOfSupplySequence``)."""

    INVOICE = "invoice", _("Invoice")
    BILL_OF_SUPPLY = "bos", _("Bill of supply")


class Invoice(models.Model):
    """An issued sale. Totals are stored as computed at issue (``billing.totals``).

    ``due``/``payment`` are the ledger entries it posted (none for a walk-in sale).
    ``paid_at_counter`` is what was paid when it was issued, a fact that never changes.
    What is paid now, the balance and the payment status are read from its due
    (``due.outstanding``, kept by the ledger services; DESIGN §2), so they follow every
    later payment, void and credit: ``amount_paid``, ``balance_due`` and
    ``payment_status`` below. Load lists with ``select_related("due")``; filters by
    status are ``billing.selectors.invoices.status_filter``.

    GST (rule 46 / rule 49 of the CGST Rules 2017; issue #15), snapshotted at issue so the
    document never changes: ``series`` (a bill of supply for a composition or unregistered
    shop: no tax), the supplier's GSTIN, state and registration, the ``place_of_supply``
    (a ``core.gst`` state code; it sets ``is_inter_state``: IGST when it is not the shop's
    state), the recipient's name, GSTIN (B2B when set), state and address, the delivery
    address (blank: the recipient's) and whether tax is payable on reverse charge.
    ``round_off_amount`` is every rounding between the taxes and the total: the rounding of
    tax-inclusive (MRP) prices and the round-off to the whole unit.

    Markets (issue 16), snapshotted at issue too: ``tax_scheme`` (the shop's
    ``core.markets.TaxScheme`` then; it picks the document's layout: Bangladesh's Mushak-6.3,
    Kenya's VAT invoice, or the GST/plain invoice), the seller's and the buyer's tax numbers
    outside India (``supplier_tax_number``, ``recipient_tax_number``: BIN in Bangladesh, KRA
    PIN in Kenya) and ``sd_total`` (Bangladesh's supplementary duty; total = taxable + SD +
    tax + round-off). Kenya's eTIMS references, ``etims_cu_number`` (the control unit's
    invoice number) and ``etims_qr_url`` (the verification link, printed as a QR code), are
    filled in after issue (``billing.services.etims``).
    """

    class DiscountType(models.TextChoices):
        AMOUNT = "amount", _("Amount")
        PERCENT = "percent", _("Percent")

    class PaymentStatus(models.TextChoices):
        PAID = "paid", _("Paid")
        PARTIAL = "partial", _("Partly paid")
        UNPAID = "unpaid", _("Unpaid")
        VOID = "void", pgettext_lazy("status of an invoice", "Void")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=16)
    series = models.CharField(_("series"), max_length=8, choices=Series.choices, default=Series.INVOICE)
    financial_year = models.CharField(_("financial year"), max_length=5)
    sequence_number = models.PositiveIntegerField(_("sequence number"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("customer"))
    issued_on = models.DateField(_("issued on"))
    is_inter_state = models.BooleanField(_("inter-state supply"), default=False)
    gst_split = models.BooleanField(_("gst split"), default=False,
                                    help_text=_("Tax shown as CGST+SGST or IGST (shop had a GSTIN)."))
    supplier_gstin = models.CharField(_("supplier gstin"), max_length=15, blank=True)
    supplier_state = models.CharField(_("supplier state"), max_length=2, blank=True)
    supplier_registration = models.CharField(_("supplier registration"), max_length=12, blank=True)
    place_of_supply = models.CharField(_("place of supply"), max_length=2, blank=True)
    recipient_name = models.CharField(_("recipient name"), max_length=120, blank=True)
    recipient_gstin = models.CharField(_("recipient gstin"), max_length=15, blank=True)
    recipient_state = models.CharField(_("recipient state"), max_length=2, blank=True)
    recipient_address = models.TextField(_("recipient address"), blank=True)
    delivery_address = models.TextField(_("delivery address"), blank=True)
    reverse_charge = models.BooleanField(_("tax payable on reverse charge"), default=False)
    tax_scheme = models.CharField(_("tax scheme"), max_length=8, choices=TaxScheme.choices, blank=True)
    supplier_tax_number = models.CharField(_("seller's tax number"), max_length=20, blank=True)
    recipient_tax_number = models.CharField(_("buyer's tax number"), max_length=20, blank=True)
    etims_cu_number = models.CharField(_("KRA eTIMS control unit invoice number"), max_length=50, blank=True)
    etims_qr_url = models.URLField(_("KRA eTIMS verification link"), max_length=500, blank=True)
    discount_type = models.CharField(_("discount type"), max_length=8, choices=DiscountType.choices,
                                     default=DiscountType.AMOUNT)
    discount_value = MoneyField(_("discount value"), default=0)
    round_off = models.BooleanField(_("round off"), default=False)
    subtotal = MoneyField(_("subtotal"))
    discount_total = MoneyField(_("discount total"), default=0)
    taxable_total = MoneyField(_("taxable total"))
    sd_total = MoneyField(_("supplementary duty total"), default=0)
    tax_total = MoneyField(_("tax total"))
    round_off_amount = MoneyField(_("round off amount"), default=0)
    total = MoneyField(_("total"))
    paid_at_counter = MoneyField(_("paid at counter"), default=0)
    payment_method = models.CharField(_("payment method"), max_length=10, choices=Payment.Method.choices,
                                      default=Payment.Method.CASH)
    cash_tendered = MoneyField(_("cash tendered"), null=True, blank=True)
    change_given = MoneyField(_("change given"), default=0)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    due = models.OneToOneField(Due, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice",
                               verbose_name=_("due"))
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice",
                                   verbose_name=_("payment"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("voided by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    # The one-time key of the counter form that issued it (DESIGN §5): a repeat returns this invoice.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "-sequence_number"]
        indexes = [
            models.Index(fields=["shop", "issued_on"], name="invoice_shop_issued"),
            models.Index(fields=["shop", "customer", "issued_on"], name="invoice_shop_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="invoice_unique_shop_number"),
            models.UniqueConstraint(fields=["shop", "series", "financial_year", "sequence_number"],
                                    name="invoice_unique_shop_series_year_seq"),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(condition=Q(paid_at_counter__gte=0), name="invoice_paid_not_negative"),
            models.CheckConstraint(condition=Q(paid_at_counter__lte=models.F("total")),
                                   name="invoice_paid_not_above_total"),
            models.CheckConstraint(condition=Q(discount_value__gte=0), name="invoice_discount_not_negative"),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="invoice_unique_shop_key"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:invoice_detail", kwargs={"invoice_id": self.pk})

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def is_bill_of_supply(self) -> bool:
        return self.series == Series.BILL_OF_SUPPLY

    @property
    def is_mushak(self) -> bool:
        """A Bangladeshi VAT invoice (Mushak-6.3 layout)."""
        return self.tax_scheme == TaxScheme.VAT_BD

    @property
    def is_kenya_vat(self) -> bool:
        """A Kenyan VAT invoice (KRA PINs, eTIMS references)."""
        return self.tax_scheme == TaxScheme.VAT_KE

    @property
    def is_b2b(self) -> bool:
        """Issued to a GST-registered recipient (its GSTIN is on the invoice)."""
        return bool(self.recipient_gstin)

    @property
    def balance_due(self) -> Decimal:
        """What is still owed on the invoice now (Decimal ≥ 0): its due's outstanding; 0
        for a walk-in sale (paid in full) and once void."""
        if self.is_voided or self.due_id is None:
            return ZERO
        return self.due.outstanding

    @property
    def amount_paid(self) -> Decimal:
        """What has been paid on the invoice so far (Decimal): at the counter, later
        payments, and customer credit applied to its due."""
        if self.is_voided:
            return self.paid_at_counter
        return self.total - self.balance_due

    @property
    def paid_after_issue(self) -> Decimal:
        """What was paid on the invoice after it was issued (later payments and customer
        credit applied to its due; Decimal, 0 for a void invoice)."""
        if self.is_voided:
            return ZERO
        return self.amount_paid - self.paid_at_counter

    @property
    def payment_status(self) -> str:
        """An ``Invoice.PaymentStatus`` value, from the due as it stands now."""
        if self.is_voided:
            return self.PaymentStatus.VOID
        balance = self.balance_due
        if balance <= 0:
            return self.PaymentStatus.PAID
        if balance >= self.total:
            return self.PaymentStatus.UNPAID
        return self.PaymentStatus.PARTIAL

    def get_payment_status_display(self) -> str:
        return str(self.PaymentStatus(self.payment_status).label)


class DocumentLine(models.Model):
    """The fields every document line snapshots from the sale (an invoice's line, a credit
    note's returned line): ``position``, ``product`` (kept for stock, may be gone from the
    catalogue), ``description``, ``hsn_code``, ``unit``, ``quantity`` (Decimal, 3 places),
    ``unit_price`` (including tax when ``price_includes_tax``: an MRP), ``tax_rate``,
    ``line_net`` (quantity × unit price), ``discount`` (its share of the document's discount)
    and ``taxable_value`` (always before tax: worked back from ``line_net − discount`` for an
    MRP, ``billing.totals.line_figures``); money is Decimal in the shop's currency.
    Bangladesh: ``sd_rate`` (percent) and ``sd_amount``, the line's supplementary duty
    (``billing.totals.sd_and_vat``); 0 elsewhere."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    hsn_code = models.CharField(max_length=8, blank=True)
    unit = models.CharField(max_length=10, blank=True)
    quantity = QuantityField()
    unit_price = MoneyField()
    price_includes_tax = models.BooleanField(default=False)
    tax_rate = TaxRateField()
    line_net = MoneyField()
    discount = MoneyField(default=0)
    taxable_value = MoneyField()
    sd_rate = TaxRateField(SD_RATE_LABEL)
    sd_amount = MoneyField(default=0)

    objects = ScopedManager(shop="shop")

    class Meta:
        abstract = True


class InvoiceLine(DocumentLine):
    """A line item, snapshotting description, HSN, unit price and tax rate at issue.
    ``unit_price`` includes tax when ``price_includes_tax`` (an MRP); ``line_net`` is
    quantity × unit price as entered and ``taxable_value`` is always before tax."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["shop", "invoice"], name="line_shop_invoice")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class Denomination(models.Model):
    """How many notes or coins of ``value`` (Decimal, shop currency) the cash drawer holds.

    ``count`` is a stored figure, like ``Product.stock_quantity``: it changes only in
    ``billing.services.drawer``, in the same transaction as the ``CashMovement`` whose
    ``pieces`` say by how much (cash in or out by denomination, or a count). Cash that
    moved as an amount only (a customer's payment typed in on their page) is in the
    drawer's balance but in no count until the next count or day close sorts it.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    value = MoneyField(validators=[MinValueValidator(CENT)])
    count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-value"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "value"], name="denomination_unique_shop_value"),
            models.CheckConstraint(condition=Q(value__gt=0), name="denomination_value_positive"),
        ]

    def __str__(self):
        return f"{self.value} × {self.count}"


class CashDrawer(models.Model):
    """A shop's cash drawer as one row (created on the first cash movement).

    ``balance`` (Decimal, shop currency; negative only if the book is wrong) is the sum of
    the shop's ``CashMovement.amount``: stored, like ``Customer.balance``, and changed only
    by ``billing.services.drawer`` in the same transaction as the movement. The row is also
    the lock every cash write takes first (``select_for_update``), so one shop's movements
    are written one at a time. ``billing.selectors.cash.cash_drift`` proves it against the
    movements.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    balance = MoneyField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop"], name="cash_drawer_unique_shop")]

    def __str__(self):
        return f"Drawer of shop {self.shop_id}: {self.balance}"


#: ``CashMovement.kind`` values that put cash in (amount > 0) and take it out (amount < 0);
#: a count's difference ("count") may be either.
CASH_IN_KINDS = ("opening", "float", "sale", "payment", "refund_void")
CASH_OUT_KINDS = ("change", "sale_void", "payment_void", "refund", "payout", "deposit")


class CashRecord(models.Model):
    """What every cash book row carries: the form's one-time key (unique per shop, so a
    double submit records it once), who recorded it and when. Rows are only ever added."""

    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class CashMovement(CashRecord):
    """One movement of cash in or out of the drawer (DESIGN §6), as ``StockMovement`` is
    for stock: rows are only ever added (never edited or deleted), so they are their own
    history; a mistake is corrected by another movement.

    ``amount``: signed Decimal in the shop's currency (+ in, − out); its sign is fixed by
    ``kind`` (a count's difference may be either, or 0 when only the notes changed).
    ``pieces``: the notes and coins that moved, when known, as ``{"500.00": 2, "20.00": -1}``
    (value as a 2-place string → signed count); ``{}`` when only the amount is known. When
    given, ``Σ value × count == amount`` except for a count (whose amount is counted minus
    expected). ``invoice``/``payment``/``refund_pk`` link the entry it follows
    (``refund_pk`` is the ``ledger.Refund`` id, a plain column so billing does not depend on
    the ledger's refund migration). ``idempotency_key``: the form's one-time key (unique per
    shop) for movements entered by hand.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening float")
        FLOAT = "float", _("Cash added")
        SALE = "sale", _("Cash sale")
        CHANGE = "change", _("Change given")
        SALE_VOID = "sale_void", _("Sale voided")
        PAYMENT = "payment", _("Customer payment")
        PAYMENT_VOID = "payment_void", _("Payment voided")
        REFUND = "refund", pgettext_lazy("a cash book entry", "Refund")
        REFUND_VOID = "refund_void", _("Refund voided")
        PAYOUT = "payout", _("Pay-out / expense")
        DEPOSIT = "deposit", _("Bank deposit")
        COUNT = "count", pgettext_lazy("a cash book entry", "Count")

    IN_KINDS = CASH_IN_KINDS
    OUT_KINDS = CASH_OUT_KINDS

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = MoneyField()
    pieces = models.JSONField(default=dict, blank=True)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # SET_NULL: payments are voided, never deleted, by shops; an operator's delete of one
    # (or of the ledger-only demo) leaves its cash in the book, unlinked.
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    refund_pk = models.PositiveBigIntegerField(_("refund id"), null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(_("reason / note"), max_length=200, blank=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["shop", "created_at"], name="cash_movement_shop_created"),
            models.Index(fields=["shop", "payment"], name="cash_movement_shop_payment"),
            models.Index(fields=["shop", "refund_pk"], name="cash_movement_shop_refund"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="cash_movement_unique_shop_key"),
            models.CheckConstraint(
                condition=Q(kind__in=CASH_IN_KINDS, amount__gt=0) | Q(kind__in=CASH_OUT_KINDS, amount__lt=0)
                | Q(kind="count"),
                name="cash_movement_sign_follows_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def get_absolute_url(self):
        return reverse("billing:cash_movement_detail", kwargs={"movement_id": self.pk})

    @property
    def is_in(self) -> bool:
        return self.amount > 0

    def piece_list(self) -> list[tuple[Decimal, int]]:
        """``pieces`` as ``[(value (Decimal), signed count (int)), …]``, largest value first."""
        return sorted(((Decimal(value), count) for value, count in self.pieces.items()), reverse=True)


class CashClose(CashRecord):
    """A day close (till reconciliation): the owner counted the drawer by denomination.

    ``expected`` is the drawer's balance before the count, ``counted`` the sum of
    ``counts`` (``{"500.00": 6, …}``, pieces counted per value), ``difference`` =
    counted − expected (negative: cash short). All Decimal in the shop's currency.
    ``movement`` is the ``COUNT`` movement that brought the drawer to the count (none when
    the count matched the book note for note). ``closed_on`` is the business day closed.
    Rows are only ever added.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    closed_on = models.DateField()
    expected = MoneyField()
    counted = MoneyField()
    difference = MoneyField()
    counts = models.JSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)
    movement = models.OneToOneField(CashMovement, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="close")

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "closed_on"], name="cash_close_shop_day")]
        constraints = [
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="cash_close_unique_shop_key"),
            models.CheckConstraint(condition=Q(counted__gte=0), name="cash_close_counted_not_negative"),
        ]

    def __str__(self):
        return f"Close of {self.closed_on}: {self.counted} counted, {self.expected} expected"

    def get_absolute_url(self):
        return reverse("billing:cash_close_detail", kwargs={"close_id": self.pk})

    def count_list(self) -> list[tuple[Decimal, int, Decimal]]:
        """``counts`` as ``[(value (Decimal), pieces (int), value × pieces), …]``, largest value first."""
        return sorted(((Decimal(value), count, Decimal(value) * count) for value, count in self.counts.items()),
                      reverse=True)


class ImportJob(models.Model):
    """A spreadsheet import of customers or products (issue #13): the uploaded file, its
    check and its progress. The services are ``billing.services.imports``.

    ``content`` is the uploaded file itself (zlib-compressed bytes; the project keeps no
    media files; ``file_type`` "csv" or "xlsx"), replaced once checked by the rows read from
    it (compressed JSON; ``file_type`` "rows"), and emptied once imported. The status moves
    checking → preview (checked: ``error_rows`` of ``total_rows`` have errors, the first of
    them in ``errors`` as ``[{"row": 3, "messages": ["…"]}, …]``) → queued (confirmed, with
    ``skip_bad_rows``) → importing (the rows checked again; ``rows_done`` counts them) →
    writing (one transaction) → done (``imported_rows`` written), or failed (``message``
    says why; nothing was written; it can be retried). ``attempts`` counts the runs of the
    background task: a run that finds another one took over stops.
    """

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        PRODUCTS = "products", _("Products")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        PREVIEW = "preview", pgettext_lazy("status of an import", "Checked")
        QUEUED = "queued", _("Waiting to import")
        IMPORTING = "importing", _("Checking the rows again")
        WRITING = "writing", pgettext_lazy("status of an import", "Saving")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    file_name = models.CharField(max_length=255)
    file_type = models.CharField(max_length=4)  # what content holds: "csv", "xlsx" or "rows"
    content = models.BinaryField(editable=False)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict, blank=True)  # columns found and ignored, a sample of good rows
    skip_bad_rows = models.BooleanField(default=False)
    imported_rows = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life of the step at work (progress, a change of status).
    updated_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = ScopedManager(shop="shop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "created_at"], name="import_job_shop_created")]
        constraints = [
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="import_job_unique_shop_key"),
            models.CheckConstraint(condition=Q(rows_done__lte=F("total_rows")), name="import_job_progress_in_range"),
        ]

    def __str__(self):
        return f"Import of {self.get_kind_display().lower()} from {self.file_name} ({self.status})"

    def get_absolute_url(self):
        return reverse("billing:import_detail", kwargs={"job_id": self.pk})

    @property
    def percent(self) -> int:
        """Progress of the current step, 0–100."""
        return min(100, self.rows_done * 100 // self.total_rows) if self.total_rows else 0

    @property
    def good_rows(self) -> int:
        """Rows without errors at the last check."""
        return max(self.total_rows - self.error_rows, 0)

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.IMPORTING, self.Status.WRITING)


# --- Credit notes (sale returns, CGST Act s.34; issue #15) --------------------------------


class CreditNoteSequence(NumberSequence):
    """The credit notes' own series (``CN/26-27/0001``)."""

    label = "CN "

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "financial_year"],
                                               name="cn_sequence_unique_shop_year")]


class CreditNote(models.Model):
    """A sale return against an invoice: some or all of its lines and quantities come back.

    Figures are stored as computed when raised (``billing.services.credit_notes``), all
    Decimal in the shop's currency: the lines' ``subtotal``, ``discount_total`` (their share
    of the invoice's discount), ``taxable_total``, ``sd_total`` (Bangladesh's supplementary
    duty returned), ``tax_total`` (per rate, with the invoice's GST split; per line in
    Bangladesh), ``round_off_amount`` and ``total``. The total is settled as
    ``applied_to_invoice`` (a ledger payment, ``payment``, allocated to what was still owed
    on the invoice) + ``credit_amount`` (a ledger payment, ``credit_payment``, that becomes
    customer credit) + ``refund_amount`` (paid back in cash through the cash book, or by UPI).
    Rows are never edited once raised.
    """

    class RefundMethod(models.TextChoices):
        CREDIT = "credit", _("Customer credit")
        CASH = "cash", _("Cash")
        UPI = "upi", "UPI"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=16)
    financial_year = models.CharField(max_length=5)
    sequence_number = models.PositiveIntegerField()
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="credit_notes")
    issued_on = models.DateField()
    reason = models.CharField(max_length=200)
    is_inter_state = models.BooleanField(_("inter-state supply"), default=False)
    gst_split = models.BooleanField(default=False)
    subtotal = MoneyField()
    discount_total = MoneyField(default=0)
    taxable_total = MoneyField()
    sd_total = MoneyField(default=0)
    tax_total = MoneyField()
    round_off_amount = MoneyField(default=0)
    total = MoneyField()
    refund_method = models.CharField(max_length=8, choices=RefundMethod.choices, default=RefundMethod.CREDIT)
    applied_to_invoice = MoneyField(default=0)
    credit_amount = MoneyField(default=0)
    refund_amount = MoneyField(default=0)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credit_payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = ScopedManager(shop="shop")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "-sequence_number"]
        indexes = [
            models.Index(fields=["shop", "issued_on"], name="credit_note_shop_issued"),
            models.Index(fields=["shop", "invoice"], name="credit_note_shop_invoice"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="credit_note_unique_shop_number"),
            models.UniqueConstraint(fields=["shop", "financial_year", "sequence_number"],
                                    name="credit_note_unique_shop_year_sequence"),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="credit_note_unique_shop_key"),
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_total_positive"),
            models.CheckConstraint(
                condition=Q(applied_to_invoice__gte=0, credit_amount__gte=0, refund_amount__gte=0),
                name="credit_note_parts_not_negative"),
            models.CheckConstraint(
                condition=Q(total=F("applied_to_invoice") + F("credit_amount") + F("refund_amount")),
                name="credit_note_parts_add_up"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:credit_note_detail", kwargs={"credit_note_id": self.pk})

    @property
    def source(self) -> str:
        """How its ledger entries name it: ``"Credit note CN/26-27/0001"``. Stored as the entries'
        ``source`` and read back by ``ledger.selectors.entries`` (``CREDIT_NOTE_SOURCE``), so it
        stays in English (not translated)."""
        return f"Credit note {self.number}"


class CreditNoteLine(DocumentLine):
    """One returned line: ``quantity`` of ``invoice_line``, with the invoice line's
    description, HSN, unit, unit price, price kind (``price_includes_tax``) and tax rate;
    ``line_net`` and ``discount`` are the returned shares of the invoice line's, and its
    ``taxable_value`` is worked back from them as at issue (the last return of a line takes
    what is left of each: ``billing.services.credit_notes``)."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="returns")

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["shop", "credit_note"], name="cn_line_shop_note")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cn_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description} returned"
