"""A subset of the measured question set (bench/assistant_ask.py runs it all)."""

from __future__ import annotations

from datetime import date

import pytest

from coffer.assistant.evaluation import BATCHES, cases, heldout_cases, judge, run
from coffer.assistant.question_batches import Row, parse_batch
from coffer.assistant.service import ask_data
from coffer.assistant.synthetic import Synthetic


def test_question_set_subset(synthetic: Synthetic) -> None:
    items = cases(synthetic)
    assert len(items) >= 200
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in c.question) for c in items) >= 40
    subset = items[::4]
    outcomes = run(lambda q: ask_data(synthetic.data, q, synthetic.today), subset)
    wrong = [(o.case.question, o.answer["intent"], o.answer["value"]) for o in outcomes if not o.ok]
    assert len(wrong) <= 0.05 * len(subset), wrong


@pytest.mark.parametrize("rows", [rows for _, rows in BATCHES], ids=[n for n, _ in BATCHES])
def test_heldout_phrasings(synthetic: Synthetic, rows: list[Row]) -> None:
    items = heldout_cases(synthetic, rows)
    outcomes = run(lambda q: ask_data(synthetic.data, q, synthetic.today), items)
    wrong = [o.case.question for o in outcomes if not o.ok]
    assert len(wrong) <= 0.05 * len(outcomes), wrong


@pytest.mark.parametrize(
    ("rows", "size", "share"), [(BATCHES[1][1], 120, 0.4), (BATCHES[3][1], 150, 0.45)]
)
def test_the_unforeseen_batches_are_large_and_bilingual(
    rows: list[Row], size: int, share: float
) -> None:
    chinese = [r for r in rows if any("\u4e00" <= ch <= "\u9fff" for ch in r[0])]
    assert len(rows) >= size and len(chinese) >= share * len(rows)


def test_comparison_value_is_the_change(synthetic: Synthetic) -> None:
    from datetime import date

    data = synthetic.data

    def spent(start: date, end: date) -> int:
        return -sum(t.amount for t in data.transactions
                    if start <= t.date <= end and t.detailed == "FOOD_AND_DRINK_GROCERIES")  # fmt: skip

    answer = ask_data(data, "这个月超市比上个月多花了多少", synthetic.today)
    now, before = (
        spent(date(2026, 3, 1), date(2026, 3, 18)),
        spent(date(2026, 2, 1), date(2026, 2, 28)),
    )
    assert (answer["intent"], answer["value"], answer["currency"]) == (
        "compare",
        now - before,
        "EUR",
    )
    assert (
        answer["data"]["previous"]["amount"] == before
        and answer["data"]["current"]["amount"] == now
    )


def test_answer_shape_and_numbers(synthetic: Synthetic) -> None:
    data = synthetic.data
    answer = ask_data(data, "上个月我在餐饮上花了多少钱？", synthetic.today)
    assert answer["intent"] == "spend_in_category"
    assert answer["currency"] == "EUR"
    assert answer["period"] == {"start": "2026-02-01", "end": "2026-02-28"}
    expected = -sum(
        t.amount
        for t in data.transactions
        if t.date.month == 2 and t.date.year == 2026
        and t.detailed in ("FOOD_AND_DRINK_RESTAURANT", "FOOD_AND_DRINK_FAST_FOOD")
    )  # fmt: skip
    assert answer["value"] == expected and isinstance(answer["value"], int)
    assert answer["data"]["transactions"] > 0
    assert "2026-02-01" in answer["answer"]


def test_judge_rejects_a_wrong_value(synthetic: Synthetic) -> None:
    case = cases(synthetic)[0]
    answer = ask_data(synthetic.data, case.question, synthetic.today)
    assert judge(case, answer)
    assert not judge(case, {**answer, "value": answer["value"] + 1})


def test_affordability(synthetic: Synthetic) -> None:
    yes = ask_data(synthetic.data, "can I afford a 20 EUR book this month?", synthetic.today)
    no = ask_data(synthetic.data, "can I afford a 5000000 EUR house?", synthetic.today)
    assert yes["data"]["affordable"] and not no["data"]["affordable"]
    assert yes["value"] - no["value"] == 5000000_00 - 20_00
    assert yes["data"]["balance"] == synthetic.data.balance


