"""Date pickers in the user's language (issue 16), in Chromium: after switching to Hindi
the due form's calendar shows Hindi month and weekday names, a picked or typed date is
stored as that date, the open calendar passes axe, and Bengali and Swahili calendars
show their own names at desktop and phone width. Screenshots in test-artifacts/."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from accounts.models import Membership
from core.datepicker import picker_assets, picker_config
from ledger.models import Due
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import log_in, page_at

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not picker_assets(), reason="flatpickr is not installed (run `npm ci`): native date inputs"),
]

OPEN = ".flatpickr-calendar.open"


@pytest.fixture
def customer(enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="picker-owner")
    enter_scope(owner.shop)  # the test runs in its shop's scope
    return CustomerFactory(shop=owner.shop, name="Asha Verma")


def _switch_language(page, language):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    with page.expect_navigation():
        page.locator("#language-switcher").select_option(language)
    assert page.locator("html").get_attribute("lang") == language


def _open_calendar(page):
    page.locator("#id_due_date").click()
    calendar = page.locator(OPEN)
    calendar.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.flatpickr-calendar.open')"
        ".getAnimations().every(a => a.playState === 'finished')"
    )
    return calendar


def _shown_month(calendar):
    return calendar.locator(".flatpickr-monthDropdown-months option:checked").inner_text()


def test_hindi_due_date_picked_and_typed(live_server, page, shot, customer):
    base = live_server.url
    hindi = picker_config("hi")["locale"]
    today = timezone.localdate()
    log_in(page, base, "picker-owner")
    _switch_language(page, "hi")

    # Picked on the calendar: Hindi names, the next month's 14th.
    page.goto(f"{base}/customers/{customer.pk}/dues/new/")
    page.locator("#id_amount").fill("500")
    page.locator("#id_description").fill("Rice")
    # The label names the visible box, which took the native input's id.
    expect(page.locator("label[for=id_due_date]")).to_be_visible()
    assert page.locator("#id_due_date").get_attribute("type") == "text"
    calendar = _open_calendar(page)
    assert _shown_month(calendar) == hindi["months"]["longhand"][today.month - 1]
    assert calendar.locator(".flatpickr-weekday").all_inner_texts()[:2] == ["र", "सो"]
    blocking = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert blocking == []
    shot(page, "70-datepicker-hi-open")
    calendar.locator(".flatpickr-next-month").click()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=14)
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="14").first.click()
    expect(page.locator(OPEN)).to_have_count(0)
    expect(page.locator("#id_due_date")).to_have_value(
        f"14 {hindi['months']['shorthand'][next_month.month - 1]} {next_month.year}"
    )
    assert page.locator("input[type=hidden][name=due_date]").input_value() == next_month.isoformat()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/customers/{customer.pk}/")
    assert Due.objects.get(customer=customer, description="Rice").due_date == next_month

    # Typed: a day, a Hindi month name and a year; then ISO; neither opens the calendar.
    typed = today + datetime.timedelta(days=40)
    for text in (f"{typed.day} {hindi['months']['longhand'][typed.month - 1]} {typed.year}", typed.isoformat()):
        page.goto(f"{base}/customers/{customer.pk}/dues/new/")
        page.locator("#id_amount").fill("75")
        page.locator("#id_description").fill(f"Oil {text}")
        page.locator("#id_description").press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "id_due_date"
        page.keyboard.type(text)
        page.keyboard.press("Tab")
        expect(page.locator(OPEN)).to_have_count(0)
        assert page.locator("input[type=hidden][name=due_date]").input_value() == typed.isoformat()
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(f"{base}/customers/{customer.pk}/")
        assert Due.objects.get(customer=customer, description=f"Oil {text}").due_date == typed

    # The keyboard's way into the calendar: Down opens it on today, Enter picks.
    page.goto(f"{base}/customers/{customer.pk}/dues/new/")
    page.locator("#id_due_date").focus()
    page.keyboard.press("ArrowDown")
    page.locator(OPEN).wait_for()
    assert "today" in page.evaluate("document.activeElement.className")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert (
        page.locator("input[type=hidden][name=due_date]").input_value()
        == (today + datetime.timedelta(days=1)).isoformat()
    )
    assert page.evaluate("document.activeElement.id") == "id_due_date"
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["bn", "sw"])
def test_calendar_in_bengali_and_swahili_at_desktop_and_phone_width(live_server, browser, customer, shot, language):
    config = picker_config(language)
    month = config["locale"]["months"]["longhand"][timezone.localdate().month - 1]
    for width in (1280, 390):
        with page_at(browser, width) as page:
            log_in(page, live_server.url, "picker-owner")
            _switch_language(page, language)
            page.goto(f"{live_server.url}/customers/{customer.pk}/dues/new/")
            calendar = _open_calendar(page)
            assert _shown_month(calendar) == month
            box = calendar.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            shot(page, f"71-datepicker-{language}-{width}")
            calendar.locator(".flatpickr-day.today").click()
            assert page.locator("input[type=hidden][name=due_date]").input_value() == timezone.localdate().isoformat()
            shown = page.locator("#id_due_date").input_value()
            assert shown
            if config["digits"]:  # Bengali: the box writes the date in Bengali digits
                assert not any(c.isascii() and c.isdigit() for c in shown), shown
            assert page.console_errors == []
