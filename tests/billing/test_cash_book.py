"""The cash book behind the drawer: pay-outs, deposits and cash added, the day close,
the ledger's cash payments and refunds (through its signals), voided cash sales, the
cash book and close pages, owner-only access, tenancy and one-time keys, and the
migration that turns each shop's counts into an opening float."""

import datetime
import importlib
import io
import re
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from billing.models import CashClose, CashDrawer, CashMovement, Denomination, Invoice
from billing.selectors.cash import cash_book_day, cash_drift, close_preview, drawer_balance, drawer_summary
from billing.selectors.drawer import change_preview, drawer_total
from billing.services import BillingError
from billing.services import cash as cash_services
from billing.services import drawer as services
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from ledger import signals
from ledger.models import Payment
from ledger.services import entries as ledger
from tests.accounts.factories import ShopFactory
from tests.billing.factories import DenominationFactory
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal
Kind = CashMovement.Kind
FLOAT = {D("500"): 4, D("100"): 5, D("50"): 4, D("20"): 5, D("10"): 10}  # ₹2,900


def float_drawer(shop, counts=None, user=None):
    counts = FLOAT if counts is None else counts
    for value in counts:
        DenominationFactory(shop=shop, value=value, count=0)
    services.drawer_set_counts(shop=shop, counts=counts, created_by=user)


def counts_of(shop) -> dict[Decimal, int]:
    return dict(Denomination.objects.filter(shop=shop).order_by("-value").values_list("value", "count"))


def kinds(shop) -> list[tuple[str, Decimal]]:
    return [(m.kind, m.amount) for m in CashMovement.objects.filter(shop=shop).order_by("pk")]


def sale(shop, amount, **kwargs):
    return invoice_issue(shop=shop, lines=[LineInput(quantity=D("1"), unit_price=D(amount), tax_rate=D("0"),
                                                     description="Toor dal 1 kg")],
                         amount_paid=D(kwargs.pop("paid", amount)), **kwargs)


# --- Pay-outs, deposits, cash added ------------------------------------------------------


def test_payout_and_deposit_take_cash_out_with_their_reason(shop, owner):
    float_drawer(shop)
    payout = cash_services.cash_movement_create(shop=shop, kind=Kind.PAYOUT, amount=D("250"),
                                                note="Parag dairy route, milk", created_by=owner.user)
    assert (payout.amount, payout.note, payout.pieces, payout.created_by) == (
        D("-250.00"), "Parag dairy route, milk", {}, owner.user)
    deposit = cash_services.cash_movement_create(shop=shop, kind=Kind.DEPOSIT, pieces={D("500"): 4},
                                                 note="Deposited at SBI Sipri Bazaar")
    assert (deposit.amount, deposit.pieces) == (D("-2000.00"), {"500.00": -4})
    added = cash_services.cash_movement_create(shop=shop, kind=Kind.FLOAT, amount=D("100"),
                                               pieces={D("10"): 10}, note="Coins from the bank")
    assert added.amount == D("100.00")
    assert drawer_balance(shop=shop) == D("750.00")
    assert counts_of(shop)[D("500")] == 0 and counts_of(shop)[D("10")] == 20
    assert cash_drift(shop=shop) == 0


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"kind": Kind.PAYOUT, "amount": D("250"), "note": "  "}, "note", "Give a reason."),
    ({"kind": Kind.PAYOUT, "amount": D("3000"), "note": "Rent"}, "amount", r"The drawer holds only ₹2,900\.00"),
    ({"kind": Kind.DEPOSIT, "pieces": {D("500"): 5}, "note": "Bank"}, "pieces", r"holds only 4 × ₹500\.00"),
    ({"kind": Kind.DEPOSIT, "amount": D("600"), "pieces": {D("500"): 1}, "note": "Bank"}, "amount",
     r"add up to ₹500\.00, not ₹600\.00"),
    ({"kind": Kind.PAYOUT, "note": "Tea"}, "amount", "Enter the amount, or the notes and coins."),
    ({"kind": Kind.PAYOUT, "amount": D("0.001"), "note": "Tea"}, "amount", "at most 2 decimals"),
    ({"kind": Kind.PAYOUT, "pieces": {D("7"): 1}, "note": "Tea"}, "pieces", r"no ₹7\.00"),
    ({"kind": Kind.SALE, "amount": D("10"), "note": "Tea"}, "kind", "Choose a pay-out"),
])
def test_bad_payouts_are_refused_and_nothing_is_written(shop, kwargs, field, message):
    float_drawer(shop)
    with pytest.raises(BillingError, match=message) as error:
        cash_services.cash_movement_create(shop=shop, **kwargs)
    assert error.value.field == field
    assert kinds(shop) == [(Kind.OPENING, D("2900.00"))]
    assert counts_of(shop) == FLOAT