def test_bills_are_rent_utilities_insurance_and_loans(synthetic: Synthetic) -> None:
    from coffer.assistant import spending as S
    from coffer.assistant.ask.vocabulary import BILL_CODES

    data, today = synthetic.data, synthetic.today
    rows = data.between(date(2026, 1, 1), date(2026, 2, 28))
    bills = S.matching(
        rows, data.currency, lambda t: t.primary in BILL_CODES or t.detailed in BILL_CODES
    )
    assert {"RENT_AND_UTILITIES", "GENERAL_SERVICES"} <= {t.primary for t in bills}  # insurance
    assert not any(t.merchant == "Netflix" for t in bills)  # a subscription is not a bill
    expected = -sum(t.amount for t in bills)
    for question in ("how much did I spend on bills from january to february 2026",
                     "2026年1月到2月账单花了多少"):  # fmt: skip
        answer = ask_data(data, question, today)
        assert (answer["intent"], answer["value"]) == ("spend_in_category", expected), question
    # the list of recurring payments and bills due are not narrowed to these categories
    assert ask_data(data, "list all my monthly bills", today)["intent"] == "subscriptions"
    assert (
        ask_data(data, "what bills are coming up", today)["data"]
        == ask_data(data, "upcoming payments", today)["data"]
    )


def test_subscriptions_and_goal(synthetic: Synthetic) -> None:
    subs = ask_data(synthetic.data, "what are my subscriptions?", synthetic.today)
    names = {item["name"] for item in subs["data"]["items"]}
    assert "Netflix" in names and "Disney Plus" not in names  # Disney was cancelled
    assert subs["value"] == synthetic.subscriptions_monthly
    goal = ask_data(synthetic.data, "how is my holiday goal going?", synthetic.today)
    assert goal["value"] == synthetic.goal_saved["Holiday"]
    assert goal["data"]["goals"][0]["name"] == "Holiday"


def test_unknown_questions_have_no_value(synthetic: Synthetic) -> None:
    answer = ask_data(synthetic.data, "what is the meaning of life?", synthetic.today)
    assert answer["intent"] == "unknown" and answer["value"] is None


def test_average_savings_and_count(synthetic: Synthetic) -> None:
    from datetime import date

    data = synthetic.data
    groceries = [t for t in data.transactions if t.detailed == "FOOD_AND_DRINK_GROCERIES"]
    year = [t for t in groceries if date(2025, 3, 1) <= t.date <= date(2026, 2, 28)]
    answer = ask_data(
        data, "how much do I spend on groceries per month on average?", synthetic.today
    )
    # no period: the 12 complete months before this one, said in the answer's period
    assert answer["data"]["average"] and answer["value"] == -sum(t.amount for t in year) // 12
    assert answer["period"] == {"start": "2025-03-01", "end": "2026-02-28"}
    feb = [t for t in data.transactions if date(2026, 2, 1) <= t.date <= date(2026, 2, 28)]
    income = sum(t.amount for t in feb if t.primary == "INCOME")
    spent = -sum(
        t.amount for t in feb if t.primary not in ("INCOME", "TRANSFER_IN", "TRANSFER_OUT")
    )
    saved = ask_data(data, "how much did I save last month?", synthetic.today)
    assert (saved["intent"], saved["value"]) == ("savings", income - spent)
    assert ask_data(data, "上个月存了多少钱", synthetic.today)["value"] == income - spent
    visits = ask_data(data, "how many times did I go to Starbucks last month?", synthetic.today)
    assert visits["intent"] == "transaction_count" and visits["currency"] is None
    assert visits["value"] == sum(1 for t in feb if t.merchant == "Starbucks")
    nxt = ask_data(data, "when is my next Netflix payment?", synthetic.today)
    assert nxt["intent"] == "subscriptions" and nxt["data"]["items"][0]["next_date"] == "2026-03-21"


def test_savings_rate_is_a_percent(synthetic: Synthetic) -> None:
    rate = ask_data(synthetic.data, "what's my savings rate last month", synthetic.today)
    saved = ask_data(synthetic.data, "how much did I save last month", synthetic.today)
    assert rate["currency"] is None and rate["intent"] == "savings"
    assert rate["value"] == saved["data"]["savings_rate_percent"]


