"""Messaging (DESIGN §7): queued emails are stored first and sent by the task after
commit; receipts on payment; the welcome email; the message log pages and Retry."""

import datetime
import io
import runpy
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Shop
from core.money import format_money
from ledger.models import StatementLink
from ledger.services import entries as services
from messaging import links, receivers, tasks
from messaging import selectors as message_selectors
from messaging import services as message_services
from messaging.models import Message
from tests.accounts.factories import MembershipFactory, ShopFactory, UserFactory
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import PaymentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 10)
FROM = "Khata <no-reply@khata.example>"


class BrokenEmailBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server at mail.example.com refused the connection")


BROKEN = "tests.messaging.test_services.BrokenEmailBackend"


@pytest.fixture
def receipt_shop(shop):
    shop.name = "Sharma General Store"
    shop.phone = "98100 12345"
    shop.address = "4 Gandhi Bazaar, Jaipur"
    shop.save()
    return shop


@pytest.fixture
def asha(receipt_shop):
    return CustomerFactory(shop=receipt_shop, name="Asha Verma", email="asha@example.com")


def queue_statement(shop, customer):
    """Queue a receipt email directly (one of our real templates)."""
    payment = PaymentFactory(customer=customer, amount=Decimal("1234.50"), received_on=TODAY, method="upi",
                             reference="UPI-778899")  # a bare row: no receipt of its own
    return message_services.email_queue(
        shop=shop, kind=Message.Kind.RECEIPT, to=customer.email, customer=customer, subject="Receipt\nfor you",
        template="emails/receipt", context={"payment": payment, "balance": Decimal("0")})


# --- email_queue and the send task ---------------------------------------------------


