"""Questions about money that no number of the assistant answers, so the parser says so
(intent ``unknown``) rather than answer a nearby question: payments filtered by their own
size ("purchases over 100 euros", 超过100欧的消费; a total over a period is a sum, not a
list of payments) and when a payment happened or how far apart ("when did I last pay
Vodafone", 上次交话费是什么时候, 多久喝一次星巴克)."""

from __future__ import annotations

_ITEMS_EN = r"(?:purchases|payments|transactions|expenses|charges|spends|buys|items|things|bills)"
_ABOVE_EN = (
    r"(?:over|above|under|below|more than|less than|greater than|bigger than|larger than|"
    r"cheaper than|exceeding|at least|at most)"
)
_ITEMS_ZH = r"(?:消费|支出|交易|付款|开销|账单|花费|东西|买卖)"
_CURRENCY_ZH = r"(?:欧元?|块钱?|元|刀|美元|英镑|eur|€)?"
# payments picked by their size: each payment's amount set against a threshold
AMOUNT_FILTER = (
    rf"\b{_ITEMS_EN}\b(?:\s+\w+){{0,3}}?\s+(?:of\s+)?{_ABOVE_EN}\s*(?:eur|€|\$|£)?\s*\d|"
    rf"\b{_ITEMS_EN}\s*[<>]\s*(?:eur|€|\$|£)?\s*\d|"
    rf"\d+\s*(?:eur|euros?|€)?\s+or (?:more|less|above|below)\b|"
    rf"(?:超过|大于|高于|多于|低于|小于|少于|不到|不超过)\s*\d+(?:\.\d+)?\s*{_CURRENCY_ZH}\s*的\s*{_ITEMS_ZH}|"
    rf"\d+(?:\.\d+)?\s*{_CURRENCY_ZH}\s*以[上下]的\s*{_ITEMS_ZH}|"
    r"(?:单笔|每笔)\s*(?:超过|大于|高于|多于|低于|小于|少于)"
)
# the date of a payment or the time between payments
WHEN_PAID = (
    r"\bwhen (?:did|was|were|have) (?:i|my)\b.{0,30}\b(?:last|latest|most recent|previous|first)\b|"
    r"\bwhen (?:was|is) (?:my|the) (?:last|latest|most recent|previous|first)\b|"
    r"\b(?:last|latest|first) time (?:that )?i (?:paid|bought|went|spent|used|had)\b|"
    r"\bhow long (?:ago|since)\b|\bwhat date (?:did|was)\b|"
    r"(?:上次|上一次|最后一次|最近一次|第一次).{0,20}(?:什么时候|几时|哪天|哪一天|何时|几号)|"
    r"多久.{0,12}一次|隔多久"
)
UNANSWERED: tuple[tuple[str, str], ...] = (
    ("amount_filter", AMOUNT_FILTER),
    ("when_paid", WHEN_PAID),
)
