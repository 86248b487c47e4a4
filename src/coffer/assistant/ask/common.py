"""What every answer shares: its shape, the period and transactions a query covers, and how
a sentence names them (English and Chinese)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from coffer.assistant.ask.parser import Query
from coffer.assistant.ask.spans import MONTH_NAMES, Period, add_months, month_end, month_start
from coffer.assistant.models import CustomerData, Txn

Answer = dict[str, Any]


def _answer(
    query: Query,
    text: str,
    value: Any,
    currency: str | None,
    period: Period | None,
    data: dict[str, Any],
) -> Answer:
    return {
        "answer": text,
        "intent": query.intent,
        "value": value,
        "currency": currency,
        "period": period.as_dict() if period else None,
        "data": data,
    }


def _in(period: Period) -> str:
    """``"in March 2026"``, ``"last month"``: a period in an English sentence."""
    if period.label.startswith(("this ", "last ", "the ", "since ", "next ", "today", "yesterday")):
        return period.label
    return f"in {period.label}"


ZH_LABELS = {
    "today": "今天", "yesterday": "昨天", "the day before yesterday": "前天",
    "this week": "本周", "last week": "上周", "this month": "本月", "last month": "上个月",
    "next month": "下个月", "next week": "下周", "the weekend": "周末", "the last 6 months": "最近6个月",
    "the last 12 months": "最近12个月", "since your first transaction": "有记录以来",
}  # fmt: skip


_MONTH_NUMBER = {name: number for number, name in enumerate(MONTH_NAMES) if name}
_ZH_UNITS = {"days": "天", "weeks": "周", "months": "个月", "years": "年"}
_ZH_PATTERNS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"the (?:past|last) (\d+) (days|weeks|months|years)", lambda m: f"最近{m[1]}{_ZH_UNITS[m[2]]}"),
    (r"the next (\d+) (days|weeks|months)", lambda m: f"未来{m[1]}{_ZH_UNITS[m[2]]}"),
    (r"(\d{4}) so far", lambda m: f"{m[1]}年至今"),
    (r"(\d{4})", lambda m: f"{m[1]}年"),
    (r"Q([1-4]) (\d{4})", lambda m: f"{m[2]}年第{m[1]}季度"),
    (r"H([12]) (\d{4})", lambda m: f"{m[2]}年{'上' if m[1] == '1' else '下'}半年"),
    (r"([A-Z][a-z]+) (\d{4})", lambda m: f"{m[2]}年{_MONTH_NUMBER[m[1]]}月"),
    (r"since ([A-Z][a-z]+) (\d{4})", lambda m: f"{m[2]}年{_MONTH_NUMBER[m[1]]}月以来"),
    (r"since last month", lambda m: "上个月以来"),
    (r"(\d+) (?:weeks|days) ago", lambda m: m[0].replace(" weeks ago", "周前").replace(" days ago", "天前")),
)  # fmt: skip


def _zh_label(period: Period) -> str:
    """A period in a Chinese sentence: 上个月, 最近30天, 2025年3月; else its dates."""
    if period.label in ZH_LABELS:
        return ZH_LABELS[period.label]
    for pattern, render in _ZH_PATTERNS:
        found = re.fullmatch(pattern, period.label)
        if found:
            try:
                return render(found)
            except KeyError:  # a label that only looks like a month's
                break
    return f"{period.start.isoformat()} 至 {period.end.isoformat()} "


def _zh(query: Query) -> bool:
    return query.language == "zh"


def _period(query: Query, today: date, default: str = "this_month") -> Period:
    if query.period is not None:
        return query.period
    if default == "last_month":
        start = add_months(month_start(today), -1)
        return Period(start, month_end(start), "last month")
    if default == "last_12_months":
        start = add_months(month_start(today), -12)
        return Period(start, month_start(today) - timedelta(days=1), "the last 12 months")
    return Period(month_start(today), today, "this month")


def _window(
    query: Query, data: CustomerData, today: date, default: str = "this_month"
) -> tuple[Period, str, list[Txn]]:
    """The question's period (else ``default``), the home currency and the transactions."""
    period = _period(query, today, default)
    return period, data.currency, data.between(period.start, period.end)


def _match(query: Query) -> Callable[[Txn], bool]:
    topics = list(query.topics)
    merchants = {m.lower() for m in query.merchants}

    excluded_topics = list(query.exclude_topics)
    excluded_merchants = {m.lower() for m in query.exclude_merchants}

    def match(t: Txn) -> bool:
        if query.weekends and t.date.weekday() < 5:
            return False
        if (t.merchant or "").lower() in excluded_merchants or any(
            topic.matches(t.primary, t.detailed) for topic in excluded_topics
        ):
            return False
        named = (t.merchant or "").lower() in merchants
        in_topic = any(topic.matches(t.primary, t.detailed) for topic in topics)
        if query.any_of and merchants and topics:
            return named or in_topic
        if merchants and not named:
            return False
        return not topics or in_topic

    return match


def _covers(query: Query, count: int, period: Period, currency: str) -> str:
    span = f"{period.start.isoformat()} to {period.end.isoformat()}"
    if _zh(query):
        span = span.replace(" to ", " 至 ")
        return f"（{span}{'，仅周末' if query.weekends else ''}，{count} 笔交易，{currency}）"
    if query.weekends:
        span += ", weekends only"
    plural = "s" if count != 1 else ""
    return f" ({span}, {count} transaction{plural}, {currency})"


def _what(query: Query) -> str:
    if _zh(query):
        names = [t.chinese[0] if t.chinese else t.name for t in query.topics]
    else:
        names = [t.name for t in query.topics]
    names += list(query.merchants)
    if not names:
        return "所有消费" if _zh(query) else "everything"
    return "、".join(names) if _zh(query) else " and ".join(names)


def _average_period(query: Query, today: date) -> tuple[Period, int]:
    """The months an average is taken over: the complete months of the period asked (all
    of it when it holds no complete month), or the 12 complete months before this one (a
    whole year: every season once); and how many months that is."""
    if query.period is not None and query.period_given:
        p = query.period
        if p.start < month_start(today) <= p.end:  # "this year": its complete months
            p = Period(p.start, month_start(today) - timedelta(days=1), p.label)
        months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1
        return p, max(months, 1)
    start = add_months(month_start(today), -12)
    return Period(start, month_start(today) - timedelta(days=1), "the last 12 months"), 12
