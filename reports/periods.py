"""The date range of a report: presets (today, this month, last month, this financial year)
or a custom range, parsed from the GET parameters ``period``, ``start`` and ``end``.

A bad date or a range that ends before it starts is a form error on :class:`PeriodForm`
(never a 500); the report then shows the default period beside the error.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import dateformat, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

#: The dates a report accepts: the ledger takes no entry before 2000 (and a date far out
#: would overflow the day arithmetic of the reports).
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)


def day_label(day: datetime.date) -> str:
    """``day`` as "1 Apr 2026", the month's name in the active language."""
    return dateformat.format(day, "j M Y")


def _out_of_range() -> str:
    return gettext("Pick a date between %(earliest)s and %(latest)s.") % {
        "earliest": day_label(EARLIEST), "latest": day_label(LATEST)}


#: The error for a date outside EARLIEST–LATEST (lazy: in the language active when shown).
OUT_OF_RANGE = lazy(_out_of_range, str)()

#: The longest custom range a report accepts (about ten years), so one request cannot
#: ask for a century of days.
MAX_RANGE_DAYS = 3700


class Preset:
    """The names of the preset periods (the ``period`` GET parameter)."""

    TODAY = "today"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_FY = "this_fy"
    CUSTOM = "custom"

    CHOICES = [
        (TODAY, _("Today")),
        (THIS_MONTH, _("This month")),
        (LAST_MONTH, _("Last month")),
        (THIS_FY, _("This financial year")),
        (CUSTOM, _("Custom range")),
    ]


@dataclass(frozen=True)
class Period:
    """A date range, both ends included: ``start`` ≤ ``end`` (``datetime.date``).

    ``preset`` is one of :class:`Preset`'s names; ``label`` reads e.g. "1 Apr 2026 – 31 Mar 2027".
    """

    start: datetime.date
    end: datetime.date
    preset: str = Preset.CUSTOM

    @property
    def label(self) -> str:
        if self.start == self.end:
            return day_label(self.start)
        return f"{day_label(self.start)} – {day_label(self.end)}"

    @property
    def days(self) -> int:
        """Number of days in the range (1 for a single day)."""
        return (self.end - self.start).days + 1

    def as_query(self) -> dict:
        """The GET parameters that select this period again (for export links)."""
        if self.preset != Preset.CUSTOM:
            return {"period": self.preset}
        return {"period": Preset.CUSTOM, "start": self.start.isoformat(), "end": self.end.isoformat()}


def local_today() -> datetime.date:
    """Today's date in the active time zone."""
    return timezone.localdate()


def financial_year_start(day: datetime.date, start_month: int) -> datetime.date:
    """The first day of the financial year that contains ``day``, for a year starting on
    the 1st of ``start_month`` (1–12; 4 = April as in India).

    ``financial_year_start(date(2027, 3, 31), 4) == date(2026, 4, 1)``;
    ``financial_year_start(date(2027, 4, 1), 4) == date(2027, 4, 1)``.
    """
    year = day.year if day.month >= start_month else day.year - 1
    return datetime.date(year, start_month, 1)


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def preset_period(preset: str, *, today: datetime.date, fy_start_month: int = 4) -> Period:
    """The :class:`Period` of a preset name on ``today``. Raises ``ValueError`` for
    ``Preset.CUSTOM`` or an unknown name."""
    if preset == Preset.TODAY:
        return Period(today, today, preset)
    if preset == Preset.THIS_MONTH:
        return Period(month_start(today), add_months(today, 1) - datetime.timedelta(days=1), preset)
    if preset == Preset.LAST_MONTH:
        return Period(add_months(today, -1), month_start(today) - datetime.timedelta(days=1), preset)
    if preset == Preset.THIS_FY:
        start = financial_year_start(today, fy_start_month)
        return Period(start, add_months(start, 12) - datetime.timedelta(days=1), preset)
    raise ValueError(f"not a preset period: {preset!r}")


