from datetime import date

import pytest

from coffer.assistant.ask.periods import parse_period
from coffer.assistant.ask.spans import Period, add_months

WED = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("today", "2026-03-18", "2026-03-18"),
        ("yesterday", "2026-03-17", "2026-03-17"),
        ("this week", "2026-03-16", "2026-03-18"),
        ("last week", "2026-03-09", "2026-03-15"),
        ("this month", "2026-03-01", "2026-03-18"),
        ("last month", "2026-02-01", "2026-02-28"),
        ("last mnth", "2026-02-01", "2026-02-28"),
        ("this year", "2026-01-01", "2026-03-18"),
        ("last year", "2025-01-01", "2025-12-31"),
        ("in march", "2026-03-01", "2026-03-18"),
        ("in april", "2025-04-01", "2025-04-30"),
        ("march 2025", "2025-03-01", "2025-03-31"),
        ("since january", "2026-01-01", "2026-03-18"),
        ("last 3 months", "2025-12-01", "2026-02-28"),
        ("past 30 days", "2026-02-17", "2026-03-18"),
        ("in the past month", "2026-02-17", "2026-03-18"),
        ("the past 1 month", "2026-02-17", "2026-03-18"),
        ("近一个月", "2026-02-17", "2026-03-18"),
        ("最近一个月", "2026-02-17", "2026-03-18"),
        # one rule: bare "last month/year" is the calendar period, the rest the rolling window
        ("in the last month", "2026-02-17", "2026-03-18"),
        ("over the last month", "2026-02-17", "2026-03-18"),
        ("within the last month", "2026-02-17", "2026-03-18"),
        ("during the last week", "2026-03-12", "2026-03-18"),
        ("the past year", "2025-03-19", "2026-03-18"),
        ("in the last year", "2025-03-19", "2026-03-18"),
        ("近一年", "2025-03-19", "2026-03-18"),
        ("最近一年", "2025-03-19", "2026-03-18"),
        ("过去一年", "2025-03-19", "2026-03-18"),
        ("last year", "2025-01-01", "2025-12-31"),
        ("去年", "2025-01-01", "2025-12-31"),
        ("in the previous month", "2026-02-01", "2026-02-28"),
        ("last month's", "2026-02-01", "2026-02-28"),
        ("the weekend", "2026-03-14", "2026-03-15"),
        ("q4 2025", "2025-10-01", "2025-12-31"),
        ("from november to january", "2025-11-01", "2026-01-31"),
        ("next month", "2026-04-01", "2026-04-30"),
        ("上个月", "2026-02-01", "2026-02-28"),
        ("本月", "2026-03-01", "2026-03-18"),
        ("今年", "2026-01-01", "2026-03-18"),
        ("去年", "2025-01-01", "2025-12-31"),
        ("三月", "2026-03-01", "2026-03-18"),
        ("十二月", "2025-12-01", "2025-12-31"),
        ("最近三个月", "2025-12-01", "2026-02-28"),
        ("2025年2月", "2025-02-01", "2025-02-28"),
        ("从一月以来", "2026-01-01", "2026-03-18"),
        ("最近30天", "2026-02-17", "2026-03-18"),
        ("上周", "2026-03-09", "2026-03-15"),
        ("周末", "2026-03-14", "2026-03-15"),
        ("two months ago", "2026-01-01", "2026-01-31"),
        ("3 weeks ago", "2026-02-23", "2026-03-01"),
        ("the year before last", "2024-01-01", "2024-12-31"),
        ("the second half of last year", "2025-07-01", "2025-12-31"),
        ("first half of 2025", "2025-01-01", "2025-06-30"),
        ("last summer", "2025-06-01", "2025-08-31"),
        ("winter 2024", "2024-12-01", "2025-02-28"),
        ("march last year", "2025-03-01", "2025-03-31"),
        ("expenses for q4", "2025-10-01", "2025-12-31"),
        ("the first quarter of 2025", "2025-01-01", "2025-03-31"),
        ("spending 2025", "2025-01-01", "2025-12-31"),
        ("the past fortnight", "2026-03-05", "2026-03-18"),
        ("in the last 3 weeks", "2026-02-26", "2026-03-18"),
        ("between jan and mar", "2026-01-01", "2026-03-18"),
        ("on 3 march", "2026-03-03", "2026-03-03"),
        ("march 4th, 2025", "2025-03-04", "2025-03-04"),
        ("from 1 february to 15 february", "2026-02-01", "2026-02-15"),
        ("feb 1-15", "2026-02-01", "2026-02-15"),
        ("between dec 20 and jan 5", "2025-12-20", "2026-01-05"),
        ("since february 10", "2026-02-10", "2026-03-18"),
        ("上上个月", "2026-01-01", "2026-01-31"),
        ("上上周", "2026-03-02", "2026-03-08"),
        ("两个月前", "2026-01-01", "2026-01-31"),
        ("前年", "2024-01-01", "2024-12-31"),
        ("今年以来", "2026-01-01", "2026-03-18"),
        ("三个月前", "2025-12-01", "2025-12-31"),
        ("1月到3月", "2026-01-01", "2026-03-18"),
        ("从十一月到一月", "2025-11-01", "2026-01-31"),
        ("去年12月", "2025-12-01", "2025-12-31"),
        ("去年下半年", "2025-07-01", "2025-12-31"),
        ("去年夏天", "2025-06-01", "2025-08-31"),
        ("2025年第一季度", "2025-01-01", "2025-03-31"),
        ("今年一季度", "2026-01-01", "2026-03-18"),
        ("3月3日", "2026-03-03", "2026-03-03"),
        ("2月1号到15号", "2026-02-01", "2026-02-15"),
        ("从2月10日开始", "2026-02-10", "2026-03-18"),
        ("从去年10月到今年2月", "2025-10-01", "2026-02-28"),
        ("on friday", "2026-03-13", "2026-03-13"),
        ("last thu", "2026-03-12", "2026-03-12"),
        ("the first week of march", "2026-03-01", "2026-03-07"),
        ("上周五", "2026-03-13", "2026-03-13"),
        ("上周一共", "2026-03-09", "2026-03-15"),
        ("去年12月下旬", "2025-12-21", "2025-12-31"),
        ("三月上旬", "2026-03-01", "2026-03-10"),
        # holidays: the latest begun, or the year named
        ("over christmas", "2025-12-24", "2025-12-26"),
        ("christmas 2024", "2024-12-24", "2024-12-26"),
        ("last year's xmas", "2025-12-24", "2025-12-26"),
        ("the easter weekend", "2025-04-18", "2025-04-21"),
        ("easter 2024", "2024-03-29", "2024-04-01"),
        ("春节期间", "2026-02-16", "2026-02-22"),
        ("去年春节", "2025-01-28", "2025-02-03"),
        ("chinese new year", "2026-02-16", "2026-02-22"),
        ("国庆假期", "2025-10-01", "2025-10-07"),
        ("2024年国庆", "2024-10-01", "2024-10-07"),
    ],
)
def test_grammar(text: str, start: str, end: str) -> None:
    period = parse_period(text, WED)
    assert period is not None, text
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_month_ends_and_leap_years() -> None:
    assert parse_period("last month", date(2024, 3, 31)) == Period(
        date(2024, 2, 1), date(2024, 2, 29), "last month"
    )
    assert parse_period("last month", date(2026, 1, 1)) == Period(
        date(2025, 12, 1), date(2025, 12, 31), "last month"
    )
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    last3 = parse_period("last 3 months", date(2026, 5, 31))
    assert last3 is not None and (last3.start, last3.end) == (date(2026, 2, 1), date(2026, 4, 30))


