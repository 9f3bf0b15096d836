import datetime

import pytest
from django.urls import reverse

from reports.periods import (
    DayForm,
    Period,
    PeriodForm,
    Preset,
    add_months,
    financial_year_start,
    preset_period,
)
from tests.factories import ShopFactory

D = datetime.date


@pytest.mark.parametrize(("day", "start_month", "expected"), [
    (D(2027, 3, 31), 4, D(2026, 4, 1)),   # last day of FY 2026-27
    (D(2027, 4, 1), 4, D(2027, 4, 1)),    # first day of FY 2027-28
    (D(2026, 12, 31), 1, D(2026, 1, 1)),  # calendar-year shop
    (D(2027, 1, 1), 1, D(2027, 1, 1)),
    (D(2026, 6, 30), 7, D(2025, 7, 1)),
    (D(2026, 7, 1), 7, D(2026, 7, 1)),
])
def test_financial_year_start_boundaries(day, start_month, expected):
    assert financial_year_start(day, start_month) == expected


def test_presets_on_a_fixed_day():
    today = D(2027, 3, 31)
    assert preset_period(Preset.TODAY, today=today) == Period(today, today, Preset.TODAY)
    assert preset_period(Preset.THIS_MONTH, today=today) == Period(D(2027, 3, 1), D(2027, 3, 31), Preset.THIS_MONTH)
    assert preset_period(Preset.LAST_MONTH, today=today) == Period(D(2027, 2, 1), D(2027, 2, 28), Preset.LAST_MONTH)
    assert preset_period(Preset.THIS_FY, today=today) == Period(D(2026, 4, 1), D(2027, 3, 31), Preset.THIS_FY)
    # The next day starts a new financial year.
    assert preset_period(Preset.THIS_FY, today=D(2027, 4, 1)) == Period(D(2027, 4, 1), D(2028, 3, 31), Preset.THIS_FY)
    # January: last month is December of the year before.
    assert preset_period(Preset.LAST_MONTH, today=D(2027, 1, 15)).start == D(2026, 12, 1)
    assert add_months(D(2026, 12, 5), 1) == D(2027, 1, 1)


@pytest.mark.django_db
def test_form_uses_the_shops_financial_year_start_month():
    shop = ShopFactory(financial_year_start_month=1)
    form = PeriodForm({"period": "this_fy"}, shop=shop, today=D(2026, 12, 31))
    assert form.chosen == Period(D(2026, 1, 1), D(2026, 12, 31), Preset.THIS_FY)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"period": "custom", "start": "2026-13-01", "end": "2026-12-01"}, "start", "Enter the start date as YYYY-MM-DD."),
    ({"period": "custom", "start": "2026-04-01", "end": "yesterday"}, "end", "Enter the end date as YYYY-MM-DD."),
    ({"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "end",
     "The end date cannot be before the start date."),
    ({"period": "custom", "start": "2026-05-01"}, "__all__", "Pick both a start and an end date for a custom range."),
    ({"period": "custom", "start": "0001-01-01", "end": "2026-05-01"}, "start",
     "Pick a date between 1 Jan 2000 and 31 Dec 2099."),
    ({"period": "custom", "start": "2026-05-01", "end": "9999-12-31"}, "end",
     "Pick a date between 1 Jan 2000 and 31 Dec 2099."),
    ({"period": "decade"}, "period", "Select a valid choice. decade is not one of the available choices."),
])
def test_bad_input_is_a_form_error_and_the_default_period_is_used(data, field, message):
    form = PeriodForm(data, today=D(2026, 6, 15))
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert form.chosen == Period(D(2026, 6, 1), D(2026, 6, 30), Preset.THIS_MONTH)


def test_custom_range_and_dates_without_preset():
    form = PeriodForm({"start": "2026-04-01", "end": "2026-04-01"}, today=D(2026, 6, 15))
    assert form.chosen == Period(D(2026, 4, 1), D(2026, 4, 1), Preset.CUSTOM)
    assert form.chosen.as_query() == {"period": "custom", "start": "2026-04-01", "end": "2026-04-01"}


def test_day_form():
    assert DayForm({"date": "2026-02-30"}, today=D(2026, 6, 15)).day == D(2026, 6, 15)
    assert DayForm({"date": "2026-02-28"}, today=D(2026, 6, 15)).day == D(2026, 2, 28)
    assert DayForm({"date": "2026-02-30"}).errors == {"date": ["Enter the date as YYYY-MM-DD."]}
    assert DayForm({"date": "0001-01-01"}).errors == {"date": ["Pick a date between 1 Jan 2000 and 31 Dec 2099."]}


@pytest.mark.parametrize("query", [
    {"date": "0001-01-01"}, {"date": "9999-12-31"}, {"period": "custom", "start": "0001-01-01", "end": "0001-01-02"},
    {"period": "custom", "start": "9999-12-30", "end": "9999-12-31"}, {"page": "x"}, {"export": "zip"},
])
def test_far_dates_and_junk_never_500(owner_client, shop, query):
    for name in ("reports:aging", "reports:collections", "reports:day_book", "reports:cash_book"):
        response = owner_client.get(reverse(name), query)
        assert response.status_code == 200, (name, query)


def test_index_lists_only_reports_that_resolve(owner_client):
    response = owner_client.get(reverse("reports:index"))
    assert response.status_code == 200
    urls = [r["url"] for r in response.context["reports"]]
    assert reverse("reports:index") not in urls
    for report in response.context["reports"]:
        assert owner_client.get(report["url"]).status_code == 200, report["name"]


def test_index_is_for_the_owner_only(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse("reports:index")).status_code == 403
    assert b'href="/reports/"' not in client.get(reverse("ledger:dashboard")).content


def test_owner_sees_the_reports_link(owner_client):
    assert b'href="/reports/"' in owner_client.get(reverse("ledger:dashboard")).content
