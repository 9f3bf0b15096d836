"""Catalogue and invoices: their shapes, and what the billing services take."""

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import POSITIVE_QUANTITY, ShopRelatedField, money
from api.serializers.common import quantity as quantity_field
from api.serializers.common import tax_rate as tax_rate_field
from billing.models import Category, Invoice, InvoiceLine, Product, StockMovement
from billing.totals import LineInput
from core.gst import STATE_CHOICES
from customers.models import Customer
from ledger.models import Payment


class CategorySerializer(serializers.ModelSerializer):
    """A product category; ``product_count``/``active_count``: its products, all and active."""

    product_count = serializers.IntegerField(read_only=True)
    active_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "product_count", "active_count"]


class ProductSerializer(serializers.ModelSerializer):
    """A product. ``sale_price`` excludes tax; ``tax_rate`` is added on top. Stock
    (``stock_quantity``) changes only through sales and the receive/adjust routes;
    ``opening_stock`` (create only) records the stock on hand as received."""

    category = ShopRelatedField(Category, required=False, allow_null=True, help_text="A category's id, or null.")
    sale_price = money(min_value=Decimal(0))
    cost_price = money(min_value=Decimal(0), required=False, allow_null=True)
    tax_rate = tax_rate_field(required=False)
    stock_quantity = quantity_field(read_only=True)
    low_stock_level = quantity_field(min_value=Decimal(0), required=False)
    opening_stock = quantity_field(min_value=POSITIVE_QUANTITY, required=False, allow_null=True, write_only=True,
                             help_text="Create only: stock on hand, recorded as received.")
    is_low_stock = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "category", "unit", "sale_price", "price_includes_tax", "cost_price",
                  "tax_rate", "hsn_code", "barcode", "stock_quantity", "low_stock_level", "is_low_stock", "track_stock",
                  "allow_negative_stock",
                  "is_active", "opening_stock", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"hsn_code": {"required": False}, "unit": {"required": False},
                        "barcode": {"required": False}, "price_includes_tax": {"required": False}}
        # The SKU is unique per shop: the service checks it (ignoring case), not a validator here.
        validators = []

    @extend_schema_field(serializers.BooleanField())
    def get_is_low_stock(self, product) -> bool:
        return product.is_low_stock