def test_exclusions_transfers_payers_and_counts(synthetic: Synthetic) -> None:
    from datetime import date

    data, today = synthetic.data, synthetic.today
    feb = [t for t in data.transactions if date(2026, 2, 1) <= t.date <= date(2026, 2, 28)]
    spent = [t for t in feb if t.primary not in ("INCOME", "TRANSFER_IN", "TRANSFER_OUT")]
    no_rent = -sum(t.amount for t in spent if t.detailed != "RENT_AND_UTILITIES_RENT")
    for question in ("total spend excluding rent last month", "除了房租上个月花了多少"):
        answer = ask_data(data, question, today)
        assert (answer["intent"], answer["value"]) == ("spend_total", no_rent), question
    cash = ask_data(data, "how much cash did i withdraw last month", today)
    assert cash["value"] == -sum(t.amount for t in feb if t.detailed == "TRANSFER_OUT_WITHDRAWAL")
    acme = ask_data(data, "how much did I get from ACME last year", today)
    assert acme["intent"] == "income" and acme["value"] == sum(
        t.amount for t in data.transactions if t.date.year == 2025 and t.merchant == "ACME GmbH"
    )
    count = ask_data(data, "how many subscriptions do I have", today)
    assert count["currency"] is None and count["value"] == count["data"]["count"] > 0


def test_balance_on_a_past_date_and_bills_ahead(synthetic: Synthetic) -> None:
    from datetime import date

    data = synthetic.data
    day = date(2026, 3, 1)
    expected = synthetic.opening_balance + sum(t.amount for t in data.transactions if t.date <= day)
    answer = ask_data(data, "what was my balance on 1 March", synthetic.today)
    assert (answer["intent"], answer["value"], answer["period"]["end"]) == (
        "balance",
        expected,
        "2026-03-01",
    )
    bills = ask_data(data, "what bills are coming up", synthetic.today)
    assert bills["intent"] == "upcoming_bills" and bills["currency"] == "EUR"
    assert [i["name"] for i in bills["data"]["items"]] == ["Netflix"]


def test_questions_nobody_foresaw(synthetic: Synthetic) -> None:
    data, today = synthetic.data, synthetic.today

    def ask(question: str) -> dict[str, object]:
        return ask_data(data, question, today)

    # "send"/"sent" typed for "spend"/"spent"; with a recipient it stays an order
    assert ask("how much have i sent this month")["intent"] == "spend_total"
    assert ask("how much did i send on eating out last month")["intent"] == "spend_in_category"
    assert ask("send 50 euros to mom")["intent"] == "unknown"
    assert ask("how much money did i send my sister last month")["intent"] != "spend_total"
    # English words inside Chinese, traditional characters, "left in my acct"
    assert ask("我的holiday goal进度")["value"] == synthetic.goal_saved["Holiday"]
    assert ask("去年買機票花了多少")["data"]["categories"] == ["Flights"]  # type: ignore[index]
    assert ask("whats left in my acct")["intent"] == "balance"
    assert ask("did I save anything this year")["intent"] == "savings"
    bills = ask("下周有哪些要扣的费用")
    assert bills["intent"] == "upcoming_bills"
    assert bills["period"] == {"start": "2026-03-23", "end": "2026-03-29"}


def test_forecast_of_a_week_is_its_share_of_the_month(synthetic: Synthetic) -> None:
    data, today = synthetic.data, synthetic.today
    month = ask_data(data, "how much will I spend this month", today)
    week = ask_data(data, "how much will I spend next week", today)
    assert week["intent"] == "forecast"
    assert week["period"] == {"start": "2026-03-23", "end": "2026-03-29"}
    assert week["value"] == round(month["value"] * 7 / 31)
    year = ask_data(data, "forecast my spending this year", today)
    assert year["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    zh = ask_data(data, "下周预计会花多少", today)
    assert zh["value"] == week["value"] and "预计" in zh["answer"]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("what's my credit score", "not_in_data"),
        ("今天美元汇率多少", "not_in_data"),
        ("transfer 100 EUR to savings", "order"),
        ("how much will I spend in 2029", "too_far_ahead"),
        ("tell me a joke", "not_understood"),
    ],
)
def test_questions_without_a_number_say_so(
    synthetic: Synthetic, question: str, reason: str
) -> None:
    answer = ask_data(synthetic.data, question, synthetic.today)
    assert answer["intent"] == "unknown" and answer["value"] is None
    assert answer["data"] == {"reason": reason}
    assert "no number" in answer["answer"].lower() or "没有" in answer["answer"]


