"""Dues and payments: their shapes, and what create accepts (the ledger services decide)."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import ShopRelatedField, amount, money
from customers.models import Customer
from ledger.models import Allocation, Due, Payment


def due_status(due: Due, today: datetime.date) -> tuple[str, bool]:
    """``(status, is_overdue)`` of a due from its stored ``outstanding`` (the rule of
    ``ledger.selectors.entries``): void, paid, partial or open; overdue when open or
    partial and its due date has passed."""
    if due.is_voided:
        return Due.Status.VOID, False
    if due.outstanding <= 0:
        status = Due.Status.PAID
    elif due.outstanding < due.amount:
        status = Due.Status.PARTIAL
    else:
        status = Due.Status.OPEN
    return status, status != Due.Status.PAID and due.due_date is not None and due.due_date < today


class DueSerializer(serializers.ModelSerializer):
    """A due (credit given). ``outstanding`` is what is still owed on it; ``source`` names
    the invoice that posted it, if any (void that invoice instead)."""

    amount = money()
    outstanding = money()
    status = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Due
        fields = ["id", "customer", "amount", "outstanding", "status", "is_overdue", "description", "incurred_on",
                  "due_date", "source", "created_at", "voided_at", "void_reason"]
        read_only_fields = fields

    def _status(self, due):
        today = self.context.setdefault("today", timezone.localdate())
        return due_status(due, today)

    @extend_schema_field(serializers.ChoiceField(choices=Due.Status.choices))
    def get_status(self, due) -> str:
        return self._status(due)[0]

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, due) -> bool:
        return self._status(due)[1]


class DueCreateSerializer(serializers.Serializer):
    """Credit given to a customer: what ``ledger.services.entries.due_create`` takes."""

    customer = ShopRelatedField(Customer, help_text="The customer's id.")
    amount = amount(help_text="More than zero, in the shop's currency.")
    description = serializers.CharField(max_length=200, help_text="What the credit was for.")
    incurred_on = serializers.DateField(required=False, help_text="The date it was given (default today).")
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text="When the customer promised to pay (optional).")


class AllocationSerializer(serializers.ModelSerializer):
    """``amount`` of the payment applied to ``due``."""

    amount = money()

    class Meta:
        model = Allocation
        fields = ["due", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """A payment and the dues it was applied to (``allocations``); what is not applied is
    customer credit. ``due`` is the due the payment was made for, if one was chosen."""

    amount = money()
    allocations = AllocationSerializer(many=True)

    class Meta:
        model = Payment
        fields = ["id", "customer", "amount", "received_on", "method", "reference", "note", "due", "allocations",
                  "source", "created_at", "voided_at", "void_reason"]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    """A payment received: applied to ``due`` when given, else to the oldest dues first."""

    customer = ShopRelatedField(Customer, help_text="The customer's id.")
    amount = amount(help_text="More than zero, in the shop's currency.")
    received_on = serializers.DateField(required=False, help_text="The date received (default today).")
    method = serializers.ChoiceField(choices=Payment.Method.choices, default=Payment.Method.CASH)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                      help_text="UPI / card / bank reference.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    due = ShopRelatedField(Due, required=False, allow_null=True, default=None,
                           help_text="Apply the payment to this open due of the customer (optional; "
                                     "default: oldest dues first).")
