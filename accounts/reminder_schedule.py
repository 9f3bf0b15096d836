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
from django.utils.translation import gettext, ngettext

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


def _repeats_in_words(every: int, most: int, *, first: bool) -> str:
    """The repeats after the due date (every ``every`` days, ``most`` times): the first
    part of the schedule when ``first``, else one following others ("then …")."""
    if most == 1:
        if first:
            return ngettext("%(count)s day after the due date", "%(count)s days after the due date",
                            every) % {"count": every}
        return ngettext("then %(count)s day after the due date", "then %(count)s days after the due date",
                        every) % {"count": every}
    if first:
        if every == 1:
            return ngettext("every day after the due date, %(times)s time",
                            "every day after the due date, %(times)s times", most) % {"times": most}
        return ngettext("every %(days)s days after the due date, %(times)s time",
                        "every %(days)s days after the due date, %(times)s times", most) % {
            "days": every, "times": most}
    if every == 1:
        return ngettext("then every day, %(times)s time", "then every day, %(times)s times", most) % {"times": most}
    return ngettext("then every %(days)s days, %(times)s time", "then every %(days)s days, %(times)s times",
                    most) % {"days": every, "times": most}


def _monthly_in_words(*, first: bool, since_due_date: bool) -> str:
    """The monthly reminders: "every 30 days … until paid", "after the due date" when
    ``since_due_date``, "then …" unless ``first``."""
    days = {"days": MONTHLY_DAYS}
    if first:
        if since_due_date:
            return gettext("every %(days)s days after the due date until paid") % days
        return gettext("every %(days)s days until paid") % days
    if since_due_date:
        return gettext("then every %(days)s days after the due date until paid") % days
    return gettext("then every %(days)s days until paid") % days


def describe_schedule(schedule) -> str:
    """The schedule in words (in the active language), its parts joined by ``"; "``,
    e.g. "2 days before the due date; on the due date; then every 7 days, 3 times; then
    every 30 days until paid", or "no reminder days are set"."""
    parts = []
    before = schedule.remind_days_before or 0
    if before > 0:
        parts.append(ngettext("%(count)s day before the due date", "%(count)s days before the due date",
                              before) % {"count": before})
    if schedule.remind_on_due_date:
        parts.append(gettext("on the due date"))
    every, most = _repeats(schedule)
    if every:
        parts.append(_repeats_in_words(every, most, first=not parts))
    if schedule.remind_monthly_after:
        # "after the due date" unless a reminder after it (a repeat, or the due date itself) comes first
        since_due_date = not (every or schedule.remind_on_due_date)
        parts.append(_monthly_in_words(first=not parts, since_due_date=since_due_date))
    return "; ".join(parts) if parts else gettext("no reminder days are set")


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
    words = {"due": _day_month(EXAMPLE_DUE_DATE), "dates": ", ".join(shown)}
    if schedule.remind_monthly_after:
        example = gettext("A due of %(due)s is reminded on %(dates)s, … until it is paid.") % words
    elif len(dates) > EXAMPLE_DATES:
        example = gettext("A due of %(due)s is reminded on %(dates)s, … and %(last)s.") % {
            **words, "last": _day_month(dates[-1])}
    elif len(shown) > 1:
        example = gettext("A due of %(due)s is reminded on %(dates)s and %(last)s.") % {
            **words, "dates": ", ".join(shown[:-1]), "last": shown[-1]}
    else:
        example = gettext("A due of %(due)s is reminded on %(dates)s.") % words
    return ReminderScheduleSummary(text=describe_schedule(schedule), example=example, active=True)