@pytest.mark.parametrize(
    ("question", "intent", "merchant"),
    [
        ("starbux this month", "spend_at_merchant", "Starbucks"),  # typed as it sounds
        ("lidle spending last month", "spend_at_merchant", "Lidl"),
        ("上個月使咗幾多錢", "spend_total", None),  # Cantonese
        ("呢個月食飯用咗幾多", "spend_in_category", None),
        (
            "I'm trying to budget - what do I usually spend on groceries each month?",
            "spend_in_category",
            None,
        ),
        ("how much money did I receive in january", "income", None),
        ("how much came into my account last month", "income", None),
        ("這個月的帳單還有哪些沒繳", "upcoming_bills", None),
        ("这个月钱都花在什么地方了", "top_categories", None),
    ],
)
def test_phrasings_of_the_eighth_batch(
    synthetic: Synthetic, question: str, intent: str, merchant: str | None
) -> None:
    answer = ask_data(synthetic.data, question, synthetic.today)
    assert answer["intent"] == intent
    if merchant:
        assert answer["data"]["merchants"] == [merchant]


def test_chinese_questions_get_chinese_answers(synthetic: Synthetic) -> None:
    def ask(question: str) -> str:
        return str(ask_data(synthetic.data, question, synthetic.today)["answer"])

    assert ask("近一个月买菜花了多少钱").startswith("最近30天你在买菜上花了")
    assert "2026-02-17 至 2026-03-18" in ask("近一个月买菜花了多少钱")
    assert ask("去年第四季度的支出").startswith("2025年第4季度")
    assert ask("今年在星巴克花了多少钱").startswith("2026年至今")
    assert ask("我的度假目标进度如何").startswith("Holiday：已存 2,100.00 EUR")
    assert ask("我平均每个月花多少钱").startswith("最近12个月你支出平均每月")
    assert "房租水电" in ask("上个月我花得最多的是什么？")
    assert ask("买菜预算还剩多少").startswith("买菜预算：本月已花")
    assert "余额" in ask("这个月我买得起500欧元的笔记本电脑吗")
    top = ask_data(synthetic.data, "上个月我花得最多的是什么？", synthetic.today)
    assert top["data"]["breakdown"][0]["name"] == "Rent and utilities"  # data stays in English
    assert ask("top categories last month").startswith("Top categories last month: Rent and")


def test_water_and_electricity_is_not_rent(synthetic: Synthetic) -> None:
    answer = ask_data(synthetic.data, "上个月水电费多少", synthetic.today)
    assert answer["value"] == 9500  # Vattenfall; no rent


def test_ever_starts_at_the_first_transaction(synthetic: Synthetic) -> None:
    first = min(t.date for t in synthetic.data.transactions).isoformat()
    for question in ("how much have i ever spent at lidl", "有史以来在Lidl花了多少"):
        answer = ask_data(synthetic.data, question, synthetic.today)
        assert answer["period"] == {"start": first, "end": synthetic.today.isoformat()}
        assert answer["value"] == -sum(
            t.amount for t in synthetic.data.transactions if t.merchant == "Lidl"
        )
    biggest = ask_data(synthetic.data, "biggest purchase of all time", synthetic.today)
    assert biggest["intent"] == "largest_transaction"
    assert biggest["period"]["start"] == first


