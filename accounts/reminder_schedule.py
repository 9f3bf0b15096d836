"""A shop's due-reminder schedule: which days are reminder days, and the schedule in words.

Pure functions over the :class:`~accounts.models.Shop` reminder settings (or anything
with the same attributes), all in whole days; no database. They live here, beside
``Shop``, so that the shop settings page can describe the schedule;
``ledger.selectors.reminders`` uses them to pick who is reminded on a day.

For a due falling due on ``due_date``, with ``N = remind_days_before``,
``M = remind_every_days_after``, ``K = remind_max_after``:

- before: ``due_date - N`` (``N = 0``: no reminder before);
- on: ``due_date`` when ``remind_on_due_date``;
- after (the repeats): ``due_date + k*M`` for ``k = 1..K`` (``K = 0``: none);
- monthly, when ``remind_monthly_after``: every :data:`MONTHLY_DAYS` (30) days after the
  last scheduled repeat, i.e. ``last + j*30`` for ``j = 1, 2, ...`` with ``last =
  due_date + K*M`` (the due date itself when there are no repeats), for as long as the
  due stays open. "Until paid" needs no date here: only open dues (not paid, not
  voided) are ever checked against the schedule (``ledger.selectors.reminders``), so a
  due stops being reminded the day it is paid or voided.
"""

import datetime
from dataclasses import dataclass

from django.utils.dateformat import format as format_date

MONTHLY_DAYS = 30
EXAMPLE_DUE_DATE = datetime.date(2026, 3, 10)  # the settings page's example (shown without the year)
EXAMPLE_DATES = 8  # reminder days the example lists before "…"


def _repeats(schedule) -> tuple[int, int]:
    """``(M, K)``: every M days, K times; ``(0, 0)`` when there are no repeats."""
    every, most = schedule.remind_every_days_after or 0, schedule.remind_max_after or 0
    return (every, most) if every > 0 and most > 0 else (0, 0)


def reminder_reason(schedule, *, due_date: datetime.date, today: datetime.date) -> str | None:
    """Why ``today`` is a reminder day for a due falling due on ``due_date``:
    ``"before"``, ``"on"``, ``"after"`` (one of the K repeats) or ``"monthly"``;
    ``None`` when it is not one (see the module doc).

    ``schedule`` is a :class:`~accounts.models.Shop` or anything with its
    ``remind_days_before``, ``remind_on_due_date``, ``remind_every_days_after``,
    ``remind_max_after`` and ``remind_monthly_after`` attributes.
    """
    days_before = schedule.remind_days_before or 0
    if days_before > 0 and today == due_date - datetime.timedelta(days=days_before):
        return "before"
    if schedule.remind_on_due_date and today == due_date:
        return "on"
    if today <= due_date:
        return None
    days_after = (today - due_date).days
    every, most = _repeats(schedule)
    if every and days_after % every == 0 and days_after // every <= most:
        return "after"
    last = every * most
    if schedule.remind_monthly_after and days_after > last and (days_after - last) % MONTHLY_DAYS == 0:
        return "monthly"
    return None


def is_reminder_day(schedule, *, due_date: datetime.date, today: datetime.date) -> bool:
    """True when a due falling due on ``due_date`` is reminded on ``today`` (see :func:`reminder_reason`)."""
    return reminder_reason(schedule, due_date=due_date, today=today) is not None


def has_reminder_days(schedule) -> bool:
    """False when the settings name no reminder day at all (nothing before, on, after or monthly)."""
    return bool((schedule.remind_days_before or 0) > 0 or schedule.remind_on_due_date
                or _repeats(schedule)[0] or schedule.remind_monthly_after)