def _in_range(value: datetime.date | None) -> datetime.date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(OUT_OF_RANGE)
    return value


class PeriodForm(forms.Form):
    """The period picker: a preset, or ``custom`` with ``start`` and ``end`` dates.

    Dates are ISO (``2026-04-01``). A custom range needs both dates, ``start`` ≤ ``end`` and
    at most :data:`MAX_RANGE_DAYS` days; picking dates without a preset means custom.
    """

    period = forms.ChoiceField(choices=Preset.CHOICES, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"), input_formats=["%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": _("Enter the start date as YYYY-MM-DD.")})
    end = forms.DateField(required=False, label=_("To"), input_formats=["%Y-%m-%d"],
                          widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": _("Enter the end date as YYYY-MM-DD.")})

    def __init__(self, data=None, *, shop=None, today=None, default=Preset.THIS_MONTH, **kwargs):
        super().__init__(data, **kwargs)
        self.shop = shop
        self.today = today or local_today()
        self.default = default

    @property
    def fy_start_month(self) -> int:
        return getattr(self.shop, "financial_year_start_month", 4) or 4

    def clean_start(self):
        return _in_range(self.cleaned_data.get("start"))

    def clean_end(self):
        return _in_range(self.cleaned_data.get("end"))

    def clean(self):
        data = super().clean()
        preset = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if not preset:
            preset = Preset.CUSTOM if (start or end) else self.default
        if preset != Preset.CUSTOM:
            data["result"] = preset_period(preset, today=self.today, fy_start_month=self.fy_start_month)
            return data
        if start is None or end is None:
            raise forms.ValidationError(gettext("Pick both a start and an end date for a custom range."))
        if start > end:
            self.add_error("end", gettext("The end date cannot be before the start date."))
            return data
        if (end - start).days >= MAX_RANGE_DAYS:
            self.add_error("start", ngettext("Pick a range of at most %(days)s day.",
                                             "Pick a range of at most %(days)s days.", MAX_RANGE_DAYS)
                           % {"days": MAX_RANGE_DAYS})
            return data
        data["result"] = Period(start, end, Preset.CUSTOM)
        return data

    def default_period(self) -> Period:
        return preset_period(self.default, today=self.today, fy_start_month=self.fy_start_month)

    @property
    def chosen(self) -> Period:
        """The chosen period, or the default one when the form has errors."""
        if self.is_valid():
            return self.cleaned_data["result"]
        return self.default_period()


def period_from_request(request, *, default=Preset.THIS_MONTH, today=None) -> tuple[PeriodForm, Period]:
    """``(form, period)`` from ``request.GET`` for ``request.shop``: the form carries any
    errors to show; the period is the chosen one or, on errors, the default preset's."""
    data = request.GET if any(k in request.GET for k in ("period", "start", "end")) else None
    form = PeriodForm(data, shop=request.shop, today=today, default=default)
    if data is None:
        form = PeriodForm({"period": default}, shop=request.shop, today=today, default=default)
    return form, form.chosen


class DayForm(forms.Form):
    """One date (an aging report's "as of", a day book's day), from GET ``date``; today
    when absent, a form error when not a date."""

    date = forms.DateField(required=False, label=_("Date"), input_formats=["%Y-%m-%d"],
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")})

    def __init__(self, data=None, *, today=None, label=None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or local_today()
        if label:
            self.fields["date"].label = label

    def clean_date(self):
        return _in_range(self.cleaned_data.get("date"))

    @property
    def day(self) -> datetime.date:
        """The chosen date, or today when the field is empty or has an error."""
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return self.today


def day_from_request(request, *, label=None, today=None) -> tuple[DayForm, datetime.date]:
    """``(form, date)`` from GET ``date``; today when absent or bad (the form shows why)."""
    form = DayForm(request.GET if "date" in request.GET else None, today=today, label=label)
    day = form.day
    if not form.is_bound:
        form = DayForm({"date": day.isoformat()}, today=today, label=label)
    return form, day
