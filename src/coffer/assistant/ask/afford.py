"""Affordability: "can I afford a 500 EUR laptop", "能买得起一个3000块的手机吗". The balance
plus expected income, less bills, usual spending until the month's end (or the period asked)
and the price. A price in another currency is converted at the rate Coffer holds (``coffer.fx``
through the service's rate source); without a rate the answer says so and compares nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from coffer.assistant import spending as S
from coffer.assistant.ask.common import Answer, _answer, _zh
from coffer.assistant.ask.parser import Query
from coffer.assistant.ask.spans import Period, month_end
from coffer.assistant.home_currency import convert_amount
from coffer.assistant.models import CustomerData
from coffer.assistant.money import fmt
from coffer.assistant.recurring import expected_between


def _variable_daily(data: CustomerData, today: date, recurring_ids: set[str]) -> int:
    since = today - timedelta(days=90)
    variable = -sum(
        t.amount for t in data.transactions
        if t.currency == data.currency and since < t.date <= today and S.is_spending(t)
        and t.id not in recurring_ids
    )  # fmt: skip
    return max(variable // 90, 0)


def _price(query: Query, data: CustomerData, today: date) -> tuple[int, dict[str, Any]] | None:
    """The price in the wallet's currency and how it was converted, or None when it is in
    another currency without a known rate (raw numbers are never compared across currencies)."""
    cur, price = data.currency, query.amount or 0
    if not query.currency or query.currency == cur:
        return price, {}
    found = data.rates(query.currency, cur, today) if data.rates is not None else None
    if found is None:
        return None
    rate, day, source = found
    return convert_amount(price, query.currency, cur, rate), {
        "price_original": price, "price_currency": query.currency,
        "price_fx": {"base": query.currency, "quote": cur, "rate": str(round(float(rate), 8)),
               "rate_date": day.isoformat(), "source": source},
    }  # fmt: skip


def affordability(query: Query, data: CustomerData, today: date) -> Answer:
    cur = data.currency
    priced = _price(query, data, today)
    if priced is None:
        other = str(query.currency)
        text = (
            f"价格是 {other}，不是你钱包的 {cur}，也没有 {other}/{cur} 汇率，无法比较。"
            if _zh(query)
            else f"The price is in {other}, not your wallet's {cur}, and no {other}/{cur} "
            "exchange rate is known, so I can't compare them."
        )
        return _answer(query, text, None, None, None, {
            "price": query.amount, "price_currency": other, "price_fx": None,
        })  # fmt: skip
    price, converted = priced
    end = month_end(today)
    if query.period is not None and query.period.end > end:
        end = query.period.end
    series = [s for s in data.recurring(today) if s.currency == cur]
    upcoming = expected_between(series, today + timedelta(days=1), end)
    bills = -sum(s.next_amount for _, s in upcoming if s.next_amount < 0)
    incoming = sum(s.next_amount for _, s in upcoming if s.next_amount > 0)
    recurring_ids = {i for s in series for i in s.transaction_ids}
    days_left = (end - today).days
    variable = _variable_daily(data, today, recurring_ids) * days_left
    headroom = data.balance + incoming - bills - variable - price
    affordable = headroom >= 0
    detail = (
        f"balance {fmt(data.balance, cur)} + expected income {fmt(incoming, cur)} - bills "
        f"{fmt(bills, cur)} - usual spending {fmt(variable, cur)} until {end.isoformat()}"
    )
    if _zh(query):
        verdict = "可以" if affordable else "不太可以"
        detail = (
            f"余额 {fmt(data.balance, cur)} + 预计收入 {fmt(incoming, cur)} - 账单 {fmt(bills, cur)}"
            f" - 日常开销 {fmt(variable, cur)}，截至 {end.isoformat()}"
        )
        text = f"{verdict}：买完后到 {end.isoformat()} 预计还剩 {fmt(headroom, cur)}（{detail}）。"
    else:
        verdict = "Yes" if affordable else "Not comfortably"
        text = f"{verdict}: after buying it you would have about {fmt(headroom, cur)} left by {end.isoformat()} ({detail})."
    if converted:
        fx = converted["price_fx"]
        original = fmt(converted["price_original"], fx["base"])
        text += (
            f"{original} 按 {fx['source']} {fx['rate_date']} 的汇率约合 {fmt(price, cur)}。"
            if _zh(query)
            else f" {original} is about {fmt(price, cur)} at the {fx['source']} rate of {fx['rate_date']}."
        )
    return _answer(query, text, headroom, cur, Period(today, end, "until month end"), {
        "affordable": affordable,
        "price": price,
        "balance": data.balance,
        "expected_income": incoming,
        "expected_bills": bills,
        "expected_spending": variable,
        "upcoming": [{"date": d.isoformat(), "name": s.name, "amount": s.next_amount} for d, s in upcoming],
        **converted,
    })  # fmt: skip
