"""A small grammar of periods, English and Chinese, relative to an injectable today.

``find_period("how much last month", today)`` -> ``(Period(2026-02-01, 2026-02-28), span)``.
Periods are calendar dates (inclusive ends), so month ends and DST changes need no care;
an end after ``today`` is clipped to today, except for periods that are wholly ahead
("next month", for forecasts). Weeks start on Monday (ISO 8601). "Last N months" is the N
complete months before the current one; "past N days" ends today. Bare "last month/week/year"
(上个月, 去年) is the previous calendar period; "the past month/week/year", "in/over/during/within
the last month/week/year" and 近一个月 / 近一年 are the rolling 30, 7 or 365 days ending today.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from coffer.assistant.ask import dates as D
from coffer.assistant.ask import holidays as H
from coffer.assistant.ask import spelling
from coffer.assistant.ask.fuzzy import COMMON_WORDS
from coffer.assistant.ask.spans import (
    ALL_TIME,
    ALL_TIME_LABEL,
    MONTH_NAMES,
    Period,
    add_months,
    month_end,
    month_period,
    month_start,
    recent_month,
)

MONTHS = D.MONTH_WORDS
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "couple of": 2, "three": 3, "few": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90,
}  # fmt: skip

_MONTH = r"(january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|may)"
_NUM = r"(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty|ninety|couple of|few)"
_ZH_NUM = r"([0-9]{1,3}|[一二两三四五六七八九十]{1,3})"
_YEAR = r"((?:19|20)\d{2})"
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|tue|thurs|thur|thu|fri)"
# the unit words, with their common typos
_MON = r"(?:month|mnth|mth|monht|mont|moth|montth)"
_WK = r"(?:week|wek|weeek|wk)"
_YR = r"(?:year|yr|yaer|yeaer|yera)"
# the days of the rolling window "the past month" / "the past year" (and 近一个月, 近一年) name
ROLLING_DAYS = {"week": 7, "month": 30, "year": 365}
_ROLLING_UNITS = [
    (_WK, ROLLING_DAYS["week"]),
    (_MON, ROLLING_DAYS["month"]),
    (_YR, ROLLING_DAYS["year"]),
]


zh_number = D.zh_number


def number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS.get(text, 1)


def _weekend(today: date, weeks_back: int) -> Period:
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_back)
    saturday = monday + timedelta(days=5)
    return Period(saturday, saturday + timedelta(days=1), "the weekend")


def _last_weekend(today: date) -> Period:
    return _weekend(today, 0 if today.weekday() >= 5 else 1)


def _week(today: date, weeks_back: int, label: str) -> Period:
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_back)
    return Period(monday, monday + timedelta(days=6), label)


def _months_back(today: date, count: int, label: str) -> Period:
    first = add_months(month_start(today), -count)
    return Period(first, month_start(today) - timedelta(days=1), label)


def _days_ago(today: date, days: int, label: str) -> Period:
    """One day, ``days`` before ``today``."""
    day = today - timedelta(days=days)
    return Period(day, day, label)


def _this_month(today: date) -> Period:
    return Period(month_start(today), month_end(today), "this month")


def _next_month(today: date) -> Period:
    first = add_months(month_start(today), 1)
    return Period(first, month_end(first), "next month")


def _this_quarter(today: date) -> Period:
    return _quarter(today.year, (today.month - 1) // 3 + 1)


def _year(year: int, label: str | None = None) -> Period:
    """The calendar year ``year``."""
    return Period(date(year, 1, 1), date(year, 12, 31), label or f"{year}")


def _year_so_far(today: date) -> Period:
    return Period(date(today.year, 1, 1), today, f"{today.year} so far")


def _quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return Period(start, month_end(add_months(start, 2)), f"Q{quarter} {year}")


def _last_n(today: date, count: int, unit: str) -> Period:
    """The last ``count`` days or weeks ending today; ``count`` complete months or years
    before the current one, but one month or year back ("the past month", 近一年) is the
    rolling window ending today: the last 30 or 365 days."""
    unit = unit.rstrip("s")
    if unit in ("month", "year") and count == 1:
        unit, count = "day", ROLLING_DAYS[unit]
    if unit == "day":
        return Period(today - timedelta(days=count - 1), today, f"the past {count} days")
    if unit == "week":
        return Period(today - timedelta(days=7 * count - 1), today, f"the past {count} weeks")
    if unit == "year":
        return Period(date(today.year - count, 1, 1), date(today.year - 1, 12, 31),
                      f"the last {count} years")  # fmt: skip
    return _months_back(today, count, f"the last {count} months")


def _next_n(today: date, count: int, unit: str) -> Period:
    """The next ``count`` days or weeks from tomorrow; the next ``count`` whole months."""
    unit = unit.rstrip("s")
    if unit == "month":
        first = add_months(month_start(today), 1)
        return Period(first, month_end(add_months(first, count - 1)), f"the next {count} months")
    days = count * (7 if unit == "week" else 1)
    return Period(
        today + timedelta(days=1), today + timedelta(days=days), f"the next {count} {unit}s"
    )


def _month_in(today: date, name: str, year: str | None) -> Period:
    month = MONTHS[name]
    if year:
        return month_period(int(year), month)
    return month_period(*recent_month(month, today))


def _since_month(today: date, name: str, year: str | None) -> Period:
    start = _month_in(today, name, year).start
    return Period(start, today, f"since {MONTH_NAMES[start.month]} {start.year}")


def _between(today: date, a: str, ya: str | None, b: str, yb: str | None) -> Period:
    first = _month_in(today, a, ya)
    last = _month_in(today, b, yb)
    if last.start < first.start:
        first = month_period(first.start.year - 1, first.start.month)
    return Period(first.start, last.end, f"{first.label} to {last.label}")


def _ago(today: date, count: int, unit: str) -> Period:
    """The whole day, week, month or year ``count`` units before the current one."""
    unit = unit.rstrip("s")
    if unit == "day":
        return _days_ago(today, count, f"{count} days ago")
    if unit == "week":
        return _week(today, count, f"{count} weeks ago")
    if unit == "year":
        return _year(today.year - count)
    first = add_months(month_start(today), -count)
    return month_period(first.year, first.month)


def _relative_year(today: date, word: str) -> int:
    """The year a relative word names: this / last / the year before last (English and
    Chinese)."""
    if word in ("前年", "the year before last", "year before last"):
        return today.year - 2
    if word in ("去年", "last", "previous", "上年", "上一年"):
        return today.year - 1
    return today.year


def _half(year: int, half: int) -> Period:
    start = date(year, 1 if half == 1 else 7, 1)
    return Period(start, month_end(add_months(start, 5)), f"H{half} {year}")


SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12,
           "春天": 3, "春季": 3, "夏天": 6, "夏季": 6, "秋天": 9, "秋季": 9, "冬天": 12, "冬季": 12}  # fmt: skip


def _season(today: date, name: str, year: int | None, ended: bool = False) -> Period:
    """Three months from the season's first month: of ``year``, else the latest begun
    (``ended``: the latest over, as in "last summer"); winter runs December to February."""
    month = SEASONS["autumn" if name == "fall" else name]
    if year is None:
        year, month = recent_month(month, today)
        if ended and month_end(add_months(date(year, month, 1), 2)) >= today:
            year -= 1
    start = date(year, month, 1)
    return Period(start, month_end(add_months(start, 2)), f"{name} {year}")


ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4}  # fmt: skip


def _nth_quarter(today: date, quarter: int, year: str | None, relative: str | None) -> Period:
    """Quarter ``quarter`` of ``year`` (digits), of a relative year, else the latest begun."""
    if year:
        return _quarter(int(year), quarter)
    if relative and relative not in ("今年", "本年"):
        return _quarter(_relative_year(today, relative), quarter)
    if relative:
        return _quarter(today.year, quarter)
    return _latest_quarter(today, quarter)


def _latest_quarter(today: date, quarter: int) -> Period:
    """The latest quarter ``quarter`` begun by today."""
    year = today.year if 3 * (quarter - 1) + 1 <= today.month else today.year - 1
    return _quarter(year, quarter)


def _zh_month(today: date, text: str, year: str | None) -> Period:
    month = zh_number(text)
    if not 1 <= month <= 12:
        raise ValueError(month)
    if year:
        return month_period(int(year), month)
    return month_period(*recent_month(month, today))


# the periods one fixed phrase names: its English and Chinese patterns and the period, in
# the order they are tried (each language's rules in :func:`_rules` hold them at one place)
_NAMED: list[tuple[str, str, Callable[[re.Match[str], date], Period]]] = [
    (r"\b(?:the\s+)?day\s+before\s+yesterday\b", r"前天",
     lambda m, d: _days_ago(d, 2, "the day before yesterday")),
    (r"\byesterday\b", r"昨天|昨日", lambda m, d: _days_ago(d, 1, "yesterday")),
    (r"\btoday\b|\bso far today\b", r"今天|今日", lambda m, d: _days_ago(d, 0, "today")),
    (r"\b(?:last|previous|past)\s+weekend\b", r"上(?:个)?周末", lambda m, d: _weekend(d, 1)),
    (r"\bthis\s+weekend\b", r"(?:本|这个?)周末", lambda m, d: _weekend(d, 0)),
    (r"\bweekend\b", r"周末", lambda m, d: _last_weekend(d)),
    (rf"\b(?:last|previous|past)\s+{_WK}\b", r"上(?:一)?(?:个)?(?:周|星期|礼拜)",
     lambda m, d: _week(d, 1, "last week")),
    (rf"\b(?:this|current)\s+{_WK}\b|\bweek\s+to\s+date\b", r"(?:本|这个?)(?:周|星期|礼拜)",
     lambda m, d: _week(d, 0, "this week")),
    (rf"\b(?:last|previous|past)\s+{_MON}'?s?\b|\bprior\s+month\b", r"上(?:一)?个?月",
     lambda m, d: _months_back(d, 1, "last month")),
    (rf"\b(?:this|current)\s+{_MON}'?s?\b|\bmonth\s+to\s+date\b|\bmtd\b", r"(?:本|这个?|当)月",
     lambda m, d: _this_month(d)),
    (rf"\bnext\s+{_MON}'?s?\b", r"(?<!一)下(?:一)?个?月", lambda m, d: _next_month(d)),
    (r"\b(?:last|previous|past)\s+quarter\b", r"上(?:个|一)?季度",
     lambda m, d: _quarter(*_prev_quarter(d))),
    (r"\b(?:this|current)\s+quarter\b", r"(?:本|这个?)季度", lambda m, d: _this_quarter(d)),
]  # fmt: skip


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], date], Period]]


def _rules() -> list[Rule]:
    rules: list[tuple[str, Callable[[re.Match[str], date], Period]]] = [
        # -- holidays (Christmas, Easter, 春节, 国庆), with a year before or after
        *[(pattern, _holiday(name)) for pattern, name in H.rules()],
        # -- days and ranges of days, English and Chinese
        *[(pattern, _days) for pattern in D.RANGES],
        *[(pattern, lambda m, d: _since(D.day_of(m[1], d), d)) for pattern in D.SINCE],
        (r"\bsince\s+(?:the\s+)?new\s+year(?:'s)?(?:\s+day)?\b|元旦以来|从元旦(?:开始|起|到现在)?",
         lambda m, d: _year_so_far(d)),
        # -- English, most specific first
        (rf"\b(?:between|from)\s+{_MONTH}(?:\s+{_YEAR})?\s+(?:and|to|until|through|-)\s+{_MONTH}(?:\s+{_YEAR})?\b",
         lambda m, d: _between(d, m[1], m[2], m[3], m[4])),
        (rf"\b(?:this|the\s+same)\s+{_MON}\s+(?:of\s+|in\s+)?last\s+{_YR}\b|\b(?:this|the\s+same)\s+{_MON}\s+a\s+{_YR}\s+ago\b|去年(?:的)?(?:这个|同一?个?)月",
         lambda m, d: month_period(d.year - 1, d.month)),
        (rf"\b{_MONTH}\s+(?:of\s+)?(last|this|previous)\s+{_YR}\b",
         lambda m, d: month_period(_relative_year(d, m[2]), MONTHS[m[1]])),
        (rf"\b(?:the\s+)?(first|second|1st|2nd)\s+half\s+of\s+(?:(last|this|previous)\s+{_YR}|{_YEAR})\b",
         lambda m, d: _half(int(m[3]) if m[3] else _relative_year(d, m[2]), 1 if m[1] in ("first", "1st") else 2)),
        (rf"\b(?:(last|past|previous|this)\s+)?(spring|summer|autumn|winter|(?<=last |this |past )fall|(?<=the )fall)(?:\s+(?:of\s+)?{_YEAR}|\s+(?:of\s+)?(last|this)\s+{_YR})?\b",
         lambda m, d: _season(d, m[2], int(m[3]) if m[3] else (_relative_year(d, m[4]) if m[4] else None), bool(m[1]) and m[1] != "this")),
        (r"\b(?:the\s+)?year\s+before\s+last\b", lambda m, d: _year(d.year - 2)),
        (rf"\b(?:the\s+)?{_WK}\s+before\s+last\b", lambda m, d: _week(d, 2, "the week before last")),
        (rf"\b(?:the\s+)?{_MON}\s+before\s+last\b", lambda m, d: _ago(d, 2, "month")),
        (rf"\b{_NUM}\s+(days?|weeks?|{_MON}s?|{_YR}s?)\s+ago\b",
         lambda m, d: _ago(d, number(m[1]), _unit(m[2]))),
        (rf"\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?{_MONTH}(?:\s+{_YEAR})?\b",
         lambda m, d: _since_month(d, m[1], m[2])),
        (r"\bsince\s+(\d{4})-(\d{2})-(\d{2})\b",
         lambda m, d: Period(date(int(m[1]), int(m[2]), int(m[3])), d, f"since {m[1]}-{m[2]}-{m[3]}")),
        (r"\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:last|the\s+previous)\s+month\b|(?:从|自)\s*上个?月(?:初|月初|1号|一号)?\s*(?:到现在|至今|以来|开始|起)|上个?月(?:初)?以来",
         lambda m, d: Period(add_months(month_start(d), -1), d, "since last month")),
        (r"\bsince\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?:the|this)\s+year\b",
         lambda m, d: _year_so_far(d)),
        (rf"\b(?:in\s+|over\s+|during\s+|for\s+)?(?:the\s+)?(?:last|past|previous|recent)\s+{_NUM}\s+(days?|weeks?|months?|years?)\b",
         lambda m, d: _last_n(d, number(m[1]), m[2])),
        (rf"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+week\s+of\s+{_MONTH}(?:\s+{_YEAR})?\b",
         lambda m, d: _week_of_month(_month_in(d, m[2], m[3]), m[1])),
        (rf"\b(?:(last|this|previous|past|next|coming)\s+)?{_WEEKDAY}\b",
         lambda m, d: _weekday(d, WEEKDAYS[m[2]], m[1])),
        (rf"\b(?:next|coming|following)\s+{_NUM}\s+(days?|weeks?|months?)\b", lambda m, d: _next_n(d, number(m[1]), m[2])),
        # "the past month/week/year" and "in/over/during/within the last ..." end today
        *[(rf"\b(?:(?:in|over|during|within)\s+the\s+(?:last|past)|(?:the\s+)?past)\s+{unit}'?s?\b",
           lambda m, d, days=days: _last_n(d, days, "day")) for unit, days in _ROLLING_UNITS],
        (rf"\b(?:next|coming|following)\s+{_WK}\b|\bweek\s+ahead\b", lambda m, d: _week(d, -1, "next week")),
        (r"\bever\b|\b(?:of\s+)?all[- ]time\b|\bsince i (?:started|joined|opened)\b",
         lambda m, d: Period(ALL_TIME, d, ALL_TIME_LABEL)),
        *[(english, build) for english, _, build in _NAMED],
        (rf"\bh([12])\s+{_YEAR}\b|\b{_YEAR}\s+h([12])\b", lambda m, d: _half(int(m[2] or m[3]), int(m[1] or m[4]))),
        (rf"\bq([1-4])\s+{_YEAR}\b|\b{_YEAR}\s+q([1-4])\b",
         lambda m, d: _quarter(int(m[2] or m[3]), int(m[1] or m[4]))),
        (r"\bq([1-4])\b", lambda m, d: _latest_quarter(d, int(m[1]))),
        (rf"\b(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+of\s+(?:{_YEAR}|(last|this|previous)\s+{_YR}))?\b",
         lambda m, d: _nth_quarter(d, ORDINALS[m[1]], m[2], m[3])),
        (r"\b(?:last|past|previous)\s+fortnight\b|\bpast\s+two\s+weeks\b", lambda m, d: _last_n(d, 2, "week")),
        (rf"\b(?:last|previous|past)\s+{_YR}'?s?\b",
         lambda m, d: _year(d.year - 1)),
        (rf"\b(?:this|current)\s+{_YR}'?s?\b|\byear\s+to\s+date\b|\bytd\b|\bso\s+far\s+this\s+year\b",
         lambda m, d: _year_so_far(d)),
        (r"\b(\d{4})-(\d{2})-(\d{2})\b",
         lambda m, d: _day(int(m[1]), int(m[2]), int(m[3]))),
        (r"\b(\d{4})-(\d{2})\b", lambda m, d: month_period(int(m[1]), int(m[2]))),
        (rf"(?<![\d/])(0?[1-9]|1[0-2])\s*/\s*{_YEAR}\b|\b{_YEAR}\s*/\s*(0?[1-9]|1[0-2])(?![\d/])",
         lambda m, d: month_period(int(m[2] or m[3]), int(m[1] or m[4]))),  # 02/2026, 2026/2
        *[(pattern, lambda m, d: _one_day(D.day_of(m[1], d))) for pattern in D.DAYS[:1]],
        (rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", lambda m, d: month_period(int(m[2]), MONTHS[m[1]])),
        (rf"\b(?:in|during|for|of|on)\s+{_MONTH}\b", lambda m, d: _month_in(d, m[1], None)),
        (rf"\b(?!may\b){_MONTH}\b", lambda m, d: _month_in(d, m[1], None)),
        (rf"\b{_YEAR}\b(?!\s*(?:eur|usd|gbp|€|\$|euros?|dollars?))",
         lambda m, d: _year(int(m[1]), m[1])),
        # -- Chinese
        *[(pattern, lambda m, d: _one_day(D.day_of(m[1], d))) for pattern in D.DAYS[1:]],
        (rf"(?:(今年|去年|前年)|{_YEAR}\s*年)?\s*{_ZH_NUM}\s*月(?:份)?\s*(上|中|下)旬",
         lambda m, d: _ten_days(_zh_month(d, m[3], str(_zh_year(d, m[1] or m[2])) if (m[1] or m[2]) else None), m[4])),
        (r"(?:本|这个?)月\s*(上|中|下)旬", lambda m, d: _ten_days(_this_month(d), m[1])),
        (r"上个?月\s*(上|中|下)旬", lambda m, d: _ten_days(_months_back(d, 1, "last month"), m[1])),
        (rf"(?:从|自)?\s*(?:(今年|去年|前年)|{_YEAR}\s*年)?\s*{_ZH_NUM}\s*月(?:份)?\s*(?:到|至|-|~|—)\s*(?:(今年|去年|前年)|{_YEAR}\s*年)?\s*{_ZH_NUM}\s*月(?:份)?",
         lambda m, d: _zh_range(d, m[3], m[6], m[1] or m[2], m[4] or m[5])),
        (rf"{_YEAR}\s*年\s*{_ZH_NUM}\s*月", lambda m, d: _zh_month(d, m[2], m[1])),
        (rf"(今年|去年|前年)\s*{_ZH_NUM}\s*月", lambda m, d: _zh_month(d, m[2], str(_relative_year(d, m[1])))),
        (rf"(今年|去年|前年|上一?年|{_YEAR}\s*年)\s*的?\s*(上|下)半年",
         lambda m, d: _half(_zh_year(d, m[1]), 1 if m[3] == "上" else 2)),
        (r"(?<![今去前年])(上|下)半年",  # without a year: the latest such half begun by today
         lambda m, d: _half(d.year if m[1] == "上" or d.month >= 7 else d.year - 1, 1 if m[1] == "上" else 2)),
        (rf"(今年|去年|前年|{_YEAR}\s*年)?\s*的?\s*(春天|春季|夏天|夏季|秋天|秋季|冬天|冬季)",
         lambda m, d: _season(d, m[3], _zh_year(d, m[1]) if m[1] else None)),
        (rf"(?:(今年|本年|去年|前年)|{_YEAR}\s*年)?\s*的?\s*第?\s*(?<!上)([一二三四1-4])\s*季度",
         lambda m, d: _nth_quarter(d, zh_number(m[3]), m[2], m[1])),
        (rf"{_ZH_NUM}\s*(天|日|周|星期|礼拜|个月|年)(?:以)?前",
         lambda m, d: _ago(d, zh_number(m[1]), _ZH_UNITS[m[2]])),
        (r"有史以来|历史上|开户以来|一直以来|有记录以来", lambda m, d: Period(ALL_TIME, d, ALL_TIME_LABEL)),
        (r"上上(?:个)?(?:周|星期|礼拜)", lambda m, d: _week(d, 2, "2 weeks ago")),
        (r"(上|这|本|下)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天1-7])(?![共起下点些直定般样切次笔天个周])",
         lambda m, d: _weekday(d, _zh_weekday(m[2]), {"上": "zh_last", "这": "this", "本": "this", "下": "zh_next"}.get(m[1] or ""))),
        (r"上上个?月", lambda m, d: _ago(d, 2, "month")),
        (r"大前年", lambda m, d: _year(d.year - 3)),
        (rf"(?:从|自)\s*{_ZH_NUM}\s*月(?:份)?\s*(?:以来|开始|起|至今|到现在)?",
         lambda m, d: Period(_zh_month(d, m[1], None).start, d, "since " + _zh_month(d, m[1], None).label)),
        (rf"{_ZH_NUM}\s*月(?:份)?\s*以来", lambda m, d: Period(_zh_month(d, m[1], None).start, d, "since " + _zh_month(d, m[1], None).label)),
        (rf"(?:最近|近|过去|前|这)\s*{_ZH_NUM}\s*个?\s*(天|日|周|星期|礼拜|个月|月|年)",
         lambda m, d: _last_n(d, zh_number(m[1]), _ZH_UNITS[m[2]])),
        (r"(?:最近|过去|近)\s*半年", lambda m, d: _months_back(d, 6, "the last 6 months")),
        (rf"(?:最近|过去|近)\s*{_ZH_NUM}\s*个?\s*季度",
         lambda m, d: _months_back(d, 3 * zh_number(m[1]), f"the last {3 * zh_number(m[1])} months")),
        (rf"{_ZH_NUM}\s*个?\s*(天|日|周|星期|礼拜|个月|月|年)\s*(?:之|以)?内",
         lambda m, d: _last_n(d, zh_number(m[1]), _ZH_UNITS[m[2]])),
        (r"(?<!一)下(?:一)?(?:个)?(?:周|星期|礼拜)(?![一二三四五六日天1-7末])", lambda m, d: _week(d, -1, "next week")),
        (rf"(?:未来|接下来|之后)\s*的?\s*{_ZH_NUM}\s*个?\s*(天|日|周|星期|礼拜|个月|月)",
         lambda m, d: _next_n(d, zh_number(m[1]), _ZH_UNITS[m[2]])),
        *[(chinese, build) for _, chinese, build in _NAMED],
        (r"前年", lambda m, d: _year(d.year - 2)),
        (r"去年|上一?年", lambda m, d: _year(d.year - 1)),
        (r"今年(?:以来)?|本年", lambda m, d: _year_so_far(d)),
        (rf"{_YEAR}\s*年", lambda m, d: _year(int(m[1]), m[1])),
        (rf"{_ZH_NUM}\s*月(?:份)?", lambda m, d: _zh_month(d, m[1], None)),
    ]  # fmt: skip
    return [(re.compile(pattern), build) for pattern, build in rules]


def _holiday(name: str) -> Callable[[re.Match[str], date], Period]:
    def build(m: re.Match[str], today: date) -> Period:
        return Period(*H.holiday(name, H.match_years(m), today))

    return build


WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3,
            "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}  # fmt: skip


def _weekday(today: date, weekday: int, which: str | None) -> Period:
    """A weekday: "this Monday" in this week; "上周五" in last week, "下周五" in next week;
    "next Friday" the first one after today; else (and "last Friday") the latest one
    before today (today itself without "last")."""
    monday = today - timedelta(days=today.weekday())
    if which == "this":
        day = monday + timedelta(days=weekday)
    elif which in ("zh_last", "zh_next"):
        day = monday + timedelta(days=weekday + (7 if which == "zh_next" else -7))
    elif which in ("next", "coming"):
        day = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    else:
        back = (today.weekday() - weekday) % 7
        if back == 0 and which:
            back = 7
        day = today - timedelta(days=back)
    return _one_day(day)


def _zh_weekday(text: str) -> int:
    """``"一"`` (Monday) .. ``"日"``/``"天"`` (Sunday), or a digit 1-7 -> 0..6."""
    if text in "日天7":
        return 6
    return int(text) - 1 if text.isdigit() else "一二三四五六".index(text)


def _week_of_month(month: Period, which: str) -> Period:
    """The first (1-7), second (8-14), ... or last seven days of a month."""
    end_of_month = month_end(month.start)
    if which == "last":
        start = end_of_month - timedelta(days=6)
    else:
        start = month.start + timedelta(days=7 * (ORDINALS[which] - 1))
    return Period(start, min(start + timedelta(days=6), end_of_month), f"week of {month.label}")


def _ten_days(month: Period, part: str) -> Period:
    """上旬 (days 1-10), 中旬 (11-20), 下旬 (21 to the month's end)."""
    start = month.start + timedelta(days={"上": 0, "中": 10, "下": 20}[part])
    end = month_end(month.start) if part == "下" else start + timedelta(days=9)
    return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")


_ZH_UNITS = {"天": "day", "日": "day", "周": "week", "星期": "week", "礼拜": "week",
             "个月": "month", "月": "month", "年": "year"}  # fmt: skip


def _unit(word: str) -> str:
    """``"mnths"`` -> ``"month"``: the unit a (possibly misspelt) unit word names."""
    for unit, pattern in (("day", "d"), ("week", _WK), ("month", _MON), ("year", _YR)):
        if re.match(pattern, word):
            return unit
    return "day"


def _zh_year(today: date, word: str) -> int:
    digits = re.match(r"\d{4}", word)
    return int(digits.group()) if digits else _relative_year(today, word)


def _zh_range(today: date, a: str, b: str, first_year: str | None, last_year: str | None) -> Period:
    """``1月到3月``, ``去年10月到今年2月``: months from the first to the last (of the years
    named, else the latest range begun by today)."""
    first, last = zh_number(a), zh_number(b)
    if first_year or last_year:
        base = _zh_year(today, first_year) if first_year else None
        end_base = _zh_year(today, last_year) if last_year else None
        if base is None:
            assert end_base is not None
            base = end_base - (1 if last < first else 0)
        if end_base is None:
            end_base = base + (1 if last < first else 0)
        start = date(base, first, 1)
        end = month_end(date(end_base, last, 1))
    else:
        start = month_period(*recent_month(first, today)).start
        end_year = start.year + (1 if last < first else 0)
        end = month_end(date(end_year, last, 1))
    return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")


def _day(year: int, month: int, day: int) -> Period:
    return _one_day(date(year, month, day))


def _one_day(value: date) -> Period:
    return Period(value, value, value.isoformat())


def _since(start: date, today: date) -> Period:
    return Period(start, today, f"since {start.isoformat()}")


def _days(match: re.Match[str], today: date) -> Period:
    start, end = D.day_range(match, today)
    return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")


def _prev_quarter(today: date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3 + 1
    return (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)


RULES = _rules()


PERIOD_WORDS = (
    *[MONTH_NAMES[m].lower() for m in range(1, 13)],
    "yesterday", "previous", "fortnight", "quarter", "weekend", "weekends", "between", "since",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "summer",
    "winter", "spring", "autumn", "half", "before", "month", "months", "week", "weeks",
    "year", "years", "days", "today", "this", "last", "past", "next", "ago", "coming", "ahead", *NUMBERS,
    "christmas", "easter", "festival", "national",
)  # fmt: skip


def correct(text: str) -> str:
    """``text`` (lower-cased) with misspelt period words corrected ("lst month",
    "januray"; see :mod:`coffer.assistant.ask.spelling`)."""
    return spelling.correct(text, _known_period_words(), set(COMMON_WORDS))


@lru_cache(maxsize=1)
def _known_period_words() -> set[str]:
    return {*PERIOD_WORDS, *MONTHS}


def find_period(
    text: str, today: date, *, clip: bool = True
) -> tuple[Period, tuple[int, int]] | None:
    """The first period named in ``text`` (lower-cased) and where it is, or None; one
    that holds today ends today unless ``clip`` is false."""
    best: tuple[int, Period, tuple[int, int]] | None = None
    for rank, (pattern, build) in enumerate(RULES):
        match = pattern.search(text)
        if match is None:
            continue
        try:
            period = build(match, today)
        except (ValueError, KeyError):
            continue
        best = (rank, period, match.span())
        break
    if best is None:
        return None
    _, period, span = best
    if (
        period.end < today
        and (  # "since Christmas", 春节以来: from then to today
            re.search(r"\bsince\s+(?:the\s+)?$", text[: span[0]])
            or re.match(r"\s*(?:以来|至今)", text[span[1] :])
        )
    ):
        period = Period(period.start, today, f"since {period.label}")
    if clip and period.start <= today < period.end:
        period = Period(period.start, today, period.label)
    return period, span


def parse_period(text: str, today: date) -> Period | None:
    found = find_period(text.lower(), today)
    return None if found is None else found[0]