def test_a_repeated_key_records_the_payout_once(shop):
    float_drawer(shop)
    key = uuid.uuid4()
    first = cash_services.cash_movement_create(shop=shop, kind=Kind.PAYOUT, amount=D("40"), note="Tea",
                                               idempotency_key=key)
    again = cash_services.cash_movement_create(shop=shop, kind=Kind.PAYOUT, amount=D("40"), note="Tea",
                                               idempotency_key=key)
    assert again.pk == first.pk
    assert drawer_balance(shop=shop) == D("2860.00")


def test_double_submit_of_the_payout_form_records_it_once(owner_client, shop):
    float_drawer(shop)
    url = reverse("billing:cash_movement_create")
    form = owner_client.get(url).context["form"]
    key = str(form["idempotency_key"].value())
    data = {"kind": "payout", "amount": "120", "note": "Auto fare, home delivery", "idempotency_key": key}
    first = owner_client.post(url, data)
    second = owner_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("billing:cash_book")
    assert CashMovement.objects.filter(shop=shop, kind=Kind.PAYOUT).count() == 1
    assert drawer_balance(shop=shop) == D("2780.00")
    assert "Recorded: pay-out / expense of ₹120.00 (Auto fare, home delivery)." in \
        owner_client.get(reverse("billing:cash_book")).content.decode()


