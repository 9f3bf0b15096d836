"""Payments and customer-facing texts per market (issue 16): the payment methods each
country's forms offer, a refused foreign method, and how customers are told to pay (UPI
in India, M-Pesa in Kenya, bKash/Nagad in Bangladesh) in reminders and statements, with
the shop's tax number (BIN / KRA PIN) on statements outside India."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from accounts.models import Membership
from core.money import format_money
from ledger import markets
from ledger.forms.entries import MarkPaidForm, PaymentForm, RefundForm
from ledger.models import Payment, PaymentClaim, Refund
from ledger.selectors.reminders import chat_text
from ledger.services import LedgerError, statements
from ledger.services import entries as ledger
from ledger.services.reminders import reminder_email_send
from messaging.models import Message
from tests.accounts.factories import MembershipFactory, ShopFactory
from tests.customers.factories import CustomerFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate

MARKETS = {
    "IN": {"country": "IN", "currency": "INR", "locale": "en_IN", "financial_year_start_month": 4,
           "upi_id": "sharma@okaxis"},
    "BD": {"country": "BD", "currency": "BDT", "locale": "bn_BD", "financial_year_start_month": 7,
           "tax_number": "000123456-0101", "mobile_money": "bKash 01711-000000"},
    "KE": {"country": "KE", "currency": "KES", "locale": "en_KE", "financial_year_start_month": 1,
           "tax_number": "P051234567X", "mobile_money": "Till 123456"},
    "ZZ": {"country": "ZZ", "currency": "USD", "locale": "en_US", "financial_year_start_month": 1,
           "tax_number": "EIN 12-3456789"},
}

METHODS = {
    "IN": ["cash", "upi", "card", "bank", "other"],
    "BD": ["cash", "bkash", "nagad", "card", "bank", "other"],
    "KE": ["cash", "mpesa", "card", "bank", "other"],
    "ZZ": ["cash", "card", "bank", "other"],
}


def make_shop(country, **overrides):
    return ShopFactory(name=f"Duka {country}", **{**MARKETS[country], **overrides})


def owner_of(shop, client):
    membership = MembershipFactory(shop=shop, role=Membership.Role.OWNER)
    client.force_login(membership.user)
    return membership


def add_due(customer, amount="1500.00", *, days_ago=10, due_in=5, description="Sugar 10 kg"):
    incurred = TODAY() - datetime.timedelta(days=days_ago)
    with scope(shop=customer.shop):
        return ledger.due_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                 description=description, incurred_on=incurred,
                                 due_date=incurred + datetime.timedelta(days=due_in))


def get(client, url):
    with no_scope():
        return client.get(url)


def post(client, url, data=None):
    with no_scope():
        return client.post(url, data or {})


def debtor(shop, **kwargs):
    with scope(shop=shop):
        customer = CustomerFactory(shop=shop, name="Wanjiku Kamau", **kwargs)
    add_due(customer)
    return customer


def statement_link(customer):
    with scope(shop=customer.shop):
        link, _created = statements.statement_link_get_or_create(shop=customer.shop, customer=customer)
    return link


# The forms' methods ----------------------------------------------------------------------

@pytest.mark.parametrize("country", METHODS)
def test_payment_form_offers_the_markets_methods_in_order(client, country):
    shop = make_shop(country)
    owner_of(shop, client)
    customer = debtor(shop)

    response = get(client, reverse("ledger:payment_create", args=[customer.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _label in form.fields["method"].choices] == METHODS[country]
    assert form["method"].value() == "cash"
    body = response.content.decode()
    for value in Payment.Method.values:
        assert (f'value="{value}"' in body) == (value in METHODS[country])


@pytest.mark.parametrize("country", METHODS)
def test_mark_paid_form_offers_the_same_methods(country):
    shop = make_shop(country)
    assert [value for value, _label in MarkPaidForm(shop=shop).fields["method"].choices] == METHODS[country]


@pytest.mark.parametrize(("country", "methods"), [
    ("IN", ["cash", "upi", "bank"]), ("BD", ["cash", "bank"]), ("KE", ["cash", "bank"]), ("ZZ", ["cash", "bank"])])
def test_refund_form_keeps_cash_and_bank_and_upi_only_in_india(country, methods):
    form = RefundForm(shop=make_shop(country))
    assert [value for value, _label in form.fields["method"].choices] == methods
    assert form.fields["reference"].help_text == (
        "UPI / bank reference (optional)." if country == "IN" else "Bank reference (optional).")


def test_labels_of_the_new_methods():
    form = PaymentForm(shop=make_shop("BD"), open_dues=list)
    assert dict(form.fields["method"].choices) == {
        "cash": "Cash", "bkash": "bKash", "nagad": "Nagad", "card": "Card", "bank": "Bank transfer", "other": "Other"}
    assert dict(PaymentForm(shop=make_shop("KE"), open_dues=list).fields["method"].choices)["mpesa"] == "M-Pesa"


@pytest.mark.parametrize(("country", "hint"), [
    ("IN", "UPI / card / bank reference"),
    ("KE", "M-Pesa code"),
    ("BD", "bKash / Nagad transaction ID"),
    ("ZZ", "Card / bank reference"),
])
def test_reference_help_text_fits_the_market(client, country, hint):
    shop = make_shop(country)
    owner_of(shop, client)
    customer = debtor(shop)

    response = get(client, reverse("ledger:payment_create", args=[customer.pk]))

    assert hint in str(response.context["form"].fields["reference"].help_text)
    assert hint in response.content.decode()


@pytest.mark.parametrize(("country", "foreign"), [
    ("KE", "upi"), ("KE", "bkash"), ("BD", "mpesa"), ("BD", "upi"), ("IN", "mpesa"), ("IN", "nagad"),
    ("ZZ", "upi"), ("ZZ", "mpesa"), ("KE", "cheque"),
])
def test_a_foreign_method_is_a_form_error_and_records_nothing(client, country, foreign):
    shop = make_shop(country)
    owner_of(shop, client)
    customer = debtor(shop)

    response = post(client, reverse("ledger:payment_create", args=[customer.pk]), {
        "amount": "100", "received_on": TODAY().isoformat(), "method": foreign})

    assert response.status_code == 200
    assert "method" in response.context["form"].errors
    assert response.context["form"].errors["method"] == ["Choose one of the payment methods this shop takes."]
    with scope(shop=shop):
        assert not Payment.objects.filter(shop=shop).exists()


def test_mark_paid_with_a_foreign_method_is_a_form_error(client):
    shop = make_shop("KE")
    owner_of(shop, client)
    customer = debtor(shop)
    with scope(shop=shop):
        due = customer.dues.get()

    response = post(client, reverse("ledger:due_mark_paid", args=[due.pk]), {
        "method": "upi", "received_on": TODAY().isoformat()})

    assert response.status_code == 200
    assert response.context["form"].errors["method"] == ["Choose one of the payment methods this shop takes."]
    with scope(shop=shop):
        assert not Payment.objects.filter(shop=shop).exists()


def test_refund_by_upi_outside_india_is_a_form_error(client):
    shop = make_shop("KE")
    owner_of(shop, client)
    with scope(shop=shop):
        customer = CustomerFactory(shop=shop)
        ledger.payment_create(shop=shop, customer=customer, amount=Decimal("500"), received_on=TODAY(),
                              method="mpesa")

    response = post(client, reverse("ledger:refund_create", args=[customer.pk]), {
        "amount": "100", "refunded_on": TODAY().isoformat(), "method": "upi", "reason": "Paid twice"})

    assert response.status_code == 200
    assert "method" in response.context["form"].errors
    with scope(shop=shop):
        assert not Refund.objects.filter(shop=shop).exists()


def test_the_services_refuse_a_foreign_method_too(enter_scope):
    """The API and billing post payments through the same services: a method the market
    does not offer is a ``LedgerError`` on ``method`` there as well, never a 500."""
    shop = enter_scope(make_shop("KE"))
    customer = CustomerFactory(shop=shop)

    with pytest.raises(LedgerError) as refused:
        ledger.payment_create(shop=shop, customer=customer, amount=Decimal("100"), received_on=TODAY(),
                              method="upi")
    assert refused.value.field == "method"
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("100"), received_on=TODAY(), method="mpesa")
    with pytest.raises(LedgerError) as refused:
        ledger.refund_create(shop=shop, customer=customer, amount=Decimal("50"), refunded_on=TODAY(),
                             method="upi", reason="Paid twice", membership=MembershipFactory(shop=shop))
    assert refused.value.field == "method"


def test_a_payment_by_m_pesa_in_a_kenyan_shop(client):
    shop = make_shop("KE")
    owner = owner_of(shop, client)
    customer = debtor(shop)

    with no_scope():
        response = client.post(reverse("ledger:payment_create", args=[customer.pk]), {
            "amount": "1000", "received_on": TODAY().isoformat(), "method": "mpesa", "reference": " SGH7K2LM4P "},
            follow=True)

    assert response.status_code == 200
    amount = format_money(Decimal("1000"), "KES", "en_KE")
    assert f"Recorded a payment of {amount} from Wanjiku Kamau." in response.content.decode()
    with scope(shop=shop):
        payment = Payment.objects.get(shop=shop)
        customer.refresh_from_db()
    assert (payment.method, payment.reference, payment.amount, payment.created_by) == (
        "mpesa", "SGH7K2LM4P", Decimal("1000.00"), owner.user)
    assert payment.get_method_display() == "M-Pesa"
    assert customer.balance == Decimal("500.00")


def test_mark_paid_by_bkash_names_the_method_as_written(client):
    shop = make_shop("BD")
    owner_of(shop, client)
    customer = debtor(shop)
    with scope(shop=shop):
        due = customer.dues.get()

    with no_scope():
        response = client.post(reverse("ledger:due_mark_paid", args=[due.pk]), {
            "method": "bkash", "received_on": TODAY().isoformat()}, follow=True)

    assert "received, bKash)" in response.content.decode()
    with scope(shop=shop):
        assert Payment.objects.get(shop=shop).method == "bkash"


# How customers are told to pay ------------------------------------------------------------

@pytest.mark.parametrize(("country", "overrides", "line"), [
    ("IN", {}, "Pay by UPI to sharma@okaxis."),
    ("KE", {}, "Pay by M-Pesa: Till 123456."),
    ("KE", {"mobile_money": "Paybill 400200 account 12"}, "Pay by M-Pesa: Paybill 400200 account 12."),
    ("BD", {}, "Pay by bKash/Nagad: bKash 01711-000000."),
])
def test_reminder_text_says_how_to_pay(country, overrides, line):
    shop = make_shop(country, **overrides)
    customer = CustomerFactory.build(shop=shop, name="Asha")

    text = chat_text(shop=shop, customer=customer, amount=Decimal("1500"), statement_url="https://k.example/s/t/")

    assert text.splitlines()[2] == line
    assert text.splitlines()[-1] == "Thank you!"


@pytest.mark.parametrize(("country", "overrides"), [
    ("IN", {"upi_id": ""}), ("KE", {"mobile_money": ""}), ("BD", {"mobile_money": "  "}),
    ("ZZ", {"mobile_money": "Till 99", "upi_id": "x@upi"}),          # no phone payments outside the three
    ("KE", {"upi_id": "x@upi", "mobile_money": ""}),                  # UPI is India's
])
def test_reminder_text_says_nothing_of_paying_without_an_account(country, overrides):
    shop = make_shop(country, **overrides)
    text = chat_text(shop=shop, customer=CustomerFactory.build(shop=shop, name="Asha"), amount=Decimal("10"))
    assert "Pay by" not in text
    assert markets.pay_by(shop) is None


def test_whatsapp_reminder_of_a_kenyan_shop_carries_the_till(client):
    shop = make_shop("KE")
    owner_of(shop, client)
    customer = debtor(shop, phone="0712 345678")

    response = post(client, reverse("ledger:customer_whatsapp", args=[customer.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/254712345678?text=")
    with scope(shop=shop):
        body = Message.objects.get(shop=shop).body
    assert "Pay by M-Pesa: Till 123456." in body and "UPI" not in body


@pytest.mark.parametrize(("country", "text_line", "html_line", "absent"), [
    ("KE", "Pay by M-Pesa: Till 123456", "Pay by M-Pesa: Till 123456", "UPI"),
    ("BD", "Pay by bKash/Nagad: bKash 01711-000000", "Pay by bKash/Nagad: bKash 01711-000000", "UPI"),
    ("IN", "Pay by UPI to: sharma@okaxis", "Pay by UPI to <strong>sharma@okaxis</strong>.", "M-Pesa"),
    ("ZZ", None, None, "Pay by"),
])
def test_reminder_email_says_how_to_pay(country, text_line, html_line, absent):
    shop = make_shop(country)
    customer = debtor(shop, email="asha@example.com")

    with scope(shop=shop):
        message = reminder_email_send(shop=shop, customer=customer)

    if text_line:
        assert text_line in message.body
        assert html_line in message.html_body
    assert absent not in message.body and absent not in message.html_body


@pytest.mark.parametrize(("country", "line"), [
    ("KE", "Add your M-Pesa till or paybill in the shop settings"),
    ("BD", "Add your bKash or Nagad number in the shop settings"),
    ("IN", "Add your UPI ID in the shop settings"),
])
def test_welcome_email_asks_for_the_markets_account(country, line):
    shop = make_shop(country)
    context = {"shop": shop, "user": MembershipFactory.build().user, "settings_url": "https://k.example/settings/"}
    assert line in render_to_string("emails/welcome.txt", context)
    assert "shop settings" in render_to_string("emails/welcome.html", context)


# The statements ---------------------------------------------------------------------------

def test_public_statement_of_a_kenyan_shop_shows_the_till_and_kra_pin(client):
    shop = make_shop("KE")
    customer = debtor(shop, tax_number="P000111222Z")
    link = statement_link(customer)

    response = get(client, reverse("ledger:public_statement", kwargs={"token": link.token}))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Pay by M-Pesa: Till 123456" in body
    assert 'data-testid="mobile-money"' in body
    assert "KRA PIN: P051234567X" in body and "KRA PIN: P000111222Z" in body
    assert "upi://" not in body and "<svg" not in body and "UPI" not in body
    assert "Paid by M-Pesa or another way?" in body
    form = response.context["form"]
    assert form.fields["reference"].label == "M-Pesa code"
    assert "SGH7K2LM4P" in form.fields["reference"].widget.attrs["placeholder"]


def test_public_statement_of_a_bangladeshi_shop_shows_bkash_and_bin(client):
    shop = make_shop("BD")
    customer = debtor(shop)
    link = statement_link(customer)

    body = get(client, reverse("ledger:public_statement", kwargs={"token": link.token})).content.decode()

    assert "Pay by bKash/Nagad: bKash 01711-000000" in body
    assert "BIN: 000123456-0101" in body
    assert "upi://" not in body and "UPI" not in body
    assert "bKash / Nagad transaction ID" in body


def test_public_statement_of_an_indian_shop_keeps_the_upi_qr_and_no_tax_number(client):
    shop = make_shop("IN", tax_number="IGNORED-1", mobile_money="Till 1")
    customer = debtor(shop)
    link = statement_link(customer)

    response = get(client, reverse("ledger:public_statement", kwargs={"token": link.token}))

    body = response.content.decode()
    assert response.context["data"].upi.uri.startswith("upi://pay?pa=sharma%40okaxis")
    assert 'class="upi-qr"' in body and "Pay ₹1,500.00 by UPI" in body
    assert "UPI ID: <span" in body
    assert "M-Pesa" not in body and "IGNORED-1" not in body and 'data-testid="mobile-money"' not in body
    assert response.context["form"].fields["reference"].label == "UPI reference"


def test_no_way_to_pay_shown_without_an_account_or_when_nothing_is_owed(client):
    shop = make_shop("KE", mobile_money="", tax_number="")
    customer = debtor(shop)
    link = statement_link(customer)
    body = get(client, reverse("ledger:public_statement", kwargs={"token": link.token})).content.decode()
    assert "Pay by" not in body and 'data-testid="shop-tax-number"' not in body

    shop.mobile_money = "Till 123456"
    shop.save()
    with scope(shop=shop):
        ledger.payment_create(shop=shop, customer=customer, amount=Decimal("1500"), received_on=TODAY(),
                              method="mpesa")
    body = get(client, reverse("ledger:public_statement", kwargs={"token": link.token})).content.decode()
    assert "Pay by M-Pesa" not in body   # nothing owed: nothing to pay


@pytest.mark.parametrize(("country", "lines"), [
    ("KE", ["Pay by M-Pesa: Till 123456", "KRA PIN: P051234567X"]),
    ("BD", ["Pay by bKash/Nagad: bKash 01711-000000", "BIN: 000123456-0101"]),
])
def test_statement_pdf_carries_the_account_and_tax_number(client, country, lines):
    shop = make_shop(country, language="en")
    customer = debtor(shop)
    link = statement_link(customer)

    response = get(client, reverse("ledger:public_statement_pdf", kwargs={"token": link.token}))

    assert response.status_code == 200
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    squashed = "".join(text.split())
    for line in lines:
        assert "".join(line.split()) in squashed


def test_customer_page_share_panel_speaks_of_m_pesa(client):
    shop = make_shop("KE")
    owner_of(shop, client)
    customer = debtor(shop)
    statement_link(customer)

    body = get(client, reverse("ledger:customer_account", args=[customer.pk])).content.decode()

    assert "how to pay by M-Pesa (Till 123456)" in body
    assert "pay by UPI" not in body
    assert "KRA PIN: P051234567X" in body   # the printed statement's header


# "I have paid" claims ---------------------------------------------------------------------

@pytest.mark.parametrize(("country", "overrides", "method"), [
    ("IN", {}, "upi"),
    ("KE", {}, "mpesa"),
    ("BD", {"mobile_money": "bKash 01711-000000"}, "bkash"),
    ("BD", {"mobile_money": "Nagad 01811-000000"}, "nagad"),
    ("BD", {"mobile_money": "01711-000000 (bKash, Nagad)"}, "other"),
    ("ZZ", {}, "other"),
])
def test_a_confirmed_claim_is_recorded_with_the_markets_method(client, country, overrides, method):
    shop = make_shop(country, **overrides)
    owner_of(shop, client)
    customer = debtor(shop)
    link = statement_link(customer)
    with scope(shop=shop):
        claim = statements.claim_create(link=link, amount=Decimal("500"), reference="TX1", note="")

    with no_scope():
        response = client.post(reverse("ledger:claim_confirm", args=[claim.pk]), follow=True)

    with scope(shop=shop):
        claim = PaymentClaim.objects.get(pk=claim.pk)
    assert claim.status == "confirmed"
    assert (claim.payment.method, claim.payment.reference) == (method, "TX1")
    body = response.content.decode()
    if method == "upi":
        assert "Confirmed: a UPI payment of" in body
    else:
        assert f"was recorded ({markets.method_in_sentence(claim.payment)})." in body


def test_claims_list_names_the_markets_reference(client):
    shop = make_shop("KE")
    owner_of(shop, client)
    customer = debtor(shop)
    with scope(shop=shop):
        statements.claim_create(link=statement_link(customer), amount=Decimal("500"), reference="SGH7K2LM4P", note="")

    body = get(client, reverse("ledger:claim_list")).content.decode()

    assert "M-Pesa code" in body and "SGH7K2LM4P" in body and "UPI" not in body
