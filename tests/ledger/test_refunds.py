"""Refunds of customer credit (DESIGN §5): service rules, the statement, the pages."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from ledger import signals
from ledger.models import Refund
from ledger.selectors.drift import ledger_drift
from ledger.selectors.entries import customer_statement
from ledger.services import LedgerError
from ledger.services.entries import due_create, payment_create, payment_void, refund_create, refund_void
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


@pytest.fixture
def customer(shop):
    return CustomerFactory(shop=shop, name="Ravi Kumar")


def balance(customer):
    return Customer.objects.get(pk=customer.pk).balance


def overpay(shop, customer, amount="500", owed="300"):
    """The customer owes ``owed`` and pays ``amount``: credit of the difference."""
    due_create(shop=shop, customer=customer, amount=D(owed), description="Rice", incurred_on=today())
    return payment_create(shop=shop, customer=customer, amount=D(amount), received_on=today())


def refund(shop, customer, amount, **kwargs):
    kwargs.setdefault("method", Refund.Method.CASH)
    kwargs.setdefault("reason", "Paid twice")
    return refund_create(shop=shop, customer=customer, amount=D(amount), refunded_on=today(), **kwargs)


def test_refund_lowers_the_credit_and_shows_on_the_statement(shop, customer):
    overpay(shop, customer)
    assert balance(customer) == D("-200.00")

    made = refund(shop, customer, "150", method=Refund.Method.UPI, reference="UTR123")

    assert balance(customer) == D("-50.00")
    statement = customer_statement(customer=Customer.objects.get(pk=customer.pk))
    last = statement.lines[-1]
    assert (last.kind, last.debit, last.credit, last.balance) == ("refund", D("150.00"), None, D("-50.00"))
    assert last.description == "Refund of credit (UPI) ref UTR123 · Paid twice"
    assert statement.total_refunds == D("150.00")
    assert statement.balance == D("-50.00")
    assert made.created_by is None and ledger_drift(shops=[shop]) == []


def test_full_refund_leaves_zero_so_the_customer_can_be_archived(shop, customer, owner_client):
    overpay(shop, customer)
    refund(shop, customer, "200")

    assert balance(customer) == D("0.00")
    owner_client.post(reverse("customers:archive", args=[customer.pk]))
    assert Customer.objects.get(pk=customer.pk).is_archived


def test_refund_above_the_credit_is_refused(shop, customer):
    overpay(shop, customer)

    with pytest.raises(LedgerError, match="more than the 200.00 credit") as error:
        refund(shop, customer, "200.01")
    assert error.value.field == "amount"
    assert balance(customer) == D("-200.00") and not Refund.objects.exists()


def test_refund_without_credit_or_reason_is_refused(shop, customer):
    due_create(shop=shop, customer=customer, amount=D("100"), description="Oil", incurred_on=today())
    with pytest.raises(LedgerError, match="has no credit to refund"):
        refund(shop, customer, "10")
    payment_create(shop=shop, customer=customer, amount=D("150"), received_on=today())
    with pytest.raises(LedgerError, match="reason") as error:
        refund(shop, customer, "10", reason="  ")
    assert error.value.field == "reason"


def test_refunded_credit_is_not_applied_to_a_later_due(shop, customer):
    overpay(shop, customer)  # credit 200
    refund(shop, customer, "120")  # credit 80 left

    later = due_create(shop=shop, customer=customer, amount=D("100"), description="Sugar", incurred_on=today())

    later.refresh_from_db()
    assert later.outstanding == D("20.00")  # only the 80 left was applied
    assert balance(customer) == D("20.00")
    assert ledger_drift(shops=[shop]) == []


def test_void_refund_gives_the_credit_back_and_applies_it(shop, customer):
    overpay(shop, customer)
    made = refund(shop, customer, "200")
    later = due_create(shop=shop, customer=customer, amount=D("50"), description="Tea", incurred_on=today())
    assert balance(customer) == D("50.00")

    refund_void(shop=shop, refund=made, reason="Customer kept it as credit")

    later.refresh_from_db()
    assert later.outstanding == D("0.00")
    assert balance(customer) == D("-150.00")
    assert ledger_drift(shops=[shop]) == []


def test_voiding_a_payment_whose_credit_was_refunded_is_refused(shop, customer):
    payment = overpay(shop, customer)
    refund(shop, customer, "200")

    with pytest.raises(LedgerError, match="Void the refund first"):
        payment_void(shop=shop, payment=payment, reason="Bounced")
    assert balance(customer) == D("0.00")
    assert ledger_drift(shops=[shop]) == []


def test_refund_with_the_same_key_is_recorded_once(shop, customer):
    overpay(shop, customer)
    key = uuid.uuid4()

    first = refund(shop, customer, "50", idempotency_key=key)
    second = refund(shop, customer, "50", idempotency_key=key)

    assert first.pk == second.pk and Refund.objects.count() == 1
    assert balance(customer) == D("-150.00")


def test_refund_and_its_void_are_announced_for_the_cash_book(shop, customer):
    overpay(shop, customer)
    heard = []

    def listen(sender, **kwargs):
        heard.append((kwargs["refund"].amount, kwargs["refund"].is_voided))

    signals.refund_recorded.connect(listen, dispatch_uid="test-recorded")
    signals.refund_voided.connect(listen, dispatch_uid="test-voided")
    try:
        made = refund(shop, customer, "80")
        refund_void(shop=shop, refund=made, reason="Mistake")
    finally:
        signals.refund_recorded.disconnect(dispatch_uid="test-recorded")
        signals.refund_voided.disconnect(dispatch_uid="test-voided")
    assert heard == [(D("80.00"), False), (D("80.00"), True)]


def test_refund_page_records_once_on_a_double_submit(owner_client, shop, customer):
    overpay(shop, customer)
    url = reverse("ledger:refund_create", args=[customer.pk])
    page = owner_client.get(url)
    assert 'data-testid="refund-credit">₹200.00<' in page.content.decode()
    key = page.context["form"]["idempotency_key"].value()
    data = {"amount": "200", "method": "cash", "refunded_on": today().isoformat(), "reason": "Paid twice",
            "idempotency_key": str(key)}

    first = owner_client.post(url, data)
    second = owner_client.post(url, data, follow=True)

    assert first.status_code == 302
    assert "Refunded ₹200.00 of credit to Ravi Kumar (cash)." in second.content.decode()
    assert Refund.objects.count() == 1
    assert balance(customer) == D("0.00")


def test_refund_form_shows_the_error_next_to_the_amount(owner_client, shop, customer):
    overpay(shop, customer)
    response = owner_client.post(reverse("ledger:refund_create", args=[customer.pk]), {
        "amount": "999", "method": "cash", "refunded_on": today().isoformat(), "reason": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == ["This is more than the 200.00 credit Ravi Kumar holds."]


def test_refunds_are_owner_only(client, shop, customer):
    overpay(shop, customer)
    made = refund(shop, customer, "20")
    staff = MembershipFactory(shop=shop, role="cashier")
    client.force_login(staff.user)
    assert client.get(reverse("ledger:refund_create", args=[customer.pk])).status_code == 403
    assert client.post(reverse("ledger:refund_void", args=[made.pk]), {"reason": "x"}).status_code == 403
    assert not Refund.objects.filter(voided_at__isnull=False).exists()


def test_another_shops_refund_is_404(client, shop, customer, other_owner):
    overpay(shop, customer)
    made = refund(shop, customer, "20")
    client.force_login(other_owner.user)
    assert client.get(reverse("ledger:refund_void", args=[made.pk])).status_code == 404
    assert client.get(reverse("ledger:refund_create", args=[customer.pk])).status_code == 404


def test_statement_page_lists_the_refund_with_a_void_link(owner_client, shop, customer):
    overpay(shop, customer)
    made = refund(shop, customer, "60")
    html = owner_client.get(reverse("ledger:customer_account", args=[customer.pk])).content.decode()
    assert "Refund of credit (Cash) · Paid twice" in html
    assert reverse("ledger:refund_void", args=[made.pk]) in html
    assert reverse("ledger:refund_create", args=[customer.pk]) in html