def test_dst_changes_do_not_matter() -> None:
    # Europe moves clocks on 2026-03-29 and 2026-10-25: periods are calendar dates
    week = parse_period("last week", date(2026, 3, 30))
    assert week is not None and (week.start, week.end) == (date(2026, 3, 23), date(2026, 3, 29))
    assert week.days == 7
    days = parse_period("past 7 days", date(2026, 10, 26))
    assert days is not None and days.start == date(2026, 10, 20) and days.days == 7


def test_no_period() -> None:
    assert parse_period("may i buy a laptop", WED) is None
    assert parse_period("what are my subscriptions", WED) is None


@pytest.mark.parametrize("text", ["fall in prices", "2000 eur", "in 2 months"])
def test_words_that_are_no_period(text: str) -> None:
    assert parse_period(text, WED) is None


def test_misspelt_period_words() -> None:
    from coffer.assistant.ask.periods import correct

    assert (
        correct("grocerie spending lst month in januray")
        == "grocerie spending last month in january"
    )
    assert correct("match the remember") == "match the remember"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("next week", date(2026, 3, 23), date(2026, 3, 29)),
        ("the week ahead", date(2026, 3, 23), date(2026, 3, 29)),
        ("下周", date(2026, 3, 23), date(2026, 3, 29)),
        ("下个星期", date(2026, 3, 23), date(2026, 3, 29)),
        ("下周五", date(2026, 3, 27), date(2026, 3, 27)),
        ("next friday", date(2026, 3, 20), date(2026, 3, 20)),
        ("the next 10 days", date(2026, 3, 19), date(2026, 3, 28)),
        ("over the coming 2 weeks", date(2026, 3, 19), date(2026, 4, 1)),
        ("in the next 2 months", date(2026, 4, 1), date(2026, 5, 31)),
        ("未来7天", date(2026, 3, 19), date(2026, 3, 25)),
        ("接下来两周", date(2026, 3, 19), date(2026, 4, 1)),
        # "the past week" is the last seven days; "last week" the calendar week
        ("in the past week", date(2026, 3, 12), date(2026, 3, 18)),
        ("last week", date(2026, 3, 9), date(2026, 3, 15)),
    ],
)
def test_periods_ahead_and_the_past_week(text: str, start: date, end: date) -> None:
    period = parse_period(text, WED)
    assert period is not None and (period.start, period.end) == (start, end)
