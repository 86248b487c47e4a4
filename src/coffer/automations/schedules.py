"""When a schedule fires: RFC 5545 recurrence rules or cron, in a time zone, moved to a
business day of a country's calendar if asked.

- ``rrule``: an RFC 5545 RRULE (``FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12``, UNTIL and COUNT
  included) from ``dtstart``, a local wall time in ``timezone`` (python-dateutil). A
  monthly rule at 09:00 Europe/Paris fires at 09:00 Paris time in winter and in summer.
- ``cron``: five fields (croniter), in ``timezone``, optionally from ``dtstart``.
- ``business_days``: ``{"country": "FR", "convention": "following"}`` moves an occurrence
  that falls on a weekend or a public holidays of that country (the ``holidays`` package;
  a ``subdivision`` and the ``ECB``/``NYSE`` financial calendars too) to the next business
  day (``following``), the previous one (``preceding``), or the next unless that leaves the
  month, then the previous (``modified_following``). The time of day is kept. Two
  occurrences moved to the same moment fire once.

:meth:`Schedule.next_after` is the only question the scheduler asks; the occurrence's
moment (UTC) is its identity, so a moment never runs twice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from croniter import croniter
from dateutil import rrule as dateutil_rrule

from coffer.errors import ValidationError

Convention = Literal["following", "preceding", "modified_following"]
ADJUST_WINDOW = timedelta(days=20)  # how far an adjustment can move an occurrence
MAX_SCAN = 5_000  # occurrences looked at per question (bounds every loop)
FINANCIAL_CALENDARS = {"ECB": "XECB", "TARGET": "XECB", "NYSE": "XNYS"}


class ScheduleInvalid(ValidationError, code="schedule_invalid"):
    """A schedule trigger whose rule, cron expression, time zone or calendar is wrong."""

    hint = "Fix the schedule as the message says (docs/automations.md, Schedules)."


@functools.lru_cache(maxsize=256)
def _calendar(country: str, subdivision: str | None, year: int) -> Any:
    code = FINANCIAL_CALENDARS.get(country.upper())
    if code is not None:
        return holidays.financial_holidays(code, years=year)
    return holidays.country_holidays(country.upper(), subdiv=subdivision, years=year)


@dataclass(frozen=True)
class BusinessDays:
    country: str
    convention: Convention = "following"
    subdivision: str | None = None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _calendar(self.country, self.subdivision, day.year)

    def adjust(self, day: date) -> date:
        if self.is_business_day(day):
            return day
        if self.convention == "preceding":
            return self._step(day, -1)
        forward = self._step(day, 1)
        if self.convention == "modified_following" and forward.month != day.month:
            return self._step(day, -1)
        return forward

    def _step(self, day: date, direction: int) -> date:
        for _ in range(ADJUST_WINDOW.days):
            day = day + timedelta(days=direction)
            if self.is_business_day(day):
                return day
        raise ScheduleInvalid(f"no business day within {ADJUST_WINDOW.days} days of {day}")


class Schedule:
    """A schedule trigger's rule, ready to answer when it next fires."""

    def __init__(
        self,
        *,
        timezone: str = "UTC",
        rrule: str | None = None,
        cron: str | None = None,
        dtstart: datetime | None = None,
        business_days: BusinessDays | None = None,
    ) -> None:
        if (rrule is None) == (cron is None):
            raise ScheduleInvalid("a schedule has either an rrule or a cron expression")
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ScheduleInvalid(
                f"unknown time zone {timezone!r}: use an IANA name such as Europe/Paris"
            ) from error
        self.timezone = timezone
        self.business_days = business_days
        local_start = (dtstart or datetime(2000, 1, 1)).replace(tzinfo=None)
        self.dtstart = local_start.replace(tzinfo=self.zone)
        self.cron = cron
        self._rule: dateutil_rrule.rrule | None = None
        if rrule is not None:
            text = rrule.strip().removeprefix("RRULE:")
            try:
                rule = dateutil_rrule.rrulestr(text, dtstart=self.dtstart, cache=True)
            except (ValueError, TypeError) as error:
                raise ScheduleInvalid(f"invalid RRULE {rrule!r}: {error}") from error
            if not isinstance(rule, dateutil_rrule.rrule):
                raise ScheduleInvalid(f"RRULE {rrule!r} must be one rule")
            until = getattr(rule, "_until", None)
            if until is not None and until.tzinfo is not None:
                # UNTIL in UTC (…Z): compare in the rule's zone
                rule = rule.replace(until=until.astimezone(self.zone))
            self._rule = rule
        elif cron is not None and not croniter.is_valid(cron):
            raise ScheduleInvalid(
                f"invalid cron expression {cron!r} (five fields: m h dom mon dow)"
            )
        if business_days is not None:
            try:
                _calendar(business_days.country, business_days.subdivision, 2026)
            except (NotImplementedError, KeyError) as error:
                raise ScheduleInvalid(
                    f"no public holiday calendar for {business_days.country!r}"
                    f" (subdivision {business_days.subdivision!r})"
                ) from error

    # -- nominal occurrences ------------------------------------------------------------

    def nominal_after(self, moment: datetime) -> Iterator[datetime]:
        """Occurrences of the rule itself (aware, in the schedule's zone) after ``moment``."""
        local = moment.astimezone(self.zone)
        if self._rule is not None:
            current: datetime | None = self._rule.after(local, inc=False)
            scanned = 0
            while current is not None and scanned < MAX_SCAN:
                yield current
                scanned += 1
                current = self._rule.after(current, inc=False)
            return
        assert self.cron is not None
        start = max(local, self.dtstart - timedelta(microseconds=1))
        iterator = croniter(self.cron, start)
        for _ in range(MAX_SCAN):
            yield iterator.get_next(datetime)

    def adjust(self, occurrence: datetime) -> datetime:
        """An occurrence moved to a business day (its wall time kept), in UTC."""
        if self.business_days is not None:
            day = self.business_days.adjust(occurrence.date())
            if day != occurrence.date():
                occurrence = datetime.combine(day, occurrence.time().replace(tzinfo=None)).replace(
                    tzinfo=self.zone
                )
        return occurrence.astimezone(UTC)

    # -- the scheduler's question -------------------------------------------------------

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing moment (UTC) strictly after ``moment``; None when the rule
        has ended (COUNT or UNTIL reached)."""
        if self.business_days is None:
            for occurrence in self.nominal_after(moment):
                return occurrence.astimezone(UTC)
            return None
        best: datetime | None = None
        for occurrence in self.nominal_after(moment - ADJUST_WINDOW):
            if best is not None and occurrence.astimezone(UTC) > best + ADJUST_WINDOW:
                break
            fired = self.adjust(occurrence)
            if fired > moment and (best is None or fired < best):
                best = fired
        return best

    def between(self, start: datetime, end: datetime, *, limit: int = MAX_SCAN) -> list[datetime]:
        """Firing moments in ``(start, end]``, in order (at most ``limit``)."""
        found: list[datetime] = []
        current = start
        while len(found) < limit:
            following = self.next_after(current)
            if following is None or following > end:
                break
            found.append(following)
            current = following
        return found
