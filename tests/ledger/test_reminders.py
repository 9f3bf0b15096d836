"""Due reminders: the schedule (pure), who is reminded, ``send_due_reminders``, the
customer page's "Remind by email" / WhatsApp / SMS actions and the shop settings."""

import datetime
import uuid
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts import reminder_schedule
from accounts.models import Membership, Shop
from accounts.permissions import allowed
from ledger.models import StatementLink
from ledger.selectors import reminders as reminder_selectors
from ledger.services import entries as ledger
from ledger.services import reminders
from messaging.models import Message
from tests.accounts.factories import MembershipFactory
from tests.concurrency import run_together
from tests.customers.factories import CustomerFactory

DAY = datetime.date(2026, 3, 10)  # the due date in the schedule tests
D = datetime.timedelta


def schedule(before=2, on=True, every=7, most=3, monthly=False):
    return SimpleNamespace(remind_days_before=before, remind_on_due_date=on, remind_every_days_after=every,
                           remind_max_after=most, remind_monthly_after=monthly)


def reminder_days(sched, due_date=DAY, span=120):
    """Every day from 60 days before ``due_date`` to ``span`` days after that is a reminder day."""
    start = due_date - D(days=60)
    return [start + D(days=i) for i in range(span + 60)
            if reminder_schedule.is_reminder_day(sched, due_date=due_date, today=start + D(days=i))]


# -- The schedule (no database) -----------------------------------------------------------------


def test_default_schedule_before_on_and_three_times_after():
    assert reminder_days(schedule()) == [
        datetime.date(2026, 3, 8), datetime.date(2026, 3, 10), datetime.date(2026, 3, 17),
        datetime.date(2026, 3, 24), datetime.date(2026, 3, 31)]


@pytest.mark.parametrize(("today", "reason"), [
    (DAY - D(days=2), "before"), (DAY, "on"), (DAY + D(days=7), "after"), (DAY + D(days=21), "after"),
    (DAY - D(days=1), None), (DAY - D(days=3), None), (DAY + D(days=1), None), (DAY + D(days=6), None),
    (DAY + D(days=14), "after"), (DAY + D(days=28), None),  # k = 4 > K = 3
])
def test_reminder_reason(today, reason):
    assert reminder_schedule.reminder_reason(schedule(), due_date=DAY, today=today) == reason


def test_k_limits_the_reminders_after():
    assert reminder_days(schedule(before=0, on=False, every=10, most=2)) == [DAY + D(days=10), DAY + D(days=20)]
    assert reminder_days(schedule(before=0, on=False, every=10, most=0)) == []


def test_n_zero_means_no_reminder_before():
    assert reminder_days(schedule(before=0, on=False, most=0)) == []
    assert reminder_days(schedule(before=0, on=True, most=0)) == [DAY]
    assert reminder_days(schedule(before=5, on=False, most=0)) == [DAY - D(days=5)]


def test_m_one_reminds_every_day_after_up_to_k():
    assert reminder_days(schedule(before=0, on=False, every=1, most=3)) == [
        DAY + D(days=1), DAY + D(days=2), DAY + D(days=3)]


def test_schedule_reads_a_shop():
    shop = Shop(name="S", remind_days_before=1, remind_on_due_date=False, remind_every_days_after=2,
                remind_max_after=1)
    assert reminder_days(shop) == [DAY - D(days=1), DAY + D(days=2)]
    assert reminder_schedule.describe_schedule(shop) == "1 day before the due date; then 2 days after the due date"
    assert reminder_schedule.describe_schedule(schedule()) == (
        "2 days before the due date; on the due date; then every 7 days, 3 times")
    assert reminder_schedule.describe_schedule(schedule(before=0, on=False, most=0)) == "no reminder days are set"
    assert not reminder_schedule.has_reminder_days(schedule(before=0, on=False, most=0))
    assert reminder_schedule.has_reminder_days(schedule(before=0, on=False, every=1, most=1))


@pytest.mark.parametrize(("sched", "words"), [
    (schedule(monthly=True),
     "2 days before the due date; on the due date; then every 7 days, 3 times; then every 30 days until paid"),
    (schedule(before=3, every=1, most=2), "3 days before the due date; on the due date; then every day, 2 times"),
    (schedule(before=0, on=False, every=10, most=2), "every 10 days after the due date, 2 times"),
    (schedule(before=0, on=False, every=10, most=1), "10 days after the due date"),
    (schedule(before=0, on=False, most=0, monthly=True), "every 30 days after the due date until paid"),
    (schedule(before=1, on=False, most=0, monthly=True), "1 day before the due date; then every 30 days after the "
                                                         "due date until paid"),
    (schedule(before=0, on=True, most=0, monthly=True), "on the due date; then every 30 days until paid"),
])
def test_schedule_in_words(sched, words):
    assert reminder_schedule.describe_schedule(sched) == words