@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_email_queue_stores_a_queued_message_and_sends_only_after_commit(
        receipt_shop, asha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue_statement(receipt_shop, asha)
        stored = Message.objects.get()
        assert stored.pk == message.pk
        assert (stored.status, stored.channel, stored.kind, stored.attempts) == ("queued", "email", "receipt", 0)
        assert stored.subject == "Receipt for you"  # one line
        assert "Amount received: ₹1,234.50" in stored.body
        assert "<html" in stored.html_body
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.from_email == "Sharma General Store <no-reply@khata.example>"
    assert email.to == ["asha@example.com"]
    assert email.subject == "Receipt for you"
    assert email.body == stored.body
    assert email.alternatives[0].content == stored.html_body
    assert email.alternatives[0].mimetype == "text/html"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 1, "")
    assert message.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(receipt_shop, asha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue_statement(receipt_shop, asha)
        raise RuntimeError("the caller's transaction fails")
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_text_body_is_not_html_escaped_and_html_is(receipt_shop, django_capture_on_commit_callbacks):
    customer = CustomerFactory(shop=receipt_shop, name="Tom & <Jerry>", email="tj@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_create(shop=receipt_shop, customer=customer, amount=Decimal("10"), received_on=TODAY)
    email = mail.outbox[0]
    assert "Dear Tom & <Jerry>," in email.body
    assert "Dear Tom &amp; &lt;Jerry&gt;," in email.alternatives[0].content


@pytest.mark.parametrize(("name", "expected"), [
    ("Sharma General Store", "Sharma General Store <no-reply@khata.example>"),
    ("Sharma & Sons, Jaipur", '"Sharma & Sons, Jaipur" <no-reply@khata.example>'),
    ('Ravi "Kirana"', '"Ravi \\"Kirana\\"" <no-reply@khata.example>'),
])
@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_sender_is_the_shop_name_with_the_configured_address(name, expected):
    assert tasks.sender_address(ShopFactory.build(name=name)) == expected


@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_non_ascii_shop_name_is_encoded_in_the_from_header(django_capture_on_commit_callbacks):
    shop = ShopFactory(name="शर्मा स्टोर")
    customer = CustomerFactory(shop=shop, email="asha@example.com")
    with scope(shop=shop), django_capture_on_commit_callbacks(execute=True):
        services.payment_create(shop=shop, customer=customer, amount=Decimal("10"), received_on=TODAY)
    header = mail.outbox[0].message()["From"]
    assert "no-reply@khata.example" in header and "=?utf-8?" in header


def test_scheduled_reminder_is_written_once_per_customer_kind_and_day(receipt_shop, asha):
    def remind(day):
        return message_services.email_queue(shop=receipt_shop, kind=Message.Kind.REMINDER, to=asha.email, customer=asha,
                                     subject="Reminder", template="emails/welcome",
                                     context={"user": UserFactory.build()}, for_date=day)

    first = remind(TODAY)
    assert first is not None and first.for_date == TODAY
    assert remind(TODAY) is None
    assert remind(TODAY + datetime.timedelta(days=1)) is not None
    assert Message.objects.filter(kind="reminder").count() == 2


def test_email_queue_refuses_an_address_that_is_not_one(receipt_shop):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        message_services.email_queue(shop=receipt_shop, kind="statement", to="not an address", subject="x",
                              template="emails/welcome", context={})
    assert not Message.objects.exists()


def test_failing_mail_server_marks_the_message_failed_with_the_error(
        receipt_shop, asha, django_capture_on_commit_callbacks):
    with override_settings(EMAIL_BACKEND=BROKEN), django_capture_on_commit_callbacks(execute=True):
        message = queue_statement(receipt_shop, asha)
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.attempts == 1
    assert message.error == "ConnectionRefusedError: SMTP server at mail.example.com refused the connection"
    assert message.sent_at is None
    assert mail.outbox == []


def test_message_log_records_a_click_to_chat_message(receipt_shop, asha, owner):
    message = message_services.message_log(shop=receipt_shop, channel=Message.Channel.WHATSAPP,
                                           kind=Message.Kind.REMINDER, to="+919812345678", body="Namaste",
                                           customer=asha, created_by=owner.user)
    assert (message.status, message.channel, message.attempts) == ("sent", "whatsapp", 0)
    assert message.sent_at is not None and message.created_by == owner.user


# --- Receipts ----------------------------------------------------------------------------


def pay(shop, customer, amount="1234.50", **kwargs):
    return services.payment_create(shop=shop, customer=customer, amount=Decimal(amount), received_on=TODAY,
                                   **kwargs)


@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_payment_sends_a_receipt_with_amount_balance_and_shop_contact(
        receipt_shop, asha, owner, django_capture_on_commit_callbacks):
    services.due_create(shop=receipt_shop, customer=asha, amount=Decimal("2000"), description="Rice",
                        incurred_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(receipt_shop, asha, method="upi", reference="UPI-778899", created_by=owner.user)
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["asha@example.com"]
    assert email.from_email == "Sharma General Store <no-reply@khata.example>"
    assert email.subject == "Receipt for your payment of ₹1,234.50 to Sharma General Store"
    for text in ("Amount received: ₹1,234.50", "Date: 10 Nov 2026", "Method: UPI", "Reference: UPI-778899",
                 f"Receipt no.: {payment.pk}", "Balance still due: ₹765.50", "Sharma General Store",
                 "Phone: 98100 12345", "4 Gandhi Bazaar, Jaipur"):
        assert text in email.body, text
    html = email.alternatives[0].content
    for text in ("₹1,234.50", "10 Nov 2026", "UPI-778899", "₹765.50", "98100 12345"):
        assert text in html, text
    message = Message.objects.get(kind="receipt")
    assert (message.customer, message.status, message.created_by) == (asha, "sent", owner.user)


def test_receipt_in_the_shops_currency_format(django_capture_on_commit_callbacks):
    shop = ShopFactory(name="Duka la Mama", currency="KES", locale="en_KE")
    customer = CustomerFactory(shop=shop, email="wanjiru@example.com")
    with scope(shop=shop), django_capture_on_commit_callbacks(execute=True):
        pay(shop, customer, amount="1500")
    body = mail.outbox[0].body
    amount = format_money(Decimal("1500"), "KES", "en_KE")
    assert amount.startswith("Ksh") or amount.startswith("KSh")
    assert f"Amount received: {amount}" in body
    assert f"Credit with us: {amount}" in body


def test_fully_paid_receipt_says_so(receipt_shop, asha, django_capture_on_commit_callbacks):
    services.due_create(shop=receipt_shop, customer=asha, amount=Decimal("100"), description="Tea",
                        incurred_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        pay(receipt_shop, asha, amount="100")
    assert "Your account is fully paid." in mail.outbox[0].body


def test_no_receipt_without_an_email_address(receipt_shop, django_capture_on_commit_callbacks):
    customer = CustomerFactory(shop=receipt_shop, email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pay(receipt_shop, customer)
    assert callbacks == []
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_no_receipt_when_the_shop_turned_receipts_off(receipt_shop, asha, django_capture_on_commit_callbacks):
    receipt_shop.send_payment_receipts = False
    receipt_shop.save()
    with django_capture_on_commit_callbacks(execute=True):
        pay(receipt_shop, asha)
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_no_receipt_for_a_payment_that_rolls_back(receipt_shop, asha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        pay(receipt_shop, asha)
        raise RuntimeError("something later in the same transaction fails")
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_mark_paid_sends_one_receipt(receipt_shop, asha, django_capture_on_commit_callbacks):
    due = services.due_create(shop=receipt_shop, customer=asha, amount=Decimal("300"), description="Oil",
                              incurred_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.due_mark_paid(shop=receipt_shop, due=due)
    assert len(mail.outbox) == 1
    assert "Amount received: ₹300.00" in mail.outbox[0].body


def test_recording_a_payment_in_the_browser_queues_the_receipt(
        owner_client, receipt_shop, asha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("ledger:payment_create", args=[asha.pk]),
                                     {"amount": "250", "received_on": "2026-11-10", "method": "cash"})
    assert response.status_code == 302
    assert [m.subject for m in mail.outbox] == ["Receipt for your payment of ₹250.00 to Sharma General Store"]


# --- Welcome email ---------------------------------------------------------------------------


REGISTRATION = {
    "username": "ravi", "email": "ravi@example.com", "password1": "Strong-pass-987", "password2": "Strong-pass-987",
    "shop_name": "Ravi Kirana", "phone": "9876501234", "address": "12 Station Road, Pune",
}


@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_registration_sends_the_welcome_email_to_the_owner(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), REGISTRATION)
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ravi@example.com"]
    assert email.from_email == "Ravi Kirana <no-reply@khata.example>"
    assert email.subject == "Welcome to Khata, Ravi Kirana"
    assert "Your shop \"Ravi Kirana\" is ready" in email.body
    assert "http://testserver/customers/new/" in email.body
    assert 'href="http://testserver/"' in email.alternatives[0].content
    with scope(shop=Shop.objects.get(name="Ravi Kirana")):
        message = Message.objects.get()
    assert (message.kind, message.customer, message.status, message.shop.name) == (
        "welcome", None, "sent", "Ravi Kirana")


def test_failed_registration_sends_no_welcome(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), {**REGISTRATION, "password2": "other"})
    assert mail.outbox == []


def test_a_broken_welcome_email_does_not_break_registration(client, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(receivers, "welcome_email_queue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), REGISTRATION)
    assert response.status_code == 302
    assert mail.outbox == []


# --- The message log pages -------------------------------------------------------------------


def make_message(shop, customer=None, **kwargs):
    kwargs.setdefault("kind", Message.Kind.RECEIPT)
    kwargs.setdefault("to", customer.email if customer and customer.email else "someone@example.com")
    kwargs.setdefault("subject", "Receipt")
    return Message.objects.create(shop=shop, customer=customer, **kwargs)


def test_message_log_lists_the_shops_messages_with_their_status(owner_client, receipt_shop, asha, other_owner):
    make_message(receipt_shop, asha, status="sent", attempts=1, sent_at=timezone.now())
    make_message(receipt_shop, asha, kind="invoice", status="failed", attempts=2,
                 error="SMTPRecipientsRefused: mailbox full")
    make_message(receipt_shop, asha, channel="whatsapp", kind="reminder", to="+919812345678")
    theirs = CustomerFactory(shop=other_owner.shop, name="Not Mine", email="notmine@example.com")
    make_message(other_owner.shop, theirs)

    response = owner_client.get(reverse("ledger:message_list"))

    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 3
    html = response.content.decode()
    assert "notmine@example.com" not in html and "Not Mine" not in html
    assert 'title="SMTPRecipientsRefused: mailbox full"' in html
    assert html.count('name="retry"') == 1  # only the failed email offers Retry
    assert "+919812345678" in html and "WhatsApp" in html


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "failed"}, {"failed-invoice"}),
    ({"kind": "receipt"}, {"sent-receipt", "queued-receipt"}),
    ({"status": "queued", "kind": "receipt"}, {"queued-receipt"}),
    ({"channel": "whatsapp"}, {"wa"}),
    ({"status": "bogus"}, {"sent-receipt", "queued-receipt", "failed-invoice", "wa"}),
])
def test_message_log_filters(owner_client, receipt_shop, asha, query, expected):
    make_message(receipt_shop, asha, subject="sent-receipt", status="sent")
    make_message(receipt_shop, asha, subject="queued-receipt")
    make_message(receipt_shop, asha, subject="failed-invoice", kind="invoice", status="failed")
    make_message(receipt_shop, asha, subject="wa", kind="reminder", channel="whatsapp")

    response = owner_client.get(reverse("ledger:message_list"), query)

    assert {m.subject for m in response.context["page"].object_list} == expected


def test_message_log_filtered_by_customer(owner_client, receipt_shop, asha):
    make_message(receipt_shop, asha, subject="asha's")
    make_message(receipt_shop, CustomerFactory(shop=receipt_shop), subject="someone else's")

    response = owner_client.get(reverse("ledger:message_list"), {"customer": asha.pk})

    assert [m.subject for m in response.context["page"].object_list] == ["asha's"]
    assert "Messages · Asha Verma" in response.content.decode()


def test_message_log_pages_by_fifty(owner_client, receipt_shop):
    Message.objects.bulk_create([Message(shop=receipt_shop, kind="receipt", to=f"c{i}@example.com")
                                 for i in range(51)])
    first = owner_client.get(reverse("ledger:message_list"))
    second = owner_client.get(reverse("ledger:message_list"), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()


def test_message_log_of_another_shops_customer_is_404(owner_client, other_owner):
    theirs = CustomerFactory(shop=other_owner.shop)
    assert owner_client.get(reverse("ledger:message_list"), {"customer": theirs.pk}).status_code == 404
    assert owner_client.get(reverse("ledger:customer_messages", args=[theirs.pk])).status_code == 404


def test_customer_panel_shows_the_latest_ten_and_links_to_the_full_log(owner_client, receipt_shop, asha):
    for i in range(12):
        make_message(receipt_shop, asha, subject=f"m{i}", to=f"asha{i}@example.com")
    make_message(receipt_shop, CustomerFactory(shop=receipt_shop), to="other@example.com")

    response = owner_client.get(reverse("ledger:customer_messages", args=[asha.pk]))

    assert response.status_code == 200
    assert [m.to for m in response.context["latest"]] == [f"asha{i}@example.com" for i in range(11, 1, -1)]
    html = response.content.decode()
    assert f'{reverse("ledger:message_list")}?customer={asha.pk}' in html
    assert "other@example.com" not in html


def test_customer_panel_is_read_only(owner_client, asha):
    assert owner_client.post(reverse("ledger:customer_messages", args=[asha.pk])).status_code == 405


def test_customer_page_loads_the_messages_panel(owner_client, asha):
    html = owner_client.get(reverse("ledger:customer_account", args=[asha.pk])).content.decode()
    assert f'hx-get="{reverse("ledger:customer_messages", args=[asha.pk])}"' in html


def test_retry_queues_a_failed_email_again_and_it_is_sent(
        owner_client, receipt_shop, asha, django_capture_on_commit_callbacks):
    with override_settings(EMAIL_BACKEND=BROKEN), django_capture_on_commit_callbacks(execute=True):
        message = queue_statement(receipt_shop, asha)
    message.refresh_from_db()
    assert message.status == "failed"

    url = reverse("ledger:message_list") + "?status=failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, {"retry": message.pk})

    assert response.status_code == 302 and response.url == url
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [["asha@example.com"]]


def test_retry_refuses_a_sent_email(owner_client, receipt_shop, asha):
    message = make_message(receipt_shop, asha, status="sent", attempts=1)
    response = owner_client.post(reverse("ledger:message_list"), {"retry": message.pk}, follow=True)
    assert "This email was already sent." in response.content.decode()
    message.refresh_from_db()
    assert message.status == "sent"


def test_retry_of_another_shops_message_is_404(client, receipt_shop, asha, other_owner):
    message = make_message(receipt_shop, asha, status="failed", attempts=1)
    client.force_login(other_owner.user)
    assert client.post(reverse("ledger:message_list"), {"retry": message.pk}).status_code == 404
    assert client.post(reverse("ledger:message_list"), {"retry": "x"}).status_code == 404
    message.refresh_from_db()
    assert message.status == "failed"


def test_staff_see_the_message_log(client, staff, receipt_shop, asha):
    make_message(receipt_shop, asha, subject="Receipt for Asha", status="sent", attempts=1, sent_at=timezone.now())
    client.force_login(staff.user)
    response = client.get(reverse("ledger:message_list"))
    assert response.status_code == 200
    assert "asha@example.com" in response.content.decode()


def test_a_user_without_a_shop_gets_404(client):
    user = MembershipFactory().user
    user.memberships.all().delete()
    client.force_login(user)
    assert client.get(reverse("ledger:message_list")).status_code == 404


# --- retry_failed_messages -------------------------------------------------------------------


def test_retry_failed_messages_requeues_failed_emails_with_attempts_left(
        receipt_shop, asha, django_capture_on_commit_callbacks):
    with override_settings(EMAIL_BACKEND=BROKEN), django_capture_on_commit_callbacks(execute=True):
        retried = queue_statement(receipt_shop, asha)
    exhausted = make_message(receipt_shop, asha, status="failed", attempts=4, error="gave up")
    whatsapp = make_message(receipt_shop, asha, channel="whatsapp", status="failed", attempts=1)
    lost = make_message(receipt_shop, asha, to="lost@example.com", body="Lost task")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Message.objects.filter(pk=lost.pk).update(created_at=an_hour_ago, status_changed_at=an_hour_ago)
    recent = make_message(receipt_shop, asha, to="recent@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retry_failed_messages", stdout=io.StringIO())

    states = {m.pk: (m.status, m.attempts) for m in Message.objects.all()}
    assert states[retried.pk] == ("sent", 2)
    assert states[exhausted.pk] == ("failed", 4)
    assert states[whatsapp.pk] == ("failed", 1)
    assert states[lost.pk] == ("sent", 1)
    assert states[recent.pk] == ("queued", 0)  # its task may still be waiting in the queue
    assert sorted(m.to[0] for m in mail.outbox) == ["asha@example.com", "lost@example.com"]


def test_retry_failed_messages_refuses_an_unknown_shop(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No shop with id 999"):
        call_command("retry_failed_messages", "--shop", "999")


@override_settings(SITE_URL="https://khata.example.com")
def test_welcome_links_use_site_url_without_a_request(owner, django_capture_on_commit_callbacks):
    owner.user.email = "owner@example.com"
    owner.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.welcome_email_queue(shop=owner.shop, user=owner.user)
    assert "https://khata.example.com/customers/new/" in mail.outbox[0].body


def test_no_welcome_without_an_owner_email(owner):
    owner.user.email = ""
    assert message_services.welcome_email_queue(shop=owner.shop, user=owner.user) is None


# --- Links to customers: SITE_URL, else the request's own host -----------------------------

HOST = "testserver:8301"


@pytest.fixture
def ravi(receipt_shop):
    """Owes ₹1,500 and has an active statement link (token ``tok-ravi``)."""
    customer = CustomerFactory(shop=receipt_shop, name="Ravi Kumar", email="ravi@example.com", phone="98765 43210")
    services.due_create(shop=receipt_shop, customer=customer, amount=Decimal("1500"), description="Wheat",
                        incurred_on=TODAY, due_date=TODAY + datetime.timedelta(days=40))
    StatementLink.objects.create(shop=receipt_shop, customer=customer, token="tok-ravi")
    return customer


def test_site_url_has_no_default(monkeypatch):
    """The settings never invent an address: unset, links come from the request's host."""
    import config.settings

    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.delenv("SITE_URL", raising=False)
    assert runpy.run_path(config.settings.__file__)["SITE_URL"] == ""
    monkeypatch.setenv("SITE_URL", "https://khata.example.com/")
    assert runpy.run_path(config.settings.__file__)["SITE_URL"] == "https://khata.example.com"


def test_absolute_url_takes_site_url_first_then_the_request_host(rf):
    request = rf.get("/", HTTP_HOST=HOST)
    with override_settings(SITE_URL="https://khata.example.com"):
        assert links.absolute_url("/s/abc/", request=request) == "https://khata.example.com/s/abc/"
        assert links.absolute_url("/s/abc/") == "https://khata.example.com/s/abc/"
    with override_settings(SITE_URL=""):
        assert links.absolute_url("/s/abc/", request=request) == "http://testserver:8301/s/abc/"
        assert links.absolute_url("/s/abc/", request=rf.get("/", secure=True)) == "https://testserver/s/abc/"


@override_settings(SITE_URL="")
def test_without_site_url_or_request_no_link_and_one_logged_warning(caplog, monkeypatch):
    monkeypatch.setattr(links, "_site_url_warned", False)
    with caplog.at_level("WARNING", logger="messaging.links"):
        assert links.absolute_url("/s/abc/") == ""
        assert links.absolute_url("/s/def/") == ""
    warnings = [r.getMessage() for r in caplog.records if r.name == "messaging.links"]
    assert len(warnings) == 1 and "SITE_URL" in warnings[0]


@override_settings(SITE_URL="")
@pytest.mark.parametrize(("name", "quoted"), [
    ("ledger:customer_whatsapp", "http%3A%2F%2Ftestserver%3A8301%2Fs%2Ftok-ravi%2F"),
    ("ledger:customer_sms", "http%3A%2F%2Ftestserver%3A8301%2Fs%2Ftok-ravi%2F"),
])
def test_chat_text_links_to_the_host_the_request_came_to(owner_client, ravi, name, quoted):
    response = owner_client.post(reverse(name, args=[ravi.pk]), HTTP_HOST=HOST)

    assert response.status_code == 302
    assert f"Your%20statement%3A%20{quoted}%0A" in response["Location"]
    body = Message.objects.get().body
    assert "Your statement: http://testserver:8301/s/tok-ravi/\n" in body
    assert "127.0.0.1" not in body and ":8000" not in body


@override_settings(SITE_URL="https://khata.example.com")
def test_chat_text_uses_site_url_when_set(owner_client, ravi):
    response = owner_client.post(reverse("ledger:customer_whatsapp", args=[ravi.pk]), HTTP_HOST=HOST)
    assert "https%3A%2F%2Fkhata.example.com%2Fs%2Ftok-ravi%2F" in response["Location"]
    assert "Your statement: https://khata.example.com/s/tok-ravi/" in Message.objects.get().body


@pytest.mark.parametrize(("site_url", "link"), [
    ("", "http://testserver:8301/s/tok-ravi/"),
    ("https://khata.example.com", "https://khata.example.com/s/tok-ravi/"),
])
def test_reminder_email_from_the_customer_page_links_to_the_right_host(
        owner_client, ravi, site_url, link, django_capture_on_commit_callbacks):
    with override_settings(SITE_URL=site_url), django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("ledger:customer_remind", args=[ravi.pk]), HTTP_HOST=HOST)

    [email] = mail.outbox
    assert f"See your full statement: {link}\n" in email.body
    assert f'href="{link}"' in email.alternatives[0].content
    assert "127.0.0.1" not in email.body + email.alternatives[0].content


@pytest.mark.parametrize(("site_url", "link"), [
    ("", "http://testserver:8301/customers/new/"),
    ("https://khata.example.com", "https://khata.example.com/customers/new/"),
])
def test_welcome_email_links_site_url_first_then_the_registration_host(
        client, site_url, link, django_capture_on_commit_callbacks):
    with override_settings(SITE_URL=site_url), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), REGISTRATION, HTTP_HOST=HOST)
    assert f"Add your customers: {link}\n" in mail.outbox[0].body


@override_settings(SITE_URL="")
def test_retry_failed_messages_warns_once_without_site_url(receipt_shop, asha, other_owner):
    for shop, customer in ((receipt_shop, asha), (other_owner.shop, CustomerFactory(shop=other_owner.shop,
                                                                                    email="b@example.com"))):
        Message.objects.create(shop=shop, customer=customer, to=customer.email, kind="receipt", status="failed",
                               attempts=1, body="x")
    err = io.StringIO()
    call_command("retry_failed_messages", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().count("SITE_URL is not set") == 1 and len(err.getvalue().splitlines()) == 1
    assert "Set SITE_URL to the address your customers use" in err.getvalue()

    err = io.StringIO()
    with override_settings(SITE_URL="https://khata.example.com"):
        call_command("retry_failed_messages", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


# --- Emails stuck "sending" (their worker died mid-send) -------------------------------------------


def make_sending(shop, customer, *, minutes_ago, attempts=1, **kwargs):
    """An email claimed by a task ``minutes_ago`` minutes ago and never finished."""
    message = queue_statement(shop, customer) if not kwargs else make_message(shop, customer, **kwargs)
    Message.objects.filter(pk=message.pk).update(
        status="sending", attempts=attempts, status_changed_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    message.refresh_from_db()
    return message


@override_settings(EMAIL_TIMEOUT=30)
def test_an_email_sending_longer_than_the_timeout_plus_a_margin_is_stuck(receipt_shop, asha):
    assert tasks.stuck_after() == datetime.timedelta(seconds=30 + 120)
    fresh = make_sending(receipt_shop, asha, minutes_ago=2)
    stuck = make_sending(receipt_shop, asha, minutes_ago=3)
    assert not message_selectors.is_stuck(fresh)
    assert message_selectors.is_stuck(stuck)
    queued = queue_statement(receipt_shop, asha)
    assert not message_selectors.is_stuck(queued)


def test_recover_stuck_sends_it_again_with_the_same_message_id(
        receipt_shop, asha, django_capture_on_commit_callbacks):
    stuck = make_sending(receipt_shop, asha, minutes_ago=10)
    first_id = tasks.build_email(stuck).extra_headers["Message-ID"]
    sending = make_sending(receipt_shop, asha, minutes_ago=0)  # still within its time: left alone

    with django_capture_on_commit_callbacks(execute=True):
        recovered = message_services.message_recover_stuck()

    assert [m.pk for m in recovered] == [stuck.pk]
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts, stuck.error) == ("sent", 2, "")
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [first_id]
    sending.refresh_from_db()
    assert (sending.status, sending.attempts) == ("sending", 1)


def test_a_stuck_email_on_its_last_attempt_becomes_failed_for_retry(receipt_shop, asha):
    stuck = make_sending(receipt_shop, asha, minutes_ago=10, attempts=tasks.MAX_ATTEMPTS)

    assert message_services.message_recover_stuck(shop=receipt_shop) == [stuck]

    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert stuck.error.startswith("The send was interrupted on attempt 4 of 4")
    assert mail.outbox == []


def test_recover_stuck_for_one_shop_leaves_other_shops_alone(receipt_shop, asha, other_owner):
    mine = make_sending(receipt_shop, asha, minutes_ago=10)
    with scope(shop=other_owner.shop):
        theirs = make_sending(other_owner.shop, CustomerFactory(shop=other_owner.shop, email="b@example.com"),
                              minutes_ago=10)

    assert message_services.message_recover_stuck(shop=receipt_shop) == [mine]

    theirs.refresh_from_db()
    assert theirs.status == "sending"


def test_retry_failed_messages_recovers_stuck_emails(receipt_shop, asha, django_capture_on_commit_callbacks):
    stuck = make_sending(receipt_shop, asha, minutes_ago=10)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retry_failed_messages", stdout=out, stderr=io.StringIO())

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("sent", 2)
    assert "Queued 1 email(s) again." in out.getvalue()
    assert len(mail.outbox) == 1


def test_message_log_shows_sending_since_and_retry_for_a_stuck_email(
        owner_client, receipt_shop, asha, django_capture_on_commit_callbacks):
    stuck = make_sending(receipt_shop, asha, minutes_ago=10)
    busy = make_sending(receipt_shop, asha, minutes_ago=0, subject="busy", to="busy@example.com")
    since = timezone.localtime(stuck.status_changed_at)

    html = owner_client.get(reverse("ledger:message_list")).content.decode()

    assert f"Sending since {since:%d %b %H:%M}" in html
    assert 'data-testid="message-stuck"' in html and html.count('data-testid="message-stuck"') == 1
    assert f'name="retry" value="{stuck.pk}"' in html
    assert f'name="retry" value="{busy.pk}"' not in html  # still within its send time
    assert f"Sending since {timezone.localtime(busy.status_changed_at):%H:%M}" in html
    panel = owner_client.get(reverse("ledger:customer_messages", args=[asha.pk])).content.decode()
    assert f"Sending since {since:%d %b %H:%M}" in panel

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("ledger:message_list"), {"retry": stuck.pk}, follow=True)

    assert "is queued again" in response.content.decode()
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("sent", 2)


def test_retry_refuses_an_email_that_is_still_sending(owner_client, receipt_shop, asha):
    busy = make_sending(receipt_shop, asha, minutes_ago=0)
    response = owner_client.post(reverse("ledger:message_list"), {"retry": busy.pk}, follow=True)
    assert "This email is being sent right now." in response.content.decode()
    busy.refresh_from_db()
    assert (busy.status, busy.attempts) == ("sending", 1)


def test_message_log_filters_by_sending(owner_client, receipt_shop, asha):
    make_sending(receipt_shop, asha, minutes_ago=0, subject="busy")
    make_message(receipt_shop, asha, subject="waiting")
    response = owner_client.get(reverse("ledger:message_list"), {"status": "sending"})
    assert [m.subject for m in response.context["page"].object_list] == ["busy"]


# --- Message-ID ------------------------------------------------------------------------------------


@override_settings(DEFAULT_FROM_EMAIL="Khata <no-reply@khata.example>")
def test_every_email_carries_a_stable_message_id_of_its_own(receipt_shop, asha, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_statement(receipt_shop, asha)
        second = queue_statement(receipt_shop, asha)
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(set(ids)) == 2
    first.refresh_from_db()
    assert ids[0] == tasks.message_id_header(first) == tasks.build_email(first).message()["Message-ID"]
    assert ids[0].startswith("<khata.") and ids[0].endswith(f".{first.pk}@khata.example>")
    assert tasks.message_id_header(second) == ids[1]
