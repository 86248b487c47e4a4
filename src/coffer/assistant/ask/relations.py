"""Spending set against other spending: two merchants or categories compared ("did I spend
more at Lidl or Aldi last month?", "Uber or the tube?", "上个月Lidl和Aldi哪个花得多") and a category's or merchant's share of
all spending or of income ("what % of my income goes to rent?", "房租占收入的百分之多少").

``compare_items``: ``value`` is spent on the first named minus spent on the second (minor
units), ``data.items`` each one's amount. ``share``: ``value`` is the
percent (one decimal) of spending (or income, ``data.of`` ``"income"``) that went to what the
question names, over the period asked (default the last 12 complete months)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from coffer.assistant import spending as S
from coffer.assistant.ask.common import (
    Answer,
    _answer,
    _covers,
    _in,
    _match,
    _period,
    _what,
    _zh,
    _zh_label,
)
from coffer.assistant.ask.parser import Query
from coffer.assistant.models import CustomerData
from coffer.assistant.money import fmt


def compare_items(query: Query, data: CustomerData, today: date) -> Answer:
    period = _period(query, today)
    cur = data.currency
    rows = data.between(period.start, period.end)
    amounts: list[tuple[str, int, int]] = []
    for item in query.items:
        one = (
            replace(query, merchants=[item], topics=[])
            if isinstance(item, str)
            else replace(query, merchants=[], topics=[item])
        )
        found = S.matching(rows, cur, _match(one))
        amounts.append((_what(one), -sum(t.amount for t in found), len(found)))
    (first, spent_first, _), (second, spent_second, _) = amounts[0], amounts[1]
    value = spent_first - spent_second
    most = max(amounts, key=lambda a: a[1])
    listed = ("、" if _zh(query) else ", ").join(
        f"{name} {fmt(amount, cur)}" for name, amount, _ in amounts
    )
    if _zh(query):
        text = f"{_zh_label(period)}{listed}；{most[0]}最多，比{second if most[0] == first else first}多 {fmt(abs(value), cur)}。"
    else:
        text = (
            (
                f"{_in(period)[0].upper()}{_in(period)[1:]}: {listed}. You spent "
                f"{fmt(abs(value), cur)} more at {first if value >= 0 else second}"
            )
            + _covers(query, sum(a[2] for a in amounts), period, cur)
            + "."
        )
    return _answer(query, text, value, cur, period, {
        "items": [{"name": n, "amount": a, "transactions": c} for n, a, c in amounts],
        "most": most[0], "chart": "spending_by_category",
    })  # fmt: skip


def share(query: Query, data: CustomerData, today: date) -> Answer:
    period = _period(query, today, default="last_12_months")
    cur = data.currency
    rows = data.between(period.start, period.end)
    part = S.spent(rows, cur, _match(query))
    of_income = query.measure == "income"
    whole = S.income(rows, cur) if of_income else S.spent(rows, cur)
    percent = round(100 * part / whole, 1) if whole > 0 else None
    shown = f"{percent}%" if percent is not None else "—"
    if _zh(query):
        base = "收入" if of_income else "总支出"
        text = f"{_zh_label(period)}{_what(query)} {fmt(part, cur)}，占{base} {fmt(whole, cur)} 的 {shown}。"
    else:
        base = "income" if of_income else "spending"
        text = (
            (
                f"{_what(query)} took {shown} of your {base} {_in(period)}: {fmt(part, cur)} of "
                f"{fmt(whole, cur)}"
            )
            + _covers(query, len(S.matching(rows, cur, _match(query))), period, cur)
            + "."
        )
    return _answer(query, text, percent, None, period, {
        "amount": part, "of": "income" if of_income else "spending", "whole": whole, "chart": "spending_by_category",
    })  # fmt: skip
