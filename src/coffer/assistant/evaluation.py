"""The measured question set: over 200 phrasings (paraphrases, typos, English and Chinese)
over the synthetic customer, each with its expected answer computed here directly from the
synthetic ground truth (plain loops and explicit dates, not the parser, the period grammar
or the answer engine). Used by ``bench/assistant_ask.py``, ``coffer assistant ask-eval``
and the tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from coffer.assistant.question_batches import Row, batches
from coffer.assistant.synthetic import Synthetic

__all__ = [
    "BATCHES",
    "Case",
    "cases",
    "heldout_cases",
    "judge",
    "run",
]

EXCLUDED = ("INCOME", "TRANSFER_IN", "TRANSFER_OUT")
# every held-out batch, by name (coffer/assistant/data/questions), each measured as written
# when it joined the set
BATCHES: tuple[tuple[str, list[Row]], ...] = batches()


@dataclass(frozen=True, slots=True)
class Case:
    question: str
    intent: str
    value: Any = None  # expected value (None: not checked)
    period: tuple[date, date] | None = None
    check: str = "value"  # value | intent | affordable


def _periods(today: date) -> dict[str, tuple[date, date]]:
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    last_month = (last_month_end.replace(day=1), last_month_end)
    monday = today - timedelta(days=today.weekday())

    def month(year: int, number: int) -> tuple[date, date]:
        nxt = date(year + number // 12, number % 12 + 1, 1)
        return date(year, number, 1), nxt - timedelta(days=1)

    def recent(number: int) -> tuple[date, date]:  # the latest such month begun by today
        return month(today.year, number) if number <= today.month else month(today.year - 1, number)

    def months_back(count: int) -> tuple[date, date]:  # N complete months before this one
        start = first
        for _ in range(count):
            start = (start - timedelta(days=1)).replace(day=1)
        return start, last_month_end

    jan = recent(1)
    year = today.year
    return {
        "last_month": last_month,
        "this_month": (first, today),
        "last_3_months": months_back(3),
        "this_year": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "january": jan,
        "december": month(today.year - 1, 12),
        "past_30_days": (today - timedelta(days=29), today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "since_january": (date(today.year, 1, 1), today),
        "march_2025": month(2025, 3),
        "october": recent(10),
        "february": recent(2),
        "july": recent(7),
        "two_months_ago": (months_back(2)[0], months_back(1)[0] - timedelta(days=1)),
        "last_2_weeks": (today - timedelta(days=13), today),
        "last_3_weeks": (today - timedelta(days=20), today),
        "past_7_days": (today - timedelta(days=6), today),
        "past_90_days": (today - timedelta(days=89), today),
        "past_365_days": (today - timedelta(days=364), today),
        "since_march": (recent(3)[0], today),
        "since_february": (recent(2)[0], today),
        "jan_to_mar": (date(year, 1, 1), min(month(year, 3)[1], today)),
        "nov_to_jan": (month(year - 1, 11)[0], month(year, 1)[1]),
        "last_6_months": months_back(6),
        "last_12_months": months_back(12),
        "year_before_last": (date(year - 2, 1, 1), date(year - 2, 12, 31)),
        "nov_2025": month(2025, 11),
        "dec_2024": month(2024, 12),
        "q1_2025": (date(2025, 1, 1), date(2025, 3, 31)),
        "march_last_year": month(year - 1, 3),
        "last_quarter": (date(year - 1, 10, 1), date(year - 1, 12, 31)),
        "h2_last_year": (date(year - 1, 7, 1), date(year - 1, 12, 31)),
        "last_summer": (date(year - 1, 6, 1), date(year - 1, 8, 31)),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "day_before_yesterday": (today - timedelta(days=2), today - timedelta(days=2)),
        "this_week": (monday, today),
        "week_before_last": (monday - timedelta(days=14), monday - timedelta(days=8)),
        "last_weekend": (monday - timedelta(days=2), monday - timedelta(days=1)),
        "feb_1_15": (date(year, 2, 1), date(year, 2, 15)),
        "march_3": (date(year, 3, 3), date(year, 3, 3)),
        "since_feb_10": (date(year, 2, 10), today),
        "last_2_months": months_back(2),
        "this_quarter": (date(year, 3 * ((today.month - 1) // 3) + 1, 1), today),
        "last_4_weeks": (today - timedelta(days=27), today),
        "since_last_month": (last_month[0], today),
        "today": (today, today),
        "march_1": (date(year, 3, 1), date(year, 3, 1)),
        "jan_31": (date(year, 1, 31), date(year, 1, 31)),
        "dec_31_last": (date(year - 1, 12, 31), date(year - 1, 12, 31)),
        "ytd_complete": (date(year, 1, 1), last_month_end),
        "ytd_last_year": (date(year - 1, 1, 1), today.replace(year=year - 1)),
        "this_month_last_year": (first.replace(year=year - 1), today.replace(year=year - 1)),
        "jan_to_feb": (date(year, 1, 1), month(year, 2)[1]),
        "next_week": (monday + timedelta(days=7), monday + timedelta(days=13)),
        "end_of_last_month": (last_month_end, last_month_end),
        "next_7_days": (today + timedelta(days=1), today + timedelta(days=7)),
        "next_2_weeks": (today + timedelta(days=1), today + timedelta(days=14)),
        "next_month": month(*((year, today.month + 1) if today.month < 12 else (year + 1, 1))),
        # holidays, the latest begun by today (explicit dates, not the parser's rules)
        "christmas": (date(year - 1, 12, 24), date(year - 1, 12, 26)),
        "easter": (date(2025, 4, 18), date(2025, 4, 21)),  # Good Friday to Easter Monday
        "spring_festival": (date(2026, 2, 16), date(2026, 2, 22)),  # 除夕 to 初六
        "national_day": (date(year - 1, 10, 1), date(year - 1, 10, 7)),
        "new_years_day": (date(year, 1, 1), date(year, 1, 1)),
        "valentines": (date(year, 2, 14), date(year, 2, 14)),
        # the Friday of last week (the latest Friday before today's week)
        "last_friday": (monday - timedelta(days=3), monday - timedelta(days=3)),
    }


EN_PERIODS = {
    "last_month": ["last month", "in the previous month", "last mnth"],
    "this_month": ["this month", "so far this month"],
    "last_3_months": ["over the last 3 months", "in the past three months"],
    "this_year": ["this year", "year to date"],
    "last_year": ["last year", "in the previous year"],
    "january": ["in January", "in jan"],
    "december": ["in December", "during December"],
    "past_30_days": ["in the past 30 days", "over the last 30 days"],
    "last_week": ["last week"],
    "since_january": ["since January"],
    "march_2025": ["in March 2025"],
    "october": ["in October"],
}
ZH_PERIODS = {
    "last_month": ["上个月", "上月"],
    "this_month": ["本月", "这个月"],
    "last_3_months": ["最近三个月", "过去3个月"],
    "this_year": ["今年"],
    "last_year": ["去年"],
    "january": ["一月", "1月"],
    "december": ["十二月"],
    "past_30_days": ["最近30天"],
    "last_week": ["上周"],
    "march_2025": ["2025年3月"],
}
# category words -> the codes they mean in the ground truth
CATEGORIES: list[tuple[list[str], list[str], tuple[str, ...]]] = [
    (["groceries", "grocery shopping", "the supermarket", "food shopping", "grocries", "groceris"],
     ["超市", "买菜"], ("FOOD_AND_DRINK_GROCERIES",)),
    (["restaurants", "eating out", "dining out", "resturants"], ["餐饮", "吃饭"],
     ("FOOD_AND_DRINK_RESTAURANT", "FOOD_AND_DRINK_FAST_FOOD")),
    (["coffee", "cafes", "cofee"], ["咖啡"], ("FOOD_AND_DRINK_COFFEE",)),
    (["taxis", "cabs"], ["打车"], ("TRANSPORTATION_TAXIS_AND_RIDE_SHARES",)),
    (["fuel", "petrol"], ["加油"], ("TRANSPORTATION_GAS",)),
    (["transport", "transportation"], ["交通"], ("TRANSPORTATION",)),
    (["rent"], ["房租"], ("RENT_AND_UTILITIES_RENT",)),
    (["my phone bill"], ["话费"], ("RENT_AND_UTILITIES_TELEPHONE",)),
    (["clothes", "clothing"], ["衣服"], ("GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",)),
    (["entertainment"], ["娱乐"], ("ENTERTAINMENT",)),
    (["travel", "trips"], ["旅行"], ("TRAVEL",)),
    (["shopping"], ["购物"], ("GENERAL_MERCHANDISE",)),
    (["the pharmacy", "medicine"], ["药店"], ("MEDICAL_PHARMACIES_AND_SUPPLEMENTS",)),
    (["the gym", "fitness"], ["健身"], ("PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",)),
    (["insurance"], ["保险"], ("GENERAL_SERVICES_INSURANCE",)),
    (["electricity", "energy"], ["电费"], ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",)),
]  # fmt: skip
EN_SPEND = [
    "how much did I spend on {c} {p}?",
    "what did I spend on {c} {p}",
    "{p}, how much went on {c}?",
    "total {c} spending {p}",
    "how much have i spent on {c} {p}",
    "how much did i spnd on {c} {p}",
    "How much money did I spend for {c} {p}?",
    "what was my {c} spend {p}?",
]
ZH_SPEND = [
    "{p}我在{c}上花了多少钱？",
    "{p}{c}花了多少",
    "{p}{c}的支出是多少？",
    "我{p}在{c}方面消费了多少？",
]


def _spend(s: Synthetic, period: tuple[date, date], match: Callable[[Any], bool]) -> int:
    total = 0
    for t in s.data.transactions:
        if period[0] <= t.date <= period[1] and t.primary not in EXCLUDED and match(t):
            total -= t.amount
    return total


def _merchant(name: str) -> Callable[[Any], bool]:
    return lambda t: bool(t.merchant == name)


def _codes(codes: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda t: t.detailed in codes or t.primary in codes


def cases(s: Synthetic) -> list[Case]:
    today = s.today
    periods = _periods(today)
    out: list[Case] = []
    keys = list(EN_PERIODS)
    n = 0
    for en_words, zh_words, codes in CATEGORIES:
        for word in en_words:
            for k in range(2):
                key = keys[(n * 5 + k * 7) % len(keys)]
                phrase = EN_PERIODS[key][(n + k) % len(EN_PERIODS[key])]
                template = EN_SPEND[(n + k * 3) % len(EN_SPEND)]
                n += 1
                out.append(Case(template.format(c=word, p=phrase), "spend_in_category",
                                _spend(s, periods[key], _codes(codes)), periods[key]))  # fmt: skip
        zh_keys = list(ZH_PERIODS)
        for word in zh_words:
            for k in range(3):
                key = zh_keys[(n * 3 + k * 5) % len(zh_keys)]
                phrase = ZH_PERIODS[key][(n + k) % len(ZH_PERIODS[key])]
                template = ZH_SPEND[(n + k) % len(ZH_SPEND)]
                n += 1
                out.append(Case(template.format(c=word, p=phrase), "spend_in_category",
                                _spend(s, periods[key], _codes(codes)), periods[key]))  # fmt: skip
    out.append(Case("上个月我在餐饮上花了多少钱？", "spend_in_category",
                    _spend(s, periods["last_month"], _codes(CATEGORIES[1][2])), periods["last_month"]))  # fmt: skip
    merchants = [("Lidl", "lidl"), ("Starbucks", "starbuks"), ("Uber", "uber"), ("Amazon", "amazon"),
                 ("Rewe", "REWE"), ("Zara", "zara"), ("Shell", "shell"), ("McDonald's", "mcdonalds")]  # fmt: skip
    m_templates = ["how much did I spend at {m} {p}?", "what did I pay {m} {p}", "how much went to {m} {p}",
                   "{p}我在{m}花了多少钱？"]  # fmt: skip
    for i, (name, word) in enumerate(merchants):
        for k in range(3):
            key = keys[(i * 3 + k) % len(keys)]
            template = m_templates[(i + k) % len(m_templates)]
            phrase = (
                (ZH_PERIODS.get(key) or ["上个月"])[0] if "我在" in template else EN_PERIODS[key][0]
            )
            period = (
                periods[key]
                if ("我在" not in template or key in ZH_PERIODS)
                else periods["last_month"]
            )
            out.append(Case(template.format(m=word, p=phrase), "spend_at_merchant",
                            _spend(s, period, _merchant(name)), period))  # fmt: skip
    income_q = [("how much did I earn {p}?", "en"), ("what was my income {p}", "en"),
                ("how much salary did I get {p}", "en"), ("{p}我的收入是多少？", "zh"),
                ("{p}赚了多少钱", "zh")]  # fmt: skip
    for i, (template, lang) in enumerate(income_q * 2):
        key = ["last_month", "last_year", "this_year", "last_3_months", "january"][i % 5]
        phrase = (ZH_PERIODS if lang == "zh" else EN_PERIODS)[key][0]
        value = sum(t.amount for t in s.data.transactions
                    if periods[key][0] <= t.date <= periods[key][1] and t.primary == "INCOME")  # fmt: skip
        out.append(Case(template.format(p=phrase), "income", value, periods[key]))
    balance = s.opening_balance + sum(t.amount for t in s.data.transactions)
    for q in ["what's my balance?", "how much money do I have?", "what is my current balance",
              "balnce?", "how much money is left in my wallet", "我的余额是多少？", "我还有多少钱？"]:  # fmt: skip
        out.append(Case(q, "balance", balance))
    for q in ["what are my subscriptions?", "list my subscriptions", "which recurring payments do I have?",
              "show me my direct debits", "what subscritions am i paying for", "我有哪些订阅？",
              "我的定期扣款有哪些", "what regular payments do I have"]:  # fmt: skip
        out.append(Case(q, "subscriptions", s.subscriptions_monthly))
    for q, ok in [("can I afford a 50 EUR dinner this month?", True),
                  ("can i afford a €20 book", True),
                  ("can I afford a 5000000 EUR house this month?", False),
                  ("could I afford a 9,000,000 euro yacht?", False),
                  ("can I aford a 30 eur gift", True),
                  ("我买得起一台5000000欧元的房子吗？", False),
                  ("我能买一个20欧元的东西吗", True),
                  ("do I have enough money for a 1000000 EUR boat?", False)]:  # fmt: skip
        out.append(Case(q, "affordability", ok, None, "affordable"))
    for q, goal in [("how is my holiday goal going?", "Holiday"), ("how's my holiday fund doing", "Holiday"),
                    ("progress on my holiday savings goal", "Holiday"), ("how is my emergency fund goal?", "Emergency fund"),
                    ("我的度假目标进展如何？", None), ("how close am I to my holday goal", "Holiday")]:  # fmt: skip
        if goal is None:
            out.append(Case(q, "goal_progress", None, None, "intent"))
        else:
            out.append(Case(q, "goal_progress", s.goal_saved[goal]))
    for q, key in [("why was December so expensive?", "december"), ("why did I spend so much last month?", "last_month"),
                   ("why was last month so expensive", "last_month"), ("explain my spending in October", "october"),
                   ("为什么上个月花了这么多？", "last_month"), ("why was january so expensive", "january")]:  # fmt: skip
        out.append(Case(q, "explain_period", _spend(s, periods[key], lambda t: True), periods[key]))
    for q, key in [("what were my top categories last month?", "last_month"),
                   ("where did my money go last year?", "last_year"),
                   ("top spending categories this year", "this_year"),
                   ("what did I spend the most on in December?", "december"),
                   ("上个月我花得最多的是什么？", "last_month")]:  # fmt: skip
        totals: dict[str, int] = {}
        for t in s.data.transactions:
            if (
                periods[key][0] <= t.date <= periods[key][1]
                and t.primary not in EXCLUDED
                and t.amount < 0
            ):
                totals[t.primary or ""] = totals.get(t.primary or "", 0) - t.amount
        out.append(Case(q, "top_categories", max(totals.values()), periods[key]))
    groceries = next(b for b in s.data.budgets if b.category == "FOOD_AND_DRINK_GROCERIES")
    assert groceries.start_month is not None
    months = (
        (today.year - groceries.start_month.year) * 12
        + today.month
        - groceries.start_month.month
        + 1
    )
    spent_since = _spend(s, (groceries.start_month, today), _codes(("FOOD_AND_DRINK_GROCERIES",)))
    grocery_left = groceries.amount * months - spent_since
    restaurant_left = 15000 - _spend(
        s, periods["this_month"], _codes(("FOOD_AND_DRINK_RESTAURANT",))
    )
    for q, value in [("how is my groceries budget?", grocery_left), ("am I over budget on groceries?", grocery_left),
                     ("how much is left in my grocery budget", grocery_left), ("超市预算还剩多少？", grocery_left),
                     ("how is my restaurant budget doing", restaurant_left)]:  # fmt: skip
        out.append(Case(q, "budget_status", value))
    for q in ["forecast my spending next month", "how much will I spend on groceries next month?",
              "predict my restaurant spending next month", "预测下个月的支出", "what is my projected spending next month"]:  # fmt: skip
        nxt = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = (nxt.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        out.append(Case(q, "forecast", None, (nxt, end), "intent"))
    for q, key in [("what was my biggest purchase last year?", "last_year"),
                   ("largest expense last month", "last_month"),
                   ("what was the most expensive thing I bought this year", "this_year")]:  # fmt: skip
        value = max(-t.amount for t in s.data.transactions
                    if periods[key][0] <= t.date <= periods[key][1] and t.amount < 0 and t.primary not in EXCLUDED)  # fmt: skip
        out.append(Case(q, "largest_transaction", value, periods[key]))
    return out


@dataclass
class Outcome:
    case: Case
    answer: dict[str, Any]
    ok: bool
    seconds: float


def judge(case: Case, answer: dict[str, Any]) -> bool:
    if answer.get("intent") != case.intent:
        return False
    if case.period is not None:
        period = answer.get("period") or {}
        if (period.get("start"), period.get("end")) != (
            case.period[0].isoformat(),
            case.period[1].isoformat(),
        ):
            return False
    if case.check == "affordable":
        return bool(answer.get("data", {}).get("affordable")) is bool(case.value)
    if case.check == "intent":
        return True
    return bool(answer.get("value") == case.value)


def run(ask: Callable[[str], dict[str, Any]], items: Iterable[Case]) -> list[Outcome]:
    out = []
    for case in items:
        started = time.perf_counter()
        answer = ask(case.question)
        out.append(Outcome(case, answer, judge(case, answer), time.perf_counter() - started))
    return out


def _match_target(target: str | tuple[str, ...] | None) -> Callable[[Any], bool]:
    if isinstance(target, tuple):
        return _codes(target)
    if isinstance(target, str) and target.startswith("-"):  # everything but these
        kept = _match_target(tuple(target[1:].split(",")) if target[1] != "@" else target[1:])
        return lambda t: not kept(t)
    if isinstance(target, str) and target.startswith("@"):
        return _merchant(target[1:])
    return lambda t: True


def _months_in(period: tuple[date, date]) -> int:
    start, end = period
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _budget_left(s: Synthetic, category: str) -> int:
    """What is left of a budget this month: with rollover, every month's amount since the
    budget began minus what was spent since; without, this month's amount minus this
    month's spending."""
    budget = next(b for b in s.data.budgets if b.category == category)
    assert budget.start_month is not None
    first = s.today.replace(day=1)
    start = budget.start_month if budget.rollover else first
    months = _months_in((start, s.today))
    return budget.amount * months - _spend(s, (start, s.today), _codes((category,)))