def test_without_monthly_reminders_stop_after_the_k_repeats_for_good():
    assert reminder_days(schedule(), span=3 * 365) == [
        DAY - D(days=2), DAY, DAY + D(days=7), DAY + D(days=14), DAY + D(days=21)]


def test_monthly_reminds_every_30_days_after_the_last_repeat_for_years():
    days = reminder_days(schedule(monthly=True), span=3 * 365)

    assert days[:9] == [
        datetime.date(2026, 3, 8), datetime.date(2026, 3, 10), datetime.date(2026, 3, 17),
        datetime.date(2026, 3, 24), datetime.date(2026, 3, 31),  # the 3 repeats, the last on day 21
        datetime.date(2026, 4, 30), datetime.date(2026, 5, 30), datetime.date(2026, 6, 29),
        datetime.date(2026, 7, 29)]
    last_repeat = DAY + D(days=21)
    monthly = days[5:]
    assert monthly == [last_repeat + D(days=30 * k) for k in range(1, len(monthly) + 1)]
    assert monthly[-1] > DAY + D(days=3 * 365 - 30)  # still going three years on
    assert [reminder_schedule.reminder_reason(schedule(monthly=True), due_date=DAY, today=day)
            for day in days[4:7]] == ["after", "monthly", "monthly"]
    assert reminder_schedule.reminder_dates(schedule(monthly=True), due_date=DAY, until=DAY + D(days=3 * 365)) == days


def test_monthly_without_repeats_counts_from_the_due_date():
    assert reminder_days(schedule(before=0, on=False, most=0, monthly=True), span=100) == [
        DAY + D(days=30), DAY + D(days=60), DAY + D(days=90)]
    assert reminder_schedule.has_reminder_days(schedule(before=0, on=False, most=0, monthly=True))


def test_the_schedule_for_the_settings_page():
    summary = reminder_schedule.reminder_schedule_summary(schedule(monthly=True))
    assert summary.text == (
        "2 days before the due date; on the due date; then every 7 days, 3 times; then every 30 days until paid")
    assert summary.example == ("A due of 10 Mar is reminded on 8 Mar, 10 Mar, 17 Mar, 24 Mar, 31 Mar, 30 Apr, "
                               "30 May, 29 Jun, … until it is paid.")
    assert reminder_schedule.reminder_schedule_summary(schedule()).example == (
        "A due of 10 Mar is reminded on 8 Mar, 10 Mar, 17 Mar, 24 Mar and 31 Mar.")
    assert reminder_schedule.reminder_schedule_summary(schedule(before=0, on=True, most=0)).example == (
        "A due of 10 Mar is reminded on 10 Mar.")
    empty = reminder_schedule.reminder_schedule_summary(schedule(before=0, on=False, most=0))
    assert (empty.text, empty.example) == ("no reminder days are set", "")


# -- Selection (database) -----------------------------------------------------------------------

TODAY = datetime.date(2026, 11, 10)


def add_due(customer, amount, *, due_date=None, description="Groceries", incurred_on=None):
    """A due via the service, in the customer's shop's scope (as a request of that shop)."""
    incurred_on = incurred_on or min(due_date or TODAY, TODAY) - D(days=20)
    with scope(shop=customer.shop):
        return ledger.due_create(shop=customer.shop, customer=customer, amount=Decimal(amount),
                                 description=description, incurred_on=incurred_on, due_date=due_date)


@pytest.fixture
def sunita(shop):
    """Owes three items: one falls due today (a reminder day), one in 10 days, one has no due date."""
    customer = CustomerFactory(shop=shop, name="Sunita Devi", email="sunita@example.com", phone="98765 43210")
    add_due(customer, "500", due_date=TODAY, description="Rice 25 kg")
    add_due(customer, "250.50", due_date=TODAY + D(days=10), description="Cooking oil")
    add_due(customer, "80", description="Tea")
    return customer


def test_one_candidate_per_customer_with_all_open_dues(shop, sunita):
    [candidate] = reminder_selectors.customers_to_remind(shop=shop, today=TODAY)

    assert candidate.customer == sunita
    assert [d.description for d in candidate.dues] == ["Tea", "Rice 25 kg", "Cooking oil"]
    assert [d.description for d in candidate.triggers] == ["Rice 25 kg"]
    assert candidate.total == Decimal("830.50")


def test_not_a_reminder_day_selects_nobody(shop, sunita):
    assert reminder_selectors.customers_to_remind(shop=shop, today=TODAY + D(days=1)) == []
    # Two days before the second due falls due: a reminder day again, listing everything.
    [candidate] = reminder_selectors.customers_to_remind(shop=shop, today=TODAY + D(days=8))
    assert [d.description for d in candidate.triggers] == ["Cooking oil"]
    assert len(candidate.dues) == 3


