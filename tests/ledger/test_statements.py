"""Shareable statement links, the public statement page (with UPI) and "I have paid" claims."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Membership
from ledger.models import Payment, PaymentClaim, StatementLink
from ledger.selectors import statements as statement_selectors
from ledger.selectors.drift import ledger_drift
from ledger.services import LedgerError, statements
from ledger.services import entries as ledger
from ledger.upi import upi_payment_uri
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.scoping import no_scope

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def get(client, url):
    """GET with no scope at all, as an anonymous request runs in production until the
    view opens one (the test's own shop scope would hide a view that forgot it)."""
    with no_scope():
        return client.get(url)


def post(client, url, data=None):
    with no_scope():
        return client.post(url, data or {})


def add_due(customer, amount, *, days_ago=10, due_in=5, description="Groceries"):
    """A due via the service, in the customer's shop's scope."""
    incurred = TODAY() - datetime.timedelta(days=days_ago)
    with scope(shop=customer.shop):
        return ledger.due_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                 description=description, incurred_on=incurred,
                                 due_date=incurred + datetime.timedelta(days=due_in))


def pay(customer, amount, **kwargs):
    """A payment via the service, in the customer's shop's scope."""
    with scope(shop=customer.shop):
        return ledger.payment_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                     received_on=TODAY(), **kwargs)


@pytest.fixture
def customer(shop):
    customer = CustomerFactory(shop=shop, name="Sunita Devi")
    add_due(customer, "1200.00", days_ago=20, due_in=5, description="Rice 25 kg")   # overdue
    add_due(customer, "300.00", days_ago=2, due_in=10, description="Cooking oil")
    pay(customer, "200.00", method=Payment.Method.CASH, note="internal: paid by her son")
    return customer


@pytest.fixture
def link(customer):
    link, _created = statements.statement_link_get_or_create(shop=customer.shop, customer=customer)
    return link


def page_url(link_or_token):
    token = getattr(link_or_token, "token", link_or_token)
    return reverse("ledger:public_statement", kwargs={"token": token})


def pdf_url(link):
    return reverse("ledger:public_statement_pdf", kwargs={"token": link.token})


def claim_url(link):
    return reverse("ledger:public_statement_claim", kwargs={"token": link.token})


def assert_private_headers(response):
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"


# Links ----------------------------------------------------------------------------------

def test_staff_can_create_the_link_and_it_opens_without_login(client, staff, customer):
    client.force_login(staff.user)
    response = client.post(reverse("ledger:statement_link_create", args=[customer.pk]))

    assert response.status_code == 302
    assert response.url == customer.get_absolute_url() + "#share"
    link = StatementLink.objects.get(customer=customer)
    assert len(link.token) == 32 and link.revoked_at is None and link.created_by == staff.user
    client.logout()
    response = get(client, page_url(link))
    assert response.status_code == 200
    assert "Sunita Devi" in response.content.decode()


def test_one_active_link_per_customer(owner_client, customer):
    url = reverse("ledger:statement_link_create", args=[customer.pk])
    owner_client.post(url)
    owner_client.post(url)

    assert StatementLink.objects.filter(customer=customer).count() == 1
    again, created = statements.statement_link_get_or_create(shop=customer.shop, customer=customer)
    assert not created and again == StatementLink.objects.get()


def test_regenerate_kills_the_old_token_at_once(owner_client, client, customer, link):
    response = owner_client.post(reverse("ledger:statement_link_create", args=[customer.pk]), {"regenerate": "1"})

    assert response.status_code == 302
    new = StatementLink.objects.get(customer=customer, revoked_at__isnull=True)
    assert new.token != link.token
    client.logout()
    assert get(client, page_url(link)).status_code == 404
    assert get(client, pdf_url(link)).status_code == 404
    assert post(client, claim_url(link), {"amount": "10"}).status_code == 404
    assert get(client, page_url(new)).status_code == 200


def test_revoked_and_unknown_tokens_get_the_same_bare_404(owner_client, client, customer, link):
    response = owner_client.post(reverse("ledger:statement_link_revoke", args=[customer.pk]))
    assert response.status_code == 302
    assert StatementLink.objects.get().revoked_at is not None

    revoked = get(client, page_url(link))
    unknown = get(client, page_url("x" * 32))
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    body = revoked.content.decode()
    assert "Sunita" not in body and customer.shop.name not in body
    assert_private_headers(revoked)
    assert_private_headers(unknown)
    assert get(client, pdf_url(link)).content == unknown.content


def test_token_must_match_exactly(client, link):
    assert get(client, page_url(link.token.swapcase())).status_code == 404
    assert get(client, page_url(link.token[:-1])).status_code == 404
    assert get(client, page_url(link.token + "A")).status_code == 404