def _expected(
    s: Synthetic, intent: str, target: Any, period: tuple[date, date], weekends: bool = False
) -> int:
    """Money values of the questions over a period (spent, income, counts, rankings,
    balance at its end); ``weekends`` keeps Saturdays and Sundays only."""
    txns = s.data.transactions
    if intent == "balance":
        return s.opening_balance + sum(t.amount for t in txns if t.date <= period[1])
    rows = [t for t in txns if period[0] <= t.date <= period[1]]
    if weekends:
        rows = [t for t in rows if t.date.weekday() >= 5]
    spending = [t for t in rows if t.primary not in EXCLUDED and t.amount < 0]
    income = sum(t.amount for t in rows if t.primary == "INCOME")
    if intent == "income":
        return income
    if intent == "savings":
        return income + sum(t.amount for t in rows if t.primary not in EXCLUDED)
    if intent == "transaction_count":
        return sum(1 for t in spending if _match_target(target)(t))
    if intent == "largest_transaction":
        return max(-t.amount for t in spending)
    if intent == "smallest_transaction":
        return min(-t.amount for t in spending)
    if intent == "top_months":
        months: dict[tuple[int, int], int] = {}
        for t in spending:
            months[(t.date.year, t.date.month)] = (
                months.get((t.date.year, t.date.month), 0) - t.amount
            )
        return max(months.values())
    if intent in ("top_categories", "top_merchants"):
        totals: dict[str, int] = {}
        for t in spending:
            key = (t.merchant if intent == "top_merchants" else t.primary) or ""
            totals[key] = totals.get(key, 0) - t.amount
        return max(totals.values())
    match = _match_target(target)
    return -sum(t.amount for t in rows if t.primary not in EXCLUDED and match(t))