def test_paid_and_voided_dues_do_not_trigger_or_count(shop):
    paid = CustomerFactory(shop=shop, name="Paid")
    due = add_due(paid, "100", due_date=TODAY)
    ledger.due_mark_paid(shop=shop, due=due, received_on=TODAY - D(days=1))
    voided = CustomerFactory(shop=shop, name="Voided")
    ledger.due_void(shop=shop, due=add_due(voided, "100", due_date=TODAY), reason="entered twice")
    partly = CustomerFactory(shop=shop, name="Partly")
    add_due(partly, "100", due_date=TODAY, description="Flour")
    gone = add_due(partly, "40", due_date=TODAY + D(days=3), description="Voided later")
    ledger.due_void(shop=shop, due=gone, reason="mistake")
    ledger.payment_create(shop=shop, customer=partly, amount=Decimal("30"), received_on=TODAY)

    [candidate] = reminder_selectors.customers_to_remind(shop=shop, today=TODAY)

    assert candidate.customer == partly
    assert [(d.description, d.outstanding) for d in candidate.dues] == [("Flour", Decimal("70.00"))]
    assert candidate.total == Decimal("70.00")


def test_overdue_marks_and_other_shops(shop, other_owner):
    late = CustomerFactory(shop=shop, name="Late")
    add_due(late, "100", due_date=TODAY - D(days=7), description="Old")
    add_due(late, "50", due_date=TODAY + D(days=30), description="New")
    theirs = CustomerFactory(shop=other_owner.shop)
    add_due(theirs, "100", due_date=TODAY)

    with scopes_disabled():  # the selector filters by shop itself, not only through the scope
        [candidate] = reminder_selectors.customers_to_remind(shop=shop, today=TODAY)

    assert [(d.description, d.is_overdue) for d in candidate.dues] == [("Old", True), ("New", False)]


def test_selection_takes_one_query_whatever_the_number_of_customers(shop, django_assert_num_queries):
    for i in range(6):
        customer = CustomerFactory(shop=shop)
        add_due(customer, "10", due_date=TODAY - D(days=7 * (i % 4)))
        add_due(customer, "10", due_date=TODAY + D(days=40))
    with django_assert_num_queries(1):
        candidates = reminder_selectors.customers_to_remind(shop=shop, today=TODAY)
    assert len(candidates) == 6  # 0, 7, 14 and 21 days after: all reminder days
    assert all(len(c.dues) == 2 for c in candidates)


# -- send_due_reminders ---------------------------------------------------------------------


