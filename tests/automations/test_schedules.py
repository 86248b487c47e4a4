"""Schedules: a year of occurrences in seconds with an injectable clock (time zones, DST
changes, month ends, public holidays), compared with the rule's own expansion; catch-up
policies; pause and resume."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from croniter import croniter
from dateutil.rrule import rrulestr
from tests.automations.conftest import PLATFORM, Clock

from coffer.automations import AutomationsPlatform, Worker
from coffer.automations import schemas as S
from coffer.automations.schedules import BusinessDays, Schedule

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
NOOP = [{"id": "mark", "type": "set", "values": {"at": "=string(run.scheduled_for)"}}]


def schedule(automations: AutomationsPlatform, name: str, trigger: dict) -> str:
    definition = {"trigger": {"type": "schedule", **trigger}, "steps": NOOP}
    return automations.create(PLATFORM, S.AutomationCreate(name=name, definition=definition)).id


def rule_expansion(rule: str, start_local: datetime, zone: str) -> list[datetime]:
    aware = start_local.replace(tzinfo=ZoneInfo(zone))
    moments = list(rrulestr(rule, dtstart=aware).between(START, END, inc=False))
    return [m.astimezone(UTC) for m in moments]


def cron_expansion(expression: str, zone: str) -> list[datetime]:
    iterator = croniter(expression, START.astimezone(ZoneInfo(zone)))
    found = []
    while True:
        moment = iterator.get_next(datetime).astimezone(UTC)
        if moment >= END:
            return found
        found.append(moment)


def business_first_of_month(zone: str, hour: int) -> list[datetime]:
    """The 1st of each month at ``hour``, moved (modified following) off weekends and
    German public holidays: written out independently of the scheduler."""
    calendar = holidays.country_holidays("DE", years=[2026, 2027])
    found = []
    for month in range(1, 13):
        day = date(2026, month, 1)
        while day.weekday() >= 5 or day in calendar:
            day += timedelta(days=1)
        found.append(
            datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        )
    return found


def test_a_year_of_schedules_matches_the_rules(
    automations: AutomationsPlatform, worker: Worker, clock: Clock
) -> None:
    clock.set(START)
    expected = {
        schedule(
            automations,
            "month end, Paris",
            {
                "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1",
                "timezone": "Europe/Paris",
                "dtstart": "2025-12-31T09:00:00",
            },
        ): rule_expansion("FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2025, 12, 31, 9), "Europe/Paris"),
        schedule(
            automations,
            "Mondays, New York",
            {"cron": "30 8 * * 1", "timezone": "America/New_York"},
        ): cron_expansion("30 8 * * 1", "America/New_York"),
        schedule(
            automations,
            "02:30 daily in Paris (absent on the spring-forward night)",
            {
                "rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
                "timezone": "Europe/Paris",
                "dtstart": "2025-12-31T02:30:00",
            },
        ): rule_expansion(
            "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", datetime(2025, 12, 31, 2, 30), "Europe/Paris"
        ),
        schedule(
            automations,
            "1st business day, Berlin",
            {
                "rrule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "timezone": "Europe/Berlin",
                "dtstart": "2025-12-01T10:00:00",
                "business_days": {"country": "DE", "convention": "modified_following"},
            },
        ): business_first_of_month("Europe/Berlin", 10),
        schedule(
            automations,
            "five quarterly, Tokyo",
            {
                "rrule": "FREQ=MONTHLY;INTERVAL=3;COUNT=5",
                "timezone": "Asia/Tokyo",
                "dtstart": "2026-01-15T12:00:00",
            },
        ): rule_expansion(
            "FREQ=MONTHLY;INTERVAL=3;COUNT=5", datetime(2026, 1, 15, 12), "Asia/Tokyo"
        )[:4],
    }
    rounds = 0
    while clock.now < END and rounds < 5_000:
        rounds += 1
        due = [
            a.next_fire_at
            for a in automations.automations(PLATFORM, limit=100).data
            if a.next_fire_at is not None
        ]
        if not due:
            break
        following = min(due)
        if following >= END:
            break
        clock.set(following)
        worker.run_until_idle()
    for automation_id, moments in expected.items():
        runs = automations.runs(PLATFORM, automation_id=automation_id, limit=100)
        fired: list[datetime] = []
        page = runs
        while True:
            fired += [r.scheduled_for for r in page.data]
            assert all(r.status == "succeeded" for r in page.data)
            if not page.has_more:
                break
            page = automations.runs(
                PLATFORM, automation_id=automation_id, limit=100, starting_after=page.data[-1].id
            )
        assert sorted(fired) == moments, automation_id
        assert len(set(fired)) == len(fired)  # never twice
    # the spring-forward night: 02:30 does not exist in Paris on 29 March 2026
    daily = list(expected.values())[2]
    assert len(daily) == 365
    # DST: Paris 09:00 is 08:00 UTC in winter, 07:00 UTC in summer
    month_end = next(iter(expected.values()))
    assert {m.hour for m in month_end} == {7, 8}
    # the Tokyo rule's COUNT: its fifth and last occurrence is in 2027, then none
    tokyo_id = list(expected)[4]
    tokyo = automations.automation(PLATFORM, tokyo_id)
    assert tokyo.next_fire_at == datetime(2027, 1, 15, 3, tzinfo=UTC)
    clock.set(datetime(2027, 1, 15, 3, tzinfo=UTC))
    worker.run_until_idle()
    assert automations.automation(PLATFORM, tokyo_id).next_fire_at is None
    assert len(automations.runs(PLATFORM, automation_id=tokyo_id).data) == 5


@pytest.mark.parametrize(("policy", "expected_runs"), [("all", 4), ("latest", 1), ("skip", 0)])
def test_catch_up_after_downtime(
    automations: AutomationsPlatform,
    worker: Worker,
    clock: Clock,
    policy: str,
    expected_runs: int,
) -> None:
    clock.set(datetime(2026, 5, 4, 7, 0, tzinfo=UTC))
    automation_id = schedule(
        automations, policy, {"cron": "0 9 * * *", "timezone": "UTC", "catch_up": policy}
    )
    clock.set(datetime(2026, 5, 7, 12, 0, tzinfo=UTC))  # the worker was down 3.5 days
    worker.run_until_idle()
    worker.run_until_idle()
    runs = automations.runs(PLATFORM, automation_id=automation_id).data
    assert len(runs) == expected_runs
    assert automations.automation(PLATFORM, automation_id).next_fire_at == datetime(
        2026, 5, 8, 9, tzinfo=UTC
    )
    clock.set(datetime(2026, 5, 8, 9, 0, 1, tzinfo=UTC))
    worker.run_until_idle()
    assert len(automations.runs(PLATFORM, automation_id=automation_id).data) == expected_runs + 1


def test_pause_resume_does_not_make_up_missed(
    automations: AutomationsPlatform, worker: Worker, clock: Clock
) -> None:
    clock.set(datetime(2026, 5, 4, 7, 0, tzinfo=UTC))
    automation_id = schedule(automations, "daily", {"cron": "0 9 * * *", "catch_up": "all"})
    automations.set_status(PLATFORM, automation_id, "paused")
    clock.set(datetime(2026, 5, 10, 10, 0, tzinfo=UTC))
    worker.run_until_idle()
    assert automations.runs(PLATFORM, automation_id=automation_id).data == []
    resumed = automations.set_status(PLATFORM, automation_id, "active")
    assert resumed.next_fire_at == datetime(2026, 5, 11, 9, tzinfo=UTC)


def test_business_day_conventions() -> None:
    # 1 May 2026 is a Friday and a holiday in France; 31 May is a Sunday
    france = {c: BusinessDays("FR", c) for c in ("following", "preceding", "modified_following")}
    assert france["following"].adjust(date(2026, 5, 1)) == date(2026, 5, 4)
    assert france["preceding"].adjust(date(2026, 5, 1)) == date(2026, 4, 30)
    assert france["following"].adjust(date(2026, 5, 31)) == date(2026, 6, 1)
    assert france["modified_following"].adjust(date(2026, 5, 31)) == date(2026, 5, 29)
    target = BusinessDays("ECB")
    assert target.adjust(date(2026, 12, 25)) == date(2026, 12, 28)
    rule = Schedule(
        rrule="FREQ=MONTHLY;BYMONTHDAY=-1",
        timezone="Europe/Paris",
        dtstart=datetime(2026, 1, 31, 18, 0),
        business_days=france["preceding"],
    )
    moments = rule.between(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    assert moments == [datetime(2026, 5, 29, 16, 0, tzinfo=UTC)]  # Friday, 18:00 CEST