def reminder_dates(schedule, *, due_date: datetime.date, until: datetime.date) -> list[datetime.date]:
    """Every reminder day of a due falling due on ``due_date``, up to and including
    ``until``, oldest first: the days :func:`is_reminder_day` is true for, computed
    directly (a monthly schedule goes on for ever, hence ``until``)."""
    days = []
    before = schedule.remind_days_before or 0
    if before > 0:
        days.append(due_date - datetime.timedelta(days=before))
    if schedule.remind_on_due_date:
        days.append(due_date)
    every, most = _repeats(schedule)
    days += [due_date + datetime.timedelta(days=every * k) for k in range(1, most + 1)]
    if schedule.remind_monthly_after:
        last = due_date + datetime.timedelta(days=every * most)
        day = last + datetime.timedelta(days=MONTHLY_DAYS)
        while day <= until:
            days.append(day)
            day += datetime.timedelta(days=MONTHLY_DAYS)
    return [day for day in days if day <= until]


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def describe_schedule(schedule) -> str:
    """The schedule in words, its parts joined by ``"; "``, e.g. "2 days before the due
    date; on the due date; then every 7 days, 3 times; then every 30 days until paid",
    or "no reminder days are set"."""
    parts = []
    before = schedule.remind_days_before or 0
    if before > 0:
        parts.append(f"{_days(before)} before the due date")
    if schedule.remind_on_due_date:
        parts.append("on the due date")
    every, most = _repeats(schedule)
    if every:
        step = "every day" if every == 1 else f"every {every} days"
        if most == 1:
            repeats = f"{_days(every)} after the due date"
        elif parts:
            repeats = f"{step}, {most} times"
        else:
            repeats = f"{step} after the due date, {most} times"
        parts.append(f"then {repeats}" if parts else repeats)
    if schedule.remind_monthly_after:
        # "after the due date" unless a reminder after it (a repeat, or the due date itself) comes first
        since = "" if every or schedule.remind_on_due_date else " after the due date"
        monthly = f"every {MONTHLY_DAYS} days{since} until paid"
        parts.append(f"then {monthly}" if parts else monthly)
    return "; ".join(parts) if parts else "no reminder days are set"


@dataclass
class ReminderScheduleSummary:
    """The schedule as the shop settings page shows it: ``text`` (:func:`describe_schedule`)
    and ``example``, the reminder days of a due of 10 March in one sentence ("" when
    no day is set); ``active``: whether any reminder day is set."""

    text: str
    example: str
    active: bool


def _day_month(day: datetime.date) -> str:
    return format_date(day, "j M")


def reminder_schedule_summary(schedule) -> ReminderScheduleSummary:
    """The selector of the shop settings page: ``schedule`` (a ``Shop``) in words, with
    an example, e.g. "A due of 10 Mar is reminded on 8 Mar, 10 Mar, 17 Mar, 24 Mar and
    31 Mar." A monthly schedule lists its first :data:`EXAMPLE_DATES` days and ends
    "… until it is paid."; a long one without monthly ends "… and <its last day>"."""
    if not has_reminder_days(schedule):
        return ReminderScheduleSummary(text=describe_schedule(schedule), example="", active=False)
    every, most = _repeats(schedule)
    horizon = EXAMPLE_DUE_DATE + datetime.timedelta(days=every * most + EXAMPLE_DATES * MONTHLY_DAYS)
    dates = reminder_dates(schedule, due_date=EXAMPLE_DUE_DATE, until=horizon)
    shown = [_day_month(day) for day in dates[:EXAMPLE_DATES]]
    if schedule.remind_monthly_after:
        listed = ", ".join(shown) + ", … until it is paid"
    elif len(dates) > EXAMPLE_DATES:
        listed = ", ".join(shown) + f", … and {_day_month(dates[-1])}"
    elif len(shown) > 1:
        listed = ", ".join(shown[:-1]) + " and " + shown[-1]
    else:
        listed = shown[0]
    return ReminderScheduleSummary(
        text=describe_schedule(schedule),
        example=f"A due of {_day_month(EXAMPLE_DUE_DATE)} is reminded on {listed}.",
        active=True,
    )
