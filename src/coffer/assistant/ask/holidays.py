"""Holidays as periods: Christmas (24-26 December), Easter (Good Friday to Easter Monday),
Chinese New Year / 春节 (New Year's Eve, 除夕, to the sixth day, 初六), National Day /
国庆 (1-7 October), and the single days New Year's Day / 元旦, New Year's Eve / 跨年,
Valentine's Day / 情人节, Halloween / 万圣节 and Singles' Day / 双十一. A holiday without a year is the latest one begun by today; a year
before or after it ("Christmas 2024", "last year's Christmas", 去年圣诞节) picks that
year's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

# Chinese New Year's day (正月初一), from the Chinese calendar
LUNAR_NEW_YEAR = {
    2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13),
    2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
}  # fmt: skip


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _christmas(year: int) -> tuple[date, date]:
    return date(year, 12, 24), date(year, 12, 26)


def _easter(year: int) -> tuple[date, date]:
    sunday = easter_sunday(year)
    return sunday - timedelta(days=2), sunday + timedelta(days=1)


def _spring_festival(year: int) -> tuple[date, date]:
    first = date(year, *LUNAR_NEW_YEAR[year])
    return first - timedelta(days=1), first + timedelta(days=5)


def _national_day(year: int) -> tuple[date, date]:
    return date(year, 10, 1), date(year, 10, 7)


def _day(month: int, day: int) -> Callable[[int], tuple[date, date]]:
    return lambda year: (date(year, month, day), date(year, month, day))


HOLIDAYS: tuple[tuple[str, str, Callable[[int], tuple[date, date]]], ...] = (
    ("Christmas", r"\bchristmas\b|\bx-?mas\b|圣诞节?", _christmas),
    ("Easter", r"\beaster\b|复活节", _easter),
    ("Chinese New Year",
     r"\b(?:chinese|lunar) new year\b|\bspring festival\b|春节|过年|农历新年", _spring_festival),
    ("National Day",
     r"\bnational day\b|\bgolden week\b|国庆节?|十一(?:长假|黄金周|假期)", _national_day),
    ("New Year's Day", r"\bnew year'?s? day\b|元旦", _day(1, 1)),
    ("New Year's Eve", r"\bnew year'?s? eve\b|跨年夜?", _day(12, 31)),
    ("Valentine's Day", r"\b(?:st\.? )?valentine'?s?(?: day)?\b|情人节|情人節", _day(2, 14)),
    ("Halloween", r"\bhalloween\b|万圣节|萬聖節", _day(10, 31)),
    ("Singles' Day", r"\bsingles'? day\b|双(?:十一|11)|雙(?:十一|11)", _day(11, 11)),
)  # fmt: skip
_YEAR = r"(?:19|20)\d{2}"
# a holiday before these names a savings goal ("christmas fund", 圣诞基金), no period
_SAVING = r"(?:funds?\b|savings\b|goal\b|pot\b|club\b|基金|目标|存款|储蓄)"
_BEFORE = (
    rf"(?:({_YEAR})\s*年?\s*(?:的\s*)?|(今年|去年|前年|this year'?s?|last year'?s?)\s*(?:的\s*)?)?"
)
_AFTER = rf"(?:\s+(?:of\s+)?({_YEAR})|\s+(?:of\s+)?(this|last)\s+year)?"


def _year(word: str | None, today: date) -> int | None:
    if not word:
        return None
    if word[0].isdigit():
        return int(word)
    if word.startswith(("去年", "last")):
        return today.year - 1
    return today.year - 2 if word == "前年" else today.year


def holiday(name: str, years: tuple[str | None, ...], today: date) -> tuple[date, date, str]:
    """The dates of holiday ``name`` in the year named, else the latest begun by today."""
    label, _, dates = next(h for h in HOLIDAYS if h[0] == name)
    year = next((y for y in (_year(w, today) for w in years) if y is not None), None)
    if year is None:
        year = today.year if dates(today.year)[0] <= today else today.year - 1
    start, end = dates(year)
    return start, end, f"{label} {year}"


def rules() -> list[tuple[str, str]]:
    """(pattern, holiday name): a holiday with the year that may precede or follow it."""
    return [
        (rf"{_BEFORE}(?:the\s+)?(?:{pattern})(?!\s*{_SAVING})(?:\s+(?:holidays?|break|period|weekend))?"
         rf"(?:期间|假期|长假)?{_AFTER}", name)
        for name, pattern, _ in HOLIDAYS
    ]  # fmt: skip


def match_years(m: re.Match[str]) -> tuple[str | None, ...]:
    return m.group(1), m.group(2), m.group(3), m.group(4)
