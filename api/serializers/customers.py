"""Customers: the list and detail shape, and what create and update accept."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import money
from customers.models import Customer


class CustomerSerializer(serializers.ModelSerializer):
    """A customer with the ledger figures stored on the row (written by the ledger only).

    ``balance``: dues outstanding minus unapplied credit (negative: the shop owes credit).
    ``oldest_open_due_date``: the earliest due date among unpaid dues. ``confirm_phone``
    (write only): when another customer has the number, the 400 problem carries it as
    ``confirm_phone``; send it back to save anyway.
    """

    credit_limit = money(required=False, allow_null=True, min_value=0,
                         help_text="Optional; null for no limit.")
    balance = money(read_only=True)
    is_overdue = serializers.SerializerMethodField()
    gstin = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                  help_text="15 characters; checked (state code, PAN pattern, check digit) "
                                            "by the service, which also sets the state from it.")
    confirm_phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=16)

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "email", "address", "gstin", "state", "notes", "credit_limit", "balance",
                  "is_overdue", "oldest_open_due_date", "last_activity_at", "is_archived", "created_at", "updated_at",
                  "confirm_phone"]
        read_only_fields = ["oldest_open_due_date", "last_activity_at", "is_archived", "created_at", "updated_at"]
        extra_kwargs = {"phone": {"required": False}, "email": {"required": False},
                        "address": {"required": False}, "notes": {"required": False},
                        "gstin": {"required": False}, "state": {"required": False}}

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, customer) -> bool:
        return customer.is_overdue


class StatementLineSerializer(serializers.Serializer):
    """One row of a statement: a due or refund (debit) or a payment (credit)."""

    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["due", "payment", "refund"])
    id = serializers.IntegerField(source="entry.pk", help_text="The due's, payment's or refund's id.")
    description = serializers.CharField()
    debit = money(allow_null=True)
    credit = money(allow_null=True)
    balance = money(help_text="Running balance after this row (void rows do not move it).")
    voided = serializers.BooleanField()


class StatementSerializer(serializers.Serializer):
    """A customer's statement: every entry in date order with the running balance."""

    customer = serializers.IntegerField(help_text="The customer's id.")
    balance = money()
    total_dues = money()
    total_payments = money()
    total_refunds = money()
    lines = StatementLineSerializer(many=True)
