"""Birth dates as the lists write them: "1964-07-17", "17 Jul 1964", "Jul 1964", "1964",
"circa 1964", "1958 to 1960", "17.07.1964"."""

from __future__ import annotations

import re

from coffer.risk.sanctions.models import BirthDate

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_TEXT = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")
_MY_TEXT = re.compile(r"^([a-z]+)\.?\s+(\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_RANGE = re.compile(r"(\d{4})\s*(?:to|-|–)\s*(\d{4})")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _valid(year: int, month: int | None, day: int | None) -> BirthDate | None:
    if not 1800 <= year <= 2100:
        return None
    if month is not None and not 1 <= month <= 12:
        return BirthDate(year)
    if day is not None and not 1 <= day <= 31:
        return BirthDate(year, month)
    return BirthDate(year, month, day)


def parse_list_date(value: str | None) -> BirthDate | None:
    """The birth date a list states, as precise as it is; None when there is no year."""
    if not value:
        return None
    text = " ".join(value.lower().replace(",", " ").split())
    for prefix in ("circa ", "approximately ", "approx. ", "approx ", "ca. ", "c. ", "about "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    match = _ISO.match(text)
    if match:
        return _valid(int(match[1]), int(match[2]), int(match[3]))
    match = _DMY_TEXT.match(text)
    if match and match[2] in _MONTHS:
        return _valid(int(match[3]), _MONTHS[match[2]], int(match[1]))
    match = _MY_TEXT.match(text)
    if match and match[1] in _MONTHS:
        return _valid(int(match[2]), _MONTHS[match[1]], None)
    match = _DOTTED.match(text)
    if match:
        return _valid(int(match[3]), int(match[2]), int(match[1]))
    match = _RANGE.search(text)
    if match:
        low, high = sorted((int(match[1]), int(match[2])))
        if low >= 1800 and high <= 2100:
            return BirthDate(low, year_to=high) if high > low else BirthDate(low)
    match = _YEAR.search(text)
    if match:
        return BirthDate(int(match[1]))
    return None