def test_batch_files_parse_and_bad_lines_are_named() -> None:
    name, rows = parse_batch(
        "# name: sample\nquestion\tintent\ttarget\tperiod\n"
        "groceries last month\tspend_in_category\tFOOD_AND_DRINK_GROCERIES\tlast_month\n"
        "coffee vs lidl\tcompare_items\t@Lidl|FOOD_AND_DRINK_COFFEE\tthis_year\n"
        "my holiday goal\tgoal_progress\t#Holiday\t\n",
        "sample.tsv",
    )
    assert name == "sample"
    assert rows == [
        ("groceries last month", "spend_in_category", ("FOOD_AND_DRINK_GROCERIES",), "last_month"),
        ("coffee vs lidl", "compare_items", "@Lidl|FOOD_AND_DRINK_COFFEE", "this_year"),
        ("my holiday goal", "goal_progress", "#Holiday", None),
    ]
    with pytest.raises(ValueError, match=r"sample\.tsv:3"):
        parse_batch(
            "question\tintent\ttarget\tperiod\nok\tbalance\t\t\nbroken line\n", "sample.tsv"
        )
    with pytest.raises(ValueError, match="header"):
        parse_batch("q\ti\n", "sample.tsv")
    assert [name for name, _ in BATCHES][:2] == ["held-out phrasings", "unforeseen phrasings"]
    assert sum(len(rows) for _, rows in BATCHES) == 1604


# question | intent | period start | period end
PERIODS_AND_INTENTS = """
what was my balance on the first of march | balance | 2026-03-01 | 2026-03-01
total spend the week before last | spend_total | 2026-03-02 | 2026-03-08
spent since the start of last month | spend_total | 2026-02-01 | 2026-03-18
从上个月初到现在花了多少 | spend_total | 2026-02-01 | 2026-03-18
spending for march of 2025 | spend_total | 2025-03-01 | 2025-03-31
how much did I spend this month last year | spend_total | 2025-03-01 | 2025-03-31
this month vs this month last year | compare | 2026-03-01 | 2026-03-18
how much did I spend on music subscriptions last year | spend_in_category | 2025-01-01 | 2025-12-31
健身房会员费今年交了多少 | spend_in_category | 2026-01-01 | 2026-03-18
savings so far this year | savings | 2026-01-01 | 2026-03-18
easter weekend spending last year | spend_total | 2025-04-18 | 2025-04-21
how much did I spend last month vs the month before | compare | 2026-02-01 | 2026-02-28
bills this month still to come | upcoming_bills | 2026-03-19 | 2026-03-31
what bills are due this week | upcoming_bills | 2026-03-19 | 2026-03-22
spending estimate for april | forecast | 2026-04-01 | 2026-04-30
since christmas how much have I spent | spend_total | 2025-12-24 | 2026-03-18
春节以来花了多少 | spend_total | 2026-02-16 | 2026-03-18
how much in H2 2025 | spend_total | 2025-07-01 | 2025-12-31
total for the previous 30 days | spend_total | 2026-02-17 | 2026-03-18
how did my spending change from january to february | compare | 2026-02-01 | 2026-02-28
十二月开销大的原因 | explain_period | 2025-12-01 | 2025-12-31
what did i spend in marh 2025 | spend_total | 2025-03-01 | 2025-03-31
how much did I spend on msic last year | spend_in_category | 2025-01-01 | 2025-12-31
grocery spending 02/2026 | spend_in_category | 2026-02-01 | 2026-02-28
last-month groceries | spend_in_category | 2026-02-01 | 2026-02-28
"""


@pytest.mark.parametrize(
    ("question", "intent", "start", "end"),
    [tuple(part.strip() for part in line.split("|")) for line in PERIODS_AND_INTENTS.strip().splitlines()],
)  # fmt: skip
def test_periods_and_intents_of_the_eleventh_batch(
    synthetic: Synthetic, question: str, intent: str, start: str, end: str
) -> None:
    answer = ask_data(synthetic.data, question, synthetic.today)
    assert answer["intent"] == intent
    assert answer["period"] == {"start": start, "end": end}