def test_revoking_without_a_link_is_a_message(owner_client, customer):
    response = owner_client.post(reverse("ledger:statement_link_revoke", args=[customer.pk]), follow=True)
    assert "This customer has no active share link." in response.content.decode()


def test_staff_cannot_revoke_or_regenerate(client, staff, customer, link):
    client.force_login(staff.user)

    assert client.post(reverse("ledger:statement_link_revoke", args=[customer.pk])).status_code == 403
    assert client.post(reverse("ledger:statement_link_create", args=[customer.pk]),
                       {"regenerate": "1"}).status_code == 403
    assert list(StatementLink.objects.values_list("token", "revoked_at")) == [(link.token, None)]


@pytest.mark.parametrize("name", ["ledger:statement_link_create", "ledger:statement_link_revoke"])
def test_link_actions_on_another_shops_customer_are_404(client, other_owner, customer, link, name):
    client.force_login(other_owner.user)
    assert client.post(reverse(name, args=[customer.pk]), {"regenerate": "1"}).status_code == 404
    assert list(StatementLink.objects.values_list("token", "revoked_at")) == [(link.token, None)]


def test_link_actions_are_post_only(owner_client, customer):
    assert owner_client.get(reverse("ledger:statement_link_create", args=[customer.pk])).status_code == 405
    assert not StatementLink.objects.exists()


# The public page ------------------------------------------------------------------------

@pytest.fixture
def neighbours(shop, other_owner):
    """Another customer of the same shop and a customer of another shop, with amounts
    that appear nowhere else."""
    same_shop = CustomerFactory(shop=shop, name="Neighbour Naresh")
    add_due(same_shop, "777.77", description="Naresh secret cement")
    other_shop = other_owner.shop
    other_shop.name = "Other Kirana Mart"
    other_shop.save()
    stranger = CustomerFactory(shop=other_shop, name="Stranger Sita")
    add_due(stranger, "888.88", description="Sita secret sugar")
    with scope(shop=other_shop):
        statements.statement_link_get_or_create(shop=other_shop, customer=stranger)
    return same_shop, stranger


def test_public_page_shows_the_customer_statement(client, customer, link):
    response = get(client, page_url(link))

    assert response.status_code == 200
    body = response.content.decode()
    shop = customer.shop
    assert shop.name in body and shop.phone in body and shop.address in body
    assert "Sunita Devi" in body
    assert "₹1,300.00" in body                      # outstanding: 1200 + 300 - 200
    assert "Rice 25 kg" in body and "Cooking oil" in body
    assert "Overdue" in body                         # the rice due's date has passed
    assert "₹1,000.00" in body                       # what is left of it, overdue
    assert response.context["data"].overdue_amount == Decimal("1000.00")
    assert [line.kind for line in response.context["data"].lines] == ["due", "due", "payment"]
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert_private_headers(response)
    # Its own layout: none of the app's navigation or staff actions.
    assert "navbar" not in body and reverse("customers:list") not in body
    assert "Mark paid" not in body and "Void" not in body


def test_public_page_leaks_nothing_of_other_customers_or_shops(client, customer, link, neighbours, other_owner):
    for viewer in (None, other_owner.user):          # anonymous, and logged in to another shop
        if viewer:
            client.force_login(viewer)
        for url in (page_url(link),):
            body = get(client, url).content.decode()
            for secret in ("Neighbour Naresh", "777.77", "777", "Naresh secret cement", "Other Kirana Mart",
                           "Stranger Sita", "888.88", "888", "Sita secret sugar"):
                assert secret not in body, (viewer, secret)
            assert "Sunita Devi" in body and customer.shop.name in body


def test_public_page_hides_void_entries_and_internal_notes(client, customer, link):
    mistake = add_due(customer, "555.00", description="Entered twice by mistake")
    ledger.due_void(shop=customer.shop, due=mistake, reason="typo by staff")

    body = get(client, page_url(link)).content.decode()

    assert "Entered twice" not in body and "typo by staff" not in body
    assert "paid by her son" not in body
    assert "Cash" in body


def test_public_page_shows_the_last_50_entries_with_the_balance_brought_forward(client, shop, link):
    customer = link.customer
    for day in range(52):
        ledger.due_create(shop=shop, customer=customer, amount=Decimal("10"), description=f"Item {day}",
                          incurred_on=TODAY() - datetime.timedelta(days=60 - day))

    response = get(client, page_url(link))

    data = response.context["data"]
    assert data.total_lines == 55 and len(data.lines) == 50
    assert data.lines[-1].balance == data.balance == Decimal("1820.00")
    assert data.brought_forward == data.lines[0].balance - data.lines[0].debit
    body = response.content.decode()
    assert "Balance brought forward" in body and "Last 50 entries" in body


