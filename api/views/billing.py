"""``/api/v1/products/``, ``/api/v1/categories/`` and ``/api/v1/invoices/``. Each write is
one call of ``billing.services``: stock moves only through receive/adjust and sales,
invoices are numbered, post stock and the customer's dues in one transaction."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import InvoiceFilter, ProductFilter
from api.idempotency import idempotent, one_time_key
from api.serializers.billing import (
    CategorySerializer,
    InvoiceIssueSerializer,
    InvoiceLineInputSerializer,
    InvoiceSerializer,
    ProductSerializer,
    StockAdjustSerializer,
    StockMovementSerializer,
    StockReceiveSerializer,
)
from api.serializers.common import VoidSerializer
from api.views.base import ShopViewSet
from billing import pdf
from billing.models import Category, Invoice, Product
from billing.selectors import catalogue as catalogue_selectors
from billing.services import catalogue as catalogue_services
from billing.services import invoices as invoice_services
from billing.services.catalogue import PRODUCT_FIELDS

READ = {"list": "shop.view", "retrieve": "shop.view"}
EDIT = {"create": "product.edit", "update": "product.edit", "partial_update": "product.edit",
        "destroy": "product.edit"}


@extend_schema(tags=["catalogue"])
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Products of the catalogue (active ones unless ``include_inactive=true``)."""

    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ("name", "sku", "sale_price", "stock_quantity", "created_at")
    ordering = ("name",)
    required_actions = {**READ, **EDIT, "receive": "stock.receive", "adjust": "stock.adjust"}

    def get_queryset(self):
        return Product.objects.filter(shop=self.request.shop)

    @idempotent
    def create(self, request):
        """Add a product; ``opening_stock`` is recorded as received."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        opening_stock = data.pop("opening_stock", None)
        product = catalogue_services.product_create(shop=request.shop, opening_stock=opening_stock,
                                                    created_by=request.user, membership=request.membership,
                                                    **data)
        product.refresh_from_db()
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        """Change the product's details (all of them; PATCH for some). Not its stock."""
        return self._update(request, partial=False)

    def partial_update(self, request, pk=None):
        """Change some of the product's details. Not its stock."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = {name: value for name, value in serializer.validated_data.items() if name in PRODUCT_FIELDS}
        product = catalogue_services.product_update(shop=request.shop, product=product, membership=request.membership,
                                                    **fields)
        return Response(self.get_serializer(product).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Deactivate the product: it leaves the lists and the counter, and keeps its stock
        history and the invoices that sold it (``is_active`` true brings it back)."""
        product = self.get_object()
        catalogue_services.product_update(shop=request.shop, product=product, is_active=False,
                                         membership=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=StockReceiveSerializer, responses={201: StockMovementSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def receive(self, request, pk=None):
        """Add stock received (a purchase)."""
        product = self.get_object()
        serializer = StockReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = catalogue_services.stock_receive(shop=request.shop, product=product, created_by=request.user,
                                                    membership=request.membership, **serializer.validated_data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StockAdjustSerializer, responses={201: StockMovementSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def adjust(self, request, pk=None):
        """Correct the stock by a signed quantity, with a reason."""
        product = self.get_object()
        serializer = StockAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = catalogue_services.stock_adjust(shop=request.shop, product=product, created_by=request.user,
                                                   membership=request.membership, **serializer.validated_data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalogue"])
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Product categories, with how many products each has."""

    queryset = Category.objects.none()
    serializer_class = CategorySerializer
    ordering_fields = ("name",)
    ordering = ("name",)
    required_actions = {**READ, **EDIT}

    def get_queryset(self):
        return catalogue_selectors.category_list(shop=self.request.shop)

    def _read(self, category: Category) -> Category:
        return self.get_queryset().get(pk=category.pk)

    @idempotent
    def create(self, request):
        """Add a category (names are unique in the shop, ignoring case)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = catalogue_services.category_save(shop=request.shop, name=serializer.validated_data["name"],
                                                       membership=request.membership)
        return Response(self.get_serializer(self._read(category)).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        """Rename the category."""
        return self._update(request, partial=False)

    def partial_update(self, request, pk=None):
        """Rename the category."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        category = self.get_object()
        serializer = self.get_serializer(category, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            category = catalogue_services.category_save(shop=request.shop, category=category,
                                                        name=serializer.validated_data["name"],
                                                        membership=request.membership)
        return Response(self.get_serializer(self._read(category)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete the category; its products stay, without a category."""
        category = self.get_object()
        catalogue_services.category_delete(shop=request.shop, category=category, membership=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["invoices"])
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Issued invoices, newest first; ``status`` follows later payments."""

    queryset = Invoice.objects.none()
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ("issued_on", "total", "created_at")
    ordering = ("-issued_on",)
    required_actions = {**READ, "pdf": "shop.view", "create": "sale.create", "void": "invoice.void"}

    def get_queryset(self):
        return Invoice.objects.filter(shop=self.request.shop).select_related("due").prefetch_related("lines")

    def filter_queryset(self, queryset):
        # The list comes from the invoice list selector (filters, live status): add the lines.
        return super().filter_queryset(queryset).prefetch_related("lines")

    def _read(self, invoice: Invoice) -> Invoice:
        return self.get_queryset().get(pk=invoice.pk)

    @extend_schema(request=InvoiceIssueSerializer, responses={201: InvoiceSerializer})
    @idempotent
    def create(self, request):
        """Issue an invoice: number, stock, the customer's due for what is unpaid, the
        payment at the counter and the cash book, in one transaction."""
        serializer = InvoiceIssueSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        line_input = InvoiceLineInputSerializer()
        lines = [line_input.as_line_input(line) for line in data.pop("lines")]
        invoice = invoice_services.invoice_issue(
            shop=request.shop, lines=lines, customer=data["customer"], issued_on=data.get("issued_on"),
            discount_type=data["discount_type"], discount_value=data["discount_value"],
            round_off=data["round_off"], inter_state=data["inter_state"],
            place_of_supply=data["place_of_supply"], amount_paid=data["amount_paid"],
            payment_method=data["payment_method"], cash_tendered=data["cash_tendered"], due_date=data["due_date"],
            notes=data["notes"], created_by=request.user, membership=request.membership,
            idempotency_key=one_time_key(request))
        return Response(self.get_serializer(self._read(invoice)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def void(self, request, pk=None):
        """Void the invoice: stock comes back, its due and payment are voided."""
        invoice = self.get_object()
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = invoice_services.invoice_void(shop=request.shop, invoice=invoice,
                                                reason=serializer.validated_data["reason"], voided_by=request.user,
                                                membership=request.membership)
        return Response(self.get_serializer(self._read(invoice)).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                        description="The A4 invoice.")})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The A4 invoice as a PDF download."""
        invoice = self.get_object()
        filename, content = pdf.invoice_pdf(invoice=invoice, request=request._request)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response
