"""Periods of calendar dates (inclusive ends) and the month arithmetic the assistant's
period grammar (:mod:`coffer.assistant.ask.periods`) and its answers share."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

ALL_TIME = date(1970, 1, 1)  # "ever": the service starts it at the first transaction
ALL_TIME_LABEL = "since your first transaction"


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


MONTH_NAMES = [calendar.month_name[m] for m in range(13)]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_period(year: int, month: int, label: str | None = None) -> Period:
    start = date(year, month, 1)
    return Period(start, month_end(start), label or f"{MONTH_NAMES[month]} {year}")


def recent_month(month: int, today: date) -> tuple[int, int]:
    """The year of the latest ``month`` that has begun by ``today``."""
    return (today.year, month) if month <= today.month else (today.year - 1, month)
