"""Answers to a typed :class:`~coffer.assistant.ask.parser.Query`, computed from the data.

Every number comes from the customer's transactions, balances, budgets and goals; every
answer says what it covers (period, currency, how many transactions) and carries ``data``
(breakdown, counts, a chart hint). Money values are integers in the currency's minor units.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from coffer.assistant import budgets as B
from coffer.assistant import forecast as F
from coffer.assistant import goals as G
from coffer.assistant import spending as S
from coffer.assistant.ask import history as H
from coffer.assistant.ask.afford import affordability
from coffer.assistant.ask.common import (
    Answer,
    _answer,
    _average_period,
    _covers,
    _in,
    _match,
    _period,
    _what,
    _window,
    _zh,
    _zh_label,
)
from coffer.assistant.ask.compare import compare
from coffer.assistant.ask.fuzzy import distance
from coffer.assistant.ask.parser import Query
from coffer.assistant.ask.relations import compare_items, share
from coffer.assistant.ask.spans import Period, add_months, month_end, month_start
from coffer.assistant.ask.vocabulary import CADENCE_ZH, goal_word, label
from coffer.assistant.models import CustomerData, Goal
from coffer.assistant.money import fmt


def spend(query: Query, data: CustomerData, today: date) -> Answer:
    if query.average:
        return average(query, data, today)
    period = _period(query, today)
    cur = data.currency
    in_period = data.between(period.start, period.end)
    rows = S.matching(in_period, cur, _match(query))
    if not rows and (query.topics or query.merchants):
        # money moved out that is no spending, named on purpose: cash withdrawals, savings
        rows = [t for t in in_period if t.currency == cur and t.amount < 0 and _match(query)(t)]
    total = -sum(t.amount for t in rows)
    others: dict[str, int] = {}
    match = _match(query)
    for t in in_period:
        if t.currency != cur and S.is_spending(t) and match(t):
            others[t.currency] = others.get(t.currency, 0) + 1
    breakdown = S.by_key(rows, cur, lambda t: label(t.detailed or t.primary))
    if _zh(query):
        text = f"{_zh_label(period)}你在{_what(query)}上花了 {fmt(total, cur, language='zh')}"
    elif query.intent == "spend_total":
        text = f"You spent {fmt(total, cur)} {_in(period)}"
    else:
        preposition = "at" if query.merchants and not query.topics else "on"
        text = f"You spent {fmt(total, cur)} {preposition} {_what(query)} {_in(period)}"
    text += _covers(query, len(rows), period, cur)
    return _answer(
        query,
        text + ("。" if _zh(query) else "."),
        total,
        cur,
        period,
        {
            "transactions": len(rows),
            "categories": [t.name for t in query.topics],
            "merchants": list(query.merchants),
            "breakdown": [{"name": k, "amount": v} for k, v in breakdown.items()],
            "other_currencies": others,  # matching transactions not counted (no FX rate)
            "chart": "spending_by_category",
        },
    )


def average(query: Query, data: CustomerData, today: date) -> Answer:
    """The monthly mean of spending (or income) over complete months."""
    period, months = _average_period(query, today)
    cur = data.currency
    rows_in = data.between(period.start, period.end)
    if query.intent == "income":
        rows = [t for t in rows_in if t.currency == cur and t.primary == "INCOME"]
        total = sum(t.amount for t in rows)
        what = "income"
    else:
        rows = S.matching(rows_in, cur, _match(query))
        total = -sum(t.amount for t in rows)
        what = f"spending on {_what(query)}" if query.topics or query.merchants else "spending"
    units = {"day": period.days, "week": period.days / 7}.get(query.per, months)
    mean = int(total / units) if units else 0  # toward zero, as the monthly mean
    text = (
        f"On average your {what} was {fmt(mean, cur)} a {query.per} over {period.label} "
        f"({months} months, total {fmt(total, cur)})"
    )
    if _zh(query):
        per = {"day": "每天", "week": "每周"}.get(query.per, "每月")
        what = "收入" if query.intent == "income" else "支出"
        what = f"在{_what(query)}上的支出" if query.topics or query.merchants else what
        text = f"{_zh_label(period)}你{what}平均{per} {fmt(mean, cur)}（{months} 个月，共 {fmt(total, cur)}）"
    text += _covers(query, len(rows), period, cur)
    return _answer(query, text + ("。" if _zh(query) else "."), mean, cur, period, {
        "average": True, "per": query.per, "months": months, "total": total,
        "transactions": len(rows),
        "chart": "monthly_trend",
    })  # fmt: skip


def savings(query: Query, data: CustomerData, today: date) -> Answer:
    """Income minus spending over the period (own transfers excluded)."""
    period, cur, rows = _window(query, data, today, default="last_month")
    earned = S.income(rows, cur)
    spent_total = S.spent(rows, cur)
    saved = earned - spent_total
    rate = round(100 * saved / earned, 1) if earned > 0 else None
    text = (
        f"{_zh_label(period)}你存下了 {fmt(saved, cur)}（收入 {fmt(earned, cur)}，支出 {fmt(spent_total, cur)}）。"
        if _zh(query)
        else f"You saved {fmt(saved, cur)} {_in(period)}: income {fmt(earned, cur)} minus spending "
        f"{fmt(spent_total, cur)}" + (f" ({rate}% of income)." if rate is not None else ".")
    )
    if query.measure == "rate":  # "what's my savings rate": a percent, no currency
        return _answer(query, text, rate, None, period, {
            "income": earned, "spending": spent_total, "saved": saved, "chart": "monthly_trend",
        })  # fmt: skip
    return _answer(query, text, saved, cur, period, {
        "income": earned, "spending": spent_total, "savings_rate_percent": rate,
        "chart": "monthly_trend",
    })  # fmt: skip


def count(query: Query, data: CustomerData, today: date) -> Answer:
    """How many spending transactions match (no currency: the value is a count)."""
    period = _period(query, today)
    match = _match(query)
    rows = [
        t for t in data.between(period.start, period.end)
        if S.is_spending(t) and t.amount < 0 and match(t)
    ]  # fmt: skip
    text = (
        f"{_zh_label(period)}{_what(query)}共 {len(rows)} 笔交易。"
        if _zh(query)
        else f"{len(rows)} transaction{'s' if len(rows) != 1 else ''} for {_what(query)} {_in(period)} "
        f"({period.start.isoformat()} to {period.end.isoformat()})."
    )
    return _answer(query, text, len(rows), None, period, {
        "transactions": len(rows), "merchants": list(query.merchants),
        "categories": [t.name for t in query.topics],
    })  # fmt: skip


def income(query: Query, data: CustomerData, today: date) -> Answer:
    if query.average:
        return average(query, data, today)
    period = _period(query, today)
    cur = data.currency
    payers = {m.lower() for m in query.merchants}
    rows = [
        t for t in data.between(period.start, period.end)
        if t.currency == cur and t.primary == "INCOME"
        and (not payers or (t.merchant or "").lower() in payers)
    ]  # fmt: skip
    total = sum(t.amount for t in rows)
    by_payer = S.by_key([], cur, lambda t: None)
    for t in rows:
        by_payer[t.merchant or t.description] = (
            by_payer.get(t.merchant or t.description, 0) + t.amount
        )
    text = (
        f"{_zh_label(period)}你的收入是 {fmt(total, cur)}"
        if _zh(query)
        else f"Your income {_in(period)} was {fmt(total, cur)}"
    ) + _covers(query, len(rows), period, cur)
    return _answer(query, text + ("。" if _zh(query) else "."), total, cur, period, {
        "transactions": len(rows),
        "breakdown": [{"name": k, "amount": v} for k, v in by_payer.items()],
        "chart": "monthly_trend",
    })  # fmt: skip


def subscriptions(query: Query, data: CustomerData, today: date) -> Answer:
    cur = data.currency
    found = [
        s for s in data.recurring(today)
        if s.active and s.amount < 0 and s.currency == cur and s.kind in ("subscription", "bill")
    ]  # fmt: skip
    if query.topics:
        found = [s for s in found if any(t.matches(s.primary, s.detailed) for t in query.topics)]
    if query.merchants:
        wanted = {m.lower() for m in query.merchants}
        found = [s for s in found if s.name.lower() in wanted]
    monthly = -sum(s.monthly_amount for s in found)
    if _zh(query):
        names = "、".join(
            f"{s.name}（{CADENCE_ZH.get(s.cadence, s.cadence)} {fmt(-s.amount, cur)}，"
            f"下次 {s.next_date.isoformat()}）"
            for s in found[:12]
        )
    else:
        names = ", ".join(
            f"{s.name} ({fmt(-s.amount, cur)} {s.cadence}, next {s.next_date.isoformat()})"
            for s in found[:12]
        )
    if _zh(query):
        text = f"你有 {len(found)} 项定期支出，每月合计约 {fmt(monthly, cur)}：{names}。"
    else:
        plural = "s" if len(found) != 1 else ""
        text = f"You have {len(found)} recurring payment{plural} costing about {fmt(monthly, cur)} a month"
        text += f": {names}." if names else "."
    if query.measure == "count":  # "how many subscriptions do I have": a count
        return _answer(query, text, len(found), None, None, {
            "count": len(found), "monthly": monthly, "items": [s.as_dict() for s in found],
        })  # fmt: skip
    return _answer(query, text, monthly, cur, None, {
        "count": len(found),
        "items": [s.as_dict() for s in found],
        "price_changes": [s.name for s in found if s.price_changed],
        "chart": None,
    })  # fmt: skip


def balance(query: Query, data: CustomerData, today: date) -> Answer:
    if query.period is not None and query.period_given and query.period.end < today:
        return H.balance_on(query, data, today)  # "my balance on 1 March"
    cur = data.currency
    value = data.balance
    accounts = [
        {
            "id": a.id,
            "name": a.name,
            "currency": a.currency,
            "balance": a.balance,
            "source": a.source,
        }
        for a in data.accounts
    ]
    text = (
        f"你的余额是 {fmt(value, cur)}（{len(accounts)} 个账户）。"
        if _zh(query)
        else f"Your balance is {fmt(value, cur)} across {len(accounts)} account(s) in {cur}."
    )
    return _answer(
        query, text, value, cur, None, {"accounts": accounts, "as_of": today.isoformat()}
    )


def _topic_of(words: str) -> str | None:
    from coffer.assistant.ask.parser import _topic_vocabulary

    hits = _topic_vocabulary().find(words)
    return None if not hits else str(hits[0].key)


def goal_progress(query: Query, data: CustomerData, today: date) -> Answer:
    goals = data.goals
    chosen = goals
    if query.goal and goals:
        wanted = goal_word(query.goal.lower())
        wanted_topic = _topic_of(wanted)

        def closeness(g: Goal) -> int:
            name = g.name.lower()
            score = min((distance(wanted, w, 3) for w in [name, *name.split()]), default=4)
            if wanted in name or name in wanted:
                score -= 2
            if wanted_topic is not None and _topic_of(name) == wanted_topic:
                score -= 3  # 度假 and Holiday are both travel
            return score

        chosen = sorted(goals, key=closeness)[:1]
    elif len(goals) > 1:
        chosen = goals
    if not chosen:
        text = "你还没有设定储蓄目标。" if _zh(query) else "You have no savings goal yet."
        return _answer(query, text, None, None, None, {"goals": []})
    statuses = [G.goal_status(g, today) for g in chosen]
    first = statuses[0]
    cur = first.goal.currency
    parts = []
    for s in statuses:
        if _zh(query):
            parts.append(_goal_zh(s, cur))
            continue
        line = (
            f"{s.goal.name}: {fmt(s.saved, cur)} of {fmt(s.goal.target_amount, cur)} "
            f"({s.percent:.0f}%)"
        )
        if s.required_monthly is not None:
            line += f", {fmt(s.required_monthly, cur)} a month needed to reach it by {s.goal.target_date}"
        if s.projected_completion is not None and s.remaining:
            line += f", on course to finish around {s.projected_completion.isoformat()}"
        parts.append(line)
    text = "；".join(parts) + "。" if _zh(query) else "; ".join(parts) + "."
    return _answer(query, text, first.saved, cur, None, {
        "goals": [s.as_dict() for s in statuses], "chart": "goal_progress",
    })  # fmt: skip


def _goal_zh(s: G.GoalStatus, cur: str) -> str:
    line = f"{s.goal.name}：已存 {fmt(s.saved, cur)}，目标 {fmt(s.goal.target_amount, cur)}（{s.percent:.0f}%）"
    if s.required_monthly is not None:
        line += f"，每月需存 {fmt(s.required_monthly, cur)} 才能在 {s.goal.target_date} 前达成"
    if s.projected_completion is not None and s.remaining:
        line += f"，按目前进度约 {s.projected_completion.isoformat()} 达成"
    return line


def explain_period(query: Query, data: CustomerData, today: date) -> Answer:
    period, cur, rows = _window(query, data, today, default="last_month")
    total = S.spent(rows, cur)
    before = Period(
        add_months(month_start(period.start), -6),
        month_start(period.start) - timedelta(days=1),
        "usual",
    )
    usual_rows = data.between(before.start, before.end)
    scale_months = max(round(period.days / 30.44), 1)
    now = S.by_key(rows, cur, lambda t: t.primary)
    usual = S.by_key(usual_rows, cur, lambda t: t.primary)
    changes: list[tuple[int, str, int, int]] = []  # delta, category, amount, usual
    for key in set(now) | set(usual):
        typical = usual.get(key, 0) * scale_months // 6
        changes.append(
            (now.get(key, 0) - typical, label(key, query.language), now.get(key, 0), typical)
        )
    changes.sort(key=lambda c: (-c[0], c[1]))
    deltas = [{"category": c[1], "amount": c[2], "usual": c[3], "delta": c[0]} for c in changes]
    usual_total = sum(usual.values()) * scale_months // 6
    reasons = ("、" if _zh(query) else ", ").join(
        [f"{c[1]} +{fmt(c[0], cur)}" for c in changes if c[0] > 0][:3]
    )
    text = (
        f"{_in(period)} you spent {fmt(total, cur)} against a usual {fmt(usual_total, cur)} "
        f"(average of the 6 months before). The biggest increases: {reasons or 'none'}."
    )
    if _zh(query):
        text = f"{_zh_label(period)}你花了 {fmt(total, cur)}，平时约 {fmt(usual_total, cur)}。增加最多的是：{reasons or '无'}。"
    text = text[0].upper() + text[1:]
    return _answer(query, text, total, cur, period, {
        "usual": usual_total, "deltas": deltas, "transactions": sum(
            1 for t in rows if t.currency == cur and S.is_spending(t)
        ), "chart": "spending_by_category",
    })  # fmt: skip


def budget_status(query: Query, data: CustomerData, today: date) -> Answer:
    cur = data.currency
    chosen = [
        b for b in data.budgets
        if not query.topics or any(b.category in t.codes for t in query.topics)
    ]  # fmt: skip
    if not chosen:
        text = "你还没有设定预算。" if _zh(query) else "You have no budget for that yet."
        return _answer(query, text, None, None, None, {"budgets": []})
    rows = []
    remaining = 0
    messages: list[str] = []
    for b in chosen:
        months = B.budget_months(b, data.transactions, today)
        current = months[-1]
        remaining += current.remaining
        alert = B.pace(b, current, today)
        row: dict[str, object] = {
            "category": b.category,
            "name": label(b.category),
            **current.as_dict(),
        }
        line = (
            f"{label(b.category)}: {fmt(current.spent, cur)} spent of "
            f"{fmt(current.available, cur)} this month (rollover included), "
            f"{fmt(current.remaining, cur)} left."
        )
        if _zh(query):
            line = (
                f"{label(b.category, 'zh')}预算：本月已花 {fmt(current.spent, cur)}，可用 "
                f"{fmt(current.available, cur)}（含结转），还剩 {fmt(current.remaining, cur)}。"
            )
        if alert:
            row["pace_alert"] = alert.message(label(b.category))
            line += ("" if _zh(query) else " ") + alert.message(
                label(b.category, query.language), query.language
            )
        rows.append(row)
        messages.append(line)
    period = Period(month_start(today), today, "this month")
    return _answer(query, " ".join(messages), remaining, cur, period, {
        "budgets": rows, "chart": "budget_vs_actual",
    })  # fmt: skip


def top(query: Query, data: CustomerData, today: date) -> Answer:
    period, cur, rows = _window(query, data, today)
    merchants = query.intent == "top_merchants"
    totals = S.by_key(
        [t for t in rows if (t.merchant or not merchants) and t.amount < 0], cur,
        (lambda t: t.merchant) if merchants else (lambda t: t.primary),
    )  # fmt: skip
    kept = [(k, v) for k, v in totals.items() if v > 0][: query.limit]
    items = [{"name": (k or "") if merchants else label(k), "amount": v} for k, v in kept]
    ranked = [((k or "") if merchants else label(k, query.language), v) for k, v in kept]
    value = ranked[0][1] if ranked else 0
    listed = ("、" if _zh(query) else ", ").join(f"{k} {fmt(v, cur)}" for k, v in ranked)
    text = (
        f"{_zh_label(period)}花得最多的是：{listed}"
        if _zh(query)
        else f"Top {'merchants' if merchants else 'categories'} {_in(period)}: {listed}"
    ) + _covers(query, sum(1 for t in rows if t.currency == cur and S.is_spending(t)), period, cur)
    return _answer(query, text + ("。" if _zh(query) else "."), value, cur, period, {
        "breakdown": items, "chart": "spending_by_category",
    })  # fmt: skip


def forecast(query: Query, data: CustomerData, today: date) -> Answer:
    """Spending forecast for the period ahead (default next month): each month's forecast
    from the complete months before this one, prorated by the days of it the period holds
    ("next week", "the next 10 days"); months of it already over count what was spent."""
    cur = data.currency
    target = query.period or Period(
        add_months(month_start(today), 1),
        month_end(add_months(month_start(today), 1)),
        "next month",
    )
    first = add_months(month_start(today), -24)
    months = [add_months(first, i) for i in range(24)]
    values = [float(v) for v in S.series(data.transactions, cur, months, _match(query))]
    start = next((i for i, v in enumerate(values) if v), len(values))
    values, months = values[start:], months[start:]
    if not values:
        text = "历史数据不足，无法预测。" if _zh(query) else "Not enough history to forecast."
        return _answer(query, text, 0, cur, target, {})
    # horizon 1 is this month (the series ends with the last complete month)
    last = month_start(target.end)
    horizon = max((last.year - today.year) * 12 + last.month - today.month + 1, 1)
    predicted = F.forecast_values(values, [m.month for m in months], horizon)
    base_values = F.seasonal_naive(values, horizon)
    value = low = high = base = 0.0
    month = month_start(target.start)
    while month <= last:
        h = (month.year - today.year) * 12 + month.month - today.month
        days = (min(target.end, month_end(month)) - max(target.start, month)).days + 1
        share = days / month_end(month).day
        # a month already over counts what was spent in it
        known = (values[h],) * 3 if -len(values) <= h < 0 else predicted[max(h, 0)]
        value, low, high = (x + share * y for x, y in zip((value, low, high), known, strict=True))
        base += share * (values[h] if h < 0 and -len(values) <= h else base_values[max(h, 0)])
        month = add_months(month, 1)
    one_month = target.start.day == 1 and target.end == month_end(target.start)
    when = (
        f"in {target.start.strftime('%B %Y')}"
        if one_month
        else f"from {target.start.isoformat()} to {target.end.isoformat()}"
    )
    amounts = [fmt(round(x), cur) for x in (value, low, high)]
    text = (
        f"预计 {target.start.isoformat()} 至 {target.end.isoformat()} 你在{_what(query)}上的支出约为 "
        f"{amounts[0]}（80% 区间 {amounts[1]} 至 {amounts[2]}）。"
        if _zh(query)
        else f"I expect about {amounts[0]} of spending on {_what(query)} {when} "
        f"(80% range {amounts[1]} to {amounts[2]})."
    )
    return _answer(query, text, round(value), cur, target, {
        "low": round(low), "high": round(high), "seasonal_naive": round(base),
        "history_months": len(values), "chart": "forecast",
    })  # fmt: skip


NO_NUMBER = {
    "order": (
        "No number answers this: I only answer questions about your money and do not carry "
        "out orders (transfers, payments, cards). Use the app for that.",
        "这个问题没有可以给出的数字：我只回答关于你的钱的问题，不执行转账、付款或卡片操作，请在应用里操作。",
    ),
    "not_in_data": (
        "No number answers this from your data: it holds your transactions, balance, budgets "
        "and goals, not credit scores, interest or exchange rates.",
        "你的数据里没有能回答这个问题的数字：这里只有你的交易、余额、预算和目标，没有信用分、利率或汇率。",
    ),
    "too_far_ahead": (
        "No number answers this: I forecast spending at most a year ahead.",
        "这个问题没有可以给出的数字：支出预测最多只到一年以后。",
    ),
    "amount_filter": (
        "No number answers this: I answer totals, counts and rankings of your spending, not "
        "lists of payments picked by their size.",
        "这个问题没有可以给出的数字：我回答支出的合计、次数和排名，不按单笔金额筛选付款。",
    ),
    "when_paid": (
        "No number answers this: I answer how much and how many times, not on which date a "
        "payment went out. Your transaction list in the app shows the dates.",
        "这个问题没有可以给出的数字：我回答金额和次数，不回答某笔付款是哪天扣的，请在应用的交易记录里查看日期。",
    ),
    None: (
        "I did not understand the question, so no number answers it. Try: how much did I "
        "spend on groceries last month? what are my subscriptions? can I afford a 500 EUR "
        "laptop this month?",
        "我没听懂这个问题，所以没有数字可以回答。可以问：上个月我在餐饮上花了多少钱？我有哪些订阅？",
    ),
}


def unknown(query: Query, data: CustomerData, today: date) -> Answer:
    """No number answers the question: say so, and why (``data.reason``)."""
    english, chinese = NO_NUMBER.get(query.reason, NO_NUMBER[None])
    text = chinese if _zh(query) else english
    return _answer(query, text, None, None, None, {"reason": query.reason or "not_understood"})


HANDLERS: dict[str, Callable[[Query, CustomerData, date], Answer]] = {
    "spend_in_category": spend,
    "spend_at_merchant": spend,
    "spend_total": spend,
    "savings": savings,
    "transaction_count": count,
    "income": income,
    "subscriptions": subscriptions,
    "affordability": affordability,
    "goal_progress": goal_progress,
    "explain_period": explain_period,
    "balance": balance,
    "budget_status": budget_status,
    "top_categories": top,
    "top_merchants": top,
    "largest_transaction": H.extreme,
    "smallest_transaction": H.extreme,
    "top_months": H.top_months,
    "upcoming_bills": H.upcoming_bills,
    "forecast": forecast,
    "compare": compare,
    "compare_items": compare_items,
    "share": share,
    "unknown": unknown,
}


def answer(query: Query, data: CustomerData, today: date) -> Answer:
    return HANDLERS[query.intent](query, data, today)