def test_public_page_pdf_is_a_pdf(client, customer, link):
    customer.shop.upi_id = "sharma@okaxis"
    customer.shop.save()

    response = get(client, pdf_url(link))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith('attachment; filename="statement-')
    assert_private_headers(response)


def test_public_views_answer_other_methods_with_405(client, link):
    response = post(client, page_url(link))
    assert response.status_code == 405
    assert_private_headers(response)
    assert get(client, claim_url(link)).status_code == 405


# UPI -----------------------------------------------------------------------------------

def set_shop(shop, **fields):
    for name, value in fields.items():
        setattr(shop, name, value)
    shop.save()


def test_upi_qr_and_button_for_the_outstanding_amount(client, customer, link):
    set_shop(customer.shop, name="Sharma & Sons श्री", upi_id="sharma@okaxis")

    response = get(client, page_url(link))

    expected = ("upi://pay?pa=sharma%40okaxis&pn=Sharma%20%26%20Sons%20%E0%A4%B6%E0%A5%8D%E0%A4%B0%E0%A5%80"
                "&am=1300.00&cu=INR&tn=Khata%20Sunita%20Devi")
    assert response.context["data"].upi.uri == expected
    body = response.content.decode()
    assert f'href="{expected.replace("&", "&amp;")}"' in body
    assert "Pay ₹1,300.00 by UPI" in body
    assert '<svg width="' in body and 'class="upi-qr"' in body


def test_upi_uri_matches_the_builder(customer, link):
    set_shop(customer.shop, upi_id="shop@upi")
    upi = statement_selectors.upi_payment_for(shop=customer.shop, customer=customer, amount=Decimal("1300.00"))
    assert upi.uri == upi_payment_uri(payee_vpa="shop@upi", payee_name=customer.shop.name,
                                      amount=Decimal("1300.00"), note="Khata Sunita Devi")


@pytest.mark.parametrize(("upi_id", "settle", "currency"), [
    ("", False, "INR"),             # no UPI ID
    ("shop@upi", True, "INR"),      # nothing owed
    ("shop@upi", False, "KES"),     # UPI pays rupees only
])
def test_no_qr_and_no_upi_link_otherwise(client, customer, link, upi_id, settle, currency):
    set_shop(customer.shop, upi_id=upi_id, currency=currency)
    if settle:
        pay(customer, "1300.00")

    response = get(client, page_url(link))

    body = response.content.decode()
    assert response.context["data"].upi is None
    assert "upi://" not in body and "<svg" not in body and 'data-testid="upi"' not in body


def test_no_qr_when_the_customer_has_credit(client, customer, link):
    set_shop(customer.shop, upi_id="shop@upi")
    pay(customer, "1500.00")

    body = get(client, page_url(link)).content.decode()

    assert "upi://" not in body and "<svg" not in body
    assert "Your credit with the shop" in body and "₹200.00" in body


# Claims --------------------------------------------------------------------------------

def test_claim_creates_a_pending_report_and_no_payment(client, customer, link):
    payments_before = Payment.objects.count()

    response = post(client, claim_url(link), {"amount": "500", "reference": " 412345678901 ", "note": "paid  today"})

    assert response.status_code == 302
    assert response.url == page_url(link) + "?sent=1&lang=en#paid"
    assert_private_headers(response)
    claim = PaymentClaim.objects.get()
    assert (claim.amount, claim.reference, claim.note, claim.status, claim.customer, claim.link, claim.shop) == (
        Decimal("500.00"), "412345678901", "paid today", "pending", customer, link, customer.shop)
    assert claim.payment is None
    assert Payment.objects.count() == payments_before
    customer.refresh_from_db()
    assert customer.balance == Decimal("1300.00")
    page = get(client, response.url)
    body = page.content.decode()
    assert "will check your payment" in body
    assert "Waiting for the shop to confirm" in body and "₹500.00" in body


