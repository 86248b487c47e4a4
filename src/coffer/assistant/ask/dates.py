"""Days and ranges of days named in questions, English and Chinese: ``"3 March"``,
``"March 3rd, 2025"``, ``"2026-02-10"``, ``"from 1 February to 15 February"``,
``"Feb 1-15"``, ``"2月1号到2月15号"``, ``"3月3日"``. A day without a year is the latest such
day on or before today; a range whose end comes before its start begins a year earlier."""

from __future__ import annotations

import re
from datetime import date

MONTH_WORDS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_M = r"(?:january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|may)"
_TH = r"(?:st|nd|rd|th)?"
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
          "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
          "seventeenth", "eighteenth", "nineteenth"]  # fmt: skip
# days written as ordinal words: "the first of March", "March twenty-first"
ORDINAL_DAYS = {
    **{word: n for n, word in enumerate(_UNITS, 1)},
    "twentieth": 20,
    "thirtieth": 30,
    **{f"twenty{sep}{word}": 20 + n for n, word in enumerate(_UNITS[:9], 1) for sep in ("-", " ")},
    **{f"thirty{sep}first": 31 for sep in ("-", " ")},
}
_ORD = "(?:" + "|".join(sorted(ORDINAL_DAYS, key=len, reverse=True)) + ")"
_Y = r"(?:19|20)\d{2}"
_ZN = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
EN_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_M}\s+\d{{1,2}}{_TH}(?:,?\s+{_Y})?"
    rf"|\d{{1,2}}{_TH}\s+(?:of\s+)?{_M}(?:,?\s+{_Y})?"
    rf"|(?:the\s+)?{_ORD}\s+(?:of\s+)?{_M}(?:,?\s+{_Y})?|{_M}\s+(?:the\s+)?{_ORD}(?:,?\s+{_Y})?)"
)
ZH_DATE = rf"(?:(?:{_Y}\s*年|今年|去年|前年)\s*)?{_ZN}\s*月\s*{_ZN}\s*[日号]"
_TO = r"\s*(?:to|until|till|through|thru|and|-|–)\s*"
_ZH_TO = r"\s*(?:到|至|-|~|－)\s*"
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip


def zh_number(text: str) -> int:
    """``"12"``, ``"十二"``, ``"三"``, ``"二十"`` -> int."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + _ZH_DIGITS.get(ones, 0)
    return _ZH_DIGITS.get(text, 0)


def _year_of(text: str, today: date) -> int:
    """``"2025"``, ``"去年"`` -> the year."""
    return int(text) if text.isdigit() else today.year - {"今年": 0, "去年": 1, "前年": 2}[text]


def _latest(today: date, month: int, day: int) -> date:
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    return date(year, month, day)


def day_of(text: str, today: date) -> date:
    """The day a fragment matching :data:`EN_DATE` or :data:`ZH_DATE` names."""
    iso = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        return date(int(iso[1]), int(iso[2]), int(iso[3]))
    zh = re.search(rf"(?:({_Y})\s*年|(今年|去年|前年))?\s*({_ZN})\s*月\s*({_ZN})", text)
    if zh and ("月" in text):
        month, day = zh_number(zh[3]), zh_number(zh[4])
        if zh[1] or zh[2]:
            return date(_year_of(zh[1] or zh[2], today), month, day)
        return _latest(today, month, day)
    name = re.search(_M, text)
    number = re.search(r"\b(\d{1,2})(?!\d)", text)
    word = re.search(_ORD, text)
    named_year = re.search(rf"\b({_Y})\b", text)
    if name is None or (number is None and word is None):
        raise ValueError(text)
    month = MONTH_WORDS[name.group()]
    day = int(number[1]) if number is not None else ORDINAL_DAYS[word.group()] if word else 0
    if named_year:
        return date(int(named_year[1]), month, day)
    return _latest(today, month, day)


def _ordered(start: date, end: date, explicit_year: bool) -> tuple[date, date]:
    if end < start and not explicit_year:
        start = start.replace(year=start.year - 1)
    if end < start:
        raise ValueError("a range that ends before it starts")
    return start, end


def day_range(match: re.Match[str], today: date) -> tuple[date, date]:
    """``(first, last)`` of a match of one of :data:`RANGES`."""
    groups = match.groupdict()
    if groups.get("a") and groups.get("b"):
        first, last = day_of(groups["a"], today), day_of(groups["b"], today)
        explicit = bool(re.search(rf"{_Y}|年", groups["a"]))
        return _ordered(first, last, explicit)
    # one month, two days: "Feb 1-15", "1 to 15 February", "2月1号到15号"
    month_text, year_text = groups["m"], groups.get("y")
    month = MONTH_WORDS[month_text] if month_text in MONTH_WORDS else zh_number(month_text)
    d1, d2 = zh_number(groups["d1"]), zh_number(groups["d2"])
    if year_text:
        year = _year_of(year_text, today)
        return _ordered(date(year, month, d1), date(year, month, d2), True)
    start = _latest(today, month, d1)
    return _ordered(start, start.replace(day=d2), True)


RANGES = [
    rf"\b(?:from\s+|between\s+)?(?P<a>{EN_DATE})\b{_TO}(?P<b>{EN_DATE})\b",
    rf"\b(?:from\s+|between\s+)?(?P<m>{_M})\s+(?P<d1>\d{{1,2}}){_TH}{_TO}(?P<d2>\d{{1,2}}){_TH}\b(?:,?\s+(?P<y>{_Y}))?",
    rf"\b(?:from\s+|between\s+)?(?:the\s+)?(?P<d1>\d{{1,2}}){_TH}{_TO}(?:the\s+)?(?P<d2>\d{{1,2}}){_TH}\s+(?:of\s+)?(?P<m>{_M})\b(?:,?\s+(?P<y>{_Y}))?",
    rf"(?:从|自)?\s*(?P<a>{ZH_DATE}){_ZH_TO}(?P<b>{ZH_DATE})",
    rf"(?:从|自)?\s*(?:(?P<y>{_Y}|今年|去年|前年)\s*年?\s*)?(?P<m>{_ZN})\s*月\s*(?P<d1>{_ZN})\s*[日号]?{_ZH_TO}(?P<d2>{_ZN})\s*[日号]",
]
SINCE = [
    rf"\b(?:from|since)\s+(?:the\s+)?({EN_DATE})\s*(?:to|until|till|through|-)\s*(?:today|now|date)\b",
    rf"(?:从|自)\s*({ZH_DATE})\s*(?:到|至)\s*(?:今天|现在|目前)",
    rf"\bsince\s+(?:the\s+)?({EN_DATE})\b",
    rf"(?:从|自)\s*({ZH_DATE})\s*(?:以来|开始|起|至今|到现在)?",
    rf"({ZH_DATE})\s*(?:以来|至今)",
]
DAYS = [rf"\b(?:on\s+)?(?:the\s+)?({EN_DATE})\b(?!\s*(?:days?|weeks?|months?))", rf"({ZH_DATE})"]