def test_the_payout_form_shows_errors_and_takes_notes_and_coins(owner_client, shop):
    float_drawer(shop)
    url = reverse("billing:cash_movement_create")
    response = owner_client.post(url, {"kind": "payout", "amount": "5000", "note": "Rent"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == ["The drawer holds only ₹2,900.00 by the cash book."]
    response = owner_client.post(url, {"kind": "deposit", "amount": "", "note": ""})
    assert response.context["form"].errors == {"amount": ["Enter the amount, or the notes and coins."],
                                               "note": ["Give a reason."]}
    five_hundred = Denomination.objects.get(shop=shop, value=D("500"))
    response = owner_client.post(url + "?kind=deposit", {"kind": "deposit", "note": "SBI",
                                                         f"piece_{five_hundred.pk}": "3"})
    assert response.status_code == 302
    assert kinds(shop)[-1] == (Kind.DEPOSIT, D("-1500.00"))
    assert counts_of(shop)[D("500")] == 1
    assert CashMovement.objects.filter(shop=shop).count() == 2


# --- Day close ---------------------------------------------------------------------------


def test_day_close_with_a_difference_records_it_and_brings_the_drawer_to_the_count(shop, owner):
    float_drawer(shop)
    sale(shop, "180", notes_tendered={D("100"): 2})  # ₹20 change from the ₹20s
    ledger_customer = CustomerFactory(shop=shop)
    ledger.payment_create(shop=shop, customer=ledger_customer, amount=D("300"), received_on=timezone.localdate(),
                          method=Payment.Method.CASH)  # ₹300 in as an amount
    assert drawer_balance(shop=shop) == D("3380.00")
    # Counted: the ₹300 was three ₹100 notes, and a ₹10 coin is missing.
    counted = {D("500"): 4, D("100"): 10, D("50"): 4, D("20"): 4, D("10"): 9}

    with pytest.raises(BillingError, match=r"The count is ₹10\.00 short\. Say why in the note\.") as error:
        services.drawer_close(shop=shop, counts=counted, note="")
    assert error.value.field == "note"
    assert not CashClose.objects.exists()

    close = services.drawer_close(shop=shop, counts=counted, note="₹10 coin given to the milkman, not written",
                                  created_by=owner.user)
    assert (close.expected, close.counted, close.difference) == (D("3380.00"), D("3370.00"), D("-10.00"))
    assert close.counts == {"500.00": 4, "100.00": 10, "50.00": 4, "20.00": 4, "10.00": 9}
    assert close.closed_on == timezone.localdate() and close.created_by == owner.user
    movement = close.movement
    assert (movement.kind, movement.amount, movement.note) == (
        Kind.COUNT, D("-10.00"), "₹10 coin given to the milkman, not written")
    assert movement.pieces == {"100.00": 3, "10.00": -1}
    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("3370.00")
    assert drawer_summary(shop=shop).unsorted == 0
    assert cash_drift(shop=shop) == 0


def test_a_close_that_matches_writes_a_close_and_no_movement(shop):
    float_drawer(shop)
    before = kinds(shop)
    close = services.drawer_close(shop=shop, counts=FLOAT)
    assert (close.difference, close.movement) == (D("0.00"), None)
    assert kinds(shop) == before


def test_a_close_with_a_repeated_key_is_recorded_once(shop):
    float_drawer(shop)
    key = uuid.uuid4()
    counted = {**FLOAT, D("10"): 12}
    first = services.drawer_close(shop=shop, counts=counted, note="Found two coins", idempotency_key=key)
    again = services.drawer_close(shop=shop, counts=counted, note="Found two coins", idempotency_key=key)
    assert again.pk == first.pk
    assert CashClose.objects.count() == 1 and drawer_balance(shop=shop) == D("2920.00")


def test_close_preview_compares_each_note(shop):
    float_drawer(shop)
    rows = list(Denomination.objects.filter(shop=shop).order_by("-value"))
    preview = close_preview(shop=shop, denominations=rows, counts={**FLOAT, D("500"): 3, D("50"): 5})
    assert (preview.expected, preview.counted, preview.difference) == (D("2900.00"), D("2450.00"), D("-450.00"))
    assert [(d.value, book, counted, diff) for d, book, counted, diff in preview.rows][:3] == [
        (D("500.00"), 4, 3, D("-500.00")), (D("100.00"), 5, 5, D("0.00")), (D("50.00"), 4, 5, D("50.00"))]


def test_the_close_page_checks_then_closes(owner_client, shop):
    float_drawer(shop)
    url = reverse("billing:drawer_close")
    page = owner_client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert all(field.value() is None for _, field, _ in form.rows)  # blank: the owner counts
    data = {f"count_{d.pk}": str(FLOAT[d.value]) for d in Denomination.objects.filter(shop=shop)}
    data[f"count_{Denomination.objects.get(shop=shop, value=D('20')).pk}"] = "4"
    data["idempotency_key"] = str(form["idempotency_key"].value())

    review = owner_client.post(url, {**data, "action": "review"})
    html = review.content.decode()
    assert review.status_code == 200 and review.context["preview"].difference == D("-20.00")
    assert 'data-testid="close-difference">' in html and "short ₹20.00" in html
    assert not CashClose.objects.exists()

    refused = owner_client.post(url, {**data, "action": "close"})
    assert refused.context["form"].errors["note"] == ["The count is ₹20.00 short. Say why in the note."]

    done = owner_client.post(url, {**data, "action": "close", "note": "Short ₹20, counted twice"})
    close = CashClose.objects.get(shop=shop)
    assert done.status_code == 302 and done["Location"] == close.get_absolute_url()
    assert owner_client.post(url, {**data, "action": "close", "note": "Again"}).status_code == 302  # same key
    assert CashClose.objects.count() == 1
    detail = owner_client.get(close.get_absolute_url()).content.decode()
    assert "Day closed with ₹2,880.00 in the drawer: ₹20.00 short, recorded." in detail
    assert "Short ₹20, counted twice" in detail
    history = owner_client.get(reverse("billing:cash_close_list"))
    assert list(history.context["page"].object_list) == [close]


def test_bad_close_input_is_a_form_error_not_a_500(owner_client, shop):
    float_drawer(shop)
    data = {f"count_{d.pk}": "1" for d in Denomination.objects.filter(shop=shop)}
    response = owner_client.post(reverse("billing:drawer_close"), {
        **data, "action": "close", "note": "x" * 201, "idempotency_key": "not-a-key"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["idempotency_key"] == ["Enter a valid UUID."]
    assert errors["note"] == ["Ensure this value has at most 200 characters (it has 201)."]
    assert not CashClose.objects.exists()


# --- The ledger's cash payments and refunds (signals) -----------------------------------


def test_a_cash_payment_on_a_customers_page_comes_into_the_drawer(shop, owner):
    float_drawer(shop)
    customer = CustomerFactory(shop=shop, name="Sunita Devi")
    payment = ledger.payment_create(shop=shop, customer=customer, amount=D("500"), received_on=timezone.localdate(),
                                    method=Payment.Method.CASH, note="Month's khata", created_by=owner.user)
    movement = CashMovement.objects.get(shop=shop, payment=payment)
    assert (movement.kind, movement.amount, movement.pieces, movement.reference, movement.note,
            movement.created_by) == (Kind.PAYMENT, D("500.00"), {}, "Sunita Devi", "Month's khata", owner.user)
    assert drawer_balance(shop=shop) == D("3400.00")

    ledger.payment_create(shop=shop, customer=customer, amount=D("200"), received_on=timezone.localdate(),
                          method=Payment.Method.UPI)
    assert drawer_balance(shop=shop) == D("3400.00")  # UPI is not cash

    ledger.payment_void(shop=shop, payment=payment, reason="Entered on the wrong customer", voided_by=owner.user)
    assert kinds(shop)[-1] == (Kind.PAYMENT_VOID, D("-500.00"))
    assert drawer_balance(shop=shop) == D("2900.00")
    assert cash_drift(shop=shop) == 0


def test_the_payment_page_posts_a_cash_movement(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    response = owner_client.post(reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "75", "received_on": timezone.localdate().isoformat(), "method": "cash", "due": "",
        "reference": "", "note": ""})
    assert response.status_code == 302
    assert kinds(shop) == [(Kind.PAYMENT, D("75.00"))]
    assert CashDrawer.objects.get(shop=shop).balance == D("75.00")  # the drawer row starts with it


def test_receivers_skip_counter_payments_and_follow_the_signal_contract(shop):
    customer = CustomerFactory(shop=shop)
    payment = ledger.payment_create(shop=shop, customer=customer, amount=D("60"), received_on=timezone.localdate(),
                                    method=Payment.Method.UPI)
    payment.method = Payment.Method.CASH  # a cash payment the counter posted: the counter records its cash
    signals.payment_recorded.send(sender=Payment, shop=shop, payment=payment, at_counter=True)
    assert not CashMovement.objects.filter(shop=shop).exists()
    signals.payment_recorded.send(sender=Payment, shop=shop, payment=payment, at_counter=False)
    assert kinds(shop) == [(Kind.PAYMENT, D("60.00"))]
    # A void without a cash movement in (a payment from before the cash book) takes nothing out.
    other = ledger.payment_create(shop=shop, customer=customer, amount=D("40"), received_on=timezone.localdate(),
                                  method=Payment.Method.UPI)
    other.method = Payment.Method.CASH
    signals.payment_voided.send(sender=Payment, shop=shop, payment=other)
    assert kinds(shop) == [(Kind.PAYMENT, D("60.00"))]
    # Voiding twice takes it out once.
    signals.payment_voided.send(sender=Payment, shop=shop, payment=payment)
    signals.payment_voided.send(sender=Payment, shop=shop, payment=payment)
    assert kinds(shop) == [(Kind.PAYMENT, D("60.00")), (Kind.PAYMENT_VOID, D("-60.00"))]


def _refund(shop, customer, pk, method="cash", amount="150"):
    """A stand-in with the fields of ``ledger.Refund`` that the receivers read."""
    return SimpleNamespace(pk=pk, shop=shop, customer=customer, amount=D(amount), refunded_on=timezone.localdate(),
                           method=method, reason="Advance returned", created_by=None, voided_by=None,
                           void_reason="Refunded by mistake", voided_at=None)


def test_a_cash_refund_leaves_the_drawer_and_its_void_brings_it_back(shop):
    float_drawer(shop)
    customer = CustomerFactory(shop=shop, name="Ramesh Yadav")
    refund = _refund(shop, customer, pk=901)
    signals.refund_recorded.send(sender=object, shop=shop, refund=refund)
    movement = CashMovement.objects.get(shop=shop, refund_pk=901)
    assert (movement.kind, movement.amount, movement.reference, movement.note) == (
        Kind.REFUND, D("-150.00"), "Ramesh Yadav", "Advance returned")
    signals.refund_recorded.send(sender=object, shop=shop, refund=_refund(shop, customer, pk=902, method="upi"))
    assert drawer_balance(shop=shop) == D("2750.00")

    signals.refund_voided.send(sender=object, shop=shop, refund=refund)
    signals.refund_voided.send(sender=object, shop=shop, refund=refund)  # once only
    signals.refund_voided.send(sender=object, shop=shop, refund=_refund(shop, customer, pk=902, method="upi"))
    assert kinds(shop)[1:] == [(Kind.REFUND, D("-150.00")), (Kind.REFUND_VOID, D("150.00"))]
    assert drawer_balance(shop=shop) == D("2900.00")


def test_a_cash_refund_may_take_the_book_below_zero_rather_than_refuse_the_ledger(shop):
    signals.refund_recorded.send(sender=object, shop=shop, refund=_refund(shop, CustomerFactory(shop=shop), pk=7))
    assert drawer_balance(shop=shop) == D("-150.00")


@pytest.mark.skipif(not hasattr(ledger, "refund_create"), reason="the ledger has no refunds yet")
def test_a_real_cash_refund_through_the_ledger(shop, owner):
    float_drawer(shop)
    customer = CustomerFactory(shop=shop)
    ledger.payment_create(shop=shop, customer=customer, amount=D("400"), received_on=timezone.localdate(),
                          method=Payment.Method.UPI)  # credit of ₹400
    refund = ledger.refund_create(shop=shop, customer=customer, amount=D("400"), refunded_on=timezone.localdate(),
                                  method="cash", reason="Advance returned", created_by=owner.user)
    assert CashMovement.objects.get(shop=shop, refund_pk=refund.pk).amount == D("-400.00")
    ledger.refund_void(shop=shop, refund=refund, reason="Customer kept the credit", voided_by=owner.user)
    assert drawer_balance(shop=shop) == D("2900.00")


# --- Voided cash sales -----------------------------------------------------------------


def test_voiding_a_walk_in_cash_sale_takes_its_cash_back_out(shop, owner):
    float_drawer(shop)
    invoice = sale(shop, "440", cash_tendered=D("500"))
    assert drawer_balance(shop=shop) == D("3340.00")
    invoice_void(shop=shop, invoice=invoice, reason="Wrong item billed", voided_by=owner.user)
    movement = CashMovement.objects.filter(shop=shop).order_by("pk").last()
    assert (movement.kind, movement.amount, movement.invoice_id, movement.note, movement.created_by) == (
        Kind.SALE_VOID, D("-440.00"), invoice.pk, "Wrong item billed", owner.user)
    assert drawer_balance(shop=shop) == D("2900.00")


def test_voiding_a_customers_cash_sale_records_the_sale_void_not_a_payment_void(shop, owner):
    float_drawer(shop)
    customer = CustomerFactory(shop=shop)
    invoice = sale(shop, "1000", paid="600", customer=customer, notes_tendered={D("500"): 1, D("100"): 1})
    assert [k for k, _ in kinds(shop)] == [Kind.OPENING, Kind.SALE]  # its payment is the counter's: no PAYMENT
    invoice_void(shop=shop, invoice=invoice, reason="Returned", voided_by=owner.user)
    assert kinds(shop)[2:] == [(Kind.SALE_VOID, D("-600.00"))]
    assert drawer_balance(shop=shop) == D("2900.00")


def test_voiding_a_upi_sale_moves_no_cash(shop, owner):
    float_drawer(shop)
    invoice = sale(shop, "300", payment_method="upi")
    invoice_void(shop=shop, invoice=invoice, reason="Returned", voided_by=owner.user)
    assert kinds(shop) == [(Kind.OPENING, D("2900.00"))]


# --- The cash book ---------------------------------------------------------------------


def _at(movement, when):
    CashMovement.objects.filter(pk=movement.pk).update(created_at=when)


def test_cash_book_of_a_day_has_its_opening_movements_and_closing(shop, owner):
    tz = timezone.get_current_timezone()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    float_drawer(shop, user=owner.user)
    _at(CashMovement.objects.get(shop=shop), datetime.datetime.combine(yesterday - datetime.timedelta(days=1),
                                                                      datetime.time(9), tzinfo=tz))
    payout = cash_services.cash_movement_create(shop=shop, kind=Kind.PAYOUT, amount=D("100"), note="Tea")
    _at(payout, datetime.datetime.combine(yesterday, datetime.time(10, 15), tzinfo=tz))
    invoice = sale(shop, "180", notes_tendered={D("100"): 2})
    for movement in CashMovement.objects.filter(shop=shop, invoice=invoice):
        _at(movement, datetime.datetime.combine(yesterday, datetime.time(18, 30), tzinfo=tz))
    today_payout = cash_services.cash_movement_create(shop=shop, kind=Kind.PAYOUT, amount=D("30"), note="Auto")

    book = cash_book_day(shop=shop, day=yesterday)
    assert book.opening == D("2900.00")
    assert [(m.kind, m.amount, balance) for m, balance in book.rows] == [
        (Kind.PAYOUT, D("-100.00"), D("2800.00")), (Kind.SALE, D("200.00"), D("3000.00")),
        (Kind.CHANGE, D("-20.00"), D("2980.00"))]
    assert (book.cash_in, book.cash_out, book.closing) == (D("200.00"), D("120.00"), D("2980.00"))
    assert book.following == timezone.localdate()
    today = cash_book_day(shop=shop, day=timezone.localdate())
    assert (today.opening, today.closing, [m for m, _ in today.rows]) == (D("2980.00"), D("2950.00"), [today_payout])
    assert today.following is None
    assert today.closing == drawer_balance(shop=shop)


def test_cash_book_page(owner_client, shop, owner):
    owner.user.first_name = "Mahesh"
    owner.user.save()
    float_drawer(shop, user=owner.user)
    invoice = sale(shop, "180", notes_tendered={D("100"): 2}, created_by=owner.user)
    response = owner_client.get(reverse("billing:cash_book"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["book"].day == timezone.localdate()
    for text in ("Opening float", "Cash sale", "Change given", invoice.number, "Mahesh", "2 × ₹100.00 in",
                 "1 × ₹20.00 out", 'data-testid="book-closing">₹3,080.00<'):
        assert text in html, text

    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = owner_client.get(reverse("billing:cash_book"), {"date": yesterday})
    assert response.context["book"].opening == D("0.00") and "No cash moved on this day." in response.content.decode()
    response = owner_client.get(reverse("billing:cash_book"), {"date": "2026-02-30"})
    assert response.status_code == 200 and "Enter a date as YYYY-MM-DD. Showing today." in response.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = owner_client.get(reverse("billing:cash_book"), {"date": future})
    assert response.context["book"].day == timezone.localdate()
    assert "The cash book has no entries for days to come." in response.content.decode()

    movement = CashMovement.objects.get(shop=shop, kind=Kind.SALE)
    detail = owner_client.get(movement.get_absolute_url())
    assert detail.status_code == 200 and "2 × ₹100.00 in" in detail.content.decode()


# --- Owner only, tenancy -----------------------------------------------------------------


@pytest.fixture
def closed_shop(shop):
    """A shop with a float, a day close and so a movement and a close to look at."""
    float_drawer(shop)
    close = services.drawer_close(shop=shop, counts={**FLOAT, D("10"): 9}, note="A coin short")
    return {"close": close, "movement": close.movement}


def _pages(objects):
    return [reverse("billing:cash_book"), reverse("billing:cash_movement_create"), reverse("billing:drawer_close"),
            reverse("billing:cash_close_list"), objects["close"].get_absolute_url(),
            objects["movement"].get_absolute_url()]


def test_cash_book_pages_are_the_owners(client, staff, shop, closed_shop):
    client.force_login(staff.user)
    for url in _pages(closed_shop):
        assert client.get(url).status_code == 403, url
    data = {"kind": "payout", "amount": "10", "note": "Tea", "action": "close"}
    assert client.post(reverse("billing:cash_movement_create"), data).status_code == 403
    assert client.post(reverse("billing:drawer_close"), data).status_code == 403
    assert kinds(shop) == [(Kind.OPENING, D("2900.00")), (Kind.COUNT, D("-10.00"))]
    assert CashClose.objects.count() == 1


def test_the_owner_sees_every_cash_page(owner_client, closed_shop):
    headings = ["Cash book", "Cash out of (or into) the drawer", "Close the day", "Day closes", "Day close of ",
                "Count:"]
    notes = [True, False, False, True, True, True]  # the close's note, where the page shows the close
    for url, heading, shows_note in zip(_pages(closed_shop), headings, notes, strict=True):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert re.search(r"<h1[^>]*>\s*" + re.escape(heading), body), url
        assert ("A coin short" in body) == shows_note, url


def test_another_shops_close_and_movement_are_404(client, other_owner, closed_shop):
    client.force_login(other_owner.user)
    for url in _pages(closed_shop)[-2:]:
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    # Its own pages show its own (empty) book, never the other shop's.
    response = client.get(reverse("billing:cash_book"))
    assert response.context["book"].rows == [] and response.context["balance"] == 0
    assert client.get(reverse("billing:cash_close_list")).context["page"].paginator.count == 0


def test_a_posted_piece_of_another_shops_drawer_is_ignored(owner_client, shop, other_owner):
    float_drawer(shop)
    foreign = DenominationFactory(shop=other_owner.shop, value=D("500"), count=10)
    response = owner_client.post(reverse("billing:cash_movement_create"), {
        "kind": "deposit", "note": "SBI", f"piece_{foreign.pk}": "10"})
    assert response.context["form"].errors["amount"] == ["Enter the amount, or the notes and coins."]
    with scope(shop=other_owner.shop):
        assert Denomination.objects.get(pk=foreign.pk).count == 10


# --- The counter page: notes tendered -----------------------------------------------------


def _counter_post(shop, **extra):
    return {"customer": "", "issued_on": timezone.localdate().isoformat(), "discount_type": "amount",
            "discount_value": "", "amount_paid": "1000", "payment_method": "cash", "cash_tendered": "",
            "due_date": "", "notes": "", "line-product": [""], "line-description": ["Amul Pure Ghee 1 L"],
            "line-quantity": ["1"], "line-unit_price": ["1000"], "line-tax_rate": ["0"], **extra}


def test_counter_page_takes_the_notes_tendered(owner_client, shop):
    float_drawer(shop, {D("2000"): 0, **FLOAT})
    two_thousand = Denomination.objects.get(shop=shop, value=D("2000"))
    page = owner_client.get(reverse("billing:invoice_create")).content.decode()
    assert 'data-testid="notes-tendered"' in page and f'name="tendered_{two_thousand.pk}"' in page

    totals = owner_client.post(reverse("billing:invoice_totals"), _counter_post(shop, **{
        f"tendered_{two_thousand.pk}": "1"}))
    assert totals.context["notes_total"] == D("2000")
    assert totals.context["change"].pieces == [(D("500.00"), 2)]

    mismatch = owner_client.post(reverse("billing:invoice_create"), _counter_post(shop, **{
        f"tendered_{two_thousand.pk}": "1", "cash_tendered": "1500"}))
    assert mismatch.status_code == 200
    assert mismatch.context["form"].errors["cash_tendered"] == [
        "The notes tendered add up to ₹2,000.00, not ₹1,500.00. Correct one of them, or leave cash tendered empty."]

    response = owner_client.post(reverse("billing:invoice_create"), _counter_post(shop, **{
        f"tendered_{two_thousand.pk}": "1"}), follow=True)
    invoice = Invoice.objects.get(shop=shop)
    assert (invoice.cash_tendered, invoice.change_given) == (D("2000.00"), D("1000.00"))
    assert "Give ₹1,000.00 change." in response.content.decode()
    assert drawer_balance(shop=shop) == D("3900.00")
    assert counts_of(shop)[D("2000")] == 1 and counts_of(shop)[D("500")] == 2


def test_change_preview_counts_the_tendered_notes(shop):
    float_drawer(shop, {D("100"): 0, D("50"): 0})
    assert not change_preview(shop=shop, amount=D("50")).possible
    assert change_preview(shop=shop, amount=D("50"), tendered={D("100"): 1, D("50"): 2}).pieces == [(D("50.00"), 1)]


# --- The migration: each shop's counts become its opening float ----------------------------


def test_migration_turns_existing_counts_into_an_opening_float(shop, other_owner):
    from django.apps import apps

    migration = importlib.import_module("billing.migrations.0003_cash_book")
    DenominationFactory(shop=shop, value=D("500"), count=16)
    DenominationFactory(shop=shop, value=D("20"), count=9)
    DenominationFactory(shop=shop, value=D("1"), count=5)
    DenominationFactory(shop=other_owner.shop, value=D("10"), count=0)  # an empty drawer: nothing to open

    migration.opening_from_counts(apps, None)

    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("8185.00")
    opening = CashMovement.objects.get(shop=shop)
    assert (opening.kind, opening.amount, opening.pieces) == (
        Kind.OPENING, D("8185.00"), {"500.00": 16, "20.00": 9, "1.00": 5})
    assert not CashMovement.objects.filter(shop=other_owner.shop).exists()
    assert cash_drift(shop=shop) == 0


# --- Concurrency (real row locks: MariaDB only) -------------------------------------------


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_payouts_never_take_more_than_the_drawer_holds(enter_scope):
    shop = enter_scope(ShopFactory())
    float_drawer(shop, {D("500"): 3})
    results = run_together(*(lambda: cash_services.cash_movement_create(
        shop=shop, kind=Kind.PAYOUT, pieces={D("500"): 2}, note="Supplier") for _ in range(2)))
    done = [r for r in results if isinstance(r, CashMovement)]
    refused = [r for r in results if isinstance(r, BillingError)]
    assert (len(done), len(refused)) == (1, 1), results
    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("500.00")
    assert cash_drift(shop=shop) == 0


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_cash_sales_and_payments_keep_the_book_exact(enter_scope):
    shop = enter_scope(ShopFactory())
    float_drawer(shop, {D("500"): 2, D("100"): 5, D("20"): 10})
    customers = [CustomerFactory(shop=shop) for _ in range(2)]
    calls = [lambda: sale(shop, "380", notes_tendered={D("500"): 1}) for _ in range(3)]
    calls += [lambda c=c: ledger.payment_create(shop=shop, customer=c, amount=D("250"),
                                                received_on=timezone.localdate()) for c in customers]
    results = run_together(*calls)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, BillingError)], results
    sales = [r for r in results[:3] if isinstance(r, Invoice)]
    assert drawer_balance(shop=shop) == D("1700.00") + len(sales) * D("380") + 2 * D("250")
    assert cash_drift(shop=shop) == 0
    assert all(count >= 0 for count in counts_of(shop).values())


def test_check_ledger_proves_the_cash_book_against_the_ledger(shop):
    from django.core.management import CommandError, call_command

    from billing.models import CashDrawer, CashMovement
    from billing.selectors.cash import drawer_drift
    from ledger.models import Refund
    from ledger.services.entries import due_create, payment_create, payment_void, refund_create
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory(shop=shop)
    due_create(shop=shop, customer=customer, amount=Decimal("100"), description="Rice",
               incurred_on=timezone.localdate())
    kept = payment_create(shop=shop, customer=customer, amount=Decimal("300"), received_on=timezone.localdate())
    voided = payment_create(shop=shop, customer=customer, amount=Decimal("50"), received_on=timezone.localdate())
    payment_void(shop=shop, payment=voided, reason="Counted twice")
    refund_create(shop=shop, customer=customer, amount=Decimal("120"), refunded_on=timezone.localdate(),
                  method=Refund.Method.CASH, reason="Overpaid")
    assert drawer_drift(shop) == []
    call_command("check_ledger", "--shop", str(shop.pk), stdout=io.StringIO())

    CashMovement.objects.filter(shop=shop, payment=kept).delete()  # the payment's cash went missing
    problems = [p.problem for p in drawer_drift(shop)]
    assert problems[0].startswith("cash drawer stores 180.00, its movements add up to -120.00")
    assert problems[1] == f"cash payment {kept.pk} of 300.00 is in the cash book as [] in and [] out"
    with pytest.raises(CommandError, match="Ledger drift"):
        call_command("check_ledger", "--shop", str(shop.pk), stdout=io.StringIO())
    assert CashDrawer.objects.get(shop=shop).balance == Decimal("180.00")