def test_claim_works_from_a_real_browser_with_no_referrer(link):
    """With ``Referrer-Policy: no-referrer`` browsers post the form with ``Origin: null``
    and no Referer; the claim must still go through, and the page sets no cookies."""
    browser = Client(enforce_csrf_checks=True)
    page = get(browser, page_url(link))
    assert not page.cookies

    with no_scope():
        response = browser.post(claim_url(link), {"amount": "99"}, HTTP_ORIGIN="null")

    assert response.status_code == 302
    assert PaymentClaim.objects.get().amount == Decimal("99.00")


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "The amount must be more than zero."),
    ("-1", "The amount must be more than zero."),
    ("1234567890123", "That amount is too large (at most 12 digits before the decimal point)."),
    ("abc", "Enter an amount in numbers, such as 250 or 99.50."),
    ("", "This field is required."),
])
def test_bad_claim_amount_is_a_form_error(client, link, amount, message):
    response = post(client, claim_url(link), {"amount": amount})

    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert message in response.content.decode()
    assert not PaymentClaim.objects.exists()
    assert_private_headers(response)


def test_claims_are_limited_to_three_an_hour_per_link(client, link):
    for amount in ("10", "20", "30"):
        assert post(client, claim_url(link), {"amount": amount}).status_code == 302

    response = post(client, claim_url(link), {"amount": "40"})

    assert response.status_code == 429
    assert "You have already sent 3 payment reports in the last hour." in response.content.decode()
    assert PaymentClaim.objects.count() == 3
    assert_private_headers(response)
    # An hour later it is allowed again.
    claim = statements.claim_create(link=link, amount=Decimal("40"),
                                    now=timezone.now() + datetime.timedelta(hours=1, seconds=1))
    assert claim.status == "pending"


def test_at_most_ten_claims_pending_per_link(link):
    PaymentClaim.objects.bulk_create([
        PaymentClaim(shop=link.shop, customer=link.customer, link=link, amount=Decimal("5")) for _ in range(10)])
    PaymentClaim.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))

    with pytest.raises(LedgerError, match="10 payment reports are already waiting"):
        statements.claim_create(link=link, amount=Decimal("5"))

    first = PaymentClaim.objects.first()
    statements.claim_reject(shop=link.shop, claim=first)
    assert statements.claim_create(link=link, amount=Decimal("5")).status == "pending"


def test_claim_service_refuses_a_revoked_link(customer, link):
    statements.statement_link_revoke(shop=customer.shop, customer=customer)
    with pytest.raises(LedgerError, match="no longer active"):
        statements.claim_create(link=link, amount=Decimal("5"))


@pytest.fixture
def claim(link):
    return statements.claim_create(link=link, amount=Decimal("1250.00"), reference="UTR 412345678901")


def test_confirm_records_exactly_one_upi_payment_oldest_dues_first(owner_client, owner, customer, claim):
    payments_before = set(Payment.objects.values_list("pk", flat=True))

    response = owner_client.post(reverse("ledger:claim_confirm", args=[claim.pk]))

    assert response.status_code == 302 and response.url == reverse("ledger:claim_list")
    new = Payment.objects.exclude(pk__in=payments_before)
    assert new.count() == 1
    payment = new.get()
    assert (payment.amount, payment.method, payment.reference, payment.note, payment.customer, payment.created_by,
            payment.received_on) == (
        Decimal("1250.00"), "upi", "UTR 412345678901", "Confirmed from the customer's report", customer, owner.user,
        timezone.localdate(claim.created_at))
    # Oldest dues first: the rest of the rice (1000), then 250 of the oil.
    assert sorted((a.due.description, a.amount) for a in payment.allocations.all()) == [
        ("Cooking oil", Decimal("250.00")), ("Rice 25 kg", Decimal("1000.00"))]
    claim.refresh_from_db()
    assert (claim.status, claim.payment, claim.decided_by) == ("confirmed", payment, owner.user)
    assert claim.decided_at is not None
    customer.refresh_from_db()
    assert customer.balance == Decimal("50.00")
    assert ledger_drift() == []


def test_deciding_twice_is_refused(owner_client, customer, claim):
    owner_client.post(reverse("ledger:claim_confirm", args=[claim.pk]))

    again = owner_client.post(reverse("ledger:claim_confirm", args=[claim.pk]), follow=True)
    reject = owner_client.post(reverse("ledger:claim_reject", args=[claim.pk]), follow=True)

    assert "This payment report was already confirmed." in again.content.decode()
    assert "This payment report was already confirmed." in reject.content.decode()
    assert Payment.objects.filter(method="upi").count() == 1
    claim.refresh_from_db()
    assert claim.status == "confirmed"
    customer.refresh_from_db()
    assert customer.balance == Decimal("50.00")