class StockReceiveSerializer(serializers.Serializer):
    """Stock received into a product (a purchase)."""

    quantity = quantity_field(min_value=POSITIVE_QUANTITY, help_text="More than zero, in the product's unit.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StockAdjustSerializer(serializers.Serializer):
    """A stock correction (a count, damage, theft): signed ``quantity``, with a reason."""

    quantity = quantity_field(help_text="Signed: -2 takes two away. Not zero.")
    reason = serializers.CharField(max_length=200)


class StockMovementSerializer(serializers.ModelSerializer):
    """One change of a product's stock: ``quantity`` signed, ``balance_after`` the stock then."""

    quantity = quantity_field()
    balance_after = quantity_field()

    class Meta:
        model = StockMovement
        fields = ["id", "product", "kind", "quantity", "balance_after", "reason", "invoice", "created_at"]
        read_only_fields = fields


class InvoiceLineSerializer(serializers.ModelSerializer):
    """A line as issued: description, unit price and tax rate are snapshots."""

    quantity = quantity_field()
    unit_price = money()
    tax_rate = tax_rate_field()
    line_net = money()
    discount = money()
    taxable_value = money()

    class Meta:
        model = InvoiceLine
        fields = ["position", "product", "description", "hsn_code", "unit", "quantity", "unit_price", "tax_rate",
                  "line_net", "discount", "taxable_value"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    """An issued invoice. ``status``, ``amount_paid`` and ``balance_due`` follow the due it
    posted to the customer's account (later payments included); ``pdf`` is its PDF."""

    status = serializers.SerializerMethodField()
    amount_paid = serializers.SerializerMethodField()
    balance_due = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True)
    pdf = serializers.SerializerMethodField()
    subtotal = money()
    discount_value = money()
    discount_total = money()
    taxable_total = money()
    tax_total = money()
    round_off_amount = money()
    total = money()
    paid_at_counter = money()
    cash_tendered = money(allow_null=True)
    change_given = money()

    class Meta:
        model = Invoice
        fields = ["id", "number", "customer", "issued_on", "status", "subtotal", "discount_type", "discount_value",
                  "discount_total", "taxable_total", "tax_total", "round_off_amount", "total", "paid_at_counter",
                  "amount_paid", "balance_due", "payment_method", "cash_tendered", "change_given", "is_inter_state",
                  "place_of_supply", "notes", "due", "lines", "pdf", "created_at", "voided_at", "void_reason"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Invoice.PaymentStatus.choices))
    def get_status(self, invoice) -> str:
        return invoice.payment_status

    @extend_schema_field(money())
    def get_amount_paid(self, invoice) -> str:
        return f"{invoice.amount_paid:.2f}"

    @extend_schema_field(money())
    def get_balance_due(self, invoice) -> str:
        return f"{invoice.balance_due:.2f}"

    @extend_schema_field(serializers.URLField())
    def get_pdf(self, invoice) -> str:
        url = reverse("api:v1:invoice-pdf", kwargs={"pk": invoice.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class InvoiceLineInputSerializer(serializers.Serializer):
    """A line to sell: a product of the catalogue (its name, price and tax rate are the
    defaults) or a free line with description, price and tax rate."""

    product = ShopRelatedField(Product, filters={"is_active": True}, required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quantity = quantity_field(min_value=POSITIVE_QUANTITY)
    unit_price = money(min_value=Decimal(0), required=False, allow_null=True, default=None,
                       help_text="Default the product's sale price.")
    price_includes_tax = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Whether unit_price includes tax (an MRP); default the product's kind (false for a free line).")
    tax_rate = tax_rate_field(required=False, allow_null=True, default=None, help_text="Default the product's rate.")

    def validate(self, data):
        product = data.get("product")
        errors = {}
        if product is None:
            for name in ("description", "unit_price", "tax_rate"):
                if data.get(name) in (None, ""):
                    errors[name] = ["Required for a line without a product."]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def as_line_input(self, data) -> LineInput:
        product = data.get("product")
        return LineInput(
            quantity=data["quantity"],
            unit_price=data["unit_price"] if data.get("unit_price") is not None else product.sale_price,
            tax_rate=data["tax_rate"] if data.get("tax_rate") is not None else product.tax_rate,
            description=data.get("description") or product.name, product=product,
            hsn_code=product.hsn_code if product else "", unit=product.unit if product else "",
            price_includes_tax=(data["price_includes_tax"] if data.get("price_includes_tax") is not None
                                else bool(product and product.price_includes_tax)))


class InvoiceIssueSerializer(serializers.Serializer):
    """What ``billing.services.invoices.invoice_issue`` takes. A sale without a customer
    (walk-in) must be paid in full; an unpaid remainder goes to the customer's dues."""

    customer = ShopRelatedField(Customer, filters={"is_archived": False}, required=False, allow_null=True,
                                default=None, help_text="An active customer's id; null for a walk-in sale.")
    issued_on = serializers.DateField(required=False, help_text="Default today.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False, max_length=200)
    discount_type = serializers.ChoiceField(choices=Invoice.DiscountType.choices, default=Invoice.DiscountType.AMOUNT)
    discount_value = money(min_value=Decimal(0), default=Decimal(0))
    round_off = serializers.BooleanField(default=False)
    place_of_supply = serializers.ChoiceField(
        choices=STATE_CHOICES, required=False, allow_blank=True, default="",
        help_text="GST state code; default the customer's state, else the shop's. It sets CGST+SGST or IGST.")
    inter_state = serializers.BooleanField(default=False, help_text="Only for a shop without a state.")
    amount_paid = money(min_value=Decimal(0), default=Decimal(0), help_text="Paid at the counter.")
    payment_method = serializers.ChoiceField(choices=Payment.Method.choices, default=Payment.Method.CASH)
    cash_tendered = money(min_value=Decimal(0), required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
