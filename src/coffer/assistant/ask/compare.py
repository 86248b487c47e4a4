"""Comparisons of two periods: "did I spend more on groceries this month than last month?",
"这个月超市比上个月多花了多少". ``value`` is the change from the earlier period to the later
one (later minus earlier, minor units): positive when the later period spent (or earned)
more."""

from __future__ import annotations

from datetime import date

from coffer.assistant import spending as S
from coffer.assistant.ask.common import Answer, _answer, _in, _match, _what, _zh, _zh_label
from coffer.assistant.ask.parser import Query
from coffer.assistant.ask.spans import Period
from coffer.assistant.models import CustomerData
from coffer.assistant.money import fmt


def _amount(query: Query, data: CustomerData, period: Period) -> tuple[int, int]:
    """Spent (or earned) in ``period`` and over how many transactions."""
    rows = data.between(period.start, period.end)
    cur = data.currency
    if query.measure == "income":
        found = [t for t in rows if t.currency == cur and t.primary == "INCOME"]
        return sum(t.amount for t in found), len(found)
    found = S.matching(rows, cur, _match(query))
    return -sum(t.amount for t in found), len(found)


def compare(query: Query, data: CustomerData, today: date) -> Answer:
    assert query.period is not None and query.compare_to is not None
    later, earlier = query.period, query.compare_to
    cur = data.currency
    now, now_count = _amount(query, data, later)
    before, before_count = _amount(query, data, earlier)
    change = now - before
    percent = round(100 * change / before, 1) if before else None
    what = "income" if query.measure == "income" else _what(query)
    if _zh(query):
        word = "多" if change >= 0 else "少"
        text = (
            f"{_zh_label(later)}{what} {fmt(now, cur)}，{_zh_label(earlier)}{fmt(before, cur)}，"
            f"{word}了 {fmt(abs(change), cur)}。"
        )
    else:
        word = "more" if change >= 0 else "less"
        text = (
            f"{_in(later)[0].upper()}{_in(later)[1:]}: {fmt(now, cur)} on {what}; "
            f"{_in(earlier)}: {fmt(before, cur)}. That is {fmt(abs(change), cur)} {word}"
            + (f" ({percent:+}%)." if percent is not None else ".")
        )
    return _answer(query, text, change, cur, later, {
        "current": {**later.as_dict(), "amount": now, "transactions": now_count},
        "previous": {**earlier.as_dict(), "amount": before, "transactions": before_count},
        "change_percent": percent, "chart": "monthly_trend",
    })  # fmt: skip