def heldout_cases(s: Synthetic, rows: Iterable[Row] | None = None) -> list[Case]:
    """Held-out phrasings (default: the first batch) with their expected answers, computed
    from the ground truth as :func:`cases` computes them."""
    periods = _periods(s.today)
    base: dict[str, Case] = {}
    for case in cases(s):
        base.setdefault(case.intent, case)
    out = []
    for question, intent, target, key in BATCHES[0][1] if rows is None else rows:
        if key and key.startswith("avg:"):
            period = periods[key[4:]]
            total = _expected(s, intent, target, period)
            months = _months_in(period)
            mean = total // months if total >= 0 else -(-total // months)
            out.append(Case(question, intent, mean, period))
        elif key and key.startswith("cmp:"):
            _, recent, earlier = key.split(":")
            value = _expected(s, intent, target, periods[recent])
            value -= _expected(s, intent, target, periods[earlier])
            out.append(Case(question, intent, value, periods[recent]))
        elif intent == "share" and key:
            of = "income" if key.startswith("inc:") else "spend_total"
            period = periods[key.removeprefix("inc:")]
            part = _expected(s, "spend_in_category", target, period)
            whole = _expected(s, of, None, period)
            out.append(Case(question, intent, round(100 * part / whole, 1), period))
        elif intent == "compare_items" and isinstance(target, str) and key:
            first, second = (
                part if part.startswith("@") else tuple(part.split(","))
                for part in target.split("|")
            )
            period = periods[key]
            value = _expected(s, "spend_at_merchant", first, period)
            value -= _expected(s, "spend_at_merchant", second, period)
            out.append(Case(question, intent, value, period))
        elif key and key.startswith("wkd:"):
            period = periods[key[4:]]
            value = _expected(s, intent, target, period, weekends=True)
            out.append(Case(question, intent, value, period))
        elif intent == "forecast" and key:
            out.append(Case(question, intent, None, periods[key], "intent"))
        elif intent == "upcoming_bills":
            ahead = periods[key] if key else None
            out.append(Case(question, intent, _upcoming_bills(s, ahead), ahead))
        elif key is not None:
            period = periods[key]
            out.append(Case(question, intent, _expected(s, intent, target, period), period))
        elif intent == "goal_progress" and isinstance(target, str):
            out.append(Case(question, intent, s.goal_saved[target[1:]]))
        elif intent == "affordability":
            out.append(Case(question, intent, target != "!no", None, "affordable"))
        elif intent == "budget_status":
            categories = target if isinstance(target, tuple) else ("FOOD_AND_DRINK_GROCERIES",)
            out.append(Case(question, intent, sum(_budget_left(s, c) for c in categories)))
        elif intent == "unknown":
            out.append(Case(question, intent, None))
        else:
            out.append(Case(question, intent, base[intent].value, base[intent].period,
                            base[intent].check))  # fmt: skip
    return out


def _upcoming_bills(s: Synthetic, period: tuple[date, date] | None = None) -> int:
    """Bills expected after today until the end of this month (or within ``period``): each
    recurring debit of the synthetic customer again one cadence (a month; a quarter for
    Allianz, a year for Amazon Prime) after it was paid, on the same day of the month."""
    from coffer.assistant.synthetic import RECURRING

    cadence = {"Allianz": 3, "Amazon Prime": 12}
    bills = {row[0] for row in RECURRING} | {"Netflix", "Amazon Prime", "Disney Plus"}
    today = s.today
    if period is None:
        period = (
            today,
            date(today.year + today.month // 12, today.month % 12 + 1, 1) - timedelta(days=1),
        )
    start, end = max(period[0], today + timedelta(days=1)), period[1]
    total = 0
    for t in s.data.transactions:
        if t.merchant not in bills:
            continue
        index = t.date.year * 12 + t.date.month - 1 + cadence.get(t.merchant or "", 1)
        due = date(index // 12, index % 12 + 1, t.date.day)
        total -= t.amount if start <= due <= end else 0
    return total