def test_vocabulary_families_and_merchant_spellings(synthetic: Synthetic) -> None:
    def ask(question: str) -> dict[str, object]:
        return ask_data(synthetic.data, question, synthetic.today)

    easter = ask("easter weekend spending last year")  # the holiday's days, not only Sat/Sun
    assert easter["value"] == ask("how much did I spend over easter 2025")["value"]
    assert ask("Total at Media Markt in 2025")["data"]["merchants"] == ["MediaMarkt"]  # type: ignore[index]
    assert ask("spent at star bucks last month")["data"]["merchants"] == ["Starbucks"]  # type: ignore[index]
    assert ask("how much did I spent at Aldi's last month")["data"]["merchants"] == ["Aldi"]  # type: ignore[index]
    for amazon in ("amzn last month", "how much went to amaazn in feb"):  # vowels wrong or gone
        assert ask(amazon)["data"]["merchants"] == ["Amazon"]  # type: ignore[index]
    assert ask("can i aford a 2 milllion euro apartment")["data"]["affordable"] is False  # type: ignore[index]
    assert ask("去年在壳牌加油花了多少")["data"]["merchants"] == ["Shell"]  # type: ignore[index]
    assert ask("今年搭計程車花了多少")["intent"] == "spend_in_category"
    for taiwan, category in (("上個月的電信費", "Phone"), ("上個月網路費多少", "Internet"),
                             ("這個月手搖飲花多少", "Coffee"), ("上個月的瓦斯費", "Energy")):  # fmt: skip
        assert ask(taiwan)["data"]["categories"] == [category]  # type: ignore[index]
    assert ask("緊急預備金的進度")["value"] == synthetic.goal_saved["Emergency fund"]
    fuel = ask("how much did i spend on gas for the car last month")  # "car" only qualifies
    assert fuel["data"]["categories"] == ["Fuel"]  # type: ignore[index]
    assert ask("travel costs this year")["data"]["categories"] == ["Travel"]  # type: ignore[index]
    assert ask("上个月在宠物上花了多少")["value"] == 0  # a category the customer never paid
    assert ask("how much have i spent on my dog this year")["intent"] == "spend_in_category"
    assert ask("上个月的开支")["intent"] == "spend_total"
    assert ask("上个月一共刷了多少钱")["intent"] == "spend_total"
    assert ask("上个月收到多少钱")["intent"] == "income"
    assert ask("how much did my employer pay me in january")["intent"] == "income"
    monthly = ask("how much do I earn a month")["value"]  # the mean of 12 complete months
    assert monthly == ask("我一个月挣多少")["value"] == ask("what's my monthly income")["value"]
    assert ask("上个月剩了多少钱")["intent"] == ask("这个月攒下多少")["intent"] == "savings"
    assert ask("我的于额是多少")["intent"] == "balance"  # pinyin typed with a wrong character
    assert ask("上各月花了多少前")["period"] == {"start": "2026-02-01", "end": "2026-02-28"}
    assert ask("如果我买一个300欧的东西会不会超支")["intent"] == "affordability"
    assert ask("上半年花了多少")["period"] == {"start": "2026-01-01", "end": "2026-03-18"}
    assert ask("who did I pay the most last year")["intent"] == "top_merchants"
    assert ask("what drove my spending up in december")["intent"] == "explain_period"
    assert ask("could I buy a 1200 euro tv this month")["intent"] == "affordability"
    assert ask("what stocks should i buy")["intent"] == "unknown"
    for other in ("tell me about cats", "play some music", "推荐一个咖啡馆"):  # no money asked
        assert ask(other)["intent"] == "unknown"
    assert ask("coffee?")["intent"] == "spend_in_category"
    assert ask("would buying a 2000 euro bike be a problem")["intent"] == "affordability"
    assert ask("am I on track for my holiday")["intent"] == "goal_progress"
    assert ask("can I still afford to eat out this month")["intent"] == "budget_status"


def test_chinese_answers_are_chinese_throughout(synthetic: Synthetic) -> None:
    def ask(question: str) -> str:
        return str(ask_data(synthetic.data, question, synthetic.today)["answer"])

    subscriptions = ask("我有哪些订阅")
    assert "Netflix（每月 15.99 EUR，下次 2026-03-21）" in subscriptions
    assert "monthly" not in subscriptions and "next" not in subscriptions
    assert ask("这个月还有哪些待付的账单").endswith("Netflix 15.99 EUR（2026-03-21）。")
    assert ask("我能买得起一个500美元的手机吗").startswith("价格是 USD，不是你钱包的 EUR")
    assert ask("去年收入").endswith("EUR）。")
    assert "Lidl 157.31 EUR、Aldi 80.84 EUR" in ask("上个月在Lidl和Aldi哪个花得多")
    assert ask("2020年最大的一笔支出") == "这段时间没有消费。"
    english = ask("what are my subscriptions")
    assert "Netflix (15.99 EUR monthly, next 2026-03-21)" in english