def test_reject_writes_no_payment(client, staff, customer, claim):
    client.force_login(staff.user)
    payments_before = Payment.objects.count()

    response = client.post(reverse("ledger:claim_reject", args=[claim.pk]),
                           {"next": customer.get_absolute_url() + "#share"})

    assert response.status_code == 302 and response.url == customer.get_absolute_url() + "#share"
    claim.refresh_from_db()
    assert (claim.status, claim.payment, claim.decided_by) == ("rejected", None, staff.user)
    assert Payment.objects.count() == payments_before
    customer.refresh_from_db()
    assert customer.balance == Decimal("1300.00")
    with pytest.raises(LedgerError, match="already rejected"):
        statements.claim_confirm(shop=customer.shop, claim=claim)
    assert Payment.objects.count() == payments_before


def test_staff_may_confirm(client, staff, customer, claim):
    client.force_login(staff.user)
    assert client.post(reverse("ledger:claim_confirm", args=[claim.pk])).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "confirmed" and claim.payment.created_by == staff.user


def test_next_must_stay_on_the_site(owner_client, claim):
    response = owner_client.post(reverse("ledger:claim_reject", args=[claim.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("ledger:claim_list")


@pytest.mark.parametrize("name", ["ledger:claim_confirm", "ledger:claim_reject"])
@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.CASHIER])
def test_claims_of_another_shop_are_404(client, customer, claim, name, role):
    outsider = MembershipFactory(role=role)
    client.force_login(outsider.user)
    payments_before = Payment.objects.count()

    assert client.post(reverse(name, args=[claim.pk])).status_code == 404
    assert client.get(reverse(name, args=[claim.pk])).status_code == 405

    claim.refresh_from_db()
    assert claim.status == "pending" and claim.payment is None
    assert Payment.objects.count() == payments_before


def test_confirm_service_refuses_another_shops_claim(claim, other_owner):
    with pytest.raises(LedgerError, match="does not belong"):
        statements.claim_confirm(shop=other_owner.shop, claim=claim)


def test_claim_list_shows_this_shops_reports_only(owner_client, customer, claim, neighbours):
    _same_shop, stranger = neighbours
    with scope(shop=stranger.shop):
        foreign_link = StatementLink.objects.get(customer=stranger)
        statements.claim_create(link=foreign_link, amount=Decimal("888.88"), reference="FOREIGN-REF")
    decided = statements.claim_create(link=claim.link, amount=Decimal("20"), reference="OLD-REF")
    statements.claim_reject(shop=customer.shop, claim=decided)

    response = owner_client.get(reverse("ledger:claim_list"))

    assert response.status_code == 200
    assert [c.pk for c in response.context["pending"]] == [claim.pk]
    assert [c.pk for c in response.context["decided"]] == [decided.pk]
    body = response.content.decode()
    assert "UTR 412345678901" in body and "₹1,250.00" in body and "Rejected" in body
    assert "FOREIGN-REF" not in body and "Stranger Sita" not in body and "888.88" not in body
    assert statement_selectors.pending_claims_count(shop=customer.shop) == 1


# The customer page's share panel -----------------------------------------------------------
# (ledger.views.entries.customer_account adds ledger.selectors.statements.customer_share_context(...)
# to its context)

def test_customer_page_shows_the_link_and_pending_claims_to_the_owner(owner_client, customer, claim):
    response = owner_client.get(customer.get_absolute_url())

    body = response.content.decode()
    assert f'value="http://testserver{page_url(claim.link)}"' in body
    assert reverse("ledger:statement_link_revoke", args=[customer.pk]) in body
    assert 'name="regenerate"' in body
    assert reverse("ledger:claim_confirm", args=[claim.pk]) in body
    assert reverse("ledger:claim_reject", args=[claim.pk]) in body
    assert "UTR 412345678901" in body
    assert "{#" not in body and "customer_share_context" not in body   # no template comment leaks


@pytest.mark.parametrize(("site_url", "base"), [
    ("", "http://testserver:8301"), ("https://khata.example.com", "https://khata.example.com")])
def test_share_link_on_the_customer_page_is_on_site_url_else_the_request_host(
        owner_client, customer, link, site_url, base):
    with override_settings(SITE_URL=site_url):
        body = owner_client.get(customer.get_absolute_url(), HTTP_HOST="testserver:8301").content.decode()
    assert f'value="{base}{page_url(link)}"' in body


def test_customer_page_offers_staff_a_link_but_no_revoke(client, staff, customer, link):
    client.force_login(staff.user)
    body = client.get(customer.get_absolute_url()).content.decode()
    assert page_url(link) in body
    assert reverse("ledger:statement_link_revoke", args=[customer.pk]) not in body
    assert 'name="regenerate"' not in body


def test_customer_page_without_a_link_offers_to_create_one(owner_client, customer):
    body = owner_client.get(customer.get_absolute_url()).content.decode()
    assert "Create share link" in body
    assert reverse("ledger:statement_link_create", args=[customer.pk]) in body
