"""Answers about single purchases, months, the balance on a past date and bills ahead:
``largest_transaction`` / ``smallest_transaction``, ``top_months``, ``balance`` with a past
period, ``upcoming_bills``. Computed from the customer's data only."""

from __future__ import annotations

from datetime import date, timedelta

from coffer.assistant import spending as S
from coffer.assistant.ask.common import Answer, _answer, _in, _match, _period, _zh, _zh_label
from coffer.assistant.ask.parser import Query
from coffer.assistant.ask.spans import Period, month_end
from coffer.assistant.models import CustomerData
from coffer.assistant.money import fmt
from coffer.assistant.recurring import expected_between


def extreme(query: Query, data: CustomerData, today: date) -> Answer:
    """The largest (or smallest) single purchase in the period."""
    period = _period(query, today)
    cur = data.currency
    rows = [
        t
        for t in S.matching(data.between(period.start, period.end), cur, _match(query))
        if t.amount < 0
    ]
    if not rows:
        return _answer(query, _no_spending(query), 0, cur, period, {"transactions": 0})
    smallest = query.intent == "smallest_transaction"
    pick = max if smallest else min  # amounts of spending are negative
    found = pick(rows, key=lambda t: (t.amount, t.date))
    name = found.merchant or found.description
    which = (
        ("最小" if smallest else "最大") if _zh(query) else ("smallest" if smallest else "largest")
    )
    text = (
        f"{_zh_label(period)}{which}的一笔消费是 {fmt(-found.amount, cur)}（{name}，{found.date}）。"
        if _zh(query)
        else f"Your {which} purchase {_in(period)} was {fmt(-found.amount, cur)} at {name} on {found.date}."
    )
    return _answer(query, text, -found.amount, cur, period, {
        "transaction": {"id": found.id, "date": found.date.isoformat(), "name": name},
        "transactions": len(rows),
    })  # fmt: skip


def top_months(query: Query, data: CustomerData, today: date) -> Answer:
    """The month of the period with the most spending (months cut to the period)."""
    period = _period(query, today, default="last_12_months")
    cur = data.currency
    rows = S.matching(data.between(period.start, period.end), cur, _match(query))
    months: dict[str, int] = {}
    for t in rows:
        key = t.date.strftime("%Y-%m")
        months[key] = months.get(key, 0) - t.amount
    ranked = sorted(months.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked:
        return _answer(query, _no_spending(query), 0, cur, period, {"months": []})
    month, value = ranked[0]
    text = (
        f"{_zh_label(period)}花得最多的月份是 {month}：{fmt(value, cur)}。"
        if _zh(query)
        else f"Your most expensive month {_in(period)} was {month}: {fmt(value, cur)}."
    )
    return _answer(query, text, value, cur, period, {
        "month": month,
        "months": [{"month": m, "amount": v} for m, v in ranked],
        "chart": "monthly_trend",
    })  # fmt: skip


def balance_on(query: Query, data: CustomerData, today: date) -> Answer:
    """The balance at the end of the period's last day: today's balance minus what moved
    in the home currency after that day."""
    assert query.period is not None
    day = min(query.period.end, today)
    cur = data.currency
    later = sum(t.amount for t in data.transactions if t.currency == cur and day < t.date <= today)
    value = data.balance - later
    text = (
        f"{day.isoformat()} 日终你的余额是 {fmt(value, cur)}。"
        if _zh(query)
        else f"Your balance at the end of {day.isoformat()} was {fmt(value, cur)} ({cur})."
    )
    return _answer(query, text, value, cur, Period(day, day, day.isoformat()), {
        "as_of": day.isoformat(), "balance_today": data.balance, "chart": None,
    })  # fmt: skip


def _no_spending(query: Query) -> str:
    return "这段时间没有消费。" if _zh(query) else "No spending in that period."


def upcoming_bills(query: Query, data: CustomerData, today: date) -> Answer:
    """Recurring bills and subscriptions expected after today until the end of the month,
    or in the period asked when it ends ahead ("bills due next month")."""
    cur = data.currency
    start, end = today + timedelta(days=1), month_end(today)
    if query.period is not None and query.period.end > today:
        start, end = max(start, query.period.start), query.period.end
    series = [
        s for s in data.recurring(today)
        if s.currency == cur and s.amount < 0 and s.kind in ("subscription", "bill")
    ]  # fmt: skip
    due = expected_between(series, start, end)
    total = -sum(s.next_amount for _, s in due)
    items = [{"date": d.isoformat(), "name": s.name, "amount": -s.next_amount} for d, s in due]
    names = (
        "、".join(f"{i['name']} {fmt(int(str(i['amount'])), cur)}（{i['date']}）" for i in items)
        if _zh(query)
        else ", ".join(
            f"{i['name']} {fmt(int(str(i['amount'])), cur)} on {i['date']}" for i in items
        )
    )
    text = (
        f"到 {end.isoformat()} 还有 {len(items)} 笔账单，共 {fmt(total, cur)}：{names}。"
        if _zh(query)
        else f"{len(items)} bill(s) due until {end.isoformat()}, {fmt(total, cur)} in all"
        + (f": {names}." if names else ".")
    )
    return _answer(query, text, total, cur, Period(start, end, "ahead"), {
        "items": items, "chart": None,
    })  # fmt: skip
