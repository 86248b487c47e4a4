"""Periods set against a period: the same dates a year before, the period of the same kind
that holds today, the one just before (comparisons: "than last year", 环比, 去年同期)."""

from __future__ import annotations

from datetime import date, timedelta

from coffer.assistant.ask.periods import _week, _year, _year_so_far
from coffer.assistant.ask.spans import Period, add_months, month_period, month_start


def a_year_before(period: Period) -> Period:
    """The same dates a year before ("去年同期", "the same time last year")."""
    start, end = add_months(period.start, -12), add_months(period.end, -12)
    return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")


def period_now(period: Period, today: date) -> Period:
    """The period of the same kind as ``period`` that holds today ("than last year": this
    year so far; "than last month": this month so far), else as many days ending today."""
    start = period.start
    if start == date(start.year, 1, 1) and period.days > 92:
        return _year_so_far(today)
    if start.day == 1 and period.end.month == start.month and period.end.year == start.year:
        return Period(month_start(today), today, "this month")
    if start.weekday() == 0 and period.days == 7:
        return Period(today - timedelta(days=today.weekday()), today, "this week")
    return Period(today - timedelta(days=period.days - 1), today, "the same number of days")


def period_before(period: Period) -> Period:
    """The period of the same kind just before: the previous year, month or week (whole),
    else as many days just before."""
    start = period.start
    if start == date(start.year, 1, 1) and period.days > 92:
        return _year(start.year - 1)
    if start.day == 1 and period.end.month == start.month and period.end.year == start.year:
        first = add_months(start, -1)
        return month_period(first.year, first.month)
    if start.weekday() == 0 and period.days <= 7:
        return _week(start, 1, "the week before")
    end = start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end, "the period before")
