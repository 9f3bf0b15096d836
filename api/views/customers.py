"""``/api/v1/customers/``: list, search, filter and sort; create, update, archive; a
customer's statement and open dues. Each write is one call of ``customers.services``."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import CustomerFilter
from api.idempotency import idempotent
from api.serializers.customers import CustomerSerializer, StatementSerializer
from api.serializers.ledger import DueSerializer
from api.views.base import ShopViewSet
from customers import services
from customers.models import Customer
from ledger.selectors.entries import customer_open_dues, customer_statement


def _fields(data: dict) -> dict:
    return {name: data[name] for name in services.EDITABLE_FIELDS if name in data}


@extend_schema(tags=["customers"])
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Customers of the shop. The list shows active customers (``archived=true``: the
    archived ones), sorted by ``ordering``."""

    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ("name", "balance", "created_at")
    ordering = ("name",)
    required_actions = {"list": "shop.view", "retrieve": "shop.view", "statement": "shop.view",
                        "open_dues": "shop.view", "create": "customer.edit", "update": "customer.edit",
                        "partial_update": "customer.edit", "archive": "customer.edit", "unarchive": "customer.edit"}

    def get_queryset(self):
        return Customer.objects.filter(shop=self.request.shop)

    @idempotent
    def create(self, request):
        """Add a customer (``customers.services.customer_create``): 201 with the customer."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = services.customer_create(shop=request.shop, confirm_phone=data.get("confirm_phone", ""),
                                            membership=request.membership, **_fields(data))
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        """Change the contact fields (all of them; PATCH for some)."""
        return self._update(request, partial=False)

    def partial_update(self, request, pk=None):
        """Change some contact fields."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = services.customer_update(customer=customer, confirm_phone=data.get("confirm_phone", ""),
                                            membership=request.membership, **_fields(data))
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def archive(self, request, pk=None):
        """Hide the customer from the list; refused (400) unless the balance is zero."""
        customer = services.customer_archive(customer=self.get_object(), membership=request.membership)
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def unarchive(self, request, pk=None):
        """Show an archived customer in the list again."""
        customer = services.customer_unarchive(customer=self.get_object(), membership=request.membership)
        return Response(self.get_serializer(customer).data)

    @extend_schema(responses=StatementSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def statement(self, request, pk=None):
        """Every due, payment and refund in date order with the running balance."""
        customer = self.get_object()
        statement = customer_statement(customer=customer)
        data = {"customer": customer.pk, "balance": statement.balance, "total_dues": statement.total_dues,
                "total_payments": statement.total_payments, "total_refunds": statement.total_refunds,
                "lines": statement.lines}
        return Response(StatementSerializer(data).data)

    @extend_schema(responses=DueSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="open-dues", filter_backends=[], pagination_class=None)
    def open_dues(self, request, pk=None):
        """The customer's unpaid dues in the order payments are applied (oldest due date first)."""
        dues = customer_open_dues(customer=self.get_object())
        return Response(DueSerializer(dues, many=True, context=self.get_serializer_context()).data)
