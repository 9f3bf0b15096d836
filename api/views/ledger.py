"""``/api/v1/dues/`` and ``/api/v1/payments/``: list and read; create (with
``Idempotency-Key``) and void. Each write is one call of ``ledger.services.entries``,
which allocates, keeps the balances and refuses what the rules refuse."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import DueFilter, PaymentFilter
from api.idempotency import idempotent, one_time_key
from api.serializers.common import VoidSerializer
from api.serializers.ledger import DueCreateSerializer, DueSerializer, PaymentCreateSerializer, PaymentSerializer
from api.views.base import ShopViewSet
from ledger.models import Due, Payment
from ledger.services import entries as services

READ = {"list": "shop.view", "retrieve": "shop.view"}


@extend_schema(tags=["dues"])
class DueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Dues (credit given). ``status`` is open, partial, paid or void."""

    queryset = Due.objects.none()
    serializer_class = DueSerializer
    filterset_class = DueFilter
    ordering_fields = ("created_at", "incurred_on", "amount")
    ordering = ("-created_at",)
    required_actions = {**READ, "create": "entry.create", "void": "entry.void"}

    def get_queryset(self):
        return Due.objects.filter(shop=self.request.shop)

    @extend_schema(request=DueCreateSerializer, responses={201: DueSerializer})
    @idempotent
    def create(self, request):
        """Record credit given; any customer credit is applied to it at once."""
        serializer = DueCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        due = services.due_create(
            shop=request.shop, customer=data["customer"], amount=data["amount"], description=data["description"],
            incurred_on=data.get("incurred_on") or timezone.localdate(), due_date=data.get("due_date"),
            created_by=request.user, membership=request.membership, idempotency_key=one_time_key(request))
        due.refresh_from_db(fields=["outstanding"])  # credit may have paid part of it
        return Response(self.get_serializer(due).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses=DueSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def void(self, request, pk=None):
        """Void the due with a reason (never deleted); payments on it become credit."""
        due = self.get_object()
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        due = services.due_void(shop=request.shop, due=due, reason=serializer.validated_data["reason"],
                                voided_by=request.user, membership=request.membership)
        due.refresh_from_db()
        return Response(self.get_serializer(due).data)


@extend_schema(tags=["payments"])
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ShopViewSet):
    """Payments received and the dues each was applied to."""

    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ("created_at", "received_on", "amount")
    ordering = ("-created_at",)
    required_actions = {**READ, "create": "entry.create", "void": "entry.void"}

    def get_queryset(self):
        return Payment.objects.filter(shop=self.request.shop).prefetch_related("allocations")

    def _read(self, payment: Payment) -> Payment:
        return self.get_queryset().get(pk=payment.pk)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    @idempotent
    def create(self, request):
        """Record a payment: applied to ``due`` if given, else to the oldest dues first;
        what is left is customer credit."""
        serializer = PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.payment_create(
            shop=request.shop, customer=data["customer"], amount=data["amount"],
            received_on=data.get("received_on") or timezone.localdate(), method=data["method"],
            reference=data["reference"], note=data["note"], due=data["due"], created_by=request.user,
            membership=request.membership, idempotency_key=one_time_key(request))
        return Response(self.get_serializer(self._read(payment)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def void(self, request, pk=None):
        """Void the payment with a reason: the dues it paid are owed again."""
        payment = self.get_object()
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.payment_void(shop=request.shop, payment=payment,
                                        reason=serializer.validated_data["reason"], voided_by=request.user,
                                        membership=request.membership)
        return Response(self.get_serializer(self._read(payment)).data)