def send(*args):
    out = StringIO()
    call_command("send_due_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def book(shop, sunita):
    """Sunita (email), Mohan (no email) and Asha (owes, but not on a reminder day)."""
    mohan = CustomerFactory(shop=shop, name="Mohan Lal", phone="98111 22333")
    add_due(mohan, "300", due_date=TODAY - D(days=14), description="Sugar")
    asha = CustomerFactory(shop=shop, name="Asha", email="asha@example.com")
    add_due(asha, "60", due_date=TODAY + D(days=5))
    return SimpleNamespace(sunita=sunita, mohan=mohan, asha=asha)


def test_command_queues_one_email_per_customer_and_reports(shop, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = send("--date", TODAY.isoformat())

    assert (f"{shop.name} (shop {shop.pk}), 2026-11-10: 1 reminded, 0 already reminded today, 1 no email, "
            f"1 skipped (no reminder day today).") in output
    message = Message.objects.get()
    assert (message.customer, message.kind, message.channel, message.for_date, message.status) == (
        book.sunita, "reminder", "email", TODAY, "sent")
    [email] = mail.outbox
    assert email.to == ["sunita@example.com"]
    assert email.subject == f"Payment reminder from {shop.name}: ₹830.50 due"
    for text in ("Dear Sunita Devi", "Rice 25 kg", "Cooking oil", "Tea", "₹500.00", "₹250.50", "₹80.00",
                 "Due: 10 Nov 2026", "Due: 20 Nov 2026", "Date: 21 Oct 2026", "Total outstanding: ₹830.50",
                 f"Questions? Call us on {shop.phone}."):
        assert text in email.body, text
    assert "[OVERDUE]" not in email.body
    html = email.alternatives[0][0]
    assert "Rice 25 kg" in html and "₹830.50" in html


def test_second_run_the_same_day_sends_nothing(shop, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send("--date", TODAY.isoformat())
        output = send("--date", TODAY.isoformat())

    assert "0 reminded, 1 already reminded today, 1 no email" in output
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_next_reminder_day_sends_again(shop, book):
    send("--date", TODAY.isoformat())
    output = send("--date", (TODAY + D(days=7)).isoformat())  # a week after Rice fell due
    assert "1 reminded" in output
    assert sorted(Message.objects.values_list("for_date", flat=True)) == [TODAY, TODAY + D(days=7)]


@pytest.fixture
def late_payer(shop):
    """Owes ₹400 on a due that fell due on TODAY; has an email and an active statement link."""
    customer = CustomerFactory(shop=shop, name="Late Payer", email="late@example.com")
    add_due(customer, "400", due_date=TODAY, description="Flour")
    StatementLink.objects.create(shop=shop, customer=customer, token="tok-late")
    return customer


def test_monthly_reminders_go_out_until_paid_once_a_day(shop, late_payer, django_capture_on_commit_callbacks):
    shop.remind_monthly_after = True
    shop.save()
    last_repeat = TODAY + D(days=21)  # every 7 days, 3 times
    monthly = [last_repeat + D(days=30 * k) for k in (1, 2, 3)]

    with django_capture_on_commit_callbacks(execute=True):
        for day in monthly:
            assert "1 reminded" in send("--date", day.isoformat())
            assert "0 reminded, 1 already reminded today" in send("--date", day.isoformat())  # once a day
        for day in (monthly[0] - D(days=1), monthly[0] + D(days=1), monthly[0] + D(days=29)):
            assert "0 reminded" in send("--date", day.isoformat())

    assert sorted(Message.objects.values_list("for_date", flat=True)) == monthly
    assert len(mail.outbox) == 3

    ledger.payment_create(shop=shop, customer=late_payer, amount=Decimal("400"), received_on=monthly[2])
    assert "0 reminded" in send("--date", (monthly[2] + D(days=30)).isoformat())  # paid: no more


def test_without_monthly_nothing_after_the_repeats(shop, late_payer):
    for k in range(1, 13):
        assert "0 reminded" in send("--date", (TODAY + D(days=21 + 30 * k)).isoformat())
    assert not Message.objects.exists()


@override_settings(SITE_URL="")
def test_command_without_site_url_warns_once_and_sends_no_localhost_link(
        shop, late_payer, other_owner, django_capture_on_commit_callbacks):
    theirs = CustomerFactory(shop=other_owner.shop, email="theirs@example.com")
    add_due(theirs, "10", due_date=TODAY)
    StatementLink.objects.create(shop=other_owner.shop, customer=theirs, token="tok-theirs")

    out, err = StringIO(), StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders", "--date", TODAY.isoformat(), stdout=out, stderr=err)

    assert err.getvalue().count("SITE_URL is not set") == 1 and len(err.getvalue().splitlines()) == 1
    assert "Set SITE_URL to the address your customers use" in err.getvalue()
    assert out.getvalue().count(": 1 reminded, ") == 2 and "In all: 2 reminded" in out.getvalue()
    assert len(mail.outbox) == 2
    for email in mail.outbox:
        everything = email.body + email.alternatives[0][0]
        assert "See your full statement" not in email.body  # no link rather than a wrong one
        assert "/s/tok-" not in everything and "127.0.0.1" not in everything and "localhost" not in everything


@override_settings(SITE_URL="https://khata.example.com")
def test_command_with_site_url_says_nothing_on_stderr(shop, late_payer, django_capture_on_commit_callbacks):
    err = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders", "--date", TODAY.isoformat(), stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
    assert "See your full statement: https://khata.example.com/s/tok-late/" in mail.outbox[0].body


def test_overdue_items_are_marked_and_statement_link_and_upi_shown(shop, sunita, django_capture_on_commit_callbacks):
    shop.upi_id = "sharma@okaxis"
    shop.save()
    add_due(sunita, "99", due_date=TODAY - D(days=3), description="Soap")
    StatementLink.objects.create(shop=shop, customer=sunita, token="revoked-token", revoked_at="2026-11-01T00:00Z")
    StatementLink.objects.create(shop=shop, customer=sunita, token="tok123")

    with override_settings(SITE_URL="https://khata.example.com"), django_capture_on_commit_callbacks(execute=True):
        send("--date", TODAY.isoformat())

    body = mail.outbox[0].body
    assert "- Soap [OVERDUE]" in body
    assert "- Rice 25 kg\n" in body
    assert "https://khata.example.com/s/tok123/" in body
    assert "revoked-token" not in body
    assert "Pay by UPI to: sharma@okaxis" in body
    assert "Total outstanding: ₹929.50" in body
    html = mail.outbox[0].alternatives[0][0]
    assert 'href="https://khata.example.com/s/tok123/"' in html
    assert "OVERDUE" in html and "sharma@okaxis" in html


def test_dry_run_writes_nothing_and_lists_who(shop, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = send("--dry-run", "--date", TODAY.isoformat())

    assert "would remind Sunita Devi <sunita@example.com>: 3 item(s), ₹830.50" in output
    assert "no email: Mohan Lal (phone 98111 22333), owes ₹300.00" in output
    assert "[dry run]" in output and "1 would be reminded, 0 already reminded today, 1 no email" in output
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_dry_run_after_a_run_shows_already_reminded(shop, book):
    send("--date", TODAY.isoformat())
    output = send("--dry-run", "--date", TODAY.isoformat())
    assert "already reminded today: Sunita Devi" in output
    assert "0 would be reminded, 1 already reminded today" in output


@pytest.mark.parametrize("bad", ["2026-13-01", "10/11/2026", "tomorrow", "", "2026-02-30"])
def test_bad_date_is_a_command_error(shop, bad):
    with pytest.raises(CommandError, match=r"--date must be a date written YYYY-MM-DD, such as 2026-11-05"):
        send("--date", bad)


def test_date_defaults_to_today(shop, monkeypatch):
    customer = CustomerFactory(shop=shop, email="c@example.com")
    add_due(customer, "10", due_date=TODAY)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    assert "1 reminded" in send()
    assert Message.objects.get().for_date == TODAY


def test_shop_option_and_reminders_off(shop, book, other_owner):
    other = other_owner.shop
    other.reminders_enabled = False
    other.save()
    theirs = CustomerFactory(shop=other, email="x@example.com")
    add_due(theirs, "10", due_date=TODAY)

    output = send("--date", TODAY.isoformat())
    assert "1 shop(s) with reminders off were skipped." in output
    with scopes_disabled():  # every shop's messages
        assert list(Message.objects.values_list("customer", flat=True)) == [book.sunita.pk]

    output = send("--date", TODAY.isoformat(), "--shop", str(other.pk))
    assert f"{other.name} (shop {other.pk}): reminders are off in the shop settings; nothing sent." in output
    with scopes_disabled():
        assert Message.objects.count() == 1

    with pytest.raises(CommandError, match="No shop with id 999999"):
        send("--shop", "999999")


def test_no_reminder_days_configured_sends_nothing(shop, book):
    shop.remind_days_before, shop.remind_on_due_date, shop.remind_max_after = 0, False, 0
    shop.save()
    assert "0 reminded" in send("--date", TODAY.isoformat())
    assert not Message.objects.exists()


def test_archived_customers_are_not_reminded(shop, sunita):
    sunita.is_archived = True
    sunita.save()
    assert "0 reminded" in send("--date", TODAY.isoformat())


# -- The customer page's buttons ----------------------------------------------------------------


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def debtor(shop):
    customer = CustomerFactory(shop=shop, name="Ravi Kumar", email="ravi@example.com", phone="98765 43210")
    add_due(customer, "1500", due_date=TODAY + D(days=40), description="Wheat")
    customer.refresh_from_db()  # the balance the service wrote
    return customer


def test_remind_by_email_queues_logs_and_sends(owner_client, owner, debtor, django_capture_on_commit_callbacks):
    url = reverse("ledger:customer_remind", args=[debtor.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url)
        owner_client.post(url)  # not limited to one a day

    assert response.status_code == 302 and response.url == debtor.get_absolute_url()
    assert flash(response) == ["Reminder email to Ravi Kumar (ravi@example.com) is on its way."]
    messages = list(Message.objects.order_by("pk"))
    assert len(messages) == 2
    assert {(m.kind, m.channel, m.for_date, m.created_by, m.status) for m in messages} == {
        ("reminder", "email", None, owner.user, "sent")}
    assert len(mail.outbox) == 2
    assert "Wheat" in mail.outbox[0].body and "₹1,500.00" in mail.outbox[0].body


def test_the_same_remind_post_twice_sends_one_email(owner_client, debtor, django_capture_on_commit_callbacks):
    url = reverse("ledger:customer_remind", args=[debtor.pk])
    data = {"idempotency_key": "0b7f7d7e-3f5e-4a3c-9d7e-2a9a3f1c4b10"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = owner_client.post(url, data)
        second = owner_client.post(url, data)

    assert len(callbacks) == 1  # one send task queued
    assert len(mail.outbox) == 1
    message = Message.objects.get()
    assert str(message.idempotency_key) == data["idempotency_key"]
    for response in (first, second):  # the second lands on the result of the first
        assert response.status_code == 302 and response.url == debtor.get_absolute_url()
        assert flash(response)[-1] == "Reminder email to Ravi Kumar (ravi@example.com) is on its way."

    with django_capture_on_commit_callbacks(execute=True):  # a new page, a new key: a new reminder
        owner_client.post(url, {"idempotency_key": "5d1b3c2a-8e4f-4b6a-a7c9-0e1f2a3b4c5d"})
    assert Message.objects.count() == 2 and len(mail.outbox) == 2


def test_remind_service_returns_the_first_message_for_a_key_seen_before(shop, debtor):
    key = uuid.uuid4()
    first = reminders.reminder_email_send(shop=shop, customer=debtor, idempotency_key=key)
    again = reminders.reminder_email_send(shop=shop, customer=debtor, idempotency_key=key)
    assert again.pk == first.pk
    assert Message.objects.count() == 1

    other = CustomerFactory(shop=shop, name="Other", email="o@example.com")
    add_due(other, "10", due_date=TODAY)
    with pytest.raises(reminders.ReminderError, match="already used"):
        reminders.reminder_email_send(shop=shop, customer=other, idempotency_key=key)
    assert Message.objects.count() == 1


def test_the_same_key_in_another_shop_is_another_reminder(shop, debtor, other_owner):
    key = uuid.uuid4()
    reminders.reminder_email_send(shop=shop, customer=debtor, idempotency_key=key)
    theirs = CustomerFactory(shop=other_owner.shop, email="t@example.com")
    add_due(theirs, "10", due_date=TODAY)
    with scope(shop=other_owner.shop):
        reminders.reminder_email_send(shop=other_owner.shop, customer=theirs, idempotency_key=key)
        assert Message.objects.get(idempotency_key=key).customer == theirs
    assert Message.objects.get(idempotency_key=key).customer == debtor


def test_remind_with_a_broken_key_explains_and_sends_nothing(owner_client, debtor):
    response = owner_client.post(reverse("ledger:customer_remind", args=[debtor.pk]), {"idempotency_key": "nope"})
    assert response.status_code == 302 and response.url == debtor.get_absolute_url()
    assert flash(response) == ["This page was out of date. Reload it and press the button again."]
    assert not Message.objects.exists()


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reminds_with_one_key_queue_one_email(enter_scope):
    customer = CustomerFactory(email="c@example.com")
    enter_scope(customer.shop)
    add_due(customer, "100", due_date=TODAY)
    key = uuid.uuid4()

    def remind():
        return reminders.reminder_email_send(shop=customer.shop, customer=customer, idempotency_key=key).pk

    first, second = run_together(remind, remind)
    assert first == second  # both landed on the one message
    assert Message.objects.filter(idempotency_key=key).count() == 1


def test_remind_without_email_or_debt_explains(owner_client, shop, debtor):
    debtor.email = ""
    debtor.save()
    response = owner_client.post(reverse("ledger:customer_remind", args=[debtor.pk]))
    assert response.status_code == 302
    assert flash(response) == ["Ravi Kumar has no email address. Add one with Edit, or remind them by WhatsApp or SMS."]

    settled = CustomerFactory(shop=shop, name="Settled", email="s@example.com")
    response = owner_client.post(reverse("ledger:customer_remind", args=[settled.pk]))
    assert flash(response)[-1] == "Settled owes nothing: there are no open dues to remind them of."
    assert not Message.objects.exists()


def test_staff_may_remind(client, staff, debtor):
    client.force_login(staff.user)
    for name in ("ledger:customer_remind", "ledger:customer_whatsapp", "ledger:customer_sms"):
        assert client.post(reverse(name, args=[debtor.pk])).status_code == 302
    assert sorted(Message.objects.values_list("channel", flat=True)) == ["email", "sms", "whatsapp"]
    assert set(Message.objects.values_list("created_by", flat=True)) == {staff.user.pk}


WHATSAPP_TEXT = ("Hello%20Ravi%20Kumar%2C%20a%20reminder%20from%20Kirana%20%26%20Sons%3A%20%E2%82%B91%2C500.00"
                 "%20is%20due%20on%20your%20account.%0AThank%20you%21")


def test_whatsapp_logs_and_redirects_to_wa_me(owner_client, owner, shop, debtor):
    shop.name = "Kirana & Sons"
    shop.save()
    response = owner_client.post(reverse("ledger:customer_whatsapp", args=[debtor.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"https://wa.me/919876543210?text={WHATSAPP_TEXT}"
    message = Message.objects.get()
    assert (message.channel, message.kind, message.status, message.to, message.created_by, message.customer) == (
        "whatsapp", "reminder", "sent", "+919876543210", owner.user, debtor)
    assert message.body == "Hello Ravi Kumar, a reminder from Kirana & Sons: ₹1,500.00 is due on your account.\n" \
                           "Thank you!"
    assert message.sent_at is not None


def test_sms_redirects_to_sms_uri_with_statement_link_and_upi(owner_client, shop, debtor):
    shop.name, shop.upi_id = "Duka", "duka@upi"
    shop.save()
    StatementLink.objects.create(shop=shop, customer=debtor, token="abc")
    with override_settings(SITE_URL="https://k.example/"):
        response = owner_client.post(reverse("ledger:customer_sms", args=[debtor.pk]))

    assert response["Location"] == (
        "sms:+919876543210?body=Hello%20Ravi%20Kumar%2C%20a%20reminder%20from%20Duka%3A%20%E2%82%B91%2C500.00"
        "%20is%20due%20on%20your%20account.%0AYour%20statement%3A%20https%3A%2F%2Fk.example%2Fs%2Fabc%2F"
        "%0APay%20by%20UPI%20to%20duka%40upi.%0AThank%20you%21")
    assert Message.objects.get().channel == "sms"


def test_kenyan_shop_formats_its_currency_and_number(owner_client, shop):
    shop.currency, shop.locale, shop.name = "KES", "en_KE", "Mama Mboga"
    shop.save()
    customer = CustomerFactory(shop=shop, name="Wanjiru", phone="0712 345678")
    add_due(customer, "1234", due_date=TODAY)
    response = owner_client.post(reverse("ledger:customer_whatsapp", args=[customer.pk]))
    assert response["Location"].startswith("https://wa.me/254712345678?text=Hello%20Wanjiru%2C%20a%20reminder"
                                           "%20from%20Mama%20Mboga%3A%20KSh%C2%A01%2C234.00%20is%20due")


@pytest.mark.parametrize("phone", ["", "12345", "011 2345 6789"])
@pytest.mark.parametrize("name", ["ledger:customer_whatsapp", "ledger:customer_sms"])
def test_invalid_number_stays_on_the_customer_page(owner_client, debtor, phone, name):
    debtor.phone = phone
    debtor.save()
    response = owner_client.post(reverse(name, args=[debtor.pk]))
    assert response.status_code == 302 and response.url == debtor.get_absolute_url()
    shown = f" ({phone})" if phone else ""
    assert flash(response) == [f"Ravi Kumar has no valid mobile number{shown}. Correct it with Edit."]
    assert not Message.objects.exists()


def test_chat_when_nothing_is_owed(owner_client, shop):
    customer = CustomerFactory(shop=shop, name="Nil")
    response = owner_client.post(reverse("ledger:customer_whatsapp", args=[customer.pk]))
    assert flash(response) == ["Nil owes nothing: there is nothing to remind them of."]
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", ["ledger:customer_remind", "ledger:customer_whatsapp", "ledger:customer_sms"])
def test_get_changes_nothing(owner_client, debtor, name):
    assert owner_client.get(reverse(name, args=[debtor.pk])).status_code == 405
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", ["ledger:customer_remind", "ledger:customer_whatsapp", "ledger:customer_sms"])
def test_another_shops_customer_is_404(client, debtor, other_owner, name):
    client.force_login(other_owner.user)
    assert client.post(reverse(name, args=[debtor.pk])).status_code == 404
    outsider = MembershipFactory(role=Membership.Role.CASHIER)
    client.force_login(outsider.user)
    assert client.post(reverse(name, args=[debtor.pk])).status_code == 404
    assert not Message.objects.exists()


def render_panel(customer, shop, role=Membership.Role.OWNER):
    member = SimpleNamespace(role=role, is_active=True)
    return render_to_string("ledger/_customer_reminders.html", {
        "customer": customer, "shop": shop, "membership": member, "can": allowed(member),
        "reminder_options": reminder_selectors.reminder_options(shop=shop, customer=customer)})


def test_panel_buttons_enabled(shop, debtor):
    html = render_panel(debtor, shop)
    assert html.count(" disabled") == 0
    assert html.count('name="idempotency_key"') == 1  # on the email form: a double submit sends once
    assert 'formtarget="_blank"' in html
    assert "To ravi@example.com" in html and "To +919876543210" in html
    assert "Automatic email reminders: 2 days before the due date; on the due date; then every 7 days, 3 times." in html
    for name in ("customer_remind", "customer_whatsapp", "customer_sms"):
        assert f'action="{reverse("ledger:" + name, args=[debtor.pk])}"' in html


def test_panel_disables_what_cannot_be_sent(shop, debtor):
    debtor.email, debtor.phone = "", "12345"
    html = render_panel(debtor, shop)
    assert html.count(" disabled") == 3
    assert "No email address." in html
    assert "No valid mobile number (12345)." in html
    assert "Automatic email reminders need an email address." in html

    shop.reminders_enabled = False
    nobody = CustomerFactory(shop=shop, name="Nil", email="n@example.com")
    html = render_panel(nobody, shop, role=Membership.Role.CASHIER)
    assert "Nil owes nothing" in html and html.count(" disabled") == 3
    assert "Automatic email reminders are off." in html
    assert reverse("accounts:shop_settings") not in html


def test_panel_is_left_out_for_a_role_that_cannot_remind(shop, debtor):
    assert "Remind by email" in render_panel(debtor, shop, role=Membership.Role.CASHIER)
    assert render_panel(debtor, shop, role=Membership.Role.VIEWER).strip() == ""


# -- Shop settings ------------------------------------------------------------------------------

SETTINGS = {"name": "Shop", "phone": "", "address": "", "currency": "INR", "locale": "en_IN", "upi_id": "",
            "gstin": "", "invoice_prefix": "INV", "financial_year_start_month": "4", "reminders_enabled": "on",
            "remind_days_before": "3", "remind_every_days_after": "5", "remind_max_after": "2"}


def test_settings_page_shows_every_field_in_three_groups(owner_client):
    response = owner_client.get(reverse("accounts:shop_settings"))
    html = response.content.decode()
    for legend in ("Shop</legend>", "Invoices</legend>", "Messages</legend>"):
        assert legend in html
    for field in response.context["form"].fields:
        assert f'name="{field}"' in html, field


def test_settings_save_the_reminder_fields(owner_client, shop):
    response = owner_client.post(reverse("accounts:shop_settings"), SETTINGS)
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.reminders_enabled, shop.remind_days_before, shop.remind_on_due_date, shop.remind_every_days_after,
            shop.remind_max_after, shop.send_payment_receipts) == (True, 3, False, 5, 2, False)


def test_settings_refuse_reminders_without_any_day(owner_client, shop):
    data = {**SETTINGS, "remind_days_before": "0", "remind_max_after": "0"}
    response = owner_client.post(reverse("accounts:shop_settings"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reminders_enabled"] == [
        "Choose at least one reminder day (before, on or after the due date), or turn automatic reminders off."]
    del data["reminders_enabled"]
    assert owner_client.post(reverse("accounts:shop_settings"), data).status_code == 302
    shop.refresh_from_db()
    assert not shop.reminders_enabled


def test_settings_save_monthly_reminders(owner_client, shop):
    assert not shop.remind_monthly_after  # off unless the owner chooses it
    response = owner_client.post(reverse("accounts:shop_settings"), {**SETTINGS, "remind_monthly_after": "on"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.remind_monthly_after

    response = owner_client.post(reverse("accounts:shop_settings"), SETTINGS)
    shop.refresh_from_db()
    assert not shop.remind_monthly_after


def test_monthly_alone_is_a_reminder_day(owner_client, shop):
    data = {**SETTINGS, "remind_days_before": "0", "remind_max_after": "0", "remind_monthly_after": "on"}
    assert owner_client.post(reverse("accounts:shop_settings"), data).status_code == 302
    shop.refresh_from_db()
    assert (shop.reminders_enabled, shop.remind_monthly_after) == (True, True)


def test_settings_page_shows_the_schedule_and_follows_the_changes(owner_client, shop):
    page = owner_client.get(reverse("accounts:shop_settings")).content.decode()
    assert ('data-testid="reminder-schedule">2 days before the due date; on the due date; '
            'then every 7 days, 3 times.<') in page
    assert "A due of 10 Mar is reminded on 8 Mar, 10 Mar, 17 Mar, 24 Mar and 31 Mar." in page

    owner_client.post(reverse("accounts:shop_settings"), {**SETTINGS, "remind_monthly_after": "on"})
    page = owner_client.get(reverse("accounts:shop_settings")).content.decode()
    assert ('data-testid="reminder-schedule">3 days before the due date; then every 5 days, 2 times; '
            'then every 30 days until paid.<') in page
    assert "A due of 10 Mar is reminded on 7 Mar, 15 Mar, 20 Mar, 19 Apr, 19 May, 18 Jun, 18 Jul, 17 Aug, " \
           "… until it is paid." in page

    owner_client.post(reverse("accounts:shop_settings"), {**SETTINGS, "reminders_enabled": ""})
    page = owner_client.get(reverse("accounts:shop_settings")).content.decode()
    assert "Automatic reminders are off." in page and 'data-testid="reminder-schedule"' not in page


def test_an_invalid_post_shows_the_saved_schedule(owner_client, shop):
    data = {**SETTINGS, "remind_every_days_after": "0", "remind_monthly_after": "on"}
    response = owner_client.post(reverse("accounts:shop_settings"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert ('data-testid="reminder-schedule">2 days before the due date; on the due date; '
            'then every 7 days, 3 times.<') in page


def test_panel_is_left_out_without_its_context(shop, debtor):
    assert render_to_string("ledger/_customer_reminders.html", {"customer": debtor, "shop": shop}).strip() == ""
